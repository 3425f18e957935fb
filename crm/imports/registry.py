"""What can be imported: each app describes its own import in its ``imports.py`` and registers it here.

An app's import (``accounts/imports.py``...) names its columns (with every header that names each, the
exporters' included), the columns it splits or joins, its typed pairs, the examples of its template, and
its Importer subclass: how its rows are matched to existing records, looked up, locked and saved through
the app's services. ``autodiscover`` imports those modules when the CRM starts, the way
``django.contrib.admin`` finds each app's ``admin.py``; the engine, the readers, the wizard and the jobs
in ``crm/imports/`` know no kind of record of their own.
"""

from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules
from django.utils.text import capfirst

from crm.imports.columns import ROUND_TRIP_COLUMNS


@dataclass(frozen=True)
class ImportKind:
    """One kind of record the import writes."""

    key: str  # "accounts": the import's target, in URLs, jobs and the command line
    importer: type  # its crm.imports.engine.Importer subclass
    columns: tuple
    splits: tuple = ()  # columns read on import only: split (Full Name) or joined (Street 2) into others
    pairs: tuple = ()  # typed pairs (Google's Phone N - Value by its Label)
    examples: dict = field(default_factory=dict)  # the template's example row, by column key
    round_trip: bool = True  # whether an export of it carries ids and versions to import back

    @property
    def model(self):
        return self.importer.model

    @property
    def label(self):
        return capfirst(self.model._meta.verbose_name_plural)

    @property
    def known(self):
        """Every column a header may be mapped to, the round trip's included."""
        return (*self.columns, *self.splits, *(ROUND_TRIP_COLUMNS if self.round_trip else ()))


IMPORTS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    IMPORTS[kind.key] = kind
    return kind


def import_kind(target) -> ImportKind:
    """The registered import of ``target``; ValueError when nothing imports it."""
    try:
        return IMPORTS[target]
    except KeyError:
        raise ValueError(f"Nothing imports {target!r}: no app's imports.py registers it.") from None


def autodiscover():
    autodiscover_modules("imports")
