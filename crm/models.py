"""Pieces shared by every CRM record: owner, status and who changed it when."""

from django.conf import settings
from django.core.validators import DecimalValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from crm.currencies import CURRENCY_CHOICES
from crm.limits import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, MoneyValidator


def default_currency():
    return settings.CRM_DEFAULT_CURRENCY


class RecordStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class CurrencyField(models.CharField):
    """An ISO 4217 currency code."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("choices", CURRENCY_CHOICES)
        kwargs.setdefault("default", default_currency)
        kwargs.setdefault("verbose_name", _("currency"))
        super().__init__(*args, **kwargs)


class MoneyField(models.DecimalField):
    """An amount of money: Decimal, never float."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    # Set here rather than in validators=, so that migrations do not record them.
    @cached_property
    def validators(self):
        return _money_validators(super().validators, self)

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        field.validators = _money_validators(field.validators, self)
        return field


def _money_validators(validators, field):
    """``validators`` with Django's DecimalValidator replaced by MoneyValidator, which names the largest amount."""
    return [
        MoneyValidator(field.max_digits, field.decimal_places) if type(validator) is DecimalValidator else validator
        for validator in validators
    ]


class OwnedRecord(models.Model):
    """Owner and audit timestamps carried by accounts, contacts, opportunities and invoices."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    modified_at = models.DateTimeField(_("modified on"), auto_now=True)
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("modified by"),
    )
    # Incremented by the database on every write; a save names the version it read, so a save over
    # someone else's newer change matches no row and is refused (crm.services.record_save).
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    class Meta:
        abstract = True


class PostalAddress(models.Model):
    """A postal address, as Dynamics' Address 1 fields."""

    street = models.CharField(_("street"), max_length=250, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    county = models.CharField(_("county"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)

    class Meta:
        abstract = True


from crm.exports.models import ExportJob  # noqa: E402, F401  (a model of the crm app)
from crm.imports.models import ImportJob, ImportJobRecord, ImportRowIssue  # noqa: E402, F401  (models of the crm app)
