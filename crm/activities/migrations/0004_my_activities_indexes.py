"""My Activities at scale: the dated views' index carries the kind (their counts read the index alone), and
All my activities gets an index on its order; built and dropped concurrently on PostgreSQL."""

from django.db import migrations, models

from crm.migration_operations import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE and DROP INDEX CONCURRENTLY run outside a transaction

    dependencies = [
        ("activities", "0003_email_parties"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="activity",
            index=models.Index(fields=["owner", "state", "due_at", "kind"], name="activity_owner_due_kind_idx"),
        ),
        AddIndexConcurrently(
            model_name="activity",
            index=models.Index(fields=["owner", "-created_at", "-id"], name="activity_owner_recent_idx"),
        ),
        RemoveIndexConcurrently(model_name="activity", name="activity_owner_due_idx"),
    ]
