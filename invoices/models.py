from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.limits import date_range_errors, money_fits, money_limit
from crm.models import CurrencyField, ExchangeRateField, MoneyField, OwnedRecord

CENT = Decimal("0.01")
HALF_CENT = Value(Decimal("0.005"))
# The dates of an invoice a user sets, on its form or through its workflows (paid on).
USER_DATES = ("invoice_date", "due_date", "paid_date")


class InvoiceState(models.TextChoices):
    # Contexts: in Romanian an invoice's states agree with "factură" (feminine).
    ACTIVE = "active", pgettext_lazy("invoice", "Active")
    PAID = "paid", pgettext_lazy("invoice", "Paid")
    CANCELED = "canceled", pgettext_lazy("invoice", "Canceled")


class InvoiceStatusReason(models.TextChoices):
    NEW = "new", pgettext_lazy("invoice", "New")
    BILLED = "billed", pgettext_lazy("invoice", "Billed")
    COMPLETE = "complete", _("Complete")
    PARTIAL = "partial", _("Partial")
    CANCELED = "canceled", _("Canceled")


STATUS_REASONS_BY_STATE = {
    InvoiceState.ACTIVE: (InvoiceStatusReason.NEW, InvoiceStatusReason.BILLED),
    InvoiceState.PAID: (InvoiceStatusReason.COMPLETE, InvoiceStatusReason.PARTIAL),
    InvoiceState.CANCELED: (InvoiceStatusReason.CANCELED,),
}


class Invoice(OwnedRecord):
    """A bill sent to an account or a contact, with line items and stored totals."""

    invoice_number = models.CharField(
        _("invoice number"),
        max_length=40,
        unique=True,
        error_messages={"unique": _("An invoice with this invoice number already exists.")},
    )
    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("account"),
        db_index=False,  # invoice_account_recent_idx leads with it
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("contact"),
        db_index=False,  # invoice_contact_recent_idx leads with it
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("opportunity"),
    )
    state = models.CharField(
        _("status"), max_length=10, choices=InvoiceState.choices, default=InvoiceState.ACTIVE, editable=False
    )
    status_reason = models.CharField(
        _("status reason"), max_length=10, choices=InvoiceStatusReason.choices, default=InvoiceStatusReason.NEW
    )
    invoice_date = models.DateField(_("invoice date"), default=timezone.localdate)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    paid_date = models.DateField(_("paid on"), null=True, blank=True, editable=False)
    currency = CurrencyField()
    subtotal = MoneyField(_("subtotal"), default=Decimal("0.00"), editable=False)
    discount_total = MoneyField(_("discount"), default=Decimal("0.00"), editable=False)
    tax_total = MoneyField(_("tax"), default=Decimal("0.00"), editable=False)
    total_amount = MoneyField(_("total amount"), default=Decimal("0.00"), editable=False)
    # The total amount in the base currency (CRM_BASE_CURRENCY) at ``exchange_rate``, set by the services when
    # the lines, the currency or the state change; empty when the currency had no rate then.
    exchange_rate = ExchangeRateField()
    total_amount_base = MoneyField(_("total amount (base currency)"), null=True, blank=True, editable=False)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-invoice_date", "-pk"]
        permissions = [
            ("delete_any_invoice", _("Can delete invoices owned by others")),
            ("reassign_invoice", _("Can reassign own invoices")),
            ("reassign_any_invoice", _("Can reassign invoices owned by others")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False) | Q(contact__isnull=False),
                name="invoice_has_customer",
                violation_error_message=_("Choose an account or a contact."),
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_date__gte=F("invoice_date")),
                name="invoice_due_after_invoice_date",
                violation_error_message=_("The due date cannot be before the invoice date."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(state=InvoiceState.ACTIVE, status_reason__in=STATUS_REASONS_BY_STATE[InvoiceState.ACTIVE])
                    | Q(state=InvoiceState.PAID, status_reason__in=STATUS_REASONS_BY_STATE[InvoiceState.PAID])
                    | Q(state=InvoiceState.CANCELED, status_reason__in=STATUS_REASONS_BY_STATE[InvoiceState.CANCELED])
                ),
                name="invoice_status_reason_matches_state",
                violation_error_message=_("The status reason does not fit the status."),
            ),
            models.CheckConstraint(
                condition=~Q(state=InvoiceState.PAID) | Q(paid_date__isnull=False),
                name="invoice_paid_has_paid_date",
            ),
            # Within half a cent: SQLite does this arithmetic in floating point, where
            # 0.10 + 0.20 is not 0.30; any real mismatch is at least a cent.
            models.CheckConstraint(
                condition=Q(
                    total_amount__gte=F("subtotal") - F("discount_total") + F("tax_total") - HALF_CENT,
                    total_amount__lte=F("subtotal") - F("discount_total") + F("tax_total") + HALF_CENT,
                ),
                name="invoice_total_adds_up",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-invoice_date"], name="invoice_account_recent_idx"),
            models.Index(fields=["contact", "-invoice_date"], name="invoice_contact_recent_idx"),
            models.Index(fields=["state", "due_date"], name="invoice_state_due_idx"),
            models.Index(fields=["owner", "-invoice_date"], name="invoice_owner_recent_idx"),
        ]

    def __str__(self):
        return f"{self.invoice_number} {self.name}".strip()

    def get_absolute_url(self):
        return reverse("invoices:detail", args=[self.pk])

    @property
    def customer(self):
        return self.account or self.contact

    @property
    def is_overdue(self):
        return (
            self.state == InvoiceState.ACTIVE
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )

    def clean(self):
        super().clean()
        errors = date_range_errors(self, USER_DATES)
        if self.account_id is None and self.contact_id is None:
            errors["account"] = ValidationError(_("Choose an account or a contact."), code="no_customer")
        if self.due_date and self.invoice_date and self.due_date < self.invoice_date:
            errors.setdefault(
                "due_date",
                ValidationError(_("The due date cannot be before the invoice date."), code="due_before_invoice"),
            )
        if self.status_reason not in STATUS_REASONS_BY_STATE.get(self.state, ()):
            errors["status_reason"] = ValidationError(
                _("The status reason does not fit the status."), code="status_reason_mismatch"
            )
        if errors:
            raise ValidationError(errors)


