"""A B-tree index on LOWER(last_name), which the import's matching by name looks contacts up on.

Built concurrently on PostgreSQL: reads and writes go on while it builds.
"""

import django.db.models.functions.text
from django.db import migrations, models

from crm.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contacts", "0002_record_version"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="contact",
            index=models.Index(django.db.models.functions.text.Lower("last_name"), name="contact_last_name_lower_idx"),
        ),
    ]
