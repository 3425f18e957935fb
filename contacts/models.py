from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.duplicates.keys import person_name_key, phone_key
from crm.models import OwnedRecord, PostalAddress, RecordStatus


class PreferredContactMethod(models.TextChoices):
    ANY = "any", _("Any")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    MAIL = "mail", _("Mail")


class ContactQuerySet(models.QuerySet):
    def with_email_keys(self, keys):
        """Contacts whose email in lower case is among ``keys``, with ``email_key`` (B-tree on LOWER(email))."""
        return self.annotate(email_key=Lower("email")).filter(email_key__one_of=list(keys))

    def with_last_name_keys(self, keys):
        """Contacts whose last name in lower case is among ``keys`` (B-tree on LOWER(last_name))."""
        return self.annotate(last_name_key=Lower("last_name")).filter(last_name_key__one_of=list(keys))


class Contact(OwnedRecord, PostalAddress):
    """A person the sales team works with; belongs to at most one account."""

    # The changes the history records beside the columns' (a merge names the other record).
    history_labels = {"merged_record": _("Merged record")}
    # Set by set_derived_fields on every save; never edited, never in the history.
    DERIVED_FIELDS = ("name_key", "business_phone_key", "mobile_phone_key")

    objects = ContactQuerySet.as_manager()

    first_name = models.CharField(_("first name"), max_length=80, blank=True)
    last_name = models.CharField(_("last name"), max_length=80)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("account"),
        db_index=False,  # contact_account_name_idx leads with it
    )
    email = models.EmailField(_("email"), blank=True)
    business_phone = models.CharField(_("business phone"), max_length=40, blank=True)
    mobile_phone = models.CharField(_("mobile phone"), max_length=40, blank=True)
    preferred_contact_method = models.CharField(
        _("preferred method of contact"),
        max_length=10,
        choices=PreferredContactMethod.choices,
        default=PreferredContactMethod.ANY,
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    # The duplicate rules' keys (crm.duplicates.keys), set from the fields they are made of on every save.
    name_key = models.CharField(
        _("name as compared"), max_length=170, blank=True, editable=False, default="", db_default=""
    )
    business_phone_key = models.CharField(
        _("business phone as E.164"), max_length=20, blank=True, editable=False, default="", db_default=""
    )
    mobile_phone_key = models.CharField(
        _("mobile phone as E.164"), max_length=20, blank=True, editable=False, default="", db_default=""
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
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name", "pk"]
        permissions = [
            ("delete_any_contact", _("Can delete contacts owned by others")),
            ("reassign_contact", _("Can reassign own contacts")),
            ("reassign_any_contact", _("Can reassign contacts owned by others")),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(last_name=""), name="contact_last_name_required"),
            models.CheckConstraint(
                condition=Q(status__in=RecordStatus.values), name="contact_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "last_name", "first_name"], name="contact_account_name_idx"),
            models.Index(Lower("email"), name="contact_email_idx"),
            models.Index(Lower("last_name"), name="contact_last_name_lower_idx"),
            models.Index(fields=["owner", "last_name"], name="contact_owner_name_idx"),
            models.Index(
                fields=["account", "name_key"], name="contact_account_name_key_idx", condition=Q(account__isnull=False)
            ),
            models.Index(
                fields=["business_phone_key"],
                name="contact_business_phone_key_idx",
                condition=~Q(business_phone_key=""),
            ),
            models.Index(
                fields=["mobile_phone_key"], name="contact_mobile_phone_key_idx", condition=~Q(mobile_phone_key="")
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def is_active(self):
        return self.status == RecordStatus.ACTIVE

    def get_absolute_url(self):
        return reverse("contacts:detail", args=[self.pk])

    def set_derived_fields(self) -> tuple:
        """Set the duplicate rules' keys from the name and phones; return their field names."""
        self.name_key = person_name_key(self.first_name, self.last_name)[:170]
        self.business_phone_key = phone_key(self.business_phone)
        self.mobile_phone_key = phone_key(self.mobile_phone)
        return self.DERIVED_FIELDS

    def clean(self):
        super().clean()
        self.first_name = self.first_name.strip()
        given_last_name = self.last_name
        self.last_name = self.last_name.strip()
        if given_last_name and not self.last_name:
            # Only spaces: blank once stripped, which the field check (run before clean) let through.
            # An empty last name already has that check's error.
            raise ValidationError(
                {"last_name": ValidationError(self._meta.get_field("last_name").error_messages["blank"], code="blank")}
            )
