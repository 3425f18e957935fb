"""Who may do what to a CRM record, following Dynamics' default security role depths.

Salespeople read, create and edit every account, contact, opportunity and
invoice, and delete or reassign the ones they own; sales managers delete and
reassign any record; system administrators can do everything.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def _perm(record, action):
    opts = record._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def can_view(user, model):
    return user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")


def can_add(user, model):
    return user.has_perm(f"{model._meta.app_label}.add_{model._meta.model_name}")


def can_change(user, record):
    return user.has_perm(_perm(record, "change"))


def can_delete(user, record):
    if not user.has_perm(_perm(record, "delete")):
        return False
    return record.owner_id == user.pk or user.has_perm(_perm(record, "delete_any"))


def can_reassign(user, record):
    if user.has_perm(_perm(record, "reassign_any")):
        return True
    return record.owner_id == user.pk and user.has_perm(_perm(record, "reassign"))


def require(allowed, message=None):
    """Raise PermissionDenied unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to do this."))
