"""Indexes for the sortable columns of the four lists (PostgreSQL only, built concurrently).

A list sorted by a column runs ``ORDER BY column, id LIMIT 25 OFFSET n``
(crm.tables.sorted_by); without an index on that order every page sorts the
whole table, seconds at a million rows. One (column, id) btree serves both
directions, read backwards for the descending sort, and a deep page reads its
ids from it alone (an index-only scan, crm.pagination). Each carries the
owner too: "My records" narrows a list by owner (crm.filters), and with the
owner in the index a deep page of it filters the index entries, not ten
times as many table rows. Already served: the opportunities' last change and
the invoice date (0006), the invoice number (unique).
"""

from django.db import migrations

from crm.migration_operations import CreateIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("crm", "0006_list_order_indexes"),
    ]

    operations = [
        CreateIndexConcurrently(
            name="account_name_sort_idx", definition="accounts_account (name, id) INCLUDE (owner_id)"
        ),
        CreateIndexConcurrently(
            name="account_account_number_sort_idx",
            definition="accounts_account (account_number, id) INCLUDE (owner_id)",
        ),
        CreateIndexConcurrently(
            name="account_main_phone_sort_idx", definition="accounts_account (main_phone, id) INCLUDE (owner_id)"
        ),
        CreateIndexConcurrently(
            name="account_city_sort_idx", definition="accounts_account (city, id) INCLUDE (owner_id)"
        ),
        CreateIndexConcurrently(
            name="contact_name_sort_idx", definition="contacts_contact (last_name, first_name, id) INCLUDE (owner_id)"
        ),
        CreateIndexConcurrently(
            name="contact_job_title_sort_idx", definition="contacts_contact (job_title, id) INCLUDE (owner_id)"
        ),
        CreateIndexConcurrently(
            name="contact_email_sort_idx", definition="contacts_contact (email, id) INCLUDE (owner_id)"
        ),
        CreateIndexConcurrently(
            name="contact_business_phone_sort_idx",
            definition="contacts_contact (business_phone, id) INCLUDE (owner_id)",
        ),
        CreateIndexConcurrently(
            name="opportunity_topic_sort_idx", definition="opportunities_opportunity (topic, id) INCLUDE (owner_id)"
        ),
        CreateIndexConcurrently(
            name="opportunity_estimated_revenue_sort_idx",
            definition="opportunities_opportunity (estimated_revenue, id) INCLUDE (owner_id)",
        ),
        CreateIndexConcurrently(
            name="opportunity_estimated_close_date_sort_idx",
            definition="opportunities_opportunity (estimated_close_date, id) INCLUDE (owner_id)",
        ),
        CreateIndexConcurrently(
            name="opportunity_probability_sort_idx",
            definition="opportunities_opportunity (probability, id) INCLUDE (owner_id)",
        ),
        CreateIndexConcurrently(
            name="invoice_name_sort_idx", definition="invoices_invoice (name, id) INCLUDE (owner_id)"
        ),
        CreateIndexConcurrently(
            name="invoice_due_date_sort_idx", definition="invoices_invoice (due_date, id) INCLUDE (owner_id)"
        ),
        CreateIndexConcurrently(
            name="invoice_total_amount_sort_idx", definition="invoices_invoice (total_amount, id) INCLUDE (owner_id)"
        ),
    ]
