"""Production settings: `check --deploy` is clean, static files are hashed and served, the database is guarded."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3!v9Qz#t7Lr2Wp$8Xn4Bm6Jc0Hs5Df1Gy-production-test-key",
    "ALLOWED_HOSTS": "crm.example.com",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
    "DATABASE_URL": "postgres://crm@db.example.com:5432/crm",
}


def run_django(args, *, env_extra, **kwargs):
    """Run manage.py or python with a clean environment plus ``env_extra``; return the finished process."""
    # Not what this test process may carry: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for themselves.
    inherited = {"DEBUG", "SECRET_KEY", "REDIS_URL", "DATABASE_REPLICA_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in inherited}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, **kwargs
    )


def production_settings(**extra):
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'static': s.STORAGES['staticfiles']['BACKEND'], 'media': s.STORAGES['default']['BACKEND'],"
        "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'session_secure': s.SESSION_COOKIE_SECURE,"
        "'csrf_secure': s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS, 'proxy': s.SECURE_PROXY_SSL_HEADER,"
        "'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE'],"
        "'health_checks': s.DATABASES['default']['CONN_HEALTH_CHECKS'],"
        "'db_options': s.DATABASES['default']['OPTIONS'], 'cache': s.CACHES['default']['BACKEND'],"
        "'sessions': s.SESSION_ENGINE, 'middleware': s.MIDDLEWARE}))"
    )
    env = {**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "crm.settings", **extra}
    finished = run_django(["-c", script], env_extra=env)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


def test_check_deploy_passes_with_production_environment():
    finished = run_django(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env_extra=PRODUCTION_ENV
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "System check identified no issues" in finished.stdout


def test_check_deploy_warns_about_development_settings():
    """The check is meaningful: with the development defaults it fails."""
    finished = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env_extra={})
    assert finished.returncode != 0
    assert "security.W018" in finished.stderr  # DEBUG on


def test_production_settings_are_secure_and_tuned():
    chosen = production_settings()
    assert chosen["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert chosen["ssl_redirect"] and chosen["session_secure"] and chosen["csrf_secure"]
    assert chosen["hsts"] >= 31_536_000
    assert chosen["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert chosen["conn_max_age"] == 600 and chosen["health_checks"] is True
    assert chosen["db_options"] == {"options": "-c statement_timeout=30000"}
    assert chosen["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert chosen["sessions"] == "django.contrib.sessions.backends.db"
    assert chosen["media"] == "django.core.files.storage.FileSystemStorage"
    assert chosen["middleware"][:4] == [
        "crm.middleware.RequestLogMiddleware",
        "crm.middleware.DatabaseUnavailableMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]


def test_settings_from_the_environment_override_the_defaults():
    chosen = production_settings(
        DB_STATEMENT_TIMEOUT_MS="5000",
        CONN_MAX_AGE="60",
        HTTPS_ONLY="0",
        REDIS_URL="redis://127.0.0.1:6379/15",
        FILE_STORAGE_BACKEND="django.core.files.storage.InMemoryStorage",
    )
    assert chosen["db_options"] == {"options": "-c statement_timeout=5000"}
    assert chosen["conn_max_age"] == 60
    assert not chosen["ssl_redirect"] and not chosen["session_secure"] and chosen["hsts"] == 0
    assert chosen["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert chosen["sessions"] == "django.contrib.sessions.backends.cache"
    assert chosen["media"] == "django.core.files.storage.InMemoryStorage"


def test_statement_timeout_zero_turns_the_limit_off():
    assert production_settings(DB_STATEMENT_TIMEOUT_MS="0")["db_options"] == {}


def test_a_bad_number_in_the_environment_is_named():
    finished = run_django(
        ["manage.py", "check"], env_extra={**PRODUCTION_ENV, "DB_STATEMENT_TIMEOUT_MS": "30s"}
    )
    assert finished.returncode != 0
    assert "DB_STATEMENT_TIMEOUT_MS must be a whole number, not '30s'" in finished.stderr


def test_collected_static_files_are_hashed_compressed_and_served(tmp_path):
    """collectstatic with production settings, then whitenoise serves the hashed file with a long cache life."""
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path), "HTTPS_ONLY": "0"}
    collected = run_django(["manage.py", "collectstatic", "--no-input", "-v", "0"], env_extra=env)
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/crm.css"]
    assert hashed != "css/crm.css"
    assert (tmp_path / f"{hashed}.gz").exists()
    script = (
        "import django; django.setup(); from django.test import Client;"
        "from django.templatetags.static import static;"
        "url = static('css/crm.css'); response = Client().get(url, headers={'accept-encoding': 'gzip'});"
        "print(url, response.status_code, response['Cache-Control'], response.get('Content-Encoding'), sep='|')"
    )
    served = run_django(["-c", script], env_extra={**env, "DJANGO_SETTINGS_MODULE": "crm.settings"})
    assert served.returncode == 0, served.stderr
    url, status, cache_control, encoding = served.stdout.strip().split("|")
    assert url == f"/static/{hashed}"
    assert status == "200"
    assert "max-age=315360000" in cache_control
    assert encoding == "gzip"


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_connection_has_the_statement_timeout():
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'")
        assert int(cursor.fetchone()[0]) == settings.DB_STATEMENT_TIMEOUT_MS > 0


def test_gunicorn_workers_freeze_what_they_loaded_out_of_the_garbage_collectors_reach():
    import gc

    from crm import gunicorn_conf

    assert gc.get_freeze_count() == 0
    try:
        gunicorn_conf.post_worker_init(worker=None)
        # Django and the app's modules, loaded by now, are no longer walked by each full collection.
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
