"""The duplicate rules' keys of contacts (the name as compared, the phones as E.164) and the link of a merged
contact to the one it was merged into. The keys of stored contacts are filled in batches, then indexed
concurrently on PostgreSQL."""

import django.db.models.deletion
from django.db import migrations, models

from crm.migration_operations import AddIndexConcurrently


def fill(apps, schema_editor):
    from crm.duplicates.backfill import fill_keys
    from crm.duplicates.keys import person_name_key, phone_key

    fill_keys(
        apps.get_model("contacts", "Contact"),
        ("first_name", "last_name", "business_phone", "mobile_phone"),
        lambda contact: {
            "name_key": person_name_key(contact.first_name, contact.last_name)[:170],
            "business_phone_key": phone_key(contact.business_phone),
            "mobile_phone_key": phone_key(contact.mobile_phone),
        },
    )


class Migration(migrations.Migration):
    atomic = False  # a batch per transaction; CREATE INDEX CONCURRENTLY runs outside one

    dependencies = [
        ("contacts", "0004_covered_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="business_phone_key",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=20, verbose_name="business phone as E.164"),
        ),
        migrations.AddField(
            model_name="contact",
            name="merged_into",
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="contacts.contact", verbose_name="merged into"),
        ),
        migrations.AddField(
            model_name="contact",
            name="mobile_phone_key",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=20, verbose_name="mobile phone as E.164"),
        ),
        migrations.AddField(
            model_name="contact",
            name="name_key",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=170, verbose_name="name as compared"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        AddIndexConcurrently(
            model_name="contact",
            index=models.Index(condition=models.Q(("account__isnull", False)), fields=["account", "name_key"], name="contact_account_name_key_idx"),
        ),
        AddIndexConcurrently(
            model_name="contact",
            index=models.Index(condition=models.Q(("business_phone_key", ""), _negated=True), fields=["business_phone_key"], name="contact_business_phone_key_idx"),
        ),
        AddIndexConcurrently(
            model_name="contact",
            index=models.Index(condition=models.Q(("mobile_phone_key", ""), _negated=True), fields=["mobile_phone_key"], name="contact_mobile_phone_key_idx"),
        ),
    ]
