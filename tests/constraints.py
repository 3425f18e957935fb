"""Helpers for tests that write straight to the database to prove a constraint lives there."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, transaction


@contextmanager
def violates(constraint_name):
    """Expect the block's direct ORM write to be refused by the database constraint ``constraint_name``."""
    with pytest.raises(IntegrityError, match=constraint_name):
        # A savepoint, so that PostgreSQL's aborted transaction does not break the rest of the test.
        with transaction.atomic():
            yield
