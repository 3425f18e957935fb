"""Date formats per language (FORMAT_MODULE_PATH = ["crm.formats"]), and the month names our catalog words.

Django's Romanian catalog capitalises the month names ("Decembrie 2026"); Romanian writes them in lower
case. They are marked here, as Django marks them in django/utils/dates.py, so that makemessages puts them
in our catalog, whose translations take precedence over Django's own.
"""

from django.utils.translation import gettext_noop, pgettext_lazy

MONTH_NAMES = [
    gettext_noop("January"), gettext_noop("February"), gettext_noop("March"), gettext_noop("April"),
    gettext_noop("May"), gettext_noop("June"), gettext_noop("July"), gettext_noop("August"),
    gettext_noop("September"), gettext_noop("October"), gettext_noop("November"), gettext_noop("December"),
]
# The names as a date says them ("1 decembrie 2026", the E format).
MONTH_NAMES_IN_DATES = [
    pgettext_lazy("alt. month", "January"), pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"), pgettext_lazy("alt. month", "April"), pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"), pgettext_lazy("alt. month", "July"), pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"), pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"), pgettext_lazy("alt. month", "December"),
]
