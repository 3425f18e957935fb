"""The duplicate rules' keys of accounts (the name as compared, the website's domain, the main phone as
E.164) and the link of a merged account to the one it was merged into. The keys of stored accounts are
filled in batches, then indexed concurrently on PostgreSQL."""

import django.db.models.deletion
from django.db import migrations, models

from crm.migration_operations import AddIndexConcurrently


def fill(apps, schema_editor):
    from crm.duplicates.backfill import fill_keys
    from crm.duplicates.keys import company_name_key, phone_key, website_key

    fill_keys(
        apps.get_model("accounts", "Account"),
        ("name", "website", "main_phone"),
        lambda account: {
            "name_key": company_name_key(account.name)[:200],
            "website_key": website_key(account.website)[:255],
            "phone_key": phone_key(account.main_phone),
        },
    )


class Migration(migrations.Migration):
    atomic = False  # a batch per transaction; CREATE INDEX CONCURRENTLY runs outside one

    dependencies = [
        ("accounts", "0005_covered_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="merged_into",
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="accounts.account", verbose_name="merged into"),
        ),
        migrations.AddField(
            model_name="account",
            name="name_key",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=200, verbose_name="name as compared"),
        ),
        migrations.AddField(
            model_name="account",
            name="phone_key",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=20, verbose_name="main phone as E.164"),
        ),
        migrations.AddField(
            model_name="account",
            name="website_key",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=255, verbose_name="website domain"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        AddIndexConcurrently(
            model_name="account",
            index=models.Index(fields=["name_key"], name="account_name_key_idx"),
        ),
        AddIndexConcurrently(
            model_name="account",
            index=models.Index(condition=models.Q(("website_key", ""), _negated=True), fields=["website_key"], name="account_website_key_idx"),
        ),
        AddIndexConcurrently(
            model_name="account",
            index=models.Index(condition=models.Q(("phone_key", ""), _negated=True), fields=["phone_key"], name="account_phone_key_idx"),
        ),
    ]
