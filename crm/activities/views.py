"""The Timeline panel, the activity pages and My Activities. Thin: each reads through a selector and writes
through one service."""

from email.utils import formataddr

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from crm import permissions
from crm.activities import services
from crm.activities.filters import VIEW_CHOICES
from crm.activities.forms import PARTY_FIELDS, NoteForm, TimelineFilterForm, activity_form_class
from crm.activities.ics import appointment_ics
from crm.activities.models import REGARDING_FIELDS, Activity, ActivityKind, Attachment
from crm.activities.parties import parties_by_role
from crm.activities.selectors import (
    ENTRY_RELATED,
    MY_ACTIVITIES_SORTS,
    Cursor,
    MyActivitiesView,
    my_activities,
    record_people,
    record_timeline,
)
from crm.downloads import attachment_disposition
from crm.history.models import RECORD_MODELS
from crm.history.selectors import record_changes
from crm.imports.export_views import RecordExportView
from crm.pagination import BoundedPaginator
from crm.record_views import add_service_error, error_text, expect_posted_version, safe_next_url
from crm.services import expect_version
from crm.uploads import accepts_attachments, upload_refused

# The kinds a "+" menu offers: a note is written in the box above the timeline.
MENU_KINDS = [ActivityKind.TASK, ActivityKind.PHONE_CALL, ActivityKind.APPOINTMENT, ActivityKind.EMAIL]


def regarding_record(user, regarding_type, pk):
    """The account, contact, opportunity or invoice an activity page names, when the user may read it."""
    if regarding_type not in REGARDING_FIELDS:
        raise Http404
    model = apps.get_model(RECORD_MODELS[regarding_type])
    permissions.require(permissions.can_view(user, model))
    return get_object_or_404(model._default_manager, pk=pk)


def activity_get(user, pk) -> Activity:
    permissions.require(permissions.can_view(user, Activity))
    return get_object_or_404(Activity.objects.select_related(*ENTRY_RELATED), pk=pk)


@require_safe
def timeline(request, regarding_type, pk):
    """A record's Timeline: the panel alone for htmx (or only the next entries, for "Show older"), else a page."""
    record = regarding_record(request.user, regarding_type, pk)
    form = TimelineFilterForm(request.GET)
    filters = form.filters()
    cursor = Cursor.parse(request.GET.get("before", ""))
    entries, following = record_timeline(
        user=request.user, record=record, filters=filters, cursor=cursor, changes=record_changes(request.user, record)
    )
    query = request.GET.copy()
    query.pop("before", None)
    panel_url = reverse("activities:timeline", args=[regarding_type, pk])
    context = {
        "record": record,
        "regarding_type": regarding_type,
        "form": form,
        "filters": filters,
        "entries": entries,
        "older_url": f"{panel_url}?{query.urlencode() + '&' if query else ''}before={following.token()}"
        if following
        else "",
        "panel_id": "timeline",
        "panel_url": panel_url,
        "note_form": NoteForm(),
        "can_add": permissions.can_add(request.user, Activity),
        "menu_kinds": [(kind, ActivityKind(kind).label) for kind in MENU_KINDS],
    }
    template = "activities/timeline.html"
    if request.htmx and cursor is not None:
        template += "#entries"
    elif request.htmx:
        template += "#panel"
    return render(request, template, context)


@accepts_attachments
@require_POST
def note_create(request, regarding_type, pk):
    """Save the Timeline box's note and its files; back to the panel (htmx) or the record's page."""
    record = regarding_record(request.user, regarding_type, pk)
    form = NoteForm(request.POST)
    if limit := upload_refused(request):
        messages.error(request, _("A file is larger than %(limit).1f MB, the most a note can carry: nothing was saved.")
                       % {"limit": limit / 1048576})
    elif form.is_valid():
        try:
            services.note_create(regarding=record, text=form.cleaned_data["text"], actor=request.user,
                                 files=request.FILES.getlist("attachments"))
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            if not request.htmx:
                messages.success(request, _("The note is saved."))
    else:
        messages.error(request, " ".join(form.errors["text"]))
    if request.htmx:
        return redirect("activities:timeline", regarding_type, pk)
    return HttpResponseRedirect(safe_next_url(request, record.get_absolute_url()))


