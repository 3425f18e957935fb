"""Workflows on contacts, including the one-account rule."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from contacts.models import Contact
from crm import permissions
from crm.duplicates.merge import refuse_reactivating_merged
from crm.history.models import ChangeKind
from crm.history.services import record_bulk_change, record_change
from crm.models import RecordStatus
from crm.services import (
    expect_version,
    record_apply,
    record_bulk_save,
    record_delete,
    record_lock_at_version,
    record_reassign,
    record_save,
    require_version,
)


def already_on_account_error(contact: Contact, account: Account) -> ValidationError:
    """The error given whenever a contact would move from one account to another."""
    return ValidationError(
        _(
            "%(contact)s already belongs to the account %(account)s. A contact can belong to only one "
            "account: remove it from %(account)s first."
        )
        % {"contact": contact.full_name, "account": account.name},
        code="contact_has_account",
    )


@transaction.atomic
def contact_create(*, actor, owner=None, **fields) -> Contact:
    """Create a contact, optionally on an account."""
    contact = Contact(owner=owner or actor, **fields)
    return record_save(contact, actor=actor)


@transaction.atomic
def contact_update(*, contact: Contact, actor, **fields) -> Contact:
    """Change a contact's fields; moving it to another account is refused (remove it first).

    ``version``, when given, is the one the user edited (RecordChanged if stale).
    """
    expect_version(contact, fields.pop("version", None))
    if "owner" in fields and fields["owner"] != contact.owner:
        record_reassign(record=contact, owner=fields.pop("owner"), actor=actor)
    fields.pop("owner", None)
    if "account" in fields:
        new_account = fields.pop("account")
        new_account_id = new_account.pk if new_account else None
        if new_account_id != contact.account_id:
            if new_account is None:
                contact_detach_from_account(contact=contact, actor=actor)
            else:
                contact_attach_to_account(contact=contact, account=new_account, actor=actor)
    return record_apply(contact, actor=actor, data=fields)


@transaction.atomic
def contact_attach_to_account(*, contact: Contact, account: Account, actor) -> Contact:
    """Put a contact on an account; refused when it already belongs to another account.

    Race-safe: the row is locked, and the update only applies while the contact
    has no account, so two concurrent attachments cannot both succeed.
    """
    permissions.require(permissions.can_change(actor, contact))
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.account_id == account.pk:
        contact.account = account
        return contact
    if locked.account_id is not None:
        raise already_on_account_error(locked, Account.objects.get(pk=locked.account_id))
    require_version(contact, locked)
    updated = Contact.objects.filter(pk=contact.pk, account__isnull=True).update(
        account=account, modified_by=actor, modified_at=timezone.now(), version=F("version") + 1
    )
    if not updated:
        current = Contact.objects.select_related("account").get(pk=contact.pk)
        raise already_on_account_error(current, current.account)
    contact.account = account
    contact.modified_by = actor
    contact.version = locked.version + 1
    record_change(
        record=contact, actor=actor, kind=ChangeKind.CONTACT_ATTACHED, before={"account_id": None}, fields=["account"]
    )
    return contact


@transaction.atomic
def contact_detach_from_account(*, contact: Contact, actor) -> Contact:
    """Remove a contact from its account; it stops being that account's primary contact."""
    permissions.require(permissions.can_change(actor, contact))
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.account_id is None:
        contact.account = None
        return contact
    require_version(contact, locked)
    was_primary = Account.objects.filter(pk=locked.account_id, primary_contact=contact)
    record_bulk_change(
        queryset=was_primary, actor=actor, kind=ChangeKind.UPDATED, field_name="primary_contact", new_value=None
    )
    was_primary.update(primary_contact=None, version=F("version") + 1, modified_by=actor, modified_at=timezone.now())
    contact.account = None
    record_save(contact, actor=actor, fields=["account"], kind=ChangeKind.CONTACT_DETACHED)
    return contact


def contact_reassign(*, contact: Contact, owner, actor) -> Contact:
    """Give the contact to another owner."""
    return record_reassign(record=contact, owner=owner, actor=actor)


