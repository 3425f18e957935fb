"""Trigram indexes for the lists' substring search (PostgreSQL only; other databases skip them).

The search box filters with ``icontains``, which Django writes on PostgreSQL
as ``UPPER(column::text) LIKE UPPER('%term%')``: a GIN index on that exact
expression with ``gin_trgm_ops`` serves it, so a search over a million rows
reads only the matching ones. Built concurrently, so running this migration on
a live database does not block the site (hence ``atomic = False``).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from crm.migration_operations import CreateIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("crm", "0004_cache_table"),
        ("accounts", "0002_account_primary_contact"),
        ("contacts", "0001_initial"),
        ("opportunities", "0001_initial"),
        ("invoices", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),
        CreateIndexConcurrently(
            name="account_name_trgm",
            definition="accounts_account USING gin ((UPPER(name::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="account_account_number_trgm",
            definition="accounts_account USING gin ((UPPER(account_number::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="account_email_trgm",
            definition="accounts_account USING gin ((UPPER(email::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="account_main_phone_trgm",
            definition="accounts_account USING gin ((UPPER(main_phone::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="account_city_trgm",
            definition="accounts_account USING gin ((UPPER(city::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="contact_first_name_trgm",
            definition="contacts_contact USING gin ((UPPER(first_name::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="contact_last_name_trgm",
            definition="contacts_contact USING gin ((UPPER(last_name::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="contact_email_trgm",
            definition="contacts_contact USING gin ((UPPER(email::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="contact_business_phone_trgm",
            definition="contacts_contact USING gin ((UPPER(business_phone::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="contact_mobile_phone_trgm",
            definition="contacts_contact USING gin ((UPPER(mobile_phone::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="opportunity_topic_trgm",
            definition="opportunities_opportunity USING gin ((UPPER(topic::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="invoice_invoice_number_trgm",
            definition="invoices_invoice USING gin ((UPPER(invoice_number::text)) gin_trgm_ops)",
        ),
        CreateIndexConcurrently(
            name="invoice_name_trgm",
            definition="invoices_invoice USING gin ((UPPER(name::text)) gin_trgm_ops)",
        ),
    ]
