"""Probes for a load balancer: /healthz (the process and its database answer) and /readyz (ready for traffic)."""

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils.crypto import get_random_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def _database_answers(alias=DEFAULT_DB_ALIAS):
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


# Once this process has seen every migration applied it stops re-reading them: the
# migration files on disk do not change under a running process.
_all_migrations_seen_applied = False


def _migrations_applied(alias=DEFAULT_DB_ALIAS):
    global _all_migrations_seen_applied
    if _all_migrations_seen_applied:
        return True
    try:
        loader = MigrationExecutor(connections[alias]).loader
    except DatabaseError:
        return False
    # Every migration on disk is recorded as applied (not only the latest of each app).
    _all_migrations_seen_applied = set(loader.graph.nodes) <= set(loader.applied_migrations)
    return _all_migrations_seen_applied


def _cache_works():
    key = f"readyz:{get_random_string(12)}"
    try:
        cache.set(key, "ok", timeout=10)
        works = cache.get(key) == "ok"
        cache.delete(key)
        return works
    except Exception:  # any cache failure (connection refused, timeout) means not ready
        return False


def _answer(checks):
    ok = all(checks.values())
    results = {name: "ok" if passed else "fail" for name, passed in checks.items()}
    return JsonResponse({"status": "ok" if ok else "fail", "checks": results}, status=200 if ok else 503)


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """Say whether this process answers and its database answers (200 or 503)."""
    return _answer({"database": _database_answers()})


@login_not_required
@never_cache
@require_safe
def readyz(request):
    """Say whether this server is ready for traffic: database, migrations applied, cache (200 or 503)."""
    database = _database_answers()
    return _answer(
        {
            "database": database,
            "migrations": database and _migrations_applied(),
            "cache": _cache_works(),
        }
    )
