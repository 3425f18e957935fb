"""The opportunities' import: files as Dynamics 365, Salesforce, HubSpot and Pipedrive write them, linked to their
account by number or name and to their contact by email, matched by topic and customer, through every path."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from crm.imports.models import ImportJob, ImportState
from crm.imports.services import import_job_undo
from crm.models import ExchangeRate
from invoices.models import Invoice
from opportunities.models import Opportunity, OpportunityState
from tests.factories import AccountFactory, ContactFactory, InvoiceFactory
from tests.imports.conftest import csv_bytes, do_import

pytestmark = pytest.mark.django_db

# A Salesforce Opportunities report, as exported.
SALESFORCE = [
    ["Opportunity Name", "Account Name", "Amount", "Close Date", "Stage", "Probability (%)", "Opportunity Owner"],
    ["Licențe ERP", "Dacia Grup SA", "45.000,00", "31.03.2027", "Prospecting", "10%", ""],
    ["Mentenanță 2027", "Dacia Grup SA", "12000", "2027-01-15", "Negotiation/Review", "80", ""],
]


@pytest.fixture
def dacia(db):
    return AccountFactory(name="Dacia Grup SA", account_number="DG-1")


def test_a_salesforce_report_imports_opportunities_on_their_account(sales_manager, dacia):
    outcome = do_import(csv_bytes(SALESFORCE), "opportunities", actor=sales_manager)
    assert (outcome.created, outcome.failed) == (2, 0), [issue.message for issue in outcome.issues]
    erp = Opportunity.objects.get(topic="Licențe ERP")
    assert (erp.account, erp.estimated_revenue, str(erp.estimated_close_date)) == (
        dacia,
        Decimal("45000.00"),
        "2027-03-31",
    )
    assert (erp.sales_stage, erp.probability, erp.state, erp.owner) == (
        "qualify",
        10,
        OpportunityState.OPEN,
        sales_manager,
    )
    assert Opportunity.objects.get(topic="Mentenanță 2027").sales_stage == "close"  # Negotiation/Review
    assert erp.estimated_revenue_base == Decimal("45000.00")  # RON is the base currency


def test_importing_again_matches_by_topic_and_customer_and_converts_a_changed_amount(sales_manager, dacia):
    do_import(csv_bytes(SALESFORCE), "opportunities", actor=sales_manager)
    again = do_import(csv_bytes(SALESFORCE), "opportunities", actor=sales_manager)
    assert (again.created, again.updated, again.skipped) == (0, 0, 2)
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("5.0"))
    changed = [SALESFORCE[0] + ["Currency"], SALESFORCE[1] + ["EUR"]]
    outcome = do_import(csv_bytes(changed), "opportunities", actor=sales_manager)
    assert (outcome.created, outcome.updated) == (0, 1)
    erp = Opportunity.objects.get(topic="Licențe ERP")
    assert (erp.currency, erp.estimated_revenue_base, erp.version) == ("EUR", Decimal("225000.00"), 2)
    # The same topic for another customer is another opportunity.
    AccountFactory(name="Petrom SA")
    other = [SALESFORCE[0], ["Licențe ERP", "Petrom SA", "1000", "", "", "", ""]]
    assert do_import(csv_bytes(other), "opportunities", actor=sales_manager).created == 1
    assert Opportunity.objects.filter(topic="Licențe ERP").count() == 2


def test_a_contact_by_email_links_the_opportunity_and_its_account(sales_manager, dacia):
    ana = ContactFactory(first_name="Ana", last_name="Pop", email="ana@dacia.ro", account=dacia)
    alone = ContactFactory(first_name="Ion", last_name="Fără", email="ion@example.ro", account=None)
    rows = [
        ["Topic", "Contact Email", "Est. Revenue"],
        ["Pilot", "ANA@dacia.ro", "100"],
        ["Curs", "ion@example.ro", ""],
    ]
    outcome = do_import(csv_bytes(rows), "opportunities", actor=sales_manager)
    assert outcome.failed == 0, [issue.message for issue in outcome.issues]
    pilot, course = Opportunity.objects.get(topic="Pilot"), Opportunity.objects.get(topic="Curs")
    assert (pilot.contact, pilot.account) == (ana, dacia)  # the contact's account
    assert (course.contact, course.account) == (alone, None)


def test_rows_naming_no_customer_or_an_unknown_one_fail_with_the_reason(sales_manager, dacia):
    rows = [
        ["Topic", "Account Number", "Account", "Contact Email"],
        ["Fără client", "", "", ""],
        ["Cont necunoscut", "NU-1", "", ""],
        ["Nume necunoscut", "", "Nimeni SRL", ""],
        ["Email necunoscut", "", "", "nimeni@example.ro"],
        ["Bun", "dg-1", "", ""],
    ]
    outcome = do_import(csv_bytes(rows), "opportunities", actor=sales_manager)
    messages = {issue.row_number: issue.message for issue in outcome.issues}
    assert messages == {
        2: "Give the account (its number or name) or the contact's email.",
        3: "No account has the number “nu-1”.",
        4: "No account has the name “Nimeni SRL”.",
        5: "No contact has the email “nimeni@example.ro”.",
    }
    assert list(Opportunity.objects.values_list("topic", "account")) == [("Bun", dacia.pk)]


def test_create_mode_skips_existing_and_update_mode_creates_nothing(sales_manager, dacia):
    do_import(csv_bytes(SALESFORCE[:2]), "opportunities", actor=sales_manager)
    create = do_import(csv_bytes(SALESFORCE), "opportunities", actor=sales_manager, mode="create")
    assert (create.created, create.skipped) == (1, 1)
    update = do_import(
        csv_bytes([SALESFORCE[0], ["Nouă", "Dacia Grup SA", "1", "", "", "", ""]]),
        "opportunities",
        actor=sales_manager,
        mode="update",
    )
    assert (update.created, update.skipped) == (0, 1)


def test_a_bad_value_fails_its_row_as_the_form_would(sales_manager, dacia):
    rows = [
        ["Topic", "Account", "Probability", "Estimated close date"],
        ["Prea probabil", "Dacia Grup SA", "150", ""],
        ["Data rea", "Dacia Grup SA", "", "31.02.2027"],
        ["Prea târziu", "Dacia Grup SA", "", "2300-01-01"],
    ]
    outcome = do_import(csv_bytes(rows), "opportunities", actor=sales_manager)
    messages = {issue.row_number: issue.message for issue in outcome.issues}
    assert "Probability" in messages[2]
    assert "“31.02.2027” is not a date" in messages[3]
    assert "Estimated close date" in messages[4] and "2200" in messages[4]
    assert not Opportunity.objects.exists()


def test_the_command_line_and_undo_keep_an_opportunity_someone_invoiced(sales_manager, dacia, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes(SALESFORCE))
    out = io.StringIO()
    call_command("import_data", "opportunities", str(path), "--user", sales_manager.username, stdout=out)
    assert "created 2" in out.getvalue()
    job = ImportJob.objects.get()
    assert (job.target, job.state, job.created_count) == ("opportunities", ImportState.COMPLETED, 2)
    invoiced = Opportunity.objects.get(topic="Licențe ERP")
    InvoiceFactory(account=dacia, opportunity=invoiced)
    left_alone = import_job_undo(job=job, actor=sales_manager)
    assert [label for label, _reason in left_alone] == ["Licențe ERP"]
    assert "has invoices" in left_alone[0][1]
    assert list(Opportunity.objects.values_list("topic", flat=True)) == ["Licențe ERP"]
    assert Invoice.objects.count() == 1


def test_the_wizard_maps_a_pipedrive_export_and_its_stages(
    client, sales_manager, dacia, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    rows = [
        ["Deal - Title", "Deal - Organization", "Deal - Value", "Deal - Currency", "Deal - Stage"],
        ["Extindere", "Dacia Grup SA", "5000", "RON", "Demo scheduled"],
    ]
    client.force_login(sales_manager)
    response = client.post(
        reverse("imports:start"),
        {
            "target": "opportunities",
            "mode": "upsert",
            "step": "map",
            "file": SimpleUploadedFile("deals.csv", csv_bytes(rows)),
        },
    )
    job = ImportJob.objects.get()
    page = client.get(response.url)
    form = page.context["form"]
    chosen = {header: form[f"column_{index}"].value() for index, header in enumerate(form.headers)}
    assert chosen == {
        "Deal - Title": "topic",
        "Deal - Organization": "company_name",
        "Deal - Value": "estimated_revenue",
        "Deal - Currency": "currency",
        "Deal - Stage": "sales_stage",
    }
    data = {name: form[name].value() or "" for name in form.fields}
    assert client.post(response.url, data).url == reverse("imports:values", args=[job.pk])
    values = client.get(reverse("imports:values", args=[job.pk])).context["form"]
    stage = next(name for name in values.fields if values[name].label == "Demo scheduled")
    answers = {name: values[name].value() for name in values.fields}
    answers[stage] = "develop"
    client.post(reverse("imports:values", args=[job.pk]), answers)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:review", args=[job.pk]))
    assert Opportunity.objects.get().sales_stage == "develop"


def test_the_opportunities_template_downloads_with_their_headers(client, sales_manager):
    client.force_login(sales_manager)
    response = client.get(reverse("imports:template", args=["opportunities", "csv"]))
    assert response.status_code == 200
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Topic,Account Number,Account,Contact Email,Estimated revenue")
