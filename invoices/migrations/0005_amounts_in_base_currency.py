# The columns only (nullable: PostgreSQL adds them without rewriting the table); 0006 fills them.

from django.db import migrations

import crm.models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0012_exchange_rates"),
        ("invoices", "0004_record_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="exchange_rate",
            field=crm.models.ExchangeRateField(
                blank=True, decimal_places=6, editable=False, max_digits=18, null=True, verbose_name="exchange rate"
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="total_amount_base",
            field=crm.models.MoneyField(
                blank=True,
                decimal_places=2,
                editable=False,
                max_digits=18,
                null=True,
                verbose_name="total amount (base currency)",
            ),
        ),
    ]
