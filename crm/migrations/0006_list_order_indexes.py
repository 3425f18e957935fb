"""Indexes for the default order of the opportunity and invoice lists (PostgreSQL only, built concurrently).

The opportunity list opens sorted by last change and the invoice list by
invoice date, newest first; without an index on that order a list page sorts
the whole table. The (owner, ...) and (account, ...) indexes of the models
serve the filtered lists; these serve the unfiltered ones.
"""

from django.db import migrations

from crm.migration_operations import CreateIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("crm", "0005_search_trigram_indexes"),
    ]

    operations = [
        CreateIndexConcurrently(
            name="opportunity_recent_idx",
            definition="opportunities_opportunity (modified_at DESC, id DESC)",
        ),
        CreateIndexConcurrently(
            name="invoice_recent_idx",
            definition="invoices_invoice (invoice_date DESC, id DESC)",
        ),
    ]
