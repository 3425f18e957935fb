"""Export of a list (any registered in crm.exports.sources), with its search and filters, as XLSX, CSV or XML 2003.

A list up to CRM_EXPORT_BACKGROUND_THRESHOLD rows streams during the request;
a larger one becomes an export job for the task worker, and the user is sent
to its page.
"""

from django.contrib import messages
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from crm.downloads import attachment_disposition
from crm.exports.services import export_job_start, export_runs_in_background
from crm.exports.sources import SOURCES
from crm.imports.exports import EXPORT_FORMATS, stream_csv, stream_xml_spreadsheet, write_xlsx


class RecordExportView(View):
    """Export the records the user's list shows (same GET parameters) in the format ?format= asks for."""

    name = ""

    def get(self, request):
        file_format = request.GET.get("format", "xlsx")
        if file_format not in EXPORT_FORMATS:
            raise Http404
        source = SOURCES[self.name]
        queryset = source.queryset(user=request.user, query=request.GET, request=request)
        if export_runs_in_background(queryset):
            job = export_job_start(
                actor=request.user, target=self.name, file_format=file_format, query=request.GET.urlencode()
            )
            messages.info(request, _("This list is large, so it is exported in the background: download it here."))
            return redirect(job)
        rows = source.rows(queryset, round_trip=source.wants_round_trip(request.GET))
        content_type, extension = EXPORT_FORMATS[file_format]
        filename = f"{self.name}-{timezone.localdate():%Y-%m-%d}.{extension}"
        if file_format == "xlsx":
            response = FileResponse(write_xlsx(rows, self.name), content_type=content_type)
        else:
            stream = stream_csv(rows) if file_format == "csv" else stream_xml_spreadsheet(rows, self.name)
            response = StreamingHttpResponse(stream, content_type=content_type)
        response["Content-Disposition"] = attachment_disposition(filename)
        return response


class AccountExportView(RecordExportView):
    name = "accounts"


class ContactExportView(RecordExportView):
    name = "contacts"
