"""Export job pages: live progress, then the download."""

from django.http import FileResponse, Http404
from django.shortcuts import render

from crm.downloads import attachment_disposition
from crm.exports.models import ExportState
from crm.exports.selectors import export_job_get
from crm.exports.services import export_job_mark_stale
from crm.imports.exports import EXPORT_FORMATS


def export_job_detail(request, pk):
    """The job page; htmx polls its progress partial until the job is finished."""
    job = export_job_mark_stale(job=export_job_get(user=request.user, pk=pk))
    template = "exports/exportjob_detail.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, {"job": job})


def export_job_download(request, pk):
    """Download the finished export's file from the storage, under a plain ASCII name."""
    job = export_job_get(user=request.user, pk=pk)
    if job.state != ExportState.COMPLETED or not job.file:
        raise Http404
    content_type, _extension = EXPORT_FORMATS[job.file_format]
    response = FileResponse(job.file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = attachment_disposition(job.download_name)
    return response
