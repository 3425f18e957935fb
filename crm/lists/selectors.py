"""Reads of saved views: a user sees only their own."""

from django.shortcuts import get_object_or_404

from crm.models import SavedView


def saved_views(*, user, list_key: str):
    """The user's views of the list ``list_key``, by name."""
    return SavedView.objects.filter(user=user, list_key=list_key).order_by("name", "pk")


def saved_view_get(*, user, list_key: str, pk) -> SavedView:
    """One of the user's views of the list, or 404 (another user's view is not found either)."""
    return get_object_or_404(saved_views(user=user, list_key=list_key), pk=pk)
