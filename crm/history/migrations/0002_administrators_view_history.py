"""Let the System Administrator role read the change history in the admin (it may never change it)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("history")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="history", codename="view_changeevent")
    for group in Group.objects.filter(name="System Administrator"):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="history"):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("history", "0001_change_history"),
        ("crm", "0001_security_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
