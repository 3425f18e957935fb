"""The security roles, as Django groups, with Dynamics' default depths.

The groups are created by a data migration (crm/migrations) from ROLE_PERMISSIONS.
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
    SALES_MANAGER: _codenames(["view", "add", "change", "delete", "reassign", "delete_any", "reassign_any"]),
    # The System Administrator group gets every permission (see the migration).
    SYSTEM_ADMINISTRATOR: None,
}
