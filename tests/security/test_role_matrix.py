"""Every URL of the URL conf, asked by every role with GET and POST, answers the class of result this table expects.

The URLs come from ``get_resolver()``: a URL added to the site without a row here fails
the suite until its expected result per role is written down. Each role asks every URL
about its own records and about another salesperson's (insecure direct object references:
a salesperson deletes and reassigns only their own records, a sales manager sees only their
own import and export jobs). POSTs carry no data (the test client skips the CSRF check);
what a request writes is rolled back, so every request asks the same site.

The Django admin's URLs follow one rule (staff only, ADMIN_RULE), its index and list pages another.
There are no debug or test-only URLs in the URL conf today; one added would fail here too.
"""

from typing import NamedTuple

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import AdministratorFactory, SalesManagerFactory, SalespersonFactory, UserFactory
from tests.security.site import (
    ADMIN_LOGIN,
    LOGIN,
    REDIRECT,
    ROLES,
    failure,
    make_records,
    outcome,
    routes,
    send,
    url_arguments,
    url_for,
)

pytestmark = pytest.mark.django_db


class Own(NamedTuple):
    """A result that depends on whose record the URL names: the asking user's own, or another salesperson's."""

    own: object
    other: object


#            anonymous  no role  salesperson            sales manager         administrator
READ = (LOGIN, 403, 200, 200, 200)
SIGNED_IN = (LOGIN, 200, 200, 200, 200)
POST_ONLY = (LOGIN, 405, 405, 405, 405)
GET_ONLY = POST_ONLY
COMMAND = (LOGIN, 403, REDIRECT, REDIRECT, REDIRECT)
OWNER_PAGE = (LOGIN, 403, Own(200, 403), 200, 200)
OWNER_COMMAND = (LOGIN, 403, Own(REDIRECT, 403), REDIRECT, REDIRECT)
IMPORTER = (LOGIN, 403, 403, 200, 200)
# A sales manager reads only their own import jobs; a system administrator everyone's.
IMPORT_JOB_PAGE = (LOGIN, 403, 403, Own(200, 404), 200)
WIZARD_STEP = (LOGIN, 403, 403, Own(REDIRECT, 404), REDIRECT)
# Anyone in a role may export a list; each sees only their own export jobs (a system administrator everyone's).
# A user whose role was taken away no longer downloads what they exported before.
EXPORT_JOB_PAGE = (LOGIN, Own(403, 404), Own(200, 404), Own(200, 404), 200)

RECORD_URLS = {
    "list": {"GET": READ, "POST": GET_ONLY},
    "create": {"GET": READ, "POST": READ},  # an empty form comes back with its errors
    "detail": {"GET": READ, "POST": GET_ONLY},
    # The record page's Details and Related tabs.
    "details": {"GET": READ, "POST": GET_ONLY},
    "related": {"GET": READ, "POST": GET_ONLY},
    "edit": {"GET": READ, "POST": READ},
    "delete": {"GET": OWNER_PAGE, "POST": OWNER_COMMAND},
    "reassign": {"GET": OWNER_PAGE, "POST": OWNER_PAGE},
}

