"""Import pages: upload, the wizard's steps, my imports (or all, for administrators), a job with live progress,
failed rows, undo."""

import functools
import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView

from crm.downloads import attachment_disposition
from crm.imports import wizard
from crm.imports.forms import ColumnMapForm, EncodingForm, ImportForm, ValueMapForm
from crm.imports.models import ImportRowIssue, ImportState
from crm.imports.registry import import_kind
from crm.imports.selectors import can_see_all_jobs, import_job_get, import_job_list
from crm.imports.services import (
    failed_rows,
    import_job_can_undo,
    import_job_start,
    import_job_undo,
    write_failed_rows,
)
from crm.imports.template_files import CONTENT_TYPES, FORMATS, import_template, template_targets
from crm.uploads import upload_refused

import_required = permission_required("crm.import_data", raise_exception=True)


@method_decorator(import_required, name="dispatch")
class ImportStartView(FormView):
    form_class = ImportForm
    template_name = "imports/importjob_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["templates"] = [(target, import_kind(target).label) for target in template_targets()]
        return context

    def get_initial(self):
        return {"target": self.request.GET.get("target", "accounts")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "upload_refused": upload_refused(self.request)}

    def form_valid(self, form):
        # Next: the wizard keeps the file, its columns and values mapped next; Import: the suggested mapping, now.
        to_map = self.request.POST.get("step") == "map"
        start = wizard.import_job_prepare if to_map else import_job_start
        try:
            job = start(
                actor=self.request.user,
                target=form.cleaned_data["target"],
                uploaded_file=form.cleaned_data["file"],
                options=form.options(),
                checked=form.table,
                encoding=form.cleaned_data["encoding"],
            )
        except ValidationError as error:
            form.add_error("file", error)
            return self.form_invalid(form)
        return redirect("imports:map", job.pk) if to_map else redirect(job)


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
    if job.state == ImportState.DRAFT and job.created_by_id == request.user.pk and not request.htmx:
        return redirect("imports:map", job.pk)
    context = {
        "job": job,
        "failed": job.issues.filter(kind=ImportRowIssue.Kind.FAILED)[:100],
        "skipped": job.issues.filter(kind=ImportRowIssue.Kind.SKIPPED)[:100],
        "warnings": job.issues.filter(kind=ImportRowIssue.Kind.WARNING)[:100],
        "duplicates": job.issues.filter(kind=ImportRowIssue.Kind.DUPLICATE)[:100],
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
    if target not in template_targets() or file_format not in FORMATS:
        raise Http404
    response = HttpResponse(import_template(target, file_format), content_type=CONTENT_TYPES[file_format])
    name = _("%(records)s import template") % {"records": import_kind(target).label}
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


def _wizard_step(view):
    """A step of the wizard: the user's own job, not started yet; else back to the job's page with why."""

    @import_required
    @functools.wraps(view)
    def step(request, pk):
        job = import_job_get(user=request.user, pk=pk)
        try:
            wizard.require_draft(job, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(job)
        return view(request, job)

    return step


def _steps(job, current):
    """The wizard's steps for its header: (label, URL or None, is the current one)."""
    steps = [
        (_("Upload"), None),
        (_("Map columns"), reverse("imports:map", args=[job.pk])),
        (_("Map values"), reverse("imports:values", args=[job.pk]) if job.chosen_columns is not None else None),
        (_("Review and import"), reverse("imports:review", args=[job.pk]) if job.chosen_columns is not None else None),
    ]
    return [(label, url, number == current) for number, (label, url) in enumerate(steps)]


def _step_context(job, current, **context):
    steps = _steps(job, current)
    return {"job": job, "steps": steps, "step_title": steps[current][0], **context}


@_wizard_step
def import_job_map(request, job):
    """Step 2: each source column with the field it goes to, the suggestion and why; save as a data map."""
    sample = wizard.read_sample(job, rows=50)
    suggestions, data_map = wizard.column_suggestions(job, sample)
    applied = None
    if request.GET.get("data_map"):
        applied = wizard.data_map_choice(job.target, request.GET["data_map"])
    elif job.chosen_columns is None and data_map is not None:
        applied = data_map
    if job.chosen_columns is not None and applied is None:
        initial = {int(index): key for index, key in job.chosen_columns.items()}
    elif applied is not None:
        initial, _values = wizard.data_map_options(applied, sample.headers)
    else:
        initial = {suggestion.index: suggestion.key for suggestion in suggestions}
    form = ColumnMapForm(
        request.POST or None,
        headers=sample.headers,
        choices=wizard.field_choices(job.target),
        initial_keys=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            wizard.import_job_set_columns(
                job=job,
                actor=request.user,
                chosen=form.chosen(),
                save_as=form.cleaned_data["save_as"],
                data_map=applied,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            if wizard.mapped_choice_fields(job):
                return redirect("imports:values", job.pk)
            return redirect("imports:review", job.pk)
    rows = [
        {
            "field": bound,
            "samples": sample.samples.get(suggestion.index, []),
            "suggestion": suggestion,
            "from_map": applied is not None,
        }
        for bound, suggestion in zip(form.column_fields(), suggestions, strict=True)
    ]
    return render(
        request,
        "imports/importjob_map.html",
        _step_context(
            job,
            1,
            form=form,
            rows=rows,
            applied=applied,
            data_maps=wizard.data_map_list(job.target),
        ),
    )


@_wizard_step
def import_job_values(request, job):
    """Step 3: for every choice field mapped, the file's distinct values with the options suggested for them."""
    if job.chosen_columns is None:
        return redirect("imports:map", job.pk)
    sample = wizard.read_sample(job)
    fields = wizard.value_suggestions(job, sample)
    if not fields:
        return redirect("imports:review", job.pk)
    form = ValueMapForm(request.POST or None, fields=fields)
    if request.method == "POST" and form.is_valid():
        try:
            wizard.import_job_set_values(job=job, actor=request.user, chosen=form.chosen())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("imports:review", job.pk)
    return render(
        request,
        "imports/importjob_values.html",
        _step_context(job, 2, form=form, sample=sample),
    )


@_wizard_step
def import_job_review(request, job):
    """Step 4: what will be imported (counts, the first rows as read into their fields, the mode); Import."""
    if job.chosen_columns is None:
        return redirect("imports:map", job.pk)
    if request.method == "POST" and "encoding" in request.POST:
        # Read the file in another encoding, and show the rows again.
        try:
            wizard.import_job_set_encoding(job=job, actor=request.user, encoding=request.POST["encoding"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("imports:review", job.pk)
    if request.method == "POST":
        wizard.import_job_begin(job=job, actor=request.user)
        return redirect(job)
    sample = wizard.read_sample(job, rows=5)
    return render(
        request,
        "imports/importjob_review.html",
        _step_context(
            job,
            3,
            review=wizard.review(job, sample),
            encoding=wizard.encoding_review(job, sample),
            encoding_form=EncodingForm(initial={"encoding": job.encoding}),
        ),
    )
