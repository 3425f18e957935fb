"""Drop the indexes another index leads with (a foreign key's own index beside an index led by it, a name
index beside the list's sort index on the name and id), concurrently on PostgreSQL. Each was one more write
per record and served no query the longer index does not."""

import django.db.models.deletion
from django.db import migrations, models

from crm.migration_operations import DropFieldIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('accounts', '0005_covered_indexes'),
        ('contacts', '0004_covered_indexes'),
        ('history', '0004_append_only_guard'),
    ]

    operations = [
        DropFieldIndexConcurrently(
            model_name='changeevent',
            name='account',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.account', verbose_name='account'),
        ),
        DropFieldIndexConcurrently(
            model_name='changeevent',
            name='contact',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contacts.contact', verbose_name='contact'),
        ),
    ]