EXPECTED = {
    "home": {"GET": (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT), "POST": (LOGIN, *[REDIRECT] * 4)},
    "favicon": {"GET": (REDIRECT,) * 5, "POST": (REDIRECT,) * 5},  # to the icon among the static files
    "healthz": {"GET": (200,) * 5, "POST": (405,) * 5},
    "readyz": {"GET": (200,) * 5, "POST": (405,) * 5},
    "login": {"GET": (200,) * 5, "POST": (200,) * 5},
    "logout": {"GET": (LOGIN, 405, 405, 405, 405), "POST": (LOGIN,) * 5},
    "set_language": {"GET": (REDIRECT,) * 5, "POST": (REDIRECT,) * 5},
    # The second sign-in step, asked with no password given first: back to the first step.
    "login_code": {"GET": (LOGIN,) * 5, "POST": (LOGIN,) * 5},
    # Each signed-in user's own profile and two-factor sign-in, whatever their role.
    "profile:detail": {"GET": SIGNED_IN, "POST": (LOGIN, *[405] * 4)},
    "profile:preferences": {"GET": POST_ONLY, "POST": (LOGIN, *[REDIRECT] * 4)},  # the user's own, each role
    "profile:two_factor_begin": {"GET": (LOGIN, *[405] * 4), "POST": (LOGIN, *[REDIRECT] * 4)},
    "profile:two_factor_setup": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "profile:two_factor_qr": {"GET": (LOGIN, *[404] * 4), "POST": (LOGIN, *[404] * 4)},  # no app being set up
    # Without two-factor sign-in on (or new codes to show), back to the profile.
    "profile:recovery_codes": {"GET": (LOGIN, *[REDIRECT] * 4), "POST": (LOGIN, *[REDIRECT] * 4)},
    "profile:regenerate_codes": {"GET": (LOGIN, *[REDIRECT] * 4), "POST": (LOGIN, *[REDIRECT] * 4)},
    "profile:two_factor_disable": {"GET": (LOGIN, *[REDIRECT] * 4), "POST": (LOGIN, *[REDIRECT] * 4)},
    **{f"accounts:{name}": expected for name, expected in RECORD_URLS.items()},
    "accounts:set_status": {"GET": READ, "POST": COMMAND},  # GET: the deactivation's confirmation page
    "accounts:contact_add": {"GET": READ, "POST": (LOGIN, 403, 400, 400, 400)},
    "accounts:contact_remove": {"GET": READ, "POST": COMMAND},  # GET: the confirmation page
    "accounts:figures": {"GET": READ, "POST": READ},
    "accounts:timeline": {"GET": READ, "POST": READ},
    "accounts:export": {"GET": READ, "POST": GET_ONLY},
    **{f"contacts:{name}": expected for name, expected in RECORD_URLS.items()},
    "contacts:set_status": {"GET": READ, "POST": COMMAND},  # GET: the deactivation's confirmation page
    "contacts:figures": {"GET": READ, "POST": READ},
    "contacts:timeline": {"GET": READ, "POST": READ},
    "contacts:export": {"GET": READ, "POST": GET_ONLY},
    **{f"opportunities:{name}": expected for name, expected in RECORD_URLS.items()},
    "opportunities:detail": {"GET": READ, "POST": READ},
    "opportunities:close_won": {"GET": POST_ONLY, "POST": READ},  # the form's errors, on the opportunity's page
    "opportunities:close_lost": {"GET": POST_ONLY, "POST": READ},
    "opportunities:reopen": {"GET": POST_ONLY, "POST": COMMAND},  # refused, with a message: it is open
    "opportunities:export": {"GET": READ, "POST": GET_ONLY},
    # Activities: every sales role reads and edits any; a salesperson deletes only their own.
    "activities:mine": {"GET": READ, "POST": GET_ONLY},
    "activities:detail": {"GET": READ, "POST": GET_ONLY},
    "activities:edit": {"GET": READ, "POST": READ},  # an empty form comes back with its errors
    "activities:complete": {"GET": POST_ONLY, "POST": COMMAND},
    "activities:cancel": {"GET": POST_ONLY, "POST": COMMAND},
    "activities:send": {"GET": POST_ONLY, "POST": COMMAND},  # refused, with a message: not an email
    "activities:export": {"GET": READ, "POST": GET_ONLY},
    "activities:reopen": {"GET": POST_ONLY, "POST": COMMAND},  # refused, with a message: it is open
    "activities:delete": {"GET": POST_ONLY, "POST": OWNER_COMMAND},
    "activities:ics": {"GET": READ, "POST": GET_ONLY},
    "activities:create": {"GET": READ, "POST": READ},
    "activities:note_create": {"GET": POST_ONLY, "POST": COMMAND},  # an empty note: refused, with a message
    "activities:timeline": {"GET": READ, "POST": GET_ONLY},
    "activities:attachment": {"GET": READ, "POST": GET_ONLY},
    **{f"invoices:{name}": expected for name, expected in RECORD_URLS.items()},
    "invoices:detail": {"GET": READ, "POST": READ},
    "invoices:mark_paid": {"GET": POST_ONLY, "POST": READ},
    "invoices:cancel": {"GET": READ, "POST": COMMAND},  # GET: the confirmation page
    "invoices:export": {"GET": READ, "POST": GET_ONLY},
    "crm:pick": {"GET": READ, "POST": READ},
    # The global search: each kind only for who may read it, so a user without a role finds nothing, but may ask.
    "search:results": {"GET": SIGNED_IN, "POST": GET_ONLY},
    "dashboard:index": {"GET": READ, "POST": READ},
    "imports:list": {"GET": IMPORTER, "POST": (LOGIN, 403, 403, 405, 405)},
    "imports:start": {"GET": IMPORTER, "POST": IMPORTER},
    "imports:detail": {"GET": IMPORT_JOB_PAGE, "POST": IMPORT_JOB_PAGE},
    "imports:failed_rows": {"GET": IMPORT_JOB_PAGE, "POST": IMPORT_JOB_PAGE},
    # The template files of each import (the accounts' CSV is asked): for whoever imports.
    "imports:template": {"GET": IMPORTER, "POST": IMPORTER},
    "imports:undo": {"GET": POST_ONLY, "POST": (LOGIN, 403, 403, Own(REDIRECT, 404), REDIRECT)},
    # The wizard's steps, asked of a finished job: back to its page, for whoever may read it.
    **{
        f"imports:{step}": {"GET": WIZARD_STEP, "POST": WIZARD_STEP}
        for step in ("map", "values", "review")
    },
    "exports:detail": {"GET": EXPORT_JOB_PAGE, "POST": EXPORT_JOB_PAGE},
    "exports:download": {"GET": EXPORT_JOB_PAGE, "POST": EXPORT_JOB_PAGE},
    # A list's views and bulk actions: for whoever reads the list; each user's saved views are their own.
    "lists:views": {"GET": READ, "POST": (LOGIN, 403, 400, 400, 400)},  # POST: Save view as, without a name
    "lists:view_update": {"GET": POST_ONLY, "POST": (LOGIN, 403, *[Own(400, 404)] * 3)},  # without a name
    "lists:view_delete": {"GET": (LOGIN, 403, *[Own(200, 404)] * 3), "POST": (LOGIN, 403, *[Own(REDIRECT, 404)] * 3)},
    "lists:bulk": {"GET": POST_ONLY, "POST": (LOGIN, 403, 400, 400, 400)},  # POST: no action named
    # Duplicate detection: the page and its jobs are the Sales Managers' and System Administrators'.
    "duplicates:list": {"GET": IMPORTER, "POST": POST_ONLY},
    "duplicates:scan": {"GET": POST_ONLY, "POST": (LOGIN, 403, 403, 404, 404)},  # posted without a kind of record
    "duplicates:group_dismiss": {"GET": POST_ONLY, "POST": (LOGIN, 403, 403, REDIRECT, REDIRECT)},
    # Merge and Not a duplicate of two records the request names (none here: 404; "kind" is not a kind of record).
    "duplicates:merge": {"GET": (LOGIN, 404, 404, 404, 404), "POST": (LOGIN, 404, 404, 404, 404)},
    "duplicates:not_duplicate": {"GET": POST_ONLY, "POST": (LOGIN, 404, 404, 404, 404)},
    "duplicates:merge_done": {"GET": READ, "POST": POST_ONLY},
    # Undo: who merged, or a manager; this merge's subordinate is not merged, so the undo is refused with a message.
    "duplicates:merge_undo": {"GET": POST_ONLY, "POST": (LOGIN, 403, Own(REDIRECT, 403), REDIRECT, REDIRECT)},
}

