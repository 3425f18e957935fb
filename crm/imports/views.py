"""Import pages: upload, my imports (or all, for administrators), a job with live progress, failed rows, undo."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView

from crm.downloads import attachment_disposition
from crm.imports.forms import ImportForm
from crm.imports.models import ImportRowIssue, ImportTarget
from crm.imports.selectors import can_see_all_jobs, import_job_get, import_job_list
from crm.imports.services import (
    failed_rows,
    import_job_can_undo,
    import_job_start,
    import_job_undo,
    write_failed_rows,
)
from crm.imports.template_files import CONTENT_TYPES, FORMATS, TEMPLATES, import_template
from crm.uploads import upload_refused

import_required = permission_required("crm.import_data", raise_exception=True)


@method_decorator(import_required, name="dispatch")
class ImportStartView(FormView):
    form_class = ImportForm
    template_name = "imports/importjob_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["templates"] = [(target, ImportTarget(target).label) for target in TEMPLATES]
        return context

    def get_initial(self):
        return {"target": self.request.GET.get("target", "accounts")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "upload_refused": upload_refused(self.request)}

    def form_valid(self, form):
        try:
            job = import_job_start(
                actor=self.request.user,
                target=form.cleaned_data["target"],
                uploaded_file=form.cleaned_data["file"],
                options=form.options(),
                checked=form.table,
            )
        except ValidationError as error:
            form.add_error("file", error)
            return self.form_invalid(form)
        return redirect(job)


@method_decorator(import_required, name="dispatch")
class ImportJobListView(ListView):
    template_name = "imports/importjob_list.html"
    paginate_by = 25

    def get_queryset(self):
        return import_job_list(user=self.request.user, everyone=self.request.GET.get("show") == "all")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_see_all"] = can_see_all_jobs(self.request.user)
        context["showing_all"] = context["can_see_all"] and self.request.GET.get("show") == "all"
        return context


@import_required
def import_job_detail(request, pk):
    """The job page; htmx polls its progress partial until the job is finished."""
    job = import_job_get(user=request.user, pk=pk)
    context = {
        "job": job,
        "failed": job.issues.filter(kind=ImportRowIssue.Kind.FAILED)[:100],
        "skipped": job.issues.filter(kind=ImportRowIssue.Kind.SKIPPED)[:100],
        "warnings": job.issues.filter(kind=ImportRowIssue.Kind.WARNING)[:100],
        "can_undo": import_job_can_undo(job),
    }
    template = "imports/importjob_detail.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, context)


@import_required
def import_job_failed_rows(request, pk, file_format):
    """Download the failed rows (original cells plus an Error column) as CSV or XLSX."""
    if file_format not in ("csv", "xlsx"):
        raise Http404
    job = import_job_get(user=request.user, pk=pk)
    buffer = io.BytesIO()
    write_failed_rows(failed_rows(job), buffer, as_xlsx=file_format == "xlsx")
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if file_format == "xlsx"
        else "text/csv; charset=utf-8"
    )
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    stem = job.file_name.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = attachment_disposition(f"{stem}-failed-rows.{file_format}")
    return response


@import_required
def import_template_download(request, target, file_format):
    """Download the template of an import (XLSX or CSV): its headers in the user's language, a row of examples."""
    if target not in TEMPLATES or file_format not in FORMATS:
        raise Http404
    response = HttpResponse(import_template(target, file_format), content_type=CONTENT_TYPES[file_format])
    name = _("%(records)s import template") % {"records": ImportTarget(target).label}
    response["Content-Disposition"] = attachment_disposition(f"{name}.{file_format}")
    return response


@require_POST
@import_required
def import_job_undo_view(request, pk):
    job = import_job_get(user=request.user, pk=pk)
    try:
        left_alone = import_job_undo(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(job)
    if left_alone:
        messages.warning(
            request, _("Import undone, except %(count)d records changed since.") % {"count": len(left_alone)}
        )
    else:
        messages.success(request, _("Import undone."))
    return redirect(job)
