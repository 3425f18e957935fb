"""What each kind of record's timeline gathers beyond its own activities, and who activities go to, registered
by its app.

Each app's ``timeline.py`` says, with ``@rollup("app.Model")``, which other
activities its records' timelines show: an account's, the activities about
its contacts, opportunities and invoices (as Dynamics rolls them up). The
function returns {label: Q over Activity}; each Q is one indexed query of the
timeline, so that a page costs the same number of queries at any size.

The contacts app also registers, with ``@people``, the people an email's or an
appointment's addresses are matched to and offered from (crm.activities.parties).
"""

from django.utils.module_loading import autodiscover_modules

_rollups = {}
_people = []


def rollup(model_label):
    """Register the decorated function(record) -> {regarding field: Q} as the roll-up of ``model_label``."""

    def register(function):
        _rollups[model_label.lower()] = function
        return function

    return register


def rollup_of(record) -> dict:
    """{regarding field: Q over Activity} of the other activities ``record``'s timeline shows."""
    function = _rollups.get(record._meta.label_lower)
    return function(record) if function else {}


def people(source):
    """Register ``source``: an object with ``by_address(user, addresses) -> {address: record}`` (the records,
    among those ``user`` may see, that have one of the lower-cased ``addresses``) and ``of_record(user, record,
    limit) -> [(name, address)]`` (the people an activity about ``record`` is likely to go to)."""
    _people.append(source)
    return source


def people_by_address(*, user, addresses) -> dict:
    found = {}
    for source in _people:
        for address, record in source.by_address(user, addresses).items():
            found.setdefault(address, record)
    return found


def people_of(*, user, record, limit) -> list[tuple[str, str]]:
    offered = []
    for source in _people:
        offered += source.of_record(user, record, limit)
    return offered[:limit]


def autodiscover():
    autodiscover_modules("timeline")