# The admin: staff only. Whoever is not staff is sent to sign in (the site's sign-in or the admin's); a
# system administrator gets the admin's own answer (a read-only model's add page is 403, a missing row
# redirects to the index), and its index and every list page. The admin's POSTs are asked only by the
# roles that are not staff.
SIGN_IN = frozenset({LOGIN, ADMIN_LOGIN})
ADMIN_ANSWER = frozenset({200, REDIRECT, 403, 404, 405})
ADMIN_RULE = {"GET": (SIGN_IN,) * 4 + (ADMIN_ANSWER,), "POST": (SIGN_IN,) * 4}
ADMIN_PAGE = {**ADMIN_RULE, "GET": (SIGN_IN,) * 4 + (200,)}
ADMIN_EXCEPTIONS = {
    "admin:index": ADMIN_PAGE,
    # Whoever is not staff is sent to the admin's index, which sends them to sign in.
    "admin:logout": {"GET": (SIGN_IN, REDIRECT, REDIRECT, REDIRECT, ADMIN_ANSWER), "POST": (SIGN_IN, *[REDIRECT] * 3)},
    "admin:login": {"GET": (SIGN_IN | {200},) * 4 + (SIGN_IN | {REDIRECT},), "POST": (SIGN_IN | {200},) * 4},
}


def expected_results(route):
    """The route's expected results by method, or None when the table has no row for it."""
    if route.is_admin:
        if route.name in ADMIN_EXCEPTIONS:
            return ADMIN_EXCEPTIONS[route.name]
        return ADMIN_PAGE if (route.name or "").endswith("_changelist") else ADMIN_RULE
    return EXPECTED.get(route.name)


