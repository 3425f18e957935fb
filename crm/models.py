"""Pieces shared by every CRM record: owner, status and who changed it when."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.currencies import CURRENCY_CHOICES


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
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


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


from crm.imports.models import ImportJob, ImportJobRecord, ImportRowIssue  # noqa: E402, F401  (models of the crm app)
