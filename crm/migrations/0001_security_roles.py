"""Create the security roles (groups) with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SALES_MODELS = {
    "accounts": ["account"],
    "contacts": ["contact"],
    "opportunities": ["opportunity"],
    "invoices": ["invoice", "invoiceline"],
}
SALESPERSON_ACTIONS = ["view", "add", "change", "delete", "reassign"]
MANAGER_ACTIONS = [*SALESPERSON_ACTIONS, "delete_any", "reassign_any"]


def codenames(actions):
    for app_label, models in SALES_MODELS.items():
        for model in models:
            for action in actions:
                if model == "invoiceline" and action not in ("view", "add", "change", "delete"):
                    continue
                yield app_label, f"{action}_{model}"


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions_for(actions):
        found = []
        for app_label, codename in codenames(actions):
            found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return found

    Group.objects.get_or_create(name="Salesperson")[0].permissions.set(permissions_for(SALESPERSON_ACTIONS))
    Group.objects.get_or_create(name="Sales Manager")[0].permissions.set(permissions_for(MANAGER_ACTIONS))
    Group.objects.get_or_create(name="System Administrator")[0].permissions.set(Permission.objects.all())


def delete_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=["Salesperson", "Sales Manager", "System Administrator"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0002_account_primary_contact"),
        ("contacts", "0001_initial"),
        ("opportunities", "0001_initial"),
        ("invoices", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
