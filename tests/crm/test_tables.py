"""The house table (crm/tables.py): rows rendered by plain functions, equal to django-tables2's own cells."""

import datetime
import inspect
from decimal import Decimal
from html import unescape

import django_tables2 as tables
import pytest
from django.template.base import render_value_in_context
from django.template.context import Context
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.safestring import SafeData

from accounts.selectors import account_list
from accounts.tables import AccountTable
from contacts.selectors import contact_list
from contacts.tables import ContactTable
from crm.tables import DateColumn, RecordTable
from invoices.selectors import invoice_list
from invoices.tables import InvoiceTable
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_list
from opportunities.tables import OpportunityTable
from tests.factories import AccountFactory, ContactFactory, InvoiceFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

TABLES = [
    (AccountTable, account_list),
    (ContactTable, contact_list),
    (OpportunityTable, opportunity_list),
    (InvoiceTable, invoice_list),
]


@pytest.fixture
def records(salesperson):
    """Records with every kind of cell: links, empty values, choices, money, dates, markup to escape."""
    account = AccountFactory(owner=salesperson, name="Ana & <Fiii> SRL", main_phone="")
    contact = ContactFactory(owner=salesperson, account=account, job_title="")
    account.primary_contact = contact
    account.save()
    AccountFactory(owner=salesperson, main_phone="+40 721 000 000")
    ContactFactory(owner=salesperson, account=None)
    OpportunityFactory(owner=salesperson, account=account, contact=contact, estimated_close_date=None)
    OpportunityFactory(
        owner=salesperson, estimated_revenue=Decimal("1234567.5"), estimated_close_date=datetime.date(2026, 3, 9)
    )
    OpportunityFactory(owner=salesperson, estimated_revenue=None)
    InvoiceFactory(
        owner=salesperson, account=account, invoice_date=datetime.date(2020, 1, 1), due_date=datetime.date(2020, 1, 31)
    )
    InvoiceFactory(owner=salesperson, account=None, contact=contact, due_date=None)


def django_tables2_cells(table):
    """Each row's cells as django-tables2 renders them: BoundRow.get_cell, then ``{{ cell }}`` in its template."""
    return [
        [render_value_in_context(row.get_cell(column.name), Context()) for column in table.columns]
        for row in table.paginated_rows
    ]


def text(html):
    """What a reader sees of some HTML: its text, unescaped, spaces collapsed."""
    return " ".join(unescape(strip_tags(html)).split())


def fast_cells(table):
    return [[renderer.cell_html(row) for renderer in table.cell_renderers()] for row in table.paginated_rows]


@pytest.mark.parametrize("language", ["en", "ro"])
@pytest.mark.parametrize(("table_class", "selector"), TABLES)
def test_the_fast_cells_equal_django_tables2s_own(records, salesperson, table_class, selector, language):
    with translation.override(language):
        table = table_class(selector(user=salesperson).order_by("pk"))
        table.paginate(per_page=25)
        expected = django_tables2_cells(table)
        assert fast_cells(table) == expected
        assert len(expected) >= 2 and all(len(cells) == len(table.columns) for cells in expected)
        # The text the cells show is what django-tables2 exports (as_values), dates aside (ISO there).
        values = list(table.as_values())[1:]
        dated = {index for index, column in enumerate(table.columns) if isinstance(column.column, DateColumn)}
        for shown, exported in zip(fast_cells(table), values, strict=True):
            for index, (cell, value) in enumerate(zip(shown, exported, strict=True)):
                if index not in dated:
                    # Exports hold plain text, or the HTML of a render_FOO (SafeString).
                    exported_text = text(value) if isinstance(value, SafeData) else " ".join(str(value).split())
                    assert text(cell) == ("—" if value is None else exported_text)


def test_the_cells_carry_links_labels_defaults_and_number_classes(records, salesperson):
    table = AccountTable(account_list(user=salesperson).order_by("pk"))
    table.paginate(per_page=25)
    first = table.rendered_rows()[0]
    account = first.record
    cells = str(first.cells)
    assert (
        f'<td data-label="Account Name"><a href="{account.get_absolute_url()}">Ana &amp; &lt;Fiii&gt; SRL</a></td>'
        in cells
    )
    assert '<td data-label="Main Phone">—</td>' in cells
    assert f'<a href="{account.primary_contact.get_absolute_url()}">' in cells
    assert '<td data-label="Status">Active</td>' in cells
    assert cells.count("<td ") == len(table.columns)
    opportunities = OpportunityTable(opportunity_list(user=salesperson).order_by("pk"))
    opportunities.paginate(per_page=25)
    money = str(opportunities.rendered_rows()[1].cells)
    assert '<td class="number" data-label="Estimated revenue">1,234,567.50 RON</td>' in money


