"""A list's views page: its system views, the user's saved views (save as, rename, delete) and the columns."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crm import permissions
from crm.lists import COLUMNS_PARAM, NOT_FILTERS, SORT_PARAM, VIEW_PARAM, services
from crm.lists import get_list as get_any_list
from crm.lists.selectors import saved_view_get
from crm.lists.state import resolve
from crm.models import SavedView
from crm.record_views import add_service_error, error_text


class SavedViewNameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=SavedView._meta.get_field("name").max_length)


class SaveViewForm(SavedViewNameForm):
    """Save as: a name, and the list's query string (filters, sort and columns) when the user chose to save."""

    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)


def get_list(request, list_key):
    """The list named in the URL (404 if none), when the user may read its records (403 otherwise)."""
    record_list = get_any_list(list_key)
    permissions.require(permissions.can_view(request.user, record_list.model))
    return record_list


def list_url(record_list, query=""):
    url = reverse(f"{record_list.key}:list")
    return f"{url}?{query}" if query else url


def query_state(record_list, query: str) -> dict:
    """The filters, sort and columns of a list's query string, for a saved view (the service validates them)."""
    params = QueryDict(query)
    filters = {}
    for name in params:
        if name not in NOT_FILTERS:
            values = params.getlist(name)
            filters[name] = values if len(values) > 1 else values[0]
    return {"filters": filters, "sort": params.get(SORT_PARAM, ""), "columns": params.getlist(COLUMNS_PARAM)}


def _page(request, record_list, *, save_form=None, rename_forms=None, status=200):
    query = request.GET.get("query", "") if save_form is None else save_form["query"].value() or ""
    # The list as this query shows it: for the column chooser, and the user's saved views (one query).
    state = resolve(record_list, user=request.user, params=QueryDict(query))
    views = state.views
    rename_forms = rename_forms or {}
    return render(
        request,
        "lists/views.html",
        {
            "record_list": record_list,
            "list_url": list_url(record_list),
            "list_title": capfirst(record_list.model._meta.verbose_name_plural),
            "chooser": state.column_chooser(),
            "system_views": record_list.system_views,
            "saved_views": [
                (
                    view,
                    rename_forms.get(view.pk)
                    or SavedViewNameForm(initial={"name": view.name}, prefix=f"view-{view.pk}"),
                )
                for view in views
            ],
            "save_form": save_form or SaveViewForm(initial={"query": query}),
            "query": query,
            "view_param": VIEW_PARAM,
        },
        status=status,
    )


class ListViewsView(View):
    """GET: the views page (without JavaScript, also what the list's view menu links to). POST: save as."""

    def get(self, request, list_key):
        return _page(request, get_list(request, list_key))

    def post(self, request, list_key):
        record_list = get_list(request, list_key)
        form = SaveViewForm(request.POST)
        if not form.is_valid():
            return _page(request, record_list, save_form=form, status=400)
        try:
            saved = services.saved_view_create(
                actor=request.user,
                list_key=record_list.key,
                name=form.cleaned_data["name"],
                **query_state(record_list, form.cleaned_data["query"]),
            )
        except ValidationError as error:
            add_service_error(form, _named_errors(error))
            return _page(request, record_list, save_form=form, status=400)
        messages.success(request, _("The view %(name)s was saved.") % {"name": saved.name})
        return redirect(list_url(record_list, f"{VIEW_PARAM}={saved.pk}"))


def _named_errors(error):
    """A saved view's errors for the save form: the name's beside it, the rest (the list's state) on top."""
    if hasattr(error, "error_dict"):
        return ValidationError(
            {name if name == "name" else "__all__": errors for name, errors in error.error_dict.items()}
        )
    return error


class SavedViewUpdateView(View):
    """POST: rename the user's view, or (``replace``) save the list's current state into it."""

    def post(self, request, list_key, pk):
        record_list = get_list(request, list_key)
        saved = saved_view_get(user=request.user, list_key=record_list.key, pk=pk)
        if "replace" in request.POST:
            fields = query_state(record_list, request.POST.get("query", ""))
        else:
            form = SavedViewNameForm(request.POST, prefix=f"view-{saved.pk}")
            if not form.is_valid():
                return _page(request, record_list, rename_forms={saved.pk: form}, status=400)
            fields = {"name": form.cleaned_data["name"]}
        try:
            services.saved_view_update(saved_view=saved, actor=request.user, **fields)
        except ValidationError as error:
            if "name" in fields:
                form.add_error("name", ValidationError(error.message_dict.get("name") or error.messages))
                return _page(request, record_list, rename_forms={saved.pk: form}, status=400)
            messages.error(request, error_text(error))
            return redirect(reverse("lists:views", args=[record_list.key]))
        messages.success(request, _("The view %(name)s was saved.") % {"name": saved.name})
        return redirect(list_url(record_list, f"{VIEW_PARAM}={saved.pk}"))


class SavedViewDeleteView(View):
    """GET asks to confirm; POST deletes the user's view."""

    def get(self, request, list_key, pk):
        record_list = get_list(request, list_key)
        saved = saved_view_get(user=request.user, list_key=record_list.key, pk=pk)
        return render(
            request,
            "lists/bulk_confirm.html",
            {
                "title": _("Delete view"),
                "question": _("Delete the view %(name)s?") % {"name": saved.name},
                "explanation": _("Only the view is deleted, not the records it shows."),
                "confirm_label": _("Delete"),
                "danger": True,
                "back_url": reverse("lists:views", args=[record_list.key]),
            },
        )

    def post(self, request, list_key, pk):
        record_list = get_list(request, list_key)
        saved = saved_view_get(user=request.user, list_key=record_list.key, pk=pk)
        services.saved_view_delete(saved_view=saved, actor=request.user)
        messages.success(request, _("The view %(name)s was deleted.") % {"name": saved.name})
        return redirect(reverse("lists:views", args=[record_list.key]))