def activity_create(request, kind, regarding_type, pk):
    """The form of a new task, phone call, appointment or logged email about a record."""
    if kind not in ActivityKind.values:
        raise Http404
    record = regarding_record(request.user, regarding_type, pk)
    permissions.require(permissions.can_add(request.user, Activity))
    form_class = activity_form_class(kind)
    # The model's checks (what it regards, a subject) judge the form's values on the activity-to-be.
    draft = Activity(kind=kind, owner=request.user, **{services.regarding_field(record): record})
    form = form_class(request.POST or None, initial=_initial(kind, record, request.user), instance=draft,
                      email_enabled=settings.CRM_EMAIL_ENABLED)
    if request.method == "POST" and form.is_valid():
        send = bool(form.cleaned_data.get("send_now"))
        try:
            services.activity_create(kind=kind, regarding=record, actor=request.user, parties=form.parties(),
                                     send=send, **form.values())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            done = _("The email is queued: it goes out in a moment.") if send else _("%(kind)s saved.") % {
                "kind": ActivityKind(kind).label
            }
            messages.success(request, done)
            return HttpResponseRedirect(safe_next_url(request, record.get_absolute_url()))
    context = {"form": form, "kind": ActivityKind(kind), "record": record, "activity": None,
               **_people(request.user, kind, record)}
    return render(request, "activities/activity_form.html", context)


# The box a record's people are added to, for the kinds that have people.
PEOPLE_FIELD = {ActivityKind.EMAIL: "to", ActivityKind.APPOINTMENT: "attendees"}


def _people(user, kind, record):
    """The record's people the form offers to add (an email's To, an appointment's attendees)."""
    if kind not in PEOPLE_FIELD or record is None:
        return {}
    return {"people": record_people(user=user, record=record), "people_field": PEOPLE_FIELD[kind]}


def _initial(kind, record, user):
    """A phone call's number from the record's own (its business or main phone, else its mobile); an email
    from the user to the record's own address."""
    if kind == ActivityKind.EMAIL:
        sender = formataddr((user.get_full_name(), user.email)) if user.email else ""
        return {"direction": "outgoing", "sender": sender, "to": getattr(record, "email", "") or ""}
    if kind != ActivityKind.PHONE_CALL:
        return {}
    for name in ("business_phone", "main_phone", "mobile_phone"):
        if number := getattr(record, name, ""):
            return {"phone_number": number, "direction": "outgoing"}
    return {"direction": "outgoing"}


@require_safe
def activity_detail(request, pk):
    activity = activity_get(request.user, pk)
    context = {
        "activity": activity,
        "can_change": permissions.can_change(request.user, activity),
        "can_delete": permissions.can_delete(request.user, activity),
        "attachments": list(activity.attachments.all()),
        "party_roles": parties_by_role(list(activity.parties.select_related("contact", "user"))),
        "can_send": services.email_can_send(activity) and permissions.can_change(request.user, activity),
    }
    return render(request, "activities/activity_detail.html", context)


