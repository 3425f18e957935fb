"""Record pickers: choose one account, contact or opportunity among millions without listing them all.

A form field (``RecordChoiceField``) renders only the record chosen so far and a search box; typing
asks the ``crm:pick`` view for at most ``MAX_RESULTS`` matches through the area's user-scoped
selector, and clicking one (or pressing Enter on it) chooses it. Without JavaScript the field is a
number box beside the chosen record's name, with a link to the same search as a page that shows
each match's number.
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.selectors import account_list
from contacts.models import Contact
from contacts.selectors import contact_list
from crm.params import query_text, record_number
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_list

# How many matches one search shows; more words narrow it.
MAX_RESULTS = 20
# How many matching records a search looks at before ordering them (see PickerSource.find).
CANDIDATES = 500


@dataclass(frozen=True)
class PickerSource:
    """Where a picker looks: the area's selector, the fields a search word may match, the order."""

    name: str
    model: type
    selector: object
    lookups: tuple[str, ...]
    # Ordered on expressions no index holds, so that PostgreSQL sorts the few matches found rather than
    # walk a name index past most of the table looking for them (see find).
    order_by: tuple
    invalid_message: str
    # Query parameters that narrow the choices, to the lookup they filter on (e.g. a contact's account).
    narrowing: dict = field(default_factory=dict)

    def label(self, record) -> str:
        return str(record)

    def detail(self, record) -> str:
        """A second line telling records of the same name apart."""
        if isinstance(record, Account):
            return " · ".join(part for part in (record.account_number, record.city) if part)
        if isinstance(record, Contact):
            return " · ".join(part for part in (record.account.name if record.account else "", record.email) if part)
        if isinstance(record, Opportunity):
            customer = record.account or record.contact
            return str(customer) if customer else ""
        return ""

    def choices_for(self, user):
        """The records ``user`` may choose from: the selector's scope, or none when they may not read them."""
        if user is None:
            return self.model._default_manager.all()
        try:
            return self.selector(user=user)
        except PermissionDenied:
            return self.model._default_manager.none()

    def narrow(self, queryset, params):
        """Apply the narrowing parameters (``exclude`` and this source's own) that hold a record number."""
        for key, value in params.items():
            value = record_number(value)
            if value is None:
                continue
            if key == "exclude":
                queryset = queryset.exclude(pk=value)
            elif key in self.narrowing:
                queryset = queryset.filter(**{self.narrowing[key]: value})
        return queryset

    def search(self, queryset, query: str):
        """Records matching every word of ``query`` in one of the lookups (unordered, unsliced)."""
        words = query.split()
        if not words:
            return queryset.none()
        condition = reduce(
            and_, (reduce(or_, (Q(**{lookup: word}) for lookup in self.lookups)) for word in words)
        )
        return queryset.filter(condition)

    def find(self, queryset, query: str, *, limit=MAX_RESULTS) -> tuple[list, bool]:
        """The first ``limit`` matches in order, and whether there are more (two queries).

        The matches are gathered first without an order, up to ``CANDIDATES``, then ordered: asking
        for "the first 20 by name" in one query lets PostgreSQL walk the name index and filter,
        which reads most of a million rows when the matches sort late (every "Vasilescu" after
        every other last name). Gathered unordered, a rare word reads the trigram indexes and a
        common one stops after a few thousand rows. When a word matches more than ``CANDIDATES``
        records, the list shows the first of those and says to type more.
        """
        matches = self.search(queryset, query)
        # No ORDER BY here: the planner would walk the name index, finding matches late.
        ids = list(matches.order_by().values_list("pk", flat=True)[:CANDIDATES])
        if not ids:
            return [], False
        found = list(queryset.filter(pk__in=ids).order_by(*self.order_by)[: limit + 1])
        return found[:limit], len(found) > limit or len(ids) == CANDIDATES


# Names and topics match anywhere in the word (the lists' search does the same, so the same trigram
# indexes serve both on PostgreSQL); email addresses and numbers match from their start.
SOURCES = {
    source.name: source
    for source in (
        PickerSource(
            name="accounts",
            model=Account,
            selector=account_list,
            lookups=("name__icontains", "account_number__istartswith", "email__istartswith"),
            order_by=(Lower("name"), "pk"),
            invalid_message=_("There is no account number %(value)s you can choose here. Search by name and pick one."),
        ),
        PickerSource(
            name="contacts",
            model=Contact,
            selector=contact_list,
            lookups=("first_name__icontains", "last_name__icontains", "email__istartswith"),
            order_by=(Lower("last_name"), Lower("first_name"), "pk"),
            invalid_message=_("There is no contact number %(value)s you can choose here. Search by name and pick one."),
            narrowing={"account": "account_id"},
        ),
        PickerSource(
            name="opportunities",
            model=Opportunity,
            selector=opportunity_list,
            lookups=("topic__icontains",),
            order_by=(Lower("topic"), "pk"),
            invalid_message=_(
                "There is no opportunity number %(value)s you can choose here. Search by topic and pick one."
            ),
        ),
    )
}


