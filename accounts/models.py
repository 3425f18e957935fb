from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.duplicates.keys import company_name_key, phone_key, website_key
from crm.models import CurrencyField, MoneyField, OwnedRecord, PostalAddress, RecordStatus


class RelationshipType(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PROSPECT = "prospect", _("Prospect")
    PARTNER = "partner", _("Partner")
    COMPETITOR = "competitor", _("Competitor")
    VENDOR = "vendor", _("Vendor")
    OTHER = "other", _("Other")


class Industry(models.TextChoices):
    ACCOUNTING = "accounting", _("Accounting")
    AGRICULTURE = "agriculture", _("Agriculture")
    AUTOMOTIVE = "automotive", _("Automotive")
    BANKING = "banking", _("Banking and finance")
    CONSTRUCTION = "construction", _("Construction")
    CONSULTING = "consulting", _("Consulting")
    EDUCATION = "education", _("Education")
    ENERGY = "energy", _("Energy and utilities")
    FOOD = "food", _("Food and beverage")
    HEALTHCARE = "healthcare", _("Healthcare")
    HOSPITALITY = "hospitality", _("Hospitality")
    INSURANCE = "insurance", _("Insurance")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    MEDIA = "media", _("Media")
    PUBLIC = "public", _("Public sector")
    REAL_ESTATE = "real_estate", _("Real estate")
    RETAIL = "retail", _("Retail")
    SOFTWARE = "software", _("Software and IT")
    TELECOM = "telecom", _("Telecommunications")
    TRANSPORT = "transport", _("Transport and logistics")
    OTHER = "other", _("Other")


def account_number_key(number: str) -> str:
    """An account number as numbers are compared: without surrounding spaces, in lower case."""
    return number.strip().lower()


class AccountQuerySet(models.QuerySet):
    def with_number_keys(self, keys):
        """Accounts whose number's key (account_number_key) is among ``keys``, annotated with ``number_key``.

        Read through the unique B-tree index on LOWER(account_number) (the
        condition on '' matches the index's own), never the trigram index the
        search uses, which is on UPPER(account_number).
        """
        keyed = self.exclude(account_number="").annotate(number_key=Lower("account_number"))
        return keyed.filter(number_key__one_of=list(keys))


class Account(OwnedRecord, PostalAddress):
    """A company the sales team does business with."""

    # The changes the history records beside the columns' (a merge names the other record).
    history_labels = {"merged_record": _("Merged record")}
    # Set by set_derived_fields on every save; never edited, never in the history.
    DERIVED_FIELDS = ("name_key", "website_key", "phone_key")

    objects = AccountQuerySet.as_manager()

    name = models.CharField(_("account name"), max_length=160)
    account_number = models.CharField(
        _("account number"),
        max_length=40,
        blank=True,
        help_text=_("Unique when given."),
    )
    relationship_type = models.CharField(
        _("relationship type"),
        max_length=20,
        choices=RelationshipType.choices,
        default=RelationshipType.CUSTOMER,
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    main_phone = models.CharField(_("main phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    annual_revenue = MoneyField(
        _("annual revenue"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = CurrencyField()
    number_of_employees = models.PositiveIntegerField(_("number of employees"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    parent_account = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="child_accounts",
        verbose_name=_("parent account"),
    )
    primary_contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("primary contact"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    # The duplicate rules' keys (crm.duplicates.keys), set from the fields they are made of on every save.
    name_key = models.CharField(
        _("name as compared"), max_length=200, blank=True, editable=False, default="", db_default=""
    )
    website_key = models.CharField(
        _("website domain"), max_length=255, blank=True, editable=False, default="", db_default=""
    )
    phone_key = models.CharField(
        _("main phone as E.164"), max_length=20, blank=True, editable=False, default="", db_default=""
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("merged into"),
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name", "pk"]
        permissions = [
            ("delete_any_account", _("Can delete accounts owned by others")),
            ("reassign_account", _("Can reassign own accounts")),
            ("reassign_any_account", _("Can reassign accounts owned by others")),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("account_number"),
                condition=~Q(account_number=""),
                name="account_number_unique_ci",
                violation_error_message=_("An account with this account number already exists."),
                violation_error_code="account_number_taken",
            ),
            models.CheckConstraint(
                condition=~Q(parent_account=F("pk")),
                name="account_not_own_parent",
                violation_error_message=_("An account cannot be its own parent."),
            ),
            models.CheckConstraint(
                condition=Q(annual_revenue__isnull=True) | Q(annual_revenue__gte=0),
                name="account_annual_revenue_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RecordStatus.values), name="account_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "name"], name="account_owner_name_idx"),
            models.Index(fields=["status", "name"], name="account_status_name_idx"),
            models.Index(fields=["name_key"], name="account_name_key_idx"),
            models.Index(fields=["website_key"], name="account_website_key_idx", condition=~Q(website_key="")),
            models.Index(fields=["phone_key"], name="account_phone_key_idx", condition=~Q(phone_key="")),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:detail", args=[self.pk])

    @property
    def is_active(self):
        return self.status == RecordStatus.ACTIVE

    def set_derived_fields(self) -> tuple:
        """Set the duplicate rules' keys from the name, website and main phone; return their field names."""
        self.name_key = company_name_key(self.name)[:200]
        self.website_key = website_key(self.website)[:255]
        self.phone_key = phone_key(self.main_phone)
        return self.DERIVED_FIELDS

    def clean(self):
        super().clean()
        given_name = self.name
        self.name = self.name.strip()
        self.account_number = self.account_number.strip()
        errors = {}
        if given_name and not self.name:
            # Only spaces: blank once stripped, which the field check (run before clean) let through.
            # An empty name already has that check's error.
            errors["name"] = ValidationError(self._meta.get_field("name").error_messages["blank"], code="blank")
        if self.parent_account_id is not None and self.pk is not None:
            if self.pk in self.ancestor_ids(start=self.parent_account_id):
                errors["parent_account"] = ValidationError(
                    _("An account cannot be its own parent or ancestor."), code="parent_cycle"
                )
        if self.primary_contact_id is not None and (
            self.pk is None or self.primary_contact.account_id != self.pk
        ):
            errors["primary_contact"] = ValidationError(
                _("The primary contact must be one of this account's contacts."),
                code="primary_contact_not_member",
            )
        if errors:
            raise ValidationError(errors)

    def ancestor_ids(self, *, start):
        """Return the ids met walking up the parent chain from ``start``, stopping at this account."""
        seen = set()
        current = start
        while current is not None and current not in seen:
            seen.add(current)
            if current == self.pk:
                break
            current = Account.objects.filter(pk=current).values_list("parent_account_id", flat=True).first()
        return seen