def test_the_house_date_column_shows_what_django_tables2s_date_column_shows(salesperson):
    class Dates(tables.Table):
        house = DateColumn(accessor="estimated_close_date")
        stock = tables.DateColumn(accessor="estimated_close_date")

    OpportunityFactory(owner=salesperson, estimated_close_date=datetime.date(2026, 12, 1))
    OpportunityFactory(owner=salesperson, estimated_close_date=None)
    for language in ("en", "ro"):
        with translation.override(language):
            rows = [list(row) for row in Dates(Opportunity.objects.order_by("pk")).rows]
            assert [house for house, _stock in rows] == [str(stock) for _house, stock in rows]
            assert rows[1][0] == "—"
    assert list(Dates(Opportunity.objects.order_by("pk")).as_values())[1] == ["2026-12-01", "2026-12-01"]


def list_page(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


FACTORIES = {
    "accounts:list": AccountFactory,
    "contacts:list": ContactFactory,
    "opportunities:list": OpportunityFactory,
    "invoices:list": InvoiceFactory,
}


@pytest.mark.parametrize("list_name", FACTORIES)
def test_a_page_of_rows_inspects_no_signature_per_cell(client, salesperson, monkeypatch, list_name):
    factory = FACTORIES[list_name]
    client.force_login(salesperson)
    calls = []
    original = inspect.signature

    def counting(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(inspect, "signature", counting)
    list_page(client, list_name)  # what is inspected once per process (dataclasses, expressions) is done
    counts = []
    for total in (2, 25):
        factory.create_batch(total - (counts and 2 or 0), owner=salesperson)
        calls.clear()
        html = list_page(client, list_name)
        assert html.count('<tr class="') >= total
        counts.append(len(calls))
    # Once per column of the table, whatever the number of rows (django-tables2 alone makes one per cell).
    assert counts[0] == counts[1] <= 10


class SelectableAccounts(AccountTable):
    selectable = True

    # django-tables2 reads the options of a table's own Meta only.
    class Meta(AccountTable.Meta):
        pass


def test_a_selectable_table_starts_each_row_with_a_checkbox_for_its_record(rf_request, salesperson):
    account = AccountFactory(owner=salesperson, name="Carpați Tech SRL")
    html = SelectableAccounts(account_list(user=salesperson)).as_html(rf_request)
    assert (
        '<th class="select-cell"><input type="checkbox" class="form-check-input" data-select-all="selected"'
        ' aria-label="Select all rows"></th>'
    ) in html
    assert (
        f'<tr class="even"><td class="select-cell"><input type="checkbox" class="form-check-input" name="selected"'
        f' value="{account.pk}" form="bulk-selection" aria-label="Select Carpați Tech SRL"></td>'
        '<td data-label="Account Name">'
    ) in html
    # The message for no rows spans the checkbox column too.
    empty = SelectableAccounts(account_list(user=salesperson).none()).as_html(rf_request)
    assert f'<td colspan="{len(AccountTable.base_columns) + 1}">No records match.</td>' in empty
    plain = AccountTable(account_list(user=salesperson)).as_html(rf_request)
    assert "form-check-input" not in plain and "select-cell" not in plain


def test_the_table_is_a_bootstrap_table(rf_request, salesperson):
    AccountFactory(owner=salesperson)
    html = AccountTable(account_list(user=salesperson)).as_html(rf_request)
    assert '<table class="table table-hover align-middle record-table">' in html


@pytest.fixture
def rf_request(salesperson):
    request = RequestFactory().get("/accounts/")
    request.user = salesperson
    return request


def test_a_table_with_a_render_method_taking_what_no_cell_offers_shows_none_as_django_tables2_does(
    rf_request, salesperson
):
    class Odd(RecordTable):
        name = tables.Column()

        class Meta(RecordTable.Meta):
            model = AccountTable._meta.model
            fields = ["name"]

        def render_name(self, value, unknown):
            return "never"

    AccountFactory(owner=salesperson)
    table = Odd(account_list(user=salesperson))
    assert fast_cells(table) == django_tables2_cells(table) == [["None"]]


def test_cell_attributes_computed_per_cell_are_computed_for_each_cell(rf_request, salesperson):
    class Computed(RecordTable):
        name = tables.Column(attrs={"td": {"data-name": lambda value, record: f"{record.pk}:{value}"}})

        class Meta(RecordTable.Meta):
            model = AccountTable._meta.model
            fields = ["name"]

    first, second = AccountFactory(owner=salesperson, name="Alfa"), AccountFactory(owner=salesperson, name="Beta")
    table = Computed(account_list(user=salesperson).order_by("pk"))
    assert [str(row.cells) for row in table.rendered_rows()] == [
        f'<td data-name="{first.pk}:Alfa" data-label="Account name">Alfa</td>',
        f'<td data-name="{second.pk}:Beta" data-label="Account name">Beta</td>',
    ]
