"""Send the reads of list and dashboard pages to a read replica, when one is configured.

A page opts in by running inside ``replica_reads()`` (a context manager and
decorator). Only then, and only for the CRM's own records, reads go to the
``replica`` alias; every write, every other read (detail pages, forms,
sessions, users, the task queue) and every migration stays on ``default``.
Detail pages read the primary so a user always sees a change they just made;
a list may lag the primary by the replication delay (usually well under a second).
"""

from contextlib import ContextDecorator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA_ALIAS = "replica"
# The apps whose records list and dashboard pages read.
REPLICATED_APPS = frozenset({"accounts", "contacts", "opportunities", "invoices"})

_use_replica = ContextVar("crm_use_replica", default=False)


def replica_configured():
    return REPLICA_ALIAS in settings.DATABASES


class replica_reads(ContextDecorator):  # noqa: N801 - used like a function: `with replica_reads():`
    """Within this block (or decorated view), CRM record reads go to the read replica if there is one."""

    def __enter__(self):
        self._token = _use_replica.set(True)
        return self

    def __exit__(self, *exc):
        _use_replica.reset(self._token)
        return False


class ReplicaRouter:
    """Reads of CRM records inside ``replica_reads()`` go to the replica; everything else to default."""

    def db_for_read(self, model, **hints):
        if _use_replica.get() and model._meta.app_label in REPLICATED_APPS and replica_configured():
            return REPLICA_ALIAS
        # No opinion: Django then reads where the related instance came from, or default.
        return None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of default: a row read from either may point at the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica receives its schema by replication, never by migrate.
        return db != REPLICA_ALIAS
