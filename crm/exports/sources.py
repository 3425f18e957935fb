"""What each list exports: its user-scoped selector, its filters and its columns, as each app registers it.

Each app describes its list's export in its own ``exports.py`` (``accounts/exports.py``...),
calling ``register``; ``autodiscover`` imports those modules when the CRM starts, the way
``django.contrib.admin`` finds each app's ``admin.py``. The export view and the export task
both rebuild a list's records here, from the user and the list's GET parameters, so a
background export holds exactly the rows the list showed, in the user's scope.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.module_loading import autodiscover_modules
from django.utils.text import capfirst
from django.utils.translation import get_language

from crm.imports.exports import CHUNK_SIZE, HeaderRow, export_rows

# The list export's GET parameter asking for the round-trip columns (the records' ids and versions).
ROUND_TRIP_PARAMETER = "round_trip"


@dataclass(frozen=True)
class ExportSource:
    name: str
    selector: Callable
    filterset_class: type
    resource_class: type
    # Whether the list's export can carry each record's id and version, to import back as updates.
    round_trip: bool = False

    @property
    def model(self):
        return self.filterset_class._meta.model

    @property
    def label(self):
        return capfirst(self.model._meta.verbose_name_plural)

    def queryset(self, *, user, query: QueryDict, request=None):
        """The records the user's list shows for ``query`` (the list's GET parameters), filtered as the list does."""
        if request is None:
            # The filters read only the user (the mine/all switch) from the request.
            request = HttpRequest()
            request.user = user
            request.GET = query
        queryset = self.selector(user=user)
        return self.filterset_class(query or None, queryset=queryset, request=request).qs

    def rows(self, queryset, *, round_trip=False):
        """The header row, then one row per record, read in chunks.

        With ``round_trip`` (for a source that offers it) each row ends with the record's id and version, under
        the "(Do not modify)" headers the importer reads back (crm.imports.columns.ROUND_TRIP_COLUMNS); the
        header row names them as hidden, which an XLSX export honours.
        """
        resource = self.resource_class()
        if not (round_trip and self.round_trip):
            return export_rows(resource, queryset)
        return _round_trip_rows(resource, queryset)

    def wants_round_trip(self, query) -> bool:
        """Whether the list's GET parameters ``query`` ask for the round-trip columns."""
        return self.round_trip and query.get(ROUND_TRIP_PARAMETER) in ("1", "true", "on")


def _round_trip_rows(resource, queryset):
    from crm.imports.columns import ROUND_TRIP_COLUMNS

    headers = resource.export_headers()
    yield HeaderRow(
        [*headers, *(str(column.label) for column in ROUND_TRIP_COLUMNS)],
        hidden=range(len(headers), len(headers) + len(ROUND_TRIP_COLUMNS)),
    )
    for record in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [*resource.export_values(record), record.pk, record.version]


# The registered sources by name (the list's URL namespace, e.g. "accounts").
SOURCES: dict[str, ExportSource] = {}


def register(source: ExportSource) -> ExportSource:
    """Offer ``source``'s list for export; its app's URLs route ``<name>:export`` to RecordExportView."""
    SOURCES[source.name] = source
    return source


def autodiscover():
    """Import every installed app's ``exports`` module, which registers its lists."""
    autodiscover_modules("exports")


def target_choices():
    """The registered lists as model choices (ExportJob.target)."""
    return [(name, source.label) for name, source in SOURCES.items()]


@dataclass(frozen=True)
class ExportColumn:
    """One column of an export: its header, and its cell for a record."""

    label: Any
    value: Callable[[Any], Any]


def field(name):
    """A cell reading the record's field ``name``."""
    return lambda record: getattr(record, name)


def choice_label(name):
    """A cell showing the label of the record's choice field ``name`` in the active language."""
    labels = {}  # {language: {value: label}}, built once per language, not per cell

    def value(record):
        language = labels.setdefault(get_language(), {})
        if not language:
            language.update({key: str(label) for key, label in record._meta.get_field(name).flatchoices})
        raw = getattr(record, name)
        return language.get(raw, raw)

    return value


def related_name(name):
    """A cell showing the related record ``name`` (joined by the list's selector) as text, or empty."""

    def value(record):
        if getattr(record, f"{name}_id") is None:
            return ""
        return str(getattr(record, name))

    return value


def owner_username(record):
    """The owner's user name, as the accounts and contacts exports write it."""
    return record.owner.get_username() if record.owner_id else ""


class ColumnsResource:
    """An export made of ``columns`` (ExportColumn), for a list the importer does not read back."""

    columns: tuple[ExportColumn, ...] = ()

    def export_headers(self):
        return [str(column.label) for column in self.columns]

    def export_values(self, record):
        return [column.value(record) for column in self.columns]
