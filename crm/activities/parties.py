"""An email's sender and recipients and an appointment's attendees: addresses, matched to contacts and users.

A form gives each role as text ("Ana Pop <ana@example.ro>, b@example.ro"); ``parse_addresses`` reads it
(commas, semicolons or new lines between addresses) and names the address that is not one. ``resolve``
links each address to the contact (among those the user may see) or the user who has it, so the contact's
page and the user's My Activities find the activity, and an address nobody has is kept as it was typed.
"""

from email.utils import formataddr, getaddresses

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from crm.activities.models import ActivityParty, PartyRole
from crm.activities.registry import people_by_address

# At most this many addresses in one role: an email to a whole account is a campaign, not an activity.
MAX_ADDRESSES = 50


def _pieces(text):
    """``text`` cut at the commas, semicolons and line breaks outside quotes and angle brackets."""
    pieces, current, quoted, bracketed = [], [], False, False
    for character in text:
        if character == '"' and not bracketed:
            quoted = not quoted
        elif character == "<" and not quoted:
            bracketed = True
        elif character == ">" and not quoted:
            bracketed = False
        elif character in ",;\n" and not quoted and not bracketed:
            pieces.append("".join(current))
            current = []
            continue
        current.append(character)
    pieces.append("".join(current))
    return [piece.strip() for piece in pieces if piece.strip()]


def parse_addresses(text: str) -> list[tuple[str, str]]:
    """The (name, address) pairs in ``text``, each address checked and lower-cased, duplicates dropped."""
    pairs, seen = [], set()
    for piece in _pieces(text or ""):
        parsed = getaddresses([piece])
        name, address = (parsed[0][0].strip(), parsed[0][1].strip()) if len(parsed) == 1 else ("", "")
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("“%(address)s” is not an email address.") % {"address": piece}, code="invalid_address"
            ) from None
        address = address.lower()
        if address not in seen:
            seen.add(address)
            pairs.append((name, address))
    if len(pairs) > MAX_ADDRESSES:
        raise ValidationError(
            _("At most %(count)d addresses, please.") % {"count": MAX_ADDRESSES}, code="too_many_addresses"
        )
    return pairs


def format_addresses(parties) -> str:
    """The parties as one line of addresses, as a form shows them back and the history records them."""
    return ", ".join(formataddr((party.name, party.email)) if party.name else party.email for party in parties)


def resolve(parties: dict, *, user) -> list[ActivityParty]:
    """Unsaved ActivityParty rows for ``parties`` ({role: [(name, address)]}), linked to contacts and users.

    Two queries whatever the number of addresses: the contacts ``user`` may see with any of them (as the
    contacts app registers them, crm.activities.registry.people), and the users with any of them. A
    contact's or user's own name fills a name the text did not give.
    """
    addresses = {address for pairs in parties.values() for _name, address in pairs}
    contacts, users = {}, {}
    if addresses:
        contacts = people_by_address(user=user, addresses=addresses)
        for found in (
            get_user_model()
            ._default_manager.annotate(email_key=Lower("email"))
            .filter(email_key__in=addresses, is_active=True)
            .order_by("pk")
        ):
            users.setdefault(found.email_key, found)
    rows = []
    for role in PartyRole.values:
        for name, address in parties.get(role, ()):
            contact, person = contacts.get(address), users.get(address)
            if not name:
                name = str(contact) if contact else (person.get_full_name() if person else "")
            rows.append(
                ActivityParty(
                    role=role, name=name[:200], email=address, contact=contact, user=None if contact else person
                )
            )
    return rows


def party_texts(parties) -> dict:
    """The parties by role, each role as one line of addresses (empty roles left out)."""
    by_role = {}
    for party in parties:
        by_role.setdefault(party.role, []).append(party)
    return {role: format_addresses(rows) for role, rows in by_role.items()}


def parties_by_role(parties) -> list[tuple[str, list]]:
    """The parties grouped by role, in the roles' order, each with its role's label (for display)."""
    labels = {
        PartyRole.SENDER: PartyRole.SENDER.label,
        PartyRole.TO: PartyRole.TO.label,
        PartyRole.CC: PartyRole.CC.label,
        PartyRole.ATTENDEE: _("Attendees"),
    }
    grouped = [(labels[role], [party for party in parties if party.role == role]) for role in PartyRole.values]
    return [(label, rows) for label, rows in grouped if rows]