@transaction.atomic
def contact_set_status(*, contact: Contact, status: str, actor) -> Contact:
    """Activate or deactivate a contact."""
    if status not in RecordStatus.values:
        raise ValidationError({"status": _("Unknown status.")}, code="invalid_status")
    refuse_reactivating_merged(contact, status)
    contact.status = status
    kind = ChangeKind.ACTIVATED if status == RecordStatus.ACTIVE else ChangeKind.DEACTIVATED
    return record_save(contact, actor=actor, fields=["status"], kind=kind)


@transaction.atomic
def contact_delete(*, contact: Contact, actor) -> None:
    """Delete a contact. Refused while it has opportunities or invoices."""
    permissions.require(permissions.can_delete(actor, contact), _("You can delete only records you own."))
    # First, before the accounts it is the primary contact of are changed: the user confirmed it as shown.
    record_lock_at_version(contact)
    opportunities = contact.opportunities.count()
    invoices = contact.invoices.count()
    if opportunities or invoices:
        raise ValidationError(
            _(
                "The contact %(name)s has %(opportunities)d opportunities and %(invoices)d invoices, "
                "so it cannot be deleted. Deactivate it instead."
            )
            % {"name": contact.full_name, "opportunities": opportunities, "invoices": invoices},
            code="contact_has_records",
        )
    was_primary = Account.objects.filter(primary_contact=contact)
    record_bulk_change(
        queryset=was_primary, actor=actor, kind=ChangeKind.UPDATED, field_name="primary_contact", new_value=None
    )
    was_primary.update(primary_contact=None, version=F("version") + 1, modified_by=actor, modified_at=timezone.now())
    record_delete(record=contact, actor=actor)


def contact_import_batch(*, new: list[Contact], changed: list, actor, validator=None):
    """Validate and save a batch of imported contacts in bulk, keeping the one-account rule.

    ``changed`` holds (contact, changed field names). A contact that would move
    from one account to another is refused with the same error the pages give;
    the caller holds the transaction (and the row locks it took when matching).
    Returns (created, updated, [(contact, ValidationError)]).
    """
    errors = []
    moving = {contact.pk: contact for contact, names in changed if "account_id" in names or "account" in names}
    if moving:
        current = Contact.objects.filter(pk__in=moving, account__isnull=False).select_related("account")
        for stored in current:
            if stored.account_id != moving[stored.pk].account_id:
                errors.append((moving[stored.pk], already_on_account_error(stored, stored.account)))
        refused = {id(contact) for contact, _error in errors}
        changed = [(contact, names) for contact, names in changed if id(contact) not in refused]
    created, updated, failures = record_bulk_save(Contact, new=new, changed=changed, actor=actor, validator=validator)
    return created, updated, errors + failures


def contact_merge(*, master: Contact, subordinate: Contact, fields, actor):
    """Merge the contact ``subordinate`` into ``master`` (crm.duplicates.merge): the master takes the values
    ``fields`` names from it; its opportunities, invoices, activities, email and appointment parties and
    import links move to the master; it leaves its account, is deactivated and names the master. Two contacts
    on different accounts need ``fields`` to say which account the master keeps (a contact belongs to one
    account). Returns the RecordMerge."""
    from contacts.duplicates import CONTACTS
    from crm.duplicates.merge import merge_records

    return merge_records(
        kind=CONTACTS, master=master, subordinate=subordinate, fields=fields, actor=actor, prepare=_merge_prepare
    )


def _merge_prepare(master, subordinate, chosen, cleared):
    if (
        master.account_id is not None
        and subordinate.account_id is not None
        and master.account_id != subordinate.account_id
        and "account" not in chosen
    ):
        raise ValidationError(
            {
                "account": _(
                    "%(master)s is on the account %(master_account)s and %(subordinate)s on %(subordinate_account)s. "
                    "A contact belongs to one account: choose the one the merged contact keeps."
                )
                % {
                    "master": master,
                    "master_account": master.account,
                    "subordinate": subordinate,
                    "subordinate_account": subordinate.account,
                }
            },
            code="merge_account_needed",
        )
    if subordinate.account_id is not None:
        cleared["account"] = subordinate.account_id
        subordinate.account = None