def activity_edit(request, pk):
    activity = activity_get(request.user, pk)
    permissions.require(permissions.can_change(request.user, activity))
    form_class = activity_form_class(activity.kind)
    form = form_class(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        expect_version(activity, form.cleaned_data.get("version"))
        parties = form.parties() if activity.kind in PARTY_FIELDS else None
        try:
            services.activity_update(activity=activity, data=form.values(), actor=request.user, parties=parties)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(kind)s saved.") % {"kind": activity.get_kind_display()})
            return redirect(activity)
    context = {"form": form, "kind": ActivityKind(activity.kind), "record": activity.regarding, "activity": activity,
               **_people(request.user, activity.kind, activity.regarding)}
    return render(request, "activities/activity_form.html", context)


def _command(request, pk, action, done):
    activity = activity_get(request.user, pk)
    expect_posted_version(request, activity)
    try:
        action(activity=activity, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, done % {"activity": activity})
    return HttpResponseRedirect(safe_next_url(request, activity.get_absolute_url()))


@require_POST
def activity_complete(request, pk):
    return _command(request, pk, services.activity_complete, _("“%(activity)s” is completed."))


@require_POST
def activity_cancel(request, pk):
    return _command(request, pk, services.activity_cancel, _("“%(activity)s” is canceled."))


@require_POST
def activity_reopen(request, pk):
    return _command(request, pk, services.activity_reopen, _("“%(activity)s” is open again."))


@require_POST
def activity_send(request, pk):
    """Queue an open outgoing email for the task worker to send (again, after the mail server refused it)."""
    return _command(request, pk, services.email_send, _("“%(activity)s” is queued: it goes out in a moment."))


@require_POST
def activity_delete(request, pk):
    activity = activity_get(request.user, pk)
    regarding = activity.regarding
    expect_posted_version(request, activity)
    try:
        services.activity_delete(activity=activity, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(activity)
    messages.success(request, _("The activity is deleted."))
    return redirect(regarding.get_absolute_url() if regarding else "activities:mine")


@require_safe
def attachment_download(request, pk):
    """A note's file, always as a download under its own name, never shown in the browser."""
    permissions.require(permissions.can_view(request.user, Activity))
    attachment = get_object_or_404(Attachment, pk=pk)
    response = FileResponse(attachment.file.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = attachment_disposition(attachment.name, default="attachment")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_safe
def activity_ics(request, pk):
    """An appointment as an iCalendar file, for the user's own calendar."""
    activity = activity_get(request.user, pk)
    if activity.kind != ActivityKind.APPOINTMENT:
        raise Http404
    response = HttpResponse(appointment_ics(activity, host=request.get_host()), content_type="text/calendar")
    response["Content-Disposition"] = attachment_disposition(f"{activity}.ics", default="appointment.ics")
    return response


VIEWS = VIEW_CHOICES
# My Activities' columns: (sort parameter or "", label), the labels in each request's language.
COLUMNS = [
    ("subject", gettext_lazy("Subject")),
    ("kind", gettext_lazy("Activity type")),
    ("", gettext_lazy("Regarding")),
    ("due", gettext_lazy("Due")),
    ("priority", gettext_lazy("Priority")),
    ("", gettext_lazy("Status")),
]


def _sort_headers(request, sort):
    """Each column's header: its label, the link that sorts by it (the other way when it is the sort), and
    the aria-sort its state is."""
    headers = []
    for key, label in COLUMNS:
        if not key:
            headers.append({"label": label, "url": "", "aria_sort": ""})
            continue
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = f"-{key}" if sort == key else key
        state = "ascending" if sort == key else "descending" if sort == f"-{key}" else ""
        headers.append({"label": label, "url": f"?{query.urlencode()}", "aria_sort": state})
    return headers


@require_safe
def mine(request):
    """My Activities: the user's own, in one of the system views, filterable by kind."""
    view = request.GET.get("view", MyActivitiesView.OPEN)
    if view not in dict(VIEWS):
        view = MyActivitiesView.OPEN
    kind = request.GET.get("kind", "")
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") not in MY_ACTIVITIES_SORTS:
        sort = ""
    activities = my_activities(user=request.user, view=view, kind=kind, sort=sort)
    page = BoundedPaginator(activities, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "headers": _sort_headers(request, sort),
        "page_query": query.urlencode(),
        "export_query": query.urlencode(),
        "views": VIEWS,
        "view": view,
        "kind": kind,
        "kinds": ActivityKind.choices,
        "page_obj": page,
        "view_label": dict(VIEWS)[view],
        "sort": sort,
    }
    return render(request, "activities/my_activities.html", context)



class ActivityExportView(RecordExportView):
    """My Activities as a file: the view, kind and sort the page shows (crm.activities.exports)."""

    name = "activities"
