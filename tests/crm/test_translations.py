"""The Romanian catalog is complete and the pages speak Romanian when asked to."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import AccountFactory

CATALOG = Path(settings.BASE_DIR) / "locale" / "ro" / "LC_MESSAGES" / "django.po"


def catalog_entries():
    """Yield (flags, context, msgid, [msgstr...]) for each entry of the Romanian catalog, header left out."""
    text = CATALOG.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        context = next((line[len('msgctxt "') : -1] for line in lines if line.startswith("msgctxt")), None)
        msgid, msgstrs, current = [], [], None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith("msgid "):
                current = msgid
            elif line.startswith("msgid_plural") or line.startswith("msgctxt"):
                current = None
                continue
            elif line.startswith("msgstr"):
                msgstrs.append([])
                current = msgstrs[-1]
            if current is not None:
                current.append(re.sub(r'^[a-z_\[\]0-9]*\s*"|"$', "", line))
        if msgid and "".join(msgid):
            yield flags, context, "".join(msgid), ["".join(parts) for parts in msgstrs]


def test_every_message_has_a_romanian_translation():
    entries = list(catalog_entries())
    assert len(entries) > 300
    untranslated = [msgid for flags, _context, msgid, msgstrs in entries if not msgstrs or not all(msgstrs)]
    fuzzy = [msgid for flags, _context, msgid, msgstrs in entries if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalog_matches_the_source():
    with CATALOG.with_suffix(".mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)

    def compiled_text(context, msgid):
        return translations.pgettext(context, msgid) if context else translations.gettext(msgid)

    stale = [
        msgid
        for flags, context, msgid, msgstrs in catalog_entries()
        if len(msgstrs) == 1 and "\\" not in msgid and compiled_text(context, msgid) != msgstrs[0]
    ]
    assert stale == []


@pytest.mark.django_db
def test_site_map_and_account_summary_speak_romanian(client, salesperson):
    account = AccountFactory(owner=salesperson)
    client.force_login(salesperson)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    page = client.get(reverse("accounts:detail", args=[account.pk])).text
    for word in ("Conturi", "Persoane de contact", "Oportunități", "Facturi", "Harta site-ului", "Rezumat",
                 "Oportunități recente", "Facturi recente", "Mai multe comenzi", "Contact nou",
                 "Adăugați un contact existent"):
        assert word in page, word
    assert "Recent Opportunities" not in page


@pytest.mark.django_db
def test_the_language_switcher_changes_the_language(client, salesperson):
    client.force_login(salesperson)
    response = client.post(reverse("set_language"), {"language": "ro", "next": reverse("accounts:list")})
    assert response.status_code == 302
    assert "<h1>Conturi</h1>" in client.get(reverse("accounts:list")).text
    assert "<h1>Facturi</h1>" in client.get(reverse("invoices:list")).text
    client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:list")})
    assert "Accounts" in client.get(reverse("accounts:list")).text


def test_same_english_word_agrees_in_romanian_by_context():
    from django.utils import translation

    from crm.history.models import ChangeKind
    from crm.imports.models import ImportState
    from invoices.models import InvoiceState

    with translation.override("ro"):
        assert str(ChangeKind.CREATED.label) == "Creare"
        assert str(ImportState.FAILED.label) == "Eșuată"
        assert translation.gettext("Failed") == "Eșuate"
        assert str(InvoiceState.ACTIVE.label) == "Activă"
        assert translation.gettext("Active") == "Activ"


def test_the_empty_choice_of_a_select_and_the_error_summary_are_translated():
    """Django 6.1's "- Select an option -" is not in its Romanian catalog: ours carries it (crm/apps.py)."""
    from django.db.models import fields
    from django.utils import translation

    with translation.override("ro"):
        assert str(fields.BLANK_CHOICE_LABEL) != "- Select an option -"
        assert translation.gettext("Please correct the following:") != "Please correct the following:"
