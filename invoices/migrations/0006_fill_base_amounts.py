"""Fill the total_amount_base of every invoice at the exchange rates kept then, in batches.

Not atomic: each batch of ids is its own transaction (crm.migration_operations.backfill_base_amounts), so
the site keeps reading and writing invoices meanwhile. Reversing leaves the amounts (the columns go with
0005's reversal).
"""

from django.db import migrations

from crm.migration_operations import backfill_base_amounts


def fill_base_amounts(apps, schema_editor):
    backfill_base_amounts(apps, "invoices.Invoice", amount_field="total_amount", base_field="total_amount_base")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("invoices", "0005_amounts_in_base_currency"),
    ]

    operations = [
        migrations.RunPython(fill_base_amounts, migrations.RunPython.noop),
    ]
