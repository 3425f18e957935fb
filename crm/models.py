"""Pieces shared by every CRM record: owner, status and who changed it when."""

from django.conf import settings
from django.core.exceptions import ValidationError
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
        # Each record's Meta has an index led by the owner (owner and name, owner and date), which serves the
        # owner's lookups and the PROTECT check: an index of the owner alone is one more write per record.
        db_index=False,
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


# The size of an exchange rate: as many places as the central banks publish, room for a forint base.
EXCHANGE_RATE_MAX_DIGITS = 18
EXCHANGE_RATE_DECIMAL_PLACES = 6


class ExchangeRateField(models.DecimalField):
    """The rate a record's amounts were converted to the base currency at (see ExchangeRate); empty when none."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", _("exchange rate"))
        kwargs.setdefault("max_digits", EXCHANGE_RATE_MAX_DIGITS)
        kwargs.setdefault("decimal_places", EXCHANGE_RATE_DECIMAL_PLACES)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


class ExchangeRate(models.Model):
    """A currency's rate to the base currency (CRM_BASE_CURRENCY), kept by the System Administrators.

    As Dynamics' Currencies, one rate per currency: ``rate`` base-currency units buy
    one unit of ``currency`` (as the central bank publishes it: 1 EUR = 5.0900 RON),
    so an amount in base is the amount times the rate. The base currency itself
    needs no row: its rate is always 1. Set through crm.exchange_rates.exchange_rate_set.
    """

    currency = models.CharField(
        _("currency"),
        max_length=3,
        choices=CURRENCY_CHOICES,
        unique=True,
        error_messages={"unique": _("This currency already has an exchange rate.")},
    )
    rate = models.DecimalField(
        _("exchange rate"),
        max_digits=EXCHANGE_RATE_MAX_DIGITS,
        decimal_places=EXCHANGE_RATE_DECIMAL_PLACES,
        help_text=_("How many units of the base currency one unit of this currency is worth."),
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
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gt=0),
                name="exchange_rate_positive",
                violation_error_message=_("An exchange rate is greater than zero."),
            ),
        ]

    def __str__(self):
        return f"{self.currency} {self.rate}"

    def clean(self):
        super().clean()
        if self.rate is not None and self.rate <= 0:
            raise ValidationError(
                {"rate": ValidationError(_("An exchange rate is greater than zero."), code="rate_not_positive")}
            )
        if self.currency == settings.CRM_BASE_CURRENCY and self.rate is not None and self.rate != 1:
            raise ValidationError(
                {"rate": ValidationError(_("The base currency's rate is always 1."), code="base_currency_rate")}
            )


class SavedView(models.Model):
    """A user's own view of a list: its filters, sort and columns, under a name (Dynamics' personal views).

    ``list_key`` names a list registered in crm.lists ("accounts"); ``filters`` holds only
    parameters that list's FilterSet accepts, ``columns`` only names of its table's columns
    (checked by clean()). Written through crm.lists.services.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("user")
    )
    list_key = models.CharField(_("list"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    sort = models.CharField(_("sort"), max_length=100, blank=True)
    # Empty: the table's own columns.
    columns = models.JSONField(_("columns"), default=list, blank=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified on"), auto_now=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["list_key", "name"]
        constraints = [
            models.UniqueConstraint(
                "user",
                "list_key",
                models.functions.Lower("name"),
                name="saved_view_unique_name",
                violation_error_message=_("You already have a view with this name."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        from crm.lists import registered

        record_list = registered().get(self.list_key)
        if record_list is None:
            raise ValidationError({"list_key": _("There is no such list.")}, code="unknown_list")
        errors = {}
        for name, clean in [
            ("filters", record_list.clean_filters),
            ("sort", record_list.clean_sort),
            ("columns", record_list.clean_columns),
        ]:
            try:
                setattr(self, name, clean(getattr(self, name)))
            except ValueError:
                errors[name] = ValidationError(_("This list cannot show that."), code=f"invalid_{name}")
        if errors:
            raise ValidationError(errors)


from crm.exports.models import ExportJob  # noqa: E402, F401  (a model of the crm app)
from crm.imports.models import ImportJob, ImportJobRecord, ImportRowIssue  # noqa: E402, F401  (models of the crm app)


def time_zone_choices():
    import zoneinfo

    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class UserPreferences(models.Model):
    """A user's own settings: the time zone their pages show times in, and their daily reminder digest.

    A user without a row has the defaults (the site's TIME_ZONE and LANGUAGE_CODE, the digest on at
    CRM_REMINDER_DEFAULT_TIME); written through crm.preferences.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences", verbose_name=_("user")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # The language of the emails the CRM sends them (their pages follow the language switcher).
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    reminder_digest = models.BooleanField(
        _("daily reminder email"), default=True,
        help_text=_("Each morning, an email listing your overdue tasks and what is due today."),
    )
    reminder_time = models.TimeField(_("sent at"), null=True, blank=True)
    # The last day (in the user's time zone) a digest went out, so that no day gets two.
    reminder_sent_on = models.DateField(_("last sent on"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user preferences")
        verbose_name_plural = _("user preferences")

    def __str__(self):
        return str(self.user)

    def clean(self):
        super().clean()
        if self.time_zone and self.time_zone not in dict(time_zone_choices()):
            raise ValidationError({"time_zone": _("Choose a time zone from the list.")}, code="unknown_time_zone")
