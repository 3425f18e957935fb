"""With REDIS_URL the cache and the sessions live in Redis; without it, in the database."""

import logging
import os

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.utils.crypto import get_random_string

REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CRM_REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (CI starts one)")
    return client


@pytest.fixture
def redis_settings(redis_client):
    """Django's Redis cache and cache-backed sessions, under a key prefix of this test's own."""
    prefix = f"crm-test-{get_random_string(8)}"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cache"):
        yield prefix
    for key in redis_client.scan_iter(f"{prefix}:*"):
        redis_client.delete(key)


@pytest.mark.django_db
def test_cache_values_are_stored_in_redis(redis_client, redis_settings):
    cache.set("greeting", "bună ziua", timeout=60)
    assert cache.get("greeting") == "bună ziua"
    assert redis_client.exists(f"{redis_settings}:1:greeting")


@pytest.mark.django_db
def test_a_signed_in_session_lives_in_redis_and_authenticates_requests(
    client, salesperson, redis_client, redis_settings, caplog
):
    client.force_login(salesperson)
    session_key = client.cookies["sessionid"].value
    stored = [key.decode() for key in redis_client.scan_iter(f"{redis_settings}:*")]
    # The key is written by Django's cache session store: "<prefix>:1:django.contrib.sessions.cache<key>".
    assert any(key.endswith(session_key) for key in stored), stored
    assert not DatabaseSessionStore().exists(session_key), "nothing written to the database session table"

    caplog.set_level(logging.INFO, logger="crm.requests")
    assert client.get("/healthz").status_code == 200
    [line] = [record.request_log for record in caplog.records if record.name == "crm.requests"]
    assert line["user_id"] == salesperson.pk

    client.logout()
    remaining = [key.decode() for key in redis_client.scan_iter(f"{redis_settings}:*")]
    assert not any(key.endswith(session_key) for key in remaining)


@pytest.mark.django_db
def test_readyz_checks_the_redis_cache(client, redis_settings):
    assert client.get("/readyz").json()["checks"]["cache"] == "ok"


@pytest.mark.django_db
def test_without_redis_the_cache_and_sessions_use_the_database(client, salesperson):
    if settings.REDIS_URL:
        pytest.skip("this run has REDIS_URL set")
    cache.set("greeting", "hello", timeout=60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM crm_cache")
        assert cursor.fetchone()[0] == 1
    client.force_login(salesperson)
    assert DatabaseSessionStore().exists(client.cookies["sessionid"].value)
