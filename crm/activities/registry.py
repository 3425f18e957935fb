"""What each kind of record's timeline gathers beyond its own activities, registered by its app.

Each app's ``timeline.py`` says, with ``@rollup("app.Model")``, which other
activities its records' timelines show: an account's, the activities about
its contacts, opportunities and invoices (as Dynamics rolls them up). The
function returns {label: Q over Activity}; each Q is one indexed query of the
timeline, so that a page costs the same number of queries at any size.
"""

from django.utils.module_loading import autodiscover_modules

_rollups = {}


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


def autodiscover():
    autodiscover_modules("timeline")