class InvoiceLine(models.Model):
    """One line item of an invoice; its amounts are computed by ``compute_line``."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=250)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    unit_price = MoneyField(_("unit price"), validators=[MinValueValidator(0)])
    discount = MoneyField(
        _("discount"),
        default=Decimal("0.00"),
        validators=[MinValueValidator(0)],
        help_text=_("An amount off the line."),
    )
    tax_rate = models.DecimalField(
        _("tax rate"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("21.00"),  # Romania's standard VAT rate since August 2025
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Percent."),
    )
    base_amount = MoneyField(_("amount"), default=Decimal("0.00"), editable=False)
    tax_amount = MoneyField(_("tax"), default=Decimal("0.00"), editable=False)
    line_total = MoneyField(_("line total"), default=Decimal("0.00"), editable=False)

    class Meta:
        verbose_name = _("line item")
        verbose_name_plural = _("line items")
        ordering = ["invoice", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="invoice_line_quantity_not_negative"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="invoice_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="invoice_line_tax_rate_range"
            ),
        ]

    def __str__(self):
        return self.description

    def clean(self):
        super().clean()
        amounts = (self.quantity, self.unit_price, self.discount, self.tax_rate)
        # A field that failed its own validation keeps the raw input (None, text, any number): skip the comparisons.
        if not all(isinstance(amount, Decimal) and amount.is_finite() for amount in amounts):
            return
        errors = {}
        line_amount = self.quantity * self.unit_price
        if self.discount > line_amount:
            errors["discount"] = ValidationError(
                _("The discount cannot exceed the line amount."), code="discount_too_big"
            )
        too_big = ValidationError(
            _("The line total would be more than %(limit)s; lower the quantity or the unit price."),
            code="line_total_too_big",
            params={"limit": money_limit},
        )
        if not money_fits(line_amount):
            # Checked before compute_line: rounding a larger amount to cents can exceed Decimal's precision.
            errors["unit_price"] = too_big
        elif "discount" not in errors and 0 <= self.tax_rate <= 100:
            line_amounts = compute_line(
                quantity=self.quantity, unit_price=self.unit_price, discount=self.discount, tax_rate=self.tax_rate
            )
            if not all(money_fits(amount) for amount in line_amounts):
                errors["unit_price"] = too_big
        if errors:
            raise ValidationError(errors)


def compute_line(*, quantity, unit_price, discount, tax_rate):
    """Return (base, tax, total) of one line, each rounded to cents: the one place line amounts are computed."""
    base = (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
    net = base - discount
    tax = (net * tax_rate / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return base, tax, net + tax


def compute_totals(lines):
    """Return (subtotal, discount total, tax total, total amount) of computed lines: the one place totals are computed.

    ``lines`` are (base amount, discount, tax amount) of each line.
    """
    subtotal = discount_total = tax_total = Decimal("0.00")
    for base, discount, tax in lines:
        subtotal += base
        discount_total += discount
        tax_total += tax
    return subtotal, discount_total, tax_total, subtotal - discount_total + tax_total


def validate_totals(totals) -> None:
    """Refuse invoice totals that would not fit their columns."""
    if not all(money_fits(amount) for amount in totals):
        raise ValidationError(
            _(
                "The invoice total would be more than %(limit)s; lower the quantities or unit prices, "
                "or split the lines over several invoices."
            ),
            code="invoice_total_too_big",
            params={"limit": money_limit},
        )
