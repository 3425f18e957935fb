"""Reads shared by every area: scoping a queryset to what the user may see, fetching one record."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from crm import permissions


def scoped(queryset, *, user):
    """Return ``queryset`` when the user may read its model, else raise PermissionDenied (403).

    Every security role reads all records of the four sales areas (Dynamics'
    organisation depth), so the scope is the whole table or nothing.
    """
    if not permissions.can_view(user, queryset.model):
        raise PermissionDenied
    return queryset


def record_get(queryset, *, user, pk):
    """Return one record from the user's scope, or 404."""
    return get_object_or_404(scoped(queryset, user=user), pk=pk)


def recent_records(queryset, *, user, order_by, size=None):
    """The newest ``size`` records of ``queryset`` by ``order_by``, with the total count; None when not readable.

    Backs the "Recent Opportunities" and "Recent Invoices" panels: two queries whatever the number of rows.
    """
    if not permissions.can_view(user, queryset.model):
        return None
    size = size or settings.CRM_RECENT_PANEL_SIZE
    return {"items": list(queryset.order_by(*order_by)[:size]), "count": queryset.count(), "size": size}
