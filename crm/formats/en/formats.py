"""English dates: one style everywhere, "1 Dec 2026" and "1 Dec 2026, 09:09" (no "a.m.", no mm/dd)."""

# Django's date-format syntax (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date).
# The short and long names are the same on purpose: a page never mixes two styles.
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1

# What a typed date may look like (strptime syntax). The first is how a form's date field writes its value
# (crm.record_forms.DATE_INPUT, and the date picker in static/js/date_picker.js): ISO, since English pages
# write dates with a month name and a numeric day-before-month date is not what every English reader expects.
# Day before month, never mm/dd: "01/12/2026" would be read two ways.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-31
    "%d.%m.%Y",  # 31.12.2026
    "%d %b %Y",  # 31 Dec 2026, as the pages show it
    "%d %B %Y",  # 31 December 2026
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M",
    "%d %b %Y, %H:%M",
]
