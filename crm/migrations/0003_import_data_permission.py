"""Give the import_data permission to the Sales Manager and System Administrator roles."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["Sales Manager", "System Administrator"]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; make the crm app's now so the groups can hold them.
    app_config = apps.get_app_config("crm")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="crm", codename="import_data")
    for name in ROLES:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="crm", codename="import_data"):
        for group in Group.objects.filter(name__in=ROLES):
            group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_import_jobs")]

    operations = [migrations.RunPython(grant, revoke)]
