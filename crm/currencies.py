"""ISO 4217 currencies the CRM accepts for money fields."""

from django.utils.translation import gettext_lazy as _

CURRENCY_CHOICES = [
    ("RON", _("Romanian leu (RON)")),
    ("EUR", _("Euro (EUR)")),
    ("USD", _("US dollar (USD)")),
    ("GBP", _("Pound sterling (GBP)")),
    ("CHF", _("Swiss franc (CHF)")),
    ("HUF", _("Hungarian forint (HUF)")),
    ("PLN", _("Polish złoty (PLN)")),
    ("CZK", _("Czech koruna (CZK)")),
    ("BGN", _("Bulgarian lev (BGN)")),
    ("MDL", _("Moldovan leu (MDL)")),
    ("SEK", _("Swedish krona (SEK)")),
    ("DKK", _("Danish krone (DKK)")),
    ("NOK", _("Norwegian krone (NOK)")),
    ("JPY", _("Japanese yen (JPY)")),
    ("CNY", _("Chinese yuan (CNY)")),
    ("CAD", _("Canadian dollar (CAD)")),
    ("AUD", _("Australian dollar (AUD)")),
]
CURRENCY_CODES = frozenset(code for code, _label in CURRENCY_CHOICES)
