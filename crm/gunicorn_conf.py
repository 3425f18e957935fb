"""gunicorn settings for `make serve` (gunicorn -c crm/gunicorn_conf.py crm.wsgi); each one from the environment."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers, 2 x cores + 1 (5 on a 2-core machine): page work is CPU and database bound, and
# each worker keeps one persistent database connection (CONN_MAX_AGE).
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
# A request running longer than this is killed (the database's statement_timeout stops queries first).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Requests are logged one line each by crm.middleware.RequestLogMiddleware; gunicorn logs only errors.
accesslog = None
errorlog = "-"
# The proxy or load balancer in front, whose X-Forwarded-* headers are trusted.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Freeze what the worker loaded at start (Django, the app's modules) out of the garbage collector's reach.

    A full collection then walks only the objects requests made, not the 85,000
    loaded at start: on the development machine a full collection after
    django.setup() took 53 ms, and under 1 ms once they were frozen; in the page
    benchmark such a collection had added 60 to 150 ms to whichever request met it.
    """
    import gc

    gc.collect()
    gc.freeze()
