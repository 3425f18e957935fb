# The columns only (nullable: PostgreSQL adds them without rewriting the table); 0004 fills them.

from django.db import migrations

import crm.models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0012_exchange_rates"),
        ("opportunities", "0002_record_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="estimated_revenue_base",
            field=crm.models.MoneyField(
                blank=True,
                decimal_places=2,
                editable=False,
                max_digits=18,
                null=True,
                verbose_name="estimated revenue (base currency)",
            ),
        ),
        migrations.AddField(
            model_name="opportunity",
            name="exchange_rate",
            field=crm.models.ExchangeRateField(
                blank=True, decimal_places=6, editable=False, max_digits=18, null=True, verbose_name="exchange rate"
            ),
        ),
    ]
