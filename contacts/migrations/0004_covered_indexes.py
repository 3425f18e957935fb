"""Drop the indexes another index leads with (a foreign key's own index beside an index led by it, a name
index beside the list's sort index on the name and id), concurrently on PostgreSQL. Each was one more write
per record and served no query the longer index does not."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from crm.migration_operations import DropFieldIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('accounts', '0005_covered_indexes'),
        ('contacts', '0003_exact_lookup_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name='contact',
            name='contact_name_idx',
        ),
        DropFieldIndexConcurrently(
            model_name='contact',
            name='account',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='contacts', to='accounts.account', verbose_name='account'),
        ),
        DropFieldIndexConcurrently(
            model_name='contact',
            name='owner',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
    ]
