"""Export of the accounts and contacts lists, with the list's search and filters, as XLSX, CSV or XML 2003."""

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone
from django.views import View

from accounts.filters import AccountFilter
from accounts.selectors import account_list
from contacts.filters import ContactFilter
from contacts.selectors import contact_list
from crm.imports.exports import EXPORT_FORMATS, export_rows, stream_csv, stream_xml_spreadsheet, write_xlsx
from crm.imports.resources import AccountResource, ContactResource


class RecordExportView(View):
    """Stream the records the user's list shows (same GET parameters) in the format ?format= asks for."""

    selector = None
    filterset_class = None
    resource_class = None
    name = ""

    def get(self, request):
        file_format = request.GET.get("format", "xlsx")
        if file_format not in EXPORT_FORMATS:
            raise Http404
        queryset = type(self).selector(user=request.user)
        queryset = self.filterset_class(request.GET or None, queryset=queryset, request=request).qs
        rows = export_rows(self.resource_class(), queryset)
        content_type, extension = EXPORT_FORMATS[file_format]
        filename = f"{self.name}-{timezone.localdate():%Y-%m-%d}.{extension}"
        if file_format == "xlsx":
            return FileResponse(write_xlsx(rows, self.name), as_attachment=True, filename=filename,
                                content_type=content_type)
        stream = stream_csv(rows) if file_format == "csv" else stream_xml_spreadsheet(rows, self.name)
        response = StreamingHttpResponse(stream, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class AccountExportView(RecordExportView):
    selector = account_list
    filterset_class = AccountFilter
    resource_class = AccountResource
    name = "accounts"


class ContactExportView(RecordExportView):
    selector = contact_list
    filterset_class = ContactFilter
    resource_class = ContactResource
    name = "contacts"