def source_for(model) -> PickerSource:
    for source in SOURCES.values():
        if source.model is model:
            return source
    raise LookupError(f"No record picker for {model.__name__}.")


class RecordPickerWidget(forms.Widget):
    """The chosen record's name, a search box that lists matches through htmx, and the record number.

    The number box is what is submitted; static/js/pickers.js turns it into a hidden input once the
    search box works, so without JavaScript the user can still type a number found on the search page.
    The template lives in crm/templates because the form renderer reads the apps' template folders.
    """

    template_name = "crm/widgets/record_picker.html"
    picker_field = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # The search box may stay empty once a record is chosen; the field's validation says what is missing.
        context["widget"]["attrs"].pop("required", None)
        picker = self.picker_field
        value = "" if value is None else str(value)
        context["widget"].update(
            value=value,
            label=picker.label_for(value) if picker else "",
            search_url=picker.search_url() if picker else "",
            source=picker.source.name if picker else "",
        )
        return context

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return value.strip() if isinstance(value, str) else value


class RecordChoiceField(forms.ModelChoiceField):
    """Choose one record through a search instead of a list of every record.

    Validation is ModelChoiceField's single ``queryset.get(pk=...)``; ``scope_to(user)`` makes the
    queryset the user's scope, ``restrict(...)`` narrows it (and the search) further.
    """

    widget = RecordPickerWidget

    def __init__(self, queryset=None, *, source=None, **kwargs):
        self.source = source or source_for(queryset.model)
        self.params = {}
        kwargs.pop("empty_label", None)
        super().__init__(self.source.model._default_manager.all() if queryset is None else queryset, **kwargs)
        self.error_messages["invalid_choice"] = self.source.invalid_message
        self.widget.picker_field = self

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        # Each form's copy narrows on its own; the declared field must keep no narrowing of a previous form.
        result.params = dict(self.params)
        result.widget.picker_field = result
        return result

    def restrict(self, **params):
        """Narrow the choices and the search, e.g. ``restrict(account=pk)`` or ``restrict(exclude=pk)``."""
        self.params.update(params)
        self.queryset = self.source.narrow(self.queryset, params)

    def scope_to(self, user):
        """Offer only what ``user`` may read (nothing when they may not read the model)."""
        self.queryset = self.source.narrow(self.source.choices_for(user), self.params)

    def label_from_instance(self, obj):
        return self.source.label(obj)

    def label_for(self, value) -> str:
        """The label of the record numbered ``value`` among the choices, or "" (one query)."""
        if record_number(value) is None:
            return ""
        record = self.queryset.filter(pk=value).first()
        return self.label_from_instance(record) if record else ""

    def search_url(self) -> str:
        url = reverse("crm:pick", args=[self.source.name])
        return f"{url}?{urlencode(self.params)}" if self.params else url


class PickerFormMixin:
    """A form whose record pickers offer only what its ``user`` may read."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None:
            for form_field in self.fields.values():
                if isinstance(form_field, RecordChoiceField):
                    form_field.scope_to(user)


def pick(request, source):
    """Search one area's records for a picker: a short list of matches (htmx) or a page of them with numbers."""
    picker_source = SOURCES.get(source)
    if picker_source is None:
        raise Http404
    params = {key: request.GET[key] for key in ("exclude", *picker_source.narrowing) if key in request.GET}
    records = picker_source.narrow(picker_source.selector(user=request.user), params)
    query = query_text(request.GET, "q")
    found, more = picker_source.find(records, query)
    context = {
        "source": picker_source.name,
        "query": query,
        "params": params,
        "results": [
            {"pk": record.pk, "label": picker_source.label(record), "detail": picker_source.detail(record)}
            for record in found
        ],
        "more": more,
        "max_results": MAX_RESULTS,
    }
    template = "crm/record_pick_results.html" if request.htmx else "crm/record_pick.html"
    return render(request, template, context)
