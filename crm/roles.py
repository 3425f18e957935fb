"""The security roles, as Django groups, with Dynamics' default depths.

The groups are created by a data migration (crm/migrations) from ROLE_PERMISSIONS,
and put back in step after every migrate or flush by ``sync_security_roles``.
"""

from django.utils.translation import gettext_lazy as _

SALESPERSON = "Salesperson"
SALES_MANAGER = "Sales Manager"
SYSTEM_ADMINISTRATOR = "System Administrator"

ROLE_LABELS = {
    SALESPERSON: _("Salesperson"),
    SALES_MANAGER: _("Sales Manager"),
    SYSTEM_ADMINISTRATOR: _("System Administrator"),
}

SALES_MODELS = {
    "accounts": ["account"],
    "contacts": ["contact"],
    "opportunities": ["opportunity"],
    "invoices": ["invoice", "invoiceline"],
    "activities": ["activity"],
}


def _codenames(actions):
    return [
        (app_label, f"{action}_{model}")
        for app_label, models in SALES_MODELS.items()
        for model in models
        for action in actions
        if not (model == "invoiceline" and action.startswith("reassign"))
        and not (model == "invoiceline" and action == "delete_any")
    ]


ROLE_PERMISSIONS = {
    SALESPERSON: _codenames(["view", "add", "change", "delete", "reassign"]),
    # Sales managers also import data, as in Dynamics (salespeople do not).
    SALES_MANAGER: _codenames(["view", "add", "change", "delete", "reassign", "delete_any", "reassign_any"])
    + [("crm", "import_data")]
    # And find duplicates and merge any records (a salesperson merges only two records they own).
    + [("duplicates", "find_duplicates"), ("duplicates", "merge_any_record")],
    # The System Administrator group gets every permission (see the migration).
    SYSTEM_ADMINISTRATOR: None,
}


def sync_security_roles(*, app_config, using, apps=None, **kwargs):
    """Create the security roles if missing and give each its permissions (post_migrate receiver).

    Runs once, after the last app's permissions exist, so the System Administrator
    gets every permission, including those of apps migrated after the roles'
    migration, and a test database flush does not leave the roles missing.
    """
    from django.apps import apps as global_apps

    # post_migrate goes to each app that has models, in order; act after the last one.
    with_models = [config for config in global_apps.get_app_configs() if config.models_module is not None]
    if app_config.label != with_models[-1].label:
        return
    apps = apps or global_apps
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        if codenames is None:
            wanted = Permission.objects.using(using).all()
        else:
            wanted = [
                Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename)
                for app_label, codename in codenames
            ]
        group.permissions.set(wanted)
