"""Fill the estimated_revenue_base of every opportunity at the exchange rates kept then, in batches.

Not atomic: each batch of ids is its own transaction (crm.migration_operations.backfill_base_amounts), so
the site keeps reading and writing opportunities meanwhile. Reversing leaves the amounts (the columns go with
0003's reversal).
"""

from django.db import migrations

from crm.migration_operations import backfill_base_amounts


def fill_base_amounts(apps, schema_editor):
    backfill_base_amounts(apps, "opportunities.Opportunity", amount_field="estimated_revenue", base_field="estimated_revenue_base")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("opportunities", "0003_amounts_in_base_currency"),
    ]

    operations = [
        migrations.RunPython(fill_base_amounts, migrations.RunPython.noop),
    ]
