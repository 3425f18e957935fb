"""Workflows on accounts. Every path (web, admin, import, commands) goes through these."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, account_number_key
from crm import permissions
from crm.duplicates.merge import SUBORDINATE, merge_records, refuse_reactivating_merged
from crm.history.models import ChangeKind
from crm.history.services import record_bulk_change
from crm.models import RecordStatus
from crm.services import (
    expect_version,
    record_apply,
    record_bulk_save,
    record_delete,
    record_lock_at_version,
    record_reassign,
    record_save,
)


@transaction.atomic
def account_create(*, actor, owner=None, **fields) -> Account:
    """Create an account owned by ``owner`` (the actor by default)."""
    account = Account(owner=owner or actor, **fields)
    return record_save(account, actor=actor)


@transaction.atomic
def account_update(*, account: Account, actor, **fields) -> Account:
    """Change an account's fields; ``version``, when given, is the one the user edited (RecordChanged if stale)."""
    expect_version(account, fields.pop("version", None))
    if "owner" in fields and fields["owner"] != account.owner:
        record_reassign(record=account, owner=fields.pop("owner"), actor=actor)
    fields.pop("owner", None)
    return record_apply(account, actor=actor, data=fields)


def account_reassign(*, account: Account, owner, actor) -> Account:
    """Give the account to another owner."""
    return record_reassign(record=account, owner=owner, actor=actor)


@transaction.atomic
def account_set_status(*, account: Account, status: str, actor) -> Account:
    """Activate or deactivate an account."""
    if status not in RecordStatus.values:
        raise ValidationError({"status": _("Unknown status.")}, code="invalid_status")
    refuse_reactivating_merged(account, status)
    account.status = status
    kind = ChangeKind.ACTIVATED if status == RecordStatus.ACTIVE else ChangeKind.DEACTIVATED
    return record_save(account, actor=actor, fields=["status"], kind=kind)


@transaction.atomic
def account_delete(*, account: Account, actor) -> None:
    """Delete an account; its contacts stay, unlinked. Refused while it has opportunities or invoices."""
    permissions.require(permissions.can_delete(actor, account), _("You can delete only records you own."))
    # First, before its children or contacts are detached: the user confirmed the account as the page showed it.
    record_lock_at_version(account)
    opportunities = account.opportunities.count()
    invoices = account.invoices.count()
    if opportunities or invoices:
        raise ValidationError(
            _(
                "The account %(name)s has %(opportunities)d opportunities and %(invoices)d invoices, "
                "so it cannot be deleted. Deactivate it instead."
            )
            % {"name": account.name, "opportunities": opportunities, "invoices": invoices},
            code="account_has_records",
        )
    children = Account.objects.filter(parent_account=account)
    record_bulk_change(
        queryset=children, actor=actor, kind=ChangeKind.UPDATED, field_name="parent_account", new_value=None
    )
    children.update(parent_account=None, version=F("version") + 1, modified_by=actor, modified_at=timezone.now())
    record_bulk_change(
        queryset=account.contacts.all(),
        actor=actor,
        kind=ChangeKind.CONTACT_DETACHED,
        field_name="account",
        new_value=None,
    )
    account.contacts.update(account=None, version=F("version") + 1, modified_by=actor, modified_at=timezone.now())
    record_delete(record=account, actor=actor)


def account_import_batch(*, new: list[Account], changed: list, actor, validator=None, numbers_checked=False):
    """Validate and save a batch of imported accounts in bulk, as the forms would one by one.

    The caller (the import) holds the transaction and has matched existing
    accounts; account numbers are checked here against the database in one
    query, unless ``numbers_checked`` says the caller has just looked the new
    accounts' numbers up in this transaction and found none of them. Either
    way the unique index on the number is the last word. Returns (created,
    updated, [(account, ValidationError)]).
    """
    errors = []
    numbers = {account_number_key(account.account_number): account for account in new if account.account_number.strip()}
    if numbers and not numbers_checked:
        taken = set(Account.objects.with_number_keys(numbers).values_list("number_key", flat=True))
        for number in taken:
            errors.append(
                (
                    numbers[number],
                    ValidationError(
                        {"account_number": _("An account with this account number already exists.")},
                        code="account_number_taken",
                    ),
                )
            )
        refused = {id(account) for account, _error in errors}
        new = [account for account in new if id(account) not in refused]
    created, updated, failures = record_bulk_save(Account, new=new, changed=changed, actor=actor, validator=validator)
    return created, updated, errors + failures


def account_merge(*, master: Account, subordinate: Account, fields, actor):
    """Merge the account ``subordinate`` into ``master`` (crm.duplicates.merge): the master takes the values
    ``fields`` names from it; its contacts, opportunities, invoices, child accounts, activities and import
    links move to the master; it is deactivated and names the master. Returns the RecordMerge."""
    from accounts.duplicates import ACCOUNTS

    return merge_records(
        kind=ACCOUNTS, master=master, subordinate=subordinate, fields=fields, actor=actor, prepare=_merge_prepare
    )


def _merge_prepare(master, subordinate, chosen, cleared):
    if master.parent_account_id == subordinate.pk:
        raise ValidationError(
            _(
                "%(master)s is a child account of %(subordinate)s. Choose %(subordinate)s as the master record, "
                "or change the parent account first."
            )
            % {"master": master, "subordinate": subordinate},
            code="merge_into_child",
        )
    # Account numbers are unique: the master takes one only from a subordinate that gives it up.
    if chosen.get("account_number") == SUBORDINATE and subordinate.account_number != master.account_number:
        cleared["account_number"] = subordinate.account_number
        subordinate.account_number = ""
    # Its contacts move to the master, so none of them can stay its primary contact.
    if subordinate.primary_contact_id is not None:
        cleared["primary_contact"] = subordinate.primary_contact_id
        subordinate.primary_contact = None
