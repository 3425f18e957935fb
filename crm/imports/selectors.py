"""Reads of import jobs, scoped to the user: their own, or every job for system administrators."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from crm.imports.models import ImportJob


def can_see_all_jobs(user):
    return user.has_perm("crm.view_importjob")


def import_job_list(*, user, everyone=False):
    """The user's import jobs (every job when ``everyone`` and the user may see them all), newest first."""
    if not user.has_perm("crm.import_data"):
        raise PermissionDenied
    queryset = ImportJob.objects.select_related("created_by", "undone_by")
    if everyone and can_see_all_jobs(user):
        return queryset
    return queryset.filter(created_by=user)


def import_job_get(*, user, pk) -> ImportJob:
    """One import job the user may see, or 404."""
    return get_object_or_404(import_job_list(user=user, everyone=True), pk=pk)
