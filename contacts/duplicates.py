"""The contacts' duplicate rules and what merging two contacts moves (crm.duplicates)."""

from django.db.models import Count, FloatField, Func, Value
from django.db.models.functions import Concat, Lower, Upper
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact
from crm.duplicates.keys import email_key, person_name_key, phone_key
from crm.duplicates.registry import DuplicateKind, FuzzyRule, Rule, register


def _visible(user):
    from contacts.selectors import contact_list

    return contact_list(user=user)


def similar_names(queryset, record, threshold):
    """Contacts of ``record``'s account whose full name is alike by trigram similarity.

    Only on the same account: among millions of people, names alike are too common to mean the same
    person (and a common last name's trigrams would make the query read a large share of the table);
    within one company they are worth a look. The account's contacts are read by its index.
    """
    full_name = f"{(record.first_name or '').strip()} {(record.last_name or '').strip()}".strip()
    if record.account_id is None or len(full_name) < 3:
        return queryset.none()
    similarity = Func(
        Upper(Concat("first_name", Value(" "), "last_name")),
        Upper(Value(full_name)),
        function="similarity",
        output_field=FloatField(),
    )
    return (
        queryset.filter(account_id=record.account_id)
        .annotate(similarity=similarity)
        .filter(similarity__gte=threshold)
        .order_by("-similarity", "pk")
    )


def related_counts(ids):
    """{contact id: {what: count}} of the opportunities and invoices of the contacts ``ids``."""
    from invoices.models import Invoice
    from opportunities.models import Opportunity

    counts = {pk: {} for pk in ids}
    for label, model in ((_("Opportunities"), Opportunity), (_("Invoices"), Invoice)):
        rows = model.objects.filter(contact__in=ids).values("contact").annotate(count=Count("pk")).order_by()
        for row in rows:
            counts[row["contact"]][str(label)] = row["count"]
    return counts


def _merge(**kwargs):
    from contacts.services import contact_merge

    return contact_merge(**kwargs)


def primary_contact_moves(master, subordinate, *, actor, now, move):
    """The accounts whose primary contact the subordinate was: the master's own account takes the master, the
    others (the subordinate leaves its account) have none."""
    from accounts.models import Account

    entries = []
    # The master leaving its own account for the subordinate's: that account no longer has it as primary contact.
    left = Contact._base_manager.filter(pk=master.pk).values_list("account_id", flat=True).first()
    if left is not None and left != master.account_id:
        elsewhere = Account._base_manager.filter(primary_contact=master).exclude(pk=left).values_list("pk", flat=True)
        cleared = move(label="accounts.Account", field_name="primary_contact", source=master, target=None,
                       actor=actor, now=now, exclude=list(elsewhere))
        if cleared:
            entries.append(["accounts.Account", "primary_contact", cleared, "cleared", "master"])
    accounts = list(Account._base_manager.filter(primary_contact=subordinate).values_list("pk", flat=True))
    if not accounts:
        return entries
    others = [pk for pk in accounts if pk != master.account_id]
    moved = move(
        label="accounts.Account",
        field_name="primary_contact",
        source=subordinate,
        target=master,
        actor=actor,
        now=now,
        exclude=others,
    )
    if moved:
        entries.append(["accounts.Account", "primary_contact", moved, "moved"])
    cleared = move(
        label="accounts.Account", field_name="primary_contact", source=subordinate, target=None, actor=actor, now=now
    )
    if cleared:
        entries.append(["accounts.Account", "primary_contact", cleared, "cleared"])
    return entries


def _name_on_account(contact):
    name = person_name_key(contact.first_name, contact.last_name)
    return (contact.account_id, name) if contact.account_id and name else None


CONTACTS = register(
    DuplicateKind(
        key="contacts",
        model=Contact,
        visible=_visible,
        rules=(
            Rule(
                key="contacts.email",
                label=_("Same email"),
                fields=("email",),
                columns=("email_key",),
                value=lambda contact: email_key(contact.email),
                shown="email",
                prepare=lambda queryset: queryset.annotate(email_key=Lower("email")),
            ),
            Rule(
                key="contacts.phone",
                label=_("Same mobile or business phone"),
                fields=("mobile_phone", "business_phone"),
                columns=("mobile_phone_key", "business_phone_key"),
                value=lambda contact: (phone_key(contact.mobile_phone), phone_key(contact.business_phone)),
                shown="mobile_phone",
                several=True,
            ),
            Rule(
                key="contacts.name_on_account",
                label=_("Same name on the same account"),
                fields=("first_name", "last_name", "account"),
                columns=("account_id", "name_key"),
                value=_name_on_account,
                shown="account",
            ),
        ),
        fuzzy=FuzzyRule(
            key="contacts.similar_name",
            label=_("Similar name"),
            fields=("first_name", "last_name"),
            candidates=similar_names,
        ),
        shown_fields=("account", "email", "mobile_phone", "business_phone"),
        merge_fields=(
            "first_name",
            "last_name",
            "job_title",
            "account",
            "email",
            "business_phone",
            "mobile_phone",
            "preferred_contact_method",
            "street",
            "city",
            "county",
            "postal_code",
            "country",
            "description",
            "owner",
        ),
        moves=(
            ("opportunities.Opportunity", "contact"),
            ("invoices.Invoice", "contact"),
            ("activities.Activity", "contact"),
            ("activities.ActivityParty", "contact"),
        ),
        related_counts=related_counts,
        merge=_merge,
        extra={"after_moves": primary_contact_moves},
    )
)