def test_every_url_has_an_expected_result_per_role():
    missing = []
    for route in routes():
        if route.name is None and not route.is_admin:
            missing.append(f"name the URL {route.route} and add the expected result per role for it")
        elif expected_results(route) is None:
            missing.append(f"add the expected result per role for {route.name}")
    names = {route.name for route in routes()}
    missing += [f"remove {name}: no URL has this name" for name in EXPECTED if name not in names]
    assert not missing, "\n".join(missing)


def test_every_row_gives_one_result_per_role():
    rows = {**EXPECTED, **ADMIN_EXCEPTIONS, "admin:*": ADMIN_RULE, "admin:*_changelist": ADMIN_PAGE}
    for name, expected in rows.items():
        for method, results in expected.items():
            assert method in ("GET", "POST"), name
            assert len(results) in (4, 5), f"{name} {method}: one result per role, in the order of ROLES"


ROLE_FACTORIES = {
    "no_role": UserFactory,
    "salesperson": SalespersonFactory,
    "sales_manager": SalesManagerFactory,
    "administrator": AdministratorFactory,
}


@pytest.mark.parametrize("role", ROLES)
def test_each_url_answers_the_role_as_expected(role):
    index = ROLES.index(role)
    client = Client()
    others = make_records(SalespersonFactory(username="dan.salesperson"))
    variants = {"other": others}
    if role != "anonymous":
        user = ROLE_FACTORIES[role](username=f"asking.{role}")
        client.force_login(user)
        variants["own"] = make_records(user)
    wrong = []
    for route in routes():
        expected = expected_results(route)
        if expected is None:
            continue  # test_every_url_has_an_expected_result_per_role says which
        for method, results in expected.items():
            if index >= len(results):
                continue
            cell = results[index]
            for variant, records in variants.items():
                if variant == "own" and (not route.arguments or route.is_admin):
                    continue  # the same request as for the other records
                wanted = getattr(cell, variant) if isinstance(cell, Own) else cell
                url = url_for(route, url_arguments(route, records))
                response = send(client, method, url)
                got = outcome(response)
                if got not in (wanted if isinstance(wanted, frozenset) else {wanted}):
                    detail = f" ({failure(response)})" if response.status_code >= 500 else ""
                    wrong.append(f"{route.label} {method} {url} [{variant}]: expected {wanted}, got {got}{detail}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_a_salesperson_cannot_delete_or_reassign_another_salespersons_records_by_number(client):
    """The refusals above change nothing: each record is still there, with its owner."""
    salesperson = SalespersonFactory(username="ana.salesperson")
    theirs = make_records(SalespersonFactory(username="dan.salesperson"))
    client.force_login(salesperson)
    records = [theirs.invoice, theirs.opportunity, theirs.contact, theirs.account]
    for record in records:
        area = record._meta.app_label
        assert client.post(reverse(f"{area}:reassign", args=[record.pk]), {"owner": salesperson.pk}).status_code == 403
        assert client.post(reverse(f"{area}:delete", args=[record.pk])).status_code == 403
    for record in records:
        stored = type(record).objects.get(pk=record.pk)
        assert stored.owner_id == record.owner_id and stored.version == record.version


def test_a_contact_is_removed_only_from_its_own_account(client, salesperson):
    """The contact named in the address must be on the account named there; another's gives 404, nothing changes."""
    mine, theirs = make_records(salesperson), make_records(SalespersonFactory(username="dan.salesperson"))
    client.force_login(salesperson)
    response = client.post(reverse("accounts:contact_remove", args=[mine.account.pk, theirs.contact.pk]))
    assert response.status_code == 404
    theirs.contact.refresh_from_db()
    assert theirs.contact.account_id == theirs.account.pk


def test_import_and_export_files_are_only_their_owners(client, sales_manager):
    """Another user's import (failed rows, undo) and export (download) answer 404 by number."""
    other = SalesManagerFactory(username="ion.manager")
    theirs = make_records(other)
    client.force_login(sales_manager)
    assert client.get(reverse("imports:failed_rows", args=[theirs.import_job.pk, "xlsx"])).status_code == 404
    assert client.post(reverse("imports:undo", args=[theirs.import_job.pk])).status_code == 404
    assert client.get(reverse("exports:download", args=[theirs.export_job.pk])).status_code == 404
    theirs.import_job.refresh_from_db()
    assert theirs.import_job.undone_at is None


def test_a_user_whose_role_was_taken_away_no_longer_downloads_their_exports(client):
    """The export job is still theirs, but the file holds records they may no longer read: 403."""
    user = SalespersonFactory(username="ana.salesperson")
    job = make_records(user).export_job
    client.force_login(user)
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 200
    user.groups.clear()
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 403
    assert client.get(reverse("exports:detail", args=[job.pk])).status_code == 403
