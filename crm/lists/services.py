"""Workflows on saved views: create, change, delete; only their owner may."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm import permissions
from crm.models import SavedView


@transaction.atomic
def saved_view_create(*, actor, list_key: str, name: str, filters: dict, sort: str = "", columns=()) -> SavedView:
    """Save the list ``list_key``'s filters, sort and columns as the actor's view called ``name``."""
    saved_view = SavedView(
        user=actor, list_key=list_key, name=name.strip(), filters=filters, sort=sort, columns=list(columns)
    )
    _save(saved_view)
    return saved_view


def _save(saved_view):
    """full_clean and save; a same-named view saved meanwhile by a second request is refused the same way."""
    saved_view.full_clean()
    try:
        with transaction.atomic():
            saved_view.save()
    except IntegrityError as error:
        raise ValidationError(
            {"name": _("You already have a view with this name.")}, code="saved_view_name_taken"
        ) from error


@transaction.atomic
def saved_view_update(*, saved_view: SavedView, actor, **fields) -> SavedView:
    """Rename the actor's view, or replace its ``filters``, ``sort`` or ``columns``."""
    permissions.require(saved_view.user_id == actor.pk, _("You can change only your own views."))
    refused = set(fields) - {"name", "filters", "sort", "columns"}
    if refused:
        raise TypeError(f"saved_view_update() cannot set {sorted(refused)}")
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    for name, value in fields.items():
        setattr(saved_view, name, value)
    _save(saved_view)
    return saved_view


@transaction.atomic
def saved_view_delete(*, saved_view: SavedView, actor) -> None:
    """Delete the actor's view."""
    permissions.require(saved_view.user_id == actor.pk, _("You can delete only your own views."))
    saved_view.delete()
