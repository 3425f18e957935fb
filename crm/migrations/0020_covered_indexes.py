"""Drop the indexes another index leads with (a foreign key's own index beside an index led by it, a name
index beside the list's sort index on the name and id), concurrently on PostgreSQL. Each was one more write
per record and served no query the longer index does not."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from crm.migration_operations import DropFieldIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('crm', '0019_import_invoices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        DropFieldIndexConcurrently(
            model_name='exportjob',
            name='created_by',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='exported by'),
        ),
        DropFieldIndexConcurrently(
            model_name='importjob',
            name='created_by',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='imported by'),
        ),
    ]
