"""Romanian dates: dd.mm.yyyy everywhere ("31.12.2026", "31.12.2026, 09:09"); month names, where a page
names a month ("decembrie 2026"), lower-case as Romanian writes them."""

# Django's date-format syntax. The short and long names are the same on purpose: a page never mixes two
# styles. Django's Romanian catalog capitalises the month names ("Decembrie"); the project's catalog
# translates them lower-case.
DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d.m.Y, H:i"
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1

# What a typed date may look like (strptime syntax). The first is how a form's date field writes its value
# (crm.record_forms.DATE_INPUT, and the date picker in static/js/date_picker.js): "31.12.2026", as the pages
# show it. ISO stays accepted (Django adds it anyway): a date pasted from elsewhere, or posted by a script.
DATE_INPUT_FORMATS = [
    "%d.%m.%Y",  # 31.12.2026
    "%Y-%m-%d",  # 2026-12-31
    "%d.%m.%y",  # 31.12.26
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y, %H:%M",
    "%d.%m.%Y %H:%M",
]
