"""Account numbers unique on LOWER(account_number), an expression only this B-tree index is on.

The exact lookups (the import's matching, its links from contacts, the
uniqueness checks) were on UPPER(account_number), the very expression of the
search's trigram index (crm 0005); at 200,000 accounts PostgreSQL chose the
trigram index for ``UPPER(account_number) IN (...)`` and a 2,000-row batch took
a minute. The new index is built concurrently before the old one is dropped.
"""

import django.db.models.functions.text
from django.db import migrations, models

from crm.migration_operations import AddUniqueConstraintConcurrently, RemoveConstraintConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0003_record_version"),
    ]

    operations = [
        AddUniqueConstraintConcurrently(
            model_name="account",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("account_number"),
                condition=models.Q(("account_number", ""), _negated=True),
                name="account_number_unique_ci",
                violation_error_code="account_number_taken",
                violation_error_message="An account with this account number already exists.",
            ),
        ),
        RemoveConstraintConcurrently(
            model_name="account",
            name="account_number_unique",
        ),
    ]
