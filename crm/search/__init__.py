"""Global search: one box that finds records of every kind, as each app registers its kind.

Each app describes its records in its own ``search.py`` (``accounts/search.py``...), calling
``register`` with a ``SearchKind``; ``autodiscover`` imports those modules on the first search, the
way ``django.contrib.admin`` finds each app's ``admin.py``. This package imports no app: the search
drives whatever is registered.

A kind matches each word of the query anywhere in one of its fields with ``icontains``, the lookup
the lists' search box uses, so the same trigram indexes on ``UPPER(column)`` serve it on PostgreSQL
(crm/migrations/0005_search_trigram_indexes.py). A query without letters (a phone or a number) is
matched as one piece, spaces included, since its words are too short for the indexes and match too
much on their own. Each kind costs one query whatever the number of matches (see ``SearchKind.matches``).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.module_loading import autodiscover_modules

from crm.params import clean_text

# How many records of each kind a search shows; "See all" opens the kind's list for the rest.
RESULTS_PER_KIND = 5
# How many matching records of a kind are looked at before ordering them (see SearchKind.find).
CANDIDATES = 200
# A query is cut to this many characters and this many words: nobody types more into a search box,
# and every word is one more condition on every field.
MAX_QUERY_LENGTH = 100
MAX_WORDS = 6
# A query is searched once one of its terms holds this many letters or digits in a row: the trigram
# indexes serve nothing shorter, and a rare two-letter word would read every row of every kind.
MIN_QUERY_LENGTH = 3
_INDEXABLE = re.compile(rf"[^\W_]{{{MIN_QUERY_LENGTH}}}")


@dataclass(frozen=True)
class SearchResult:
    """One line of the results: the record's name, a second line telling it apart, and its page."""

    title: str
    detail: str
    url: str


@dataclass(frozen=True)
class SearchKind:
    """What one kind of record offers to the search.

    ``name`` is its list's URL namespace (``accounts`` for ``accounts:list``); ``selector(user=...)``
    returns the records the user may read (raising PermissionDenied when they may read none);
    ``fields`` are matched with ``icontains``; ``order_by`` orders the matches shown;
    ``detail(record)`` is the second line of a result, ``title(record)`` its first (the record's name).
    """

    name: str
    label: Any
    selector: Callable
    fields: tuple[str, ...]
    order_by: tuple
    detail: Callable[[Any], str]
    title: Callable[[Any], str] = str

    def list_url(self, query: str) -> str:
        """The kind's list searched for ``query`` (its own search box's ``q``)."""
        return f"{reverse(f'{self.name}:list')}?{urlencode({'q': query})}"

    def condition(self, terms: list[str]) -> Q:
        """Every term matches one of the fields."""
        return reduce(
            and_, (reduce(or_, (Q(**{f"{field}__icontains": term}) for field in self.fields)) for term in terms)
        )

    def find(self, user, query: str, *, limit=RESULTS_PER_KIND):
        """Up to ``limit`` + 1 records matching ``query`` the user may read, best first; None if they may read none."""
        matches = self.matches(user, query, limit=limit)
        return None if matches is None else list(matches)

    def matches(self, user, query: str, *, limit=RESULTS_PER_KIND):
        """The query ``find`` runs: up to ``limit`` + 1 matches, best first; None when the user may read none.

        One query with two subqueries: the ids of at most ``CANDIDATES`` matches are gathered
        unordered, the first ``limit`` + 1 of those are picked in order, and only these are read with
        the selector's joins. Asking for "the first five by name" directly lets PostgreSQL walk the
        name index and test every row until five match, most of a million rows for a rare word;
        gathered unordered, a rare word reads the trigram indexes and a common one stops early.
        Records whose first field (the name) starts with the query come first, then those holding
        the whole query in one field, then the others (whose fields hold its words apart).
        """
        try:
            records = self.selector(user=user)
        except PermissionDenied:
            return None
        candidates = records.filter(self.condition(search_terms(query))).order_by().values("pk")[:CANDIDATES]
        rank = Case(
            When(Q(**{f"{self.fields[0]}__istartswith": query}), then=Value(0)),
            When(self.condition([query]), then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        order = (rank, *self.order_by)
        first = records.model._default_manager.filter(pk__in=candidates).order_by(*order).values("pk")[: limit + 1]
        return records.filter(pk__in=first).order_by(*order)

    def result(self, record) -> SearchResult:
        return SearchResult(title=self.title(record), detail=self.detail(record), url=record.get_absolute_url())


# The registered kinds by name, in the order their apps are installed.
KINDS: dict[str, SearchKind] = {}
_discovered = False


def register(kind: SearchKind) -> SearchKind:
    """Offer ``kind``'s records to the global search."""
    KINDS[kind.name] = kind
    return kind


def autodiscover():
    """Import every installed app's ``search`` module (once), which registers its kind."""
    global _discovered
    if not _discovered:
        autodiscover_modules("search")
        _discovered = True


def search_terms(query: str) -> list[str]:
    """The terms a query is matched on: its words, or the whole query when it has no letters (a phone).

    A phone's leading country code ("+40 ") is dropped when six digits or more follow: every phone
    of the country holds it, and its trigrams' entries (as many as there are phones) would cost the
    index more than all the others. The records with the whole number come first (see find).
    """
    if any(char.isalpha() for char in query):
        return query.split()[:MAX_WORDS]
    words = query.split()
    if len(words) > 1 and len(words[0].lstrip("+")) <= 3 and sum(char.isdigit() for char in "".join(words[1:])) >= 6:
        return [" ".join(words[1:])]
    return [query]


def is_searchable(query: str) -> bool:
    """Whether one of the query's terms holds ``MIN_QUERY_LENGTH`` letters or digits in a row (see there)."""
    return any(_INDEXABLE.search(term) for term in search_terms(query))


def clean_query(value) -> str:
    """The query as searched: control characters removed, spaces collapsed, cut to ``MAX_QUERY_LENGTH``."""
    return " ".join(clean_text(value).split())[:MAX_QUERY_LENGTH].strip()


@dataclass
class SearchGroup:
    """The results of one kind: the first few, whether there are more, and the kind's list searched."""

    kind: SearchKind
    results: list[SearchResult]
    more: bool
    list_url: str

    @property
    def label(self):
        return self.kind.label


def search(*, user, query: str, limit=RESULTS_PER_KIND) -> list[SearchGroup]:
    """The groups of records matching ``query`` that ``user`` may read, one per kind with matches.

    One query per kind the user may read; kinds they may not read are left out.
    """
    autodiscover()
    if not is_searchable(query):
        return []
    groups = []
    for kind in KINDS.values():
        found = kind.find(user, query, limit=limit)
        if not found:
            continue
        groups.append(
            SearchGroup(
                kind=kind,
                results=[kind.result(record) for record in found[:limit]],
                more=len(found) > limit,
                list_url=kind.list_url(query),
            )
        )
    return groups
