from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.limits import date_range_errors
from crm.models import CurrencyField, ExchangeRateField, MoneyField, OwnedRecord


class SalesStage(models.TextChoices):
    QUALIFY = "qualify", _("Qualify")
    DEVELOP = "develop", _("Develop")
    PROPOSE = "propose", _("Propose")
    CLOSE = "close", _("Close")


class OpportunityState(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class OpportunityStatusReason(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    WON = "won", _("Won")
    CANCELED = "canceled", _("Canceled")
    OUT_SOLD = "out_sold", _("Out-sold")


# Which status reasons each state allows, as in Dynamics.
STATUS_REASONS_BY_STATE = {
    OpportunityState.OPEN: (OpportunityStatusReason.IN_PROGRESS, OpportunityStatusReason.ON_HOLD),
    OpportunityState.WON: (OpportunityStatusReason.WON,),
    OpportunityState.LOST: (OpportunityStatusReason.CANCELED, OpportunityStatusReason.OUT_SOLD),
}


class Opportunity(OwnedRecord):
    """A potential sale to an account or a contact."""

    topic = models.CharField(_("topic"), max_length=200)
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("account"),
        db_index=False,  # opportunity_account_recent_idx leads with it
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("contact"),
        db_index=False,  # opportunity_contact_recent_idx leads with it
    )
    estimated_revenue = MoneyField(
        _("estimated revenue"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    currency = CurrencyField()
    # The estimated revenue in the base currency (CRM_BASE_CURRENCY) at ``exchange_rate``, set by the services
    # when the amount, the currency or the state changes; empty when the currency had no rate then.
    exchange_rate = ExchangeRateField()
    estimated_revenue_base = MoneyField(_("estimated revenue (base currency)"), null=True, blank=True, editable=False)
    estimated_close_date = models.DateField(_("estimated close date"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(
        _("probability"),
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Percent, 0 to 100."),
    )
    sales_stage = models.CharField(
        _("sales stage"), max_length=10, choices=SalesStage.choices, default=SalesStage.QUALIFY
    )
    state = models.CharField(
        _("status"), max_length=10, choices=OpportunityState.choices, default=OpportunityState.OPEN, editable=False
    )
    status_reason = models.CharField(
        _("status reason"),
        max_length=12,
        choices=OpportunityStatusReason.choices,
        default=OpportunityStatusReason.IN_PROGRESS,
    )
    actual_revenue = MoneyField(
        _("actual revenue"), null=True, blank=True, editable=False, validators=[MinValueValidator(0)]
    )
    actual_close_date = models.DateField(_("actual close date"), null=True, blank=True, editable=False)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-modified_at", "-pk"]
        permissions = [
            ("delete_any_opportunity", _("Can delete opportunities owned by others")),
            ("reassign_opportunity", _("Can reassign own opportunities")),
            ("reassign_any_opportunity", _("Can reassign opportunities owned by others")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False) | Q(contact__isnull=False),
                name="opportunity_has_customer",
                violation_error_message=_("Choose an account or a contact."),
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100), name="opportunity_probability_range"
            ),
            models.CheckConstraint(
                condition=Q(estimated_revenue__isnull=True) | Q(estimated_revenue__gte=0),
                name="opportunity_estimated_revenue_not_negative",
            ),
            models.CheckConstraint(
                condition=(
                    Q(state=OpportunityState.OPEN, status_reason__in=STATUS_REASONS_BY_STATE[OpportunityState.OPEN])
                    | Q(state=OpportunityState.WON, status_reason__in=STATUS_REASONS_BY_STATE[OpportunityState.WON])
                    | Q(state=OpportunityState.LOST, status_reason__in=STATUS_REASONS_BY_STATE[OpportunityState.LOST])
                ),
                name="opportunity_status_reason_matches_state",
                violation_error_message=_("The status reason does not fit the status."),
            ),
            models.CheckConstraint(
                condition=Q(state=OpportunityState.OPEN) | Q(actual_close_date__isnull=False),
                name="opportunity_closed_has_close_date",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-modified_at"], name="opportunity_account_recent_idx"),
            models.Index(fields=["contact", "-modified_at"], name="opportunity_contact_recent_idx"),
            models.Index(fields=["state", "sales_stage"], name="opportunity_state_stage_idx"),
            models.Index(fields=["owner", "-modified_at"], name="opportunity_owner_recent_idx"),
        ]

    def __str__(self):
        return self.topic

    def get_absolute_url(self):
        return reverse("opportunities:detail", args=[self.pk])

    @property
    def is_open(self):
        return self.state == OpportunityState.OPEN

    @property
    def customer(self):
        return self.account or self.contact

    def clean(self):
        super().clean()
        # The actual close date too: a user gives it when closing the opportunity.
        errors = date_range_errors(self, ("estimated_close_date", "actual_close_date"))
        if self.account_id is None and self.contact_id is None:
            errors["account"] = ValidationError(_("Choose an account or a contact."), code="no_customer")
        allowed = STATUS_REASONS_BY_STATE.get(self.state, ())
        if self.status_reason not in allowed:
            errors["status_reason"] = ValidationError(
                _("The status reason does not fit the status."), code="status_reason_mismatch"
            )
        if errors:
            raise ValidationError(errors)
