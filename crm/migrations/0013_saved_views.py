import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0012_exchange_rates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SavedView",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("list_key", models.CharField(max_length=50, verbose_name="list")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("filters", models.JSONField(blank=True, default=dict, verbose_name="filters")),
                ("sort", models.CharField(blank=True, max_length=100, verbose_name="sort")),
                ("columns", models.JSONField(blank=True, default=list, verbose_name="columns")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created on")),
                ("modified_at", models.DateTimeField(auto_now=True, verbose_name="modified on")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="saved_views",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "saved view",
                "verbose_name_plural": "saved views",
                "ordering": ["list_key", "name"],
                "constraints": [
                    models.UniqueConstraint(
                        models.F("user"),
                        models.F("list_key"),
                        django.db.models.functions.text.Lower("name"),
                        name="saved_view_unique_name",
                        violation_error_message="You already have a view with this name.",
                    )
                ],
            },
        ),
    ]
