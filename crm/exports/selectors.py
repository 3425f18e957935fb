"""Reads of export jobs, scoped to the user: their own, or every job for system administrators."""

from django.shortcuts import get_object_or_404

from crm import permissions
from crm.exports.models import ExportJob
from crm.exports.sources import SOURCES


def can_see_all_export_jobs(user):
    return user.has_perm("crm.view_exportjob")


def export_job_list(*, user):
    """The export jobs the user may see (their own; every job for system administrators), newest first."""
    queryset = ExportJob.objects.select_related("created_by")
    if can_see_all_export_jobs(user):
        return queryset
    return queryset.filter(created_by=user)


def export_job_get(*, user, pk) -> ExportJob:
    """One export job the user may see, or 404; 403 once they may no longer read the records it exported."""
    job = get_object_or_404(export_job_list(user=user), pk=pk)
    source = SOURCES.get(job.target)
    permissions.require(source is not None and permissions.can_view(user, source.model))
    return job
