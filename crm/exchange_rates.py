"""Exchange rates to the base currency, and amounts converted with them, as Dynamics' Currencies.

The System Administrators keep one rate per currency (crm.models.ExchangeRate);
the base currency (CRM_BASE_CURRENCY) is always at 1. Opportunities and invoices
store their amounts in base too, with the rate used, set by their services when
the amount, the currency or the state changes. A new rate applies from then on:
stored amounts change only when an administrator asks for it
(base_amounts_recalculate, behind the admin action and the
``recalculate_base_amounts`` command). Each app whose records carry base amounts
registers its recalculation in its own ``exchange_rates.py`` (register_recalculation),
found as the admin finds each app's ``admin.py``.
"""

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from crm import permissions
from crm.models import ExchangeRate

CENT = Decimal("0.01")
ONE = Decimal("1")
# The admin's change permission on rates: the System Administrators have it (crm.roles gives them every one).
CHANGE_PERMISSION = "crm.change_exchangerate"

_recalculations: dict[type, Callable] = {}


def base_currency() -> str:
    return settings.CRM_BASE_CURRENCY


def current_rates() -> dict[str, Decimal]:
    """Every currency's rate to the base currency, the base itself at 1. One query."""
    rates = dict(ExchangeRate.objects.values_list("currency", "rate"))
    rates[base_currency()] = ONE
    return rates


def rate_for(currency: str, rates: dict | None = None) -> Decimal | None:
    """The rate of ``currency`` to the base currency, or None when no administrator has set one."""
    if currency == base_currency():
        return ONE
    if rates is not None:
        return rates.get(currency)
    return ExchangeRate.objects.filter(currency=currency).values_list("rate", flat=True).first()


def to_base(amount, rate) -> Decimal | None:
    """``amount`` converted at ``rate``, rounded to the cent; None when either is unknown."""
    if amount is None or rate is None:
        return None
    try:
        return (Decimal(amount) * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return None  # not a number: the record's own validation reports it


def can_change_rates(user) -> bool:
    return user.is_active and user.has_perm(CHANGE_PERMISSION)


@transaction.atomic
def exchange_rate_set(*, currency: str, rate, actor) -> ExchangeRate:
    """Set the rate of ``currency`` to the base currency (creating it when new); System Administrators only.

    Amounts already stored in base are left as they are: base_amounts_recalculate
    applies the new rate to what is still open, when the administrator asks.
    """
    permissions.require(can_change_rates(actor), _("Only System Administrators can change exchange rates."))
    exchange_rate = ExchangeRate.objects.select_for_update().filter(currency=currency).first()
    if exchange_rate is None:
        exchange_rate = ExchangeRate(currency=currency)
    exchange_rate.rate = rate
    exchange_rate.modified_by = actor
    exchange_rate.full_clean()
    exchange_rate.save()
    return exchange_rate


def register_recalculation(model: type, recalculate: Callable) -> None:
    """Register ``recalculate(*, rates, currencies)``, which brings ``model``'s base amounts to ``rates``.

    It returns how many records it changed; ``currencies`` (None: all) limits it to those currencies.
    """
    _recalculations[model] = recalculate


def autodiscover() -> None:
    autodiscover_modules("exchange_rates")


@transaction.atomic
def base_amounts_recalculate(*, actor, currencies=None) -> dict[type, int]:
    """Convert the amounts still in play at today's rates; return how many records changed, per model.

    Open opportunities and active (unpaid) invoices take today's rate. Won and
    lost opportunities, paid and canceled invoices keep the rate of the day they
    were closed, paid or canceled, as in Dynamics: that is history, and a new
    rate does not rewrite it. Records stored while their currency had no rate
    (no amount in base) are filled whatever their state. ``currencies`` limits
    it to those currencies (None: all). System Administrators only.
    """
    permissions.require(can_change_rates(actor), _("Only System Administrators can change exchange rates."))
    autodiscover()
    rates = current_rates()
    if currencies is not None:
        currencies = list(currencies)
        unknown = sorted(set(currencies) - rates.keys())
        if unknown:
            raise ValidationError(
                _("These currencies have no exchange rate: %(currencies)s.") % {"currencies": ", ".join(unknown)},
                code="no_rate",
            )
    return {model: recalculate(rates=rates, currencies=currencies) for model, recalculate in _recalculations.items()}
