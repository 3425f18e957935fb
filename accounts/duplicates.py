"""The accounts' duplicate rules and what merging two accounts moves (crm.duplicates)."""

import re

from django.db.models import BooleanField, Count, FloatField, Func, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, account_number_key
from crm.duplicates.keys import company_name_key, phone_key, website_key
from crm.duplicates.registry import DuplicateKind, FuzzyRule, Rule, register

WORD = re.compile(r"\w+")


def _visible(user):
    from accounts.selectors import account_list

    return account_list(user=user)


def similar_names(queryset, record, threshold):
    """Accounts whose name is like ``record``'s by trigram similarity, best first.

    The trigram index on UPPER(name) is asked for the names holding a word like the name's longest word
    (word similarity, ``%>``), which is its most telling one: asking for the whole name would read the
    index entries of its every common trigram (a legal form's, a common word's), a large share of a big
    table. Those candidates are then scored by the similarity of the whole names.
    """
    name = (record.name or "").strip()
    words = WORD.findall(name)
    if not words or len(longest := max(words, key=len)) < 3:
        return queryset.none()
    table = Account._meta.db_table
    alike = RawSQL(f'UPPER("{table}"."name") %%> UPPER(%s)', [longest], output_field=BooleanField())
    similarity = Func(Upper("name"), Upper(Value(name)), function="similarity", output_field=FloatField())
    return (
        queryset.filter(alike)
        .annotate(similarity=similarity)
        .filter(similarity__gte=threshold)
        .order_by("-similarity", "pk")
    )


def related_counts(ids):
    """{account id: {what: count}} of the contacts, opportunities and invoices of the accounts ``ids``."""
    from contacts.models import Contact
    from invoices.models import Invoice
    from opportunities.models import Opportunity

    counts = {pk: {} for pk in ids}
    for label, model in ((_("Contacts"), Contact), (_("Opportunities"), Opportunity), (_("Invoices"), Invoice)):
        rows = model.objects.filter(account__in=ids).values("account").annotate(count=Count("pk")).order_by()
        for row in rows:
            counts[row["account"]][str(label)] = row["count"]
    return counts


def keep_linked(label, field_name, master, subordinate):
    """The child accounts that stay on the subordinate: the master's own ancestors (moving one under the
    master would make a loop)."""
    if label != "accounts.Account" or master.parent_account_id is None:
        return ()
    return master.ancestor_ids(start=master.parent_account_id)


def keep_on_undo(master):
    """What an undo leaves with the master although it came from the subordinate: its primary contact now."""
    return {"contacts.Contact": {master.primary_contact_id}} if master.primary_contact_id else {}


def _merge(**kwargs):
    from accounts.services import account_merge

    return account_merge(**kwargs)


ACCOUNTS = register(
    DuplicateKind(
        key="accounts",
        model=Account,
        visible=_visible,
        rules=(
            Rule(
                key="accounts.account_number",
                label=_("Same account number"),
                fields=("account_number",),
                columns=("number_key",),
                value=lambda account: account_number_key(account.account_number),
                shown="account_number",
                prepare=lambda queryset: queryset.annotate(number_key=Lower("account_number")),
                where=~Q(account_number=""),
            ),
            Rule(
                key="accounts.name",
                label=_("Same account name"),
                fields=("name",),
                columns=("name_key",),
                value=lambda account: company_name_key(account.name),
                shown="name",
            ),
            Rule(
                key="accounts.website",
                label=_("Same website domain"),
                fields=("website",),
                columns=("website_key",),
                value=lambda account: website_key(account.website),
                shown="website",
            ),
            Rule(
                key="accounts.main_phone",
                label=_("Same main phone"),
                fields=("main_phone",),
                columns=("phone_key",),
                value=lambda account: phone_key(account.main_phone),
                shown="main_phone",
            ),
        ),
        fuzzy=FuzzyRule(
            key="accounts.similar_name", label=_("Similar account name"), fields=("name",), candidates=similar_names
        ),
        shown_fields=("account_number", "main_phone", "website", "city"),
        merge_fields=(
            "name",
            "account_number",
            "relationship_type",
            "industry",
            "parent_account",
            "primary_contact",
            "main_phone",
            "email",
            "website",
            "street",
            "city",
            "county",
            "postal_code",
            "country",
            "annual_revenue",
            "currency",
            "number_of_employees",
            "description",
            "owner",
        ),
        moves=(
            ("contacts.Contact", "account"),
            ("opportunities.Opportunity", "account"),
            ("invoices.Invoice", "account"),
            ("accounts.Account", "parent_account"),
            ("activities.Activity", "account"),
        ),
        related_counts=related_counts,
        merge=_merge,
        extra={"keep_linked": keep_linked, "keep_on_undo": keep_on_undo},
    )
)
