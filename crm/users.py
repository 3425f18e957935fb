"""Deleting users: only a user nothing refers to may be deleted; anyone else is deactivated instead.

A user who made a change (crm.history) or owns or imported records is kept, so
the history and the records still say who; unticking Active stops them signing in.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from crm import permissions


def user_is_referenced(user) -> bool:
    """Whether any row refers to ``user`` through a foreign key that forbids deleting them (PROTECT, RESTRICT).

    One EXISTS query per such foreign key, found from the user model, so an app
    adding one needs no change here.
    """
    # Hidden too: the CRM's foreign keys to users have no reverse accessor (related_name="+").
    for relation in type(user)._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or not (relation.one_to_many or relation.one_to_one):
            continue
        if relation.on_delete not in (models.PROTECT, models.RESTRICT):
            continue
        related = relation.related_model._base_manager.filter(**{relation.field.name: user})
        if related.exists():
            return True
    return False


def _refusal(user):
    return ValidationError(
        _(
            "The user %(user)s cannot be deleted: they made changes in the change history or own records. "
            "Deactivate them instead (untick Active)."
        )
        % {"user": user.get_username()},
        code="user_referenced",
    )


def user_delete_check(*, user):
    """Refuse (ValidationError) to delete ``user`` when history rows or records refer to them."""
    if user_is_referenced(user):
        raise _refusal(user)


def user_delete(*, user, actor):
    """Delete ``user`` when the actor may and nothing refers to them; refuse with "deactivate instead" otherwise."""
    permissions.require(actor.has_perm("auth.delete_user"))
    user_delete_check(user=user)
    try:
        with transaction.atomic():
            user.delete()
    except (ProtectedError, RestrictedError) as error:
        # Referred to between the check and the delete.
        raise _refusal(user) from error
