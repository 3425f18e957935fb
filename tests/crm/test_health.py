"""The load balancer's probes: /healthz and /readyz answer without a login and tell the truth."""

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.urls import reverse

from crm import health


@pytest.mark.django_db
def test_healthz_answers_anonymous_visitors_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]
    assert reverse("healthz") == "/healthz"


@pytest.mark.django_db
def test_readyz_checks_database_migrations_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_readyz_is_not_ready_while_a_migration_is_unapplied(client, monkeypatch):
    monkeypatch.setattr(health, "_all_migrations_seen_applied", False)
    MigrationRecorder.Migration.objects.filter(app="crm", name="0004_cache_table").delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "fail", "cache": "ok"}


@pytest.mark.django_db
@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
)
def test_readyz_is_not_ready_when_the_cache_is_down(client):
    """A Redis nobody listens on (port 1): the probe fails instead of raising."""
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "fail"
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_probes_accept_only_safe_methods(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_are_not_redirected_to_https(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/login/").status_code == 301
