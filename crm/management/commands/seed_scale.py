"""Fill the database quickly with realistic generated sales data at a chosen scale.

    python manage.py seed_scale --accounts 1000000

Per account: about 3 contacts, 1 opportunity, 1 invoice with 3 lines and 5
activities (notes, tasks, calls, appointments, emails, some about its contacts and
opportunities); plus a few very large accounts (5,000 contacts, 2,000
opportunities and 2,000 invoices and 20,000 activities each) and some contacts
without an account. Every row satisfies the models'
rules and database constraints (status reasons fit states, closed
opportunities have a close date, invoice totals add up from lines computed by
``invoices.models.compute_line``, the primary contact is one of the account's
contacts, numbers are unique).

PostgreSQL: rows stream through COPY, one transaction per batch of accounts
(foreign keys are checked at each commit), ids reserved from the sequences
first. Other databases: bulk_create in batches. This is bulk loading for
benchmarks and capacity tests, so it writes rows directly rather than through
the services, which validate one record at a time.
"""

import io
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import Account, Industry, RelationshipType
from contacts.models import Contact, PreferredContactMethod
from crm import roles
from crm.activities.models import Activity
from crm.demo import demo_rates
from crm.duplicates.keys import company_name_key, person_name_key, website_key
from crm.exchange_rates import base_currency, current_rates, to_base
from crm.models import ExchangeRate
from invoices.models import Invoice, InvoiceLine, InvoiceState, InvoiceStatusReason, compute_line
from opportunities.models import Opportunity, OpportunityState, OpportunityStatusReason, SalesStage

COMPANY_WORDS = [
    "Carpați", "Dunărea", "Transilvania", "Bucovina", "Moldova", "Mureș", "Someș", "Olt", "Argeș", "Prahova",
    "Ceahlău", "Făgăraș", "Apuseni", "Delta", "Banat", "Crișana", "Oltenia", "Dobrogea", "Maramureș", "Bihor",
    "Nordic", "Atlas", "Vertex", "Helix", "Orion", "Zenith", "Aurora", "Meridian", "Quantum", "Nova",
    "Alpine", "Baltic", "Iberia", "Lumen", "Sigma", "Vector", "Pioneer", "Summit", "Harbor", "Crescent",
]
COMPANY_TRADES = [
    "Logistic", "Construct", "Soft", "Agro", "Energy", "Med", "Trans", "Consulting", "Invest", "Foods",
    "Metal", "Textil", "Print", "Auto", "Pharma", "Telecom", "Design", "Systems", "Retail", "Solar",
    "Wood", "Glass", "Data", "Marine", "Steel", "Farm", "Tech", "Media", "Travel", "Security",
]
COMPANY_SUFFIXES = ["SRL", "SRL", "SRL", "SA", "GmbH", "Ltd", "Inc", "SAS"]
FIRST_NAMES = [
    "Andrei", "Ioana", "Mihai", "Elena", "Alexandru", "Maria", "Ștefan", "Ana", "Bogdan", "Cristina",
    "Radu", "Irina", "Vlad", "Larisa", "Tudor", "Oana", "Ion", "Mădălina", "Sorin", "Bianca",
    "Anna", "Lukas", "Sophie", "James", "Olivia", "Pierre", "Chloé", "Marco", "Giulia", "Jan",
]
LAST_NAMES = [
    "Popescu", "Ionescu", "Popa", "Dumitrescu", "Stoica", "Stan", "Gheorghiu", "Rusu", "Munteanu", "Matei",
    "Constantinescu", "Șerban", "Țurcanu", "Mocanu", "Lungu", "Dinu", "Bălan", "Ștefănescu", "Avram", "Neagu",
    "Müller", "Schmidt", "Smith", "Brown", "Dubois", "Rossi", "Novak", "García", "Kowalski", "Jensen",
]
JOB_TITLES = [
    "Director general", "Director financiar", "Achiziții", "Office manager", "Sales Manager", "CFO", "CTO",
    "Procurement Lead", "Head of Operations", "Contabil șef", "IT Manager", "Marketing Manager", "",
]
CITIES = [
    ("Cluj-Napoca", "Cluj", "400000", "România"), ("București", "București", "010011", "România"),
    ("Iași", "Iași", "700000", "România"), ("Timișoara", "Timiș", "300000", "România"),
    ("Brașov", "Brașov", "500000", "România"), ("Constanța", "Constanța", "900000", "România"),
    ("Sibiu", "Sibiu", "550000", "România"), ("Oradea", "Bihor", "410000", "România"),
    ("Târgu Mureș", "Mureș", "540000", "România"), ("Craiova", "Dolj", "200000", "România"),
    ("Berlin", "Berlin", "10115", "Germany"), ("Wien", "Wien", "1010", "Austria"),
    ("London", "Greater London", "EC1A", "United Kingdom"), ("Paris", "Île-de-France", "75001", "France"),
    ("Milano", "Lombardia", "20121", "Italy"), ("Budapest", "Budapest", "1051", "Hungary"),
]
STREETS = ["Str. Memorandumului", "Bd. Unirii", "Calea Victoriei", "Str. Republicii", "Hauptstraße", "High Street"]
TOPICS = [
    "Licențe software", "Contract mentenanță", "Echipamente IT", "Servicii consultanță", "Flotă auto",
    "Panouri solare", "Modernizare depozit", "Cloud migration", "Support renewal", "Training echipă",
]
LINE_ITEMS = [
    "Licență anuală", "Ore consultanță", "Abonament suport", "Server rack", "Laptop", "Instalare",
    "Transport", "Training", "Cloud storage (TB)", "Mentenanță lunară",
]
CURRENCIES = ["RON"] * 7 + ["EUR"] * 2 + ["USD"]
OPPORTUNITY_OUTCOMES = [
    (OpportunityState.OPEN, OpportunityStatusReason.IN_PROGRESS),
    (OpportunityState.OPEN, OpportunityStatusReason.IN_PROGRESS),
    (OpportunityState.OPEN, OpportunityStatusReason.IN_PROGRESS),
    (OpportunityState.OPEN, OpportunityStatusReason.ON_HOLD),
    (OpportunityState.WON, OpportunityStatusReason.WON),
    (OpportunityState.WON, OpportunityStatusReason.WON),
    (OpportunityState.LOST, OpportunityStatusReason.CANCELED),
    (OpportunityState.LOST, OpportunityStatusReason.OUT_SOLD),
]
INVOICE_OUTCOMES = [
    (InvoiceState.ACTIVE, InvoiceStatusReason.NEW),
    (InvoiceState.ACTIVE, InvoiceStatusReason.BILLED),
    (InvoiceState.ACTIVE, InvoiceStatusReason.BILLED),
    (InvoiceState.PAID, InvoiceStatusReason.COMPLETE),
    (InvoiceState.PAID, InvoiceStatusReason.COMPLETE),
    (InvoiceState.PAID, InvoiceStatusReason.PARTIAL),
    (InvoiceState.CANCELED, InvoiceStatusReason.CANCELED),
]
# Plain strings: reading an enum's values costs more than generating the row.
RELATIONSHIP_TYPES = [str(value) for value in RelationshipType.values]
INDUSTRIES = [str(value) for value in Industry.values]
CONTACT_METHODS = [str(value) for value in PreferredContactMethod.values]
OPEN_STAGES = [str(value) for value in SalesStage.values]
OPPORTUNITY_OUTCOMES = [(str(state), str(reason)) for state, reason in OPPORTUNITY_OUTCOMES]
INVOICE_OUTCOMES = [(str(state), str(reason)) for state, reason in INVOICE_OUTCOMES]
ACCOUNT_COLUMNS = [
    "id", "name", "account_number", "relationship_type", "industry", "main_phone", "email", "website",
    "street", "city", "county", "postal_code", "country", "annual_revenue", "currency", "number_of_employees",
    "description", "parent_account_id", "primary_contact_id", "status", "name_key", "website_key", "phone_key",
    "owner_id", "created_at", "created_by_id", "modified_at", "modified_by_id",
]
CONTACT_COLUMNS = [
    "id", "first_name", "last_name", "job_title", "account_id", "email", "business_phone", "mobile_phone",
    "preferred_contact_method", "description", "status", "street", "city", "county", "postal_code", "country",
    "name_key", "business_phone_key", "mobile_phone_key",
    "owner_id", "created_at", "created_by_id", "modified_at", "modified_by_id",
]
OPPORTUNITY_COLUMNS = [
    "id", "topic", "account_id", "contact_id", "estimated_revenue", "currency", "estimated_close_date",
    "probability", "sales_stage", "state", "status_reason", "actual_revenue", "actual_close_date", "description",
    "exchange_rate", "estimated_revenue_base",
    "owner_id", "created_at", "created_by_id", "modified_at", "modified_by_id",
]
INVOICE_COLUMNS = [
    "id", "invoice_number", "name", "account_id", "contact_id", "opportunity_id", "state", "status_reason",
    "invoice_date", "due_date", "paid_date", "currency", "subtotal", "discount_total", "tax_total", "total_amount",
    "exchange_rate", "total_amount_base", "description",
    "owner_id", "created_at", "created_by_id", "modified_at", "modified_by_id",
]
LINE_COLUMNS = [
    "id", "invoice_id", "position", "description", "quantity", "unit_price", "discount", "tax_rate",
    "base_amount", "tax_amount", "line_total",
]
ACTIVITY_COLUMNS = [
    "id", "kind", "subject", "description", "account_id", "contact_id", "opportunity_id", "invoice_id", "state",
    "due_at", "ends_at", "all_day", "location", "priority", "direction", "phone_number", "duration_minutes",
    "outcome", "completed_at", "send_state", "send_error",
    "owner_id", "created_at", "created_by_id", "modified_at", "modified_by_id",
]
ACTIVITY_SUBJECTS = {
    "task": ["Trimite oferta", "Pregătește contractul", "Follow up on the quote", "Verifică plata", "Send the deck"],
    "phone_call": ["Apel de prezentare", "Discuție despre reînnoire", "Follow-up call", "Clarificări factură"],
    "appointment": ["Întâlnire la sediul clientului", "Demo produs", "Quarterly review", "Negociere contract"],
    "email": ["Ofertă actualizată", "Confirmare comandă", "Meeting notes", "Documente solicitate"],
}
NOTE_TEXTS = [
    "Au cerut o ofertă până vineri.", "Called, they want a quote by Friday.", "Decizia se ia luna viitoare.",
    "Budget approved for Q3; waiting for procurement.", "Preferă să fie contactați dimineața.",
]

TABLES = [
    (Account, ACCOUNT_COLUMNS),
    (Contact, CONTACT_COLUMNS),
    (Opportunity, OPPORTUNITY_COLUMNS),
    (Invoice, INVOICE_COLUMNS),
    (InvoiceLine, LINE_COLUMNS),
    (Activity, ACTIVITY_COLUMNS),
]


# A pronounceable word made from an account's id, so that every generated company's name is its own (as in a
# real customer base) and the duplicate rules find the planted duplicates, not the generator's repetitions.
SYLLABLES = ["ra", "lo", "mi", "te", "ca", "nu", "vi", "so", "de", "pa", "li", "ro", "ma", "ne", "ti", "va",
             "co", "be", "du", "si"]
# How a planted duplicate differs from its original: its name written another way (same name key), the same
# website written another way, or the same main phone written another way.
PLANTED_KINDS = ("name", "website", "main_phone")
PLANTED_MARK = "Planted duplicate of account "


def id_word(number):
    syllables = []
    while True:
        number, digit = divmod(number, len(SYLLABLES))
        syllables.append(SYLLABLES[digit])
        if not number:
            break
    return "".join(syllables).capitalize()


def unique_phone(prefix, number, multiplier):
    """A Romanian number of ``prefix`` (2: landline, 3, 7: mobile) that no other ``number`` below 10^8 gets."""
    digits = f"{(number * multiplier) % 10**8:08d}"
    written = f"+40 {prefix}{digits[:2]} {digits[2:5]} {digits[5:]}"
    return written, f"+40{prefix}{digits}"


def ascii_slug(text):
    table = str.maketrans("ăâîșşțţéèüöóáíÁÂÎȘŞȚŢÉÈÜÖÓ", "aaisstteeuooaiAAISSTTEEUOO")
    return "".join(char for char in text.translate(table).lower() if char.isalnum())


@dataclass
class Batch:
    """Rows of one batch, per model, as tuples in the order of the model's column list."""

    rows: dict = field(default_factory=lambda: {model: [] for model, _ in TABLES})


class Generator:
    """Generates valid rows with ids taken from reserved blocks."""

    def __init__(self, *, owners, first_ids, seed, rates):
        self.random = random.Random(seed)
        self.owners = owners
        # Each currency's rate to the base currency: the amounts are stored in base too, as the services do.
        self.rates = rates
        self.next_id = dict(first_ids)
        today = date.today()
        now = datetime.now(UTC)
        pick = self.random.choice
        # Pools of preformatted values: generating millions of rows is then mostly joining strings.
        self.timestamps = [
            (now - timedelta(seconds=self.random.randrange(3 * 365 * 86400))).isoformat() for _ in range(5000)
        ]
        self.past_dates = [today - timedelta(days=self.random.randrange(3 * 365)) for _ in range(2000)]
        self.future_dates = [(today + timedelta(days=self.random.randrange(365))).isoformat() for _ in range(500)]
        # Due dates from two months ago to two months ahead, on the quarter hour: overdue, today, this week, later.
        self.due_times = [
            (now.replace(minute=0, second=0, microsecond=0)
             + timedelta(minutes=15 * self.random.randrange(-4 * 24 * 60, 4 * 24 * 60))).isoformat()
            for _ in range(5000)
        ]
        self.phones = [
            f"+40 7{self.random.randrange(10, 99)} {self.random.randrange(100, 999)} {self.random.randrange(100, 999)}"
            for _ in range(5000)
        ]
        self.companies = [
            (f"{word} {trade} {suffix}", ascii_slug(f"{word}{trade}"))
            for word in COMPANY_WORDS
            for trade in COMPANY_TRADES
            for suffix in COMPANY_SUFFIXES[:4]
        ]
        self.people = [
            (first, last, ascii_slug(first), ascii_slug(last)) for first in FIRST_NAMES for last in LAST_NAMES
        ]
        self.person_keys = {(first, last): person_name_key(first, last) for first, last, _a, _b in self.people}
        # SQLite checks the totals constraint in floating point; keep the templates whose sum is exact there too.
        templates = (self._invoice_template() for _ in range(5000))
        self.invoice_templates = [
            template for template in templates
            if float(template[1][0]) - float(template[1][1]) + float(template[1][2]) == float(template[1][3])
        ][:1000]
        self.pick = pick

    def _invoice_template(self):
        """Three lines and the invoice totals, computed the one way invoices compute them."""
        lines = []
        for position in range(3):
            quantity = Decimal(self.random.choice(["1", "2", "3", "5", "10", "12.5"]))
            unit_price = Decimal(self.random.randrange(1000, 500000)) / 100
            discount = (quantity * unit_price * Decimal(self.random.choice([0, 0, 0, 5, 10])) / 100).quantize(
                Decimal("0.01")
            )
            tax_rate = Decimal(self.random.choice(["19.00", "19.00", "9.00", "5.00", "0.00"]))
            base, tax, total = compute_line(
                quantity=quantity, unit_price=unit_price, discount=discount, tax_rate=tax_rate
            )
            lines.append(
                (position, self.random.choice(LINE_ITEMS), quantity, unit_price, discount, tax_rate, base, tax, total)
            )
        subtotal = sum((line[6] for line in lines), Decimal("0.00"))
        discount_total = sum((line[4] for line in lines), Decimal("0.00"))
        tax_total = sum((line[7] for line in lines), Decimal("0.00"))
        return lines, (subtotal, discount_total, tax_total, subtotal - discount_total + tax_total)

    def take_id(self, model):
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def audit(self):
        owner = self.pick(self.owners)
        created = self.pick(self.timestamps)
        modified = max(created, self.pick(self.timestamps))
        return owner, created, owner, modified, owner

    def activity(self, batch, **regarding):
        """One activity regarding the one record named (account_id, contact_id or opportunity_id): a note, or a
        task, call, appointment or email, open with a due date around today or closed."""
        pick, chance = self.pick, self.random.random()
        kind = "note" if chance < 0.3 else pick(["task", "task", "phone_call", "appointment", "email"])
        owner, created, created_by, modified, modified_by = self.audit()
        due = None if kind == "note" else pick(self.due_times)
        closed = kind in ("note", "email") or self.random.random() < 0.6
        state = "open" if not closed else ("canceled" if self.random.random() < 0.1 and kind != "note" else "completed")
        batch.rows[Activity].append((
            self.take_id(Activity), kind, "" if kind == "note" else pick(ACTIVITY_SUBJECTS[kind]),
            pick(NOTE_TEXTS) if kind == "note" else "", regarding.get("account_id"), regarding.get("contact_id"),
            regarding.get("opportunity_id"), None, state, due, due if kind == "appointment" else None, False, "",
            pick(["low", "normal", "normal", "high"]), "outgoing" if kind in ("phone_call", "email") else "",
            pick(self.phones) if kind == "phone_call" else "", 15 if kind == "phone_call" else None, "",
            modified if state != "open" else None, "", "", owner, created, created_by, modified, modified_by,
        ))

    def activities_of(self, batch, count, *, account_id, contact_ids, opportunity_ids):
        """``count`` activities about an account: most about the account itself, the rest about its contacts
        and opportunities (which its Timeline rolls up)."""
        for number in range(count):
            if number % 5 == 3 and contact_ids:
                self.activity(batch, contact_id=self.pick(contact_ids))
            elif number % 5 == 4 and opportunity_ids:
                self.activity(batch, opportunity_id=self.pick(opportunity_ids))
            else:
                self.activity(batch, account_id=account_id)

    def company(self, account_id):
        """A company name of its own (a word made from the id between the generator's words), and its slug."""
        word, trade, suffix = self.pick(COMPANY_WORDS), self.pick(COMPANY_TRADES), self.pick(COMPANY_SUFFIXES[:4])
        name = f"{word} {id_word(account_id)} {trade} {suffix}"
        return name, ascii_slug(f"{word}{trade}")

    def account(self, batch, *, contacts, deals, with_primary, activities=0):
        pick = self.pick
        account_id = self.take_id(Account)
        name, slug = self.company(account_id)
        city, county, postal_code, country = pick(CITIES)
        contact_ids = [self.contact(batch, account_id=account_id) for _ in range(contacts)]
        phone, phone_e164 = unique_phone(2, account_id, 7919)
        website = f"https://www.{slug}{account_id}.example.ro"
        batch.rows[Account].append((
            account_id, name, f"ACC-{account_id:08d}", pick(RELATIONSHIP_TYPES), pick(INDUSTRIES),
            phone, f"office@{slug}{account_id}.example.ro", website,
            f"{pick(STREETS)} {self.random.randrange(1, 200)}", city, county, postal_code, country,
            Decimal(self.random.randrange(10_000, 500_000_000)), pick(CURRENCIES), self.random.randrange(1, 5000),
            "", None, contact_ids[0] if with_primary and contact_ids else None,
            "active" if self.random.random() < 0.9 else "inactive",
            company_name_key(name), website_key(website), phone_e164, *self.audit(),
        ))
        opportunity_ids = []
        for number in range(deals):
            contact_id = contact_ids[number % len(contact_ids)] if contact_ids else None
            opportunity_ids.append(self.opportunity(batch, account_id=account_id, contact_id=contact_id))
            self.invoice(batch, account_id=account_id, contact_id=contact_id, opportunity_id=opportunity_ids[-1])
        self.activities_of(batch, activities, account_id=account_id, contact_ids=contact_ids,
                           opportunity_ids=opportunity_ids)

    def planted_duplicate(self, batch, original, kind):
        """Another account for the company of ``original`` (an account row just generated), differing from it
        the way ``kind`` says, and marked in its description so that the benchmark can measure recall."""
        pick = self.pick
        account_id = self.take_id(Account)
        row = dict(zip(ACCOUNT_COLUMNS, original, strict=True))
        name, slug = self.company(account_id)
        website = f"https://www.{slug}{account_id}.example.ro"
        phone, phone_e164 = unique_phone(2, account_id, 7919)
        if kind == "name":
            # The same company written another way: capitals, no diacritics, the legal form with dots.
            words = row["name"].split()
            name = " ".join(words[:-1]).upper().translate(str.maketrans("ĂÂÎȘŞȚŢ", "AAISSTT")) + " S.R.L."
        elif kind == "website":
            website = row["website"].replace("https://www.", "http://") + "/contact"
        else:
            phone = "0" + row["phone_key"][3:]
            phone_e164 = row["phone_key"]
        city, county, postal_code, country = pick(CITIES)
        batch.rows[Account].append((
            account_id, name, f"ACC-{account_id:08d}", row["relationship_type"], row["industry"], phone,
            f"office@{slug}{account_id}.example.ro", website, f"{pick(STREETS)} {self.random.randrange(1, 200)}",
            city, county, postal_code, country, Decimal(self.random.randrange(10_000, 500_000_000)),
            pick(CURRENCIES), self.random.randrange(1, 5000), f"{PLANTED_MARK}{row['id']} ({kind})", None, None,
            "active", company_name_key(name), website_key(website), phone_e164, *self.audit(),
        ))

    def contact(self, batch, *, account_id):
        pick = self.pick
        contact_id = self.take_id(Contact)
        first, last, first_slug, last_slug = pick(self.people)
        city, county, postal_code, country = pick(CITIES)
        business, business_e164 = unique_phone(3, contact_id, 104729)
        mobile, mobile_e164 = unique_phone(7, contact_id, 130363)
        batch.rows[Contact].append((
            contact_id, first, last, pick(JOB_TITLES), account_id,
            f"{first_slug}.{last_slug}{contact_id}@example.com", business, mobile,
            pick(CONTACT_METHODS), "", "active" if self.random.random() < 0.95 else "inactive",
            f"{pick(STREETS)} {self.random.randrange(1, 200)}", city, county, postal_code, country,
            self.person_keys[(first, last)], business_e164, mobile_e164, *self.audit(),
        ))
        return contact_id

    def opportunity(self, batch, *, account_id, contact_id):
        pick = self.pick
        opportunity_id = self.take_id(Opportunity)
        state, reason = pick(OPPORTUNITY_OUTCOMES)
        estimated = Decimal(self.random.randrange(1000, 2_000_000))
        currency = pick(CURRENCIES)
        rate = self.rates[currency]
        closed = state != "open"
        probability = 100 if state == "won" else (0 if closed else pick([10, 25, 50, 75]))
        batch.rows[Opportunity].append((
            opportunity_id, f"{pick(TOPICS)} {opportunity_id}", account_id, contact_id, estimated, currency,
            pick(self.future_dates), probability,
            "close" if closed else pick(OPEN_STAGES), state, reason,
            estimated if state == "won" else None, pick(self.past_dates).isoformat() if closed else None,
            "", rate, to_base(estimated, rate), *self.audit(),
        ))
        return opportunity_id

    def invoice(self, batch, *, account_id, contact_id, opportunity_id):
        pick = self.pick
        invoice_id = self.take_id(Invoice)
        state, reason = pick(INVOICE_OUTCOMES)
        lines, (subtotal, discount_total, tax_total, total) = pick(self.invoice_templates)
        invoice_date = pick(self.past_dates)
        due_date = invoice_date + timedelta(days=pick([15, 30, 45, 60]))
        paid_date = (invoice_date + timedelta(days=self.random.randrange(0, 40))).isoformat()
        currency = pick(CURRENCIES)
        rate = self.rates[currency]
        batch.rows[Invoice].append((
            invoice_id, f"INV-{invoice_id:07d}", f"Factura {pick(LINE_ITEMS).lower()}", account_id, contact_id,
            opportunity_id, state, reason, invoice_date.isoformat(), due_date.isoformat(),
            paid_date if state == "paid" else None, currency,
            subtotal, discount_total, tax_total, total, rate, to_base(total, rate), "", *self.audit(),
        ))
        for position, description, quantity, unit_price, discount, tax_rate, base, tax, line_total in lines:
            batch.rows[InvoiceLine].append((
                self.take_id(InvoiceLine), invoice_id, position, description, quantity, unit_price, discount,
                tax_rate, base, tax, line_total,
            ))


def copy_value(value):
    if value is None:
        return "\\N"
    return str(value)


class Command(BaseCommand):
    help = "Fill the database with realistic generated accounts, contacts, opportunities, invoices and activities."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, required=True, help="How many accounts to add.")
        parser.add_argument(
            "--large", type=int, default=None,
            help="How many very large accounts among them (default: 3, or 0 under 1,000 accounts).",
        )
        parser.add_argument("--large-contacts", type=int, default=5000, help="Contacts of each large account.")
        parser.add_argument(
            "--large-deals", type=int, default=2000, help="Opportunities and invoices of each large account."
        )
        parser.add_argument("--activities", type=int, default=5, help="Activities of each account.")
        parser.add_argument("--large-activities", type=int, default=20000, help="Activities of each large account.")
        parser.add_argument(
            "--duplicates", type=int, default=None,
            help="Planted duplicate accounts among them, to measure the duplicate detection's recall "
            "(default: 3 per 1,000 accounts).",
        )
        parser.add_argument("--batch", type=int, default=5000, help="Accounts per transaction.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for repeatable data.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")
        parser.add_argument(
            "--defer-indexes",
            choices=["auto", "yes", "no"],
            default="auto",
            help=(
                "PostgreSQL: drop the non-unique indexes of the five tables while loading and build them again "
                "afterwards, two to three times faster; auto = yes when the tables start empty (a fresh "
                "benchmark database), since searches and sorts run without them meanwhile."
            ),
        )

    def handle(self, *args, **options):
        accounts = options["accounts"]
        large = options["large"] if options["large"] is not None else (3 if accounts >= 1000 else 0)
        if accounts < 1:
            raise CommandError("--accounts must be at least 1.")
        if not 0 <= large <= accounts:
            raise CommandError(f"--large must be between 0 and --accounts ({accounts}), not {large}.")
        if options["batch"] < 1 or options["large_contacts"] < 1 or options["large_deals"] < 0:
            raise CommandError("--batch and --large-contacts must be at least 1, --large-deals at least 0.")
        self.progress = not options["no_progress"]
        owners = self.owner_ids()
        if options["activities"] < 0 or options["large_activities"] < 0:
            raise CommandError("--activities and --large-activities must be at least 0.")
        planted = options["duplicates"] if options["duplicates"] is not None else accounts * 3 // 1000
        if not 0 <= planted <= accounts - large:
            raise CommandError(f"--duplicates must be between 0 and the regular accounts ({accounts - large}).")
        options["duplicates"] = planted
        plan = self.plan(accounts, large, options["large_contacts"], options["large_deals"], options)
        first_ids = self.reserve_ids(plan)
        generator = Generator(owners=owners, first_ids=first_ids, seed=options["seed"], rates=self.ensure_rates())

        started = time.monotonic()
        deferred = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Bulk loading: no per-statement limit, and no waiting on the WAL flush at each commit.
                cursor.execute("SET statement_timeout = 0")
                cursor.execute("SET synchronous_commit = off")
                cursor.execute("SET maintenance_work_mem = '256MB'")
            defer = options["defer_indexes"]
            if defer == "yes" or (defer == "auto" and not Account.objects.exists() and not Contact.objects.exists()):
                deferred = self.drop_secondary_indexes()
        try:
            self.load(generator, accounts, large, options, started)
        finally:
            if deferred:
                self.rebuild_indexes(deferred)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # VACUUM as well, as autovacuum does on a live database: it marks the pages all-visible,
                # so a deep list page reads its ids by an index-only scan (crm.pagination). VACUUM
                # cannot run inside a transaction (a test's).
                command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                for model, _ in TABLES:
                    cursor.execute(f"{command} {model._meta.db_table}")
        elapsed = time.monotonic() - started
        counts = {model._meta.verbose_name_plural: generator.next_id[model] - first_ids[model] for model, _ in TABLES}
        summary = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        self.stdout.write(f"Added {summary} in {elapsed:.1f} s.")

    def ensure_rates(self):
        """Give every currency the generated records use a plausible rate (the demo's), keeping any already set."""
        missing = set(CURRENCIES) - {base_currency()} - set(ExchangeRate.objects.values_list("currency", flat=True))
        rates = demo_rates(base_currency())
        ExchangeRate.objects.bulk_create([ExchangeRate(currency=code, rate=rates[code]) for code in sorted(missing)])
        return current_rates()

    def load(self, generator, accounts, large, options, started):
        done = 0
        standalone_left = accounts // 20
        planted, planted_left = 0, options["duplicates"]
        # Every step-th regular account gets a planted duplicate, by turns of each kind.
        step = max((accounts - large) // planted_left, 1) if planted_left else 0
        while done < accounts:
            size = min(options["batch"], accounts - done)
            batch = Batch()
            for number in range(done, done + size):
                is_large = number < large
                generator.account(
                    batch,
                    contacts=options["large_contacts"] if is_large else 3,
                    deals=options["large_deals"] if is_large else 1,
                    with_primary=number % 4 != 3,
                    activities=options["large_activities"] if is_large else options["activities"],
                )
                if planted_left and not is_large and (number - large) % step == step - 1:
                    generator.planted_duplicate(
                        batch, batch.rows[Account][-1], PLANTED_KINDS[planted % len(PLANTED_KINDS)]
                    )
                    planted, planted_left = planted + 1, planted_left - 1
            share = min(standalone_left, size // 20 + 1)
            for _ in range(share):
                generator.contact(batch, account_id=None)
            standalone_left -= share
            self.write(batch)
            done += size
            self.draw(done, accounts, started)

    def drop_secondary_indexes(self):
        """Drop the five tables' indexes that enforce nothing (not primary, not unique); return their definitions."""
        tables = [model._meta.db_table for model, _ in TABLES]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT index_class.relname, pg_get_indexdef(index.indexrelid)
                FROM pg_index index
                JOIN pg_class index_class ON index_class.oid = index.indexrelid
                JOIN pg_class table_class ON table_class.oid = index.indrelid
                WHERE table_class.relname = ANY(%s) AND NOT index.indisprimary AND NOT index.indisunique
                """,
                [tables],
            )
            definitions = cursor.fetchall()
            for name, _ in definitions:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        return definitions

    def rebuild_indexes(self, definitions):
        self.stderr.write(f"Building {len(definitions)} indexes...")
        with connection.cursor() as cursor:
            # Inside an outer transaction (tests), check the deferred foreign keys now: PostgreSQL
            # does not index a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _, definition in definitions:
                cursor.execute(definition)

    def owner_ids(self):
        """Active salespeople and managers own the records; ten scale users are made when there are none."""
        users = get_user_model().objects.filter(
            is_active=True, groups__name__in=[roles.SALESPERSON, roles.SALES_MANAGER]
        )
        ids = list(users.values_list("pk", flat=True).distinct())
        if ids:
            return ids
        group = Group.objects.get(name=roles.SALESPERSON)
        created = []
        for number in range(1, 11):
            user, was_created = get_user_model().objects.get_or_create(
                username=f"scale.seller{number:02d}", defaults={"first_name": "Scale", "last_name": f"Seller {number}"}
            )
            if was_created:
                # Owners only: nobody signs in as them until an administrator sets a password.
                user.set_unusable_password()
                user.save(update_fields=["password"])
            user.groups.add(group)
            created.append(user.pk)
        return created

    def plan(self, accounts, large, large_contacts, large_deals, options):
        """How many rows each table gets."""
        regular = accounts - large
        deals = regular + large * large_deals
        return {
            Account: accounts + options["duplicates"],
            Contact: regular * 3 + large * large_contacts + accounts // 20,
            Opportunity: deals,
            Invoice: deals,
            InvoiceLine: deals * 3,
            Activity: regular * options["activities"] + large * options["large_activities"],
        }

    def reserve_ids(self, plan):
        """Take a block of ids per table, so the rows can carry their keys (and point at each other)."""
        first = {}
        with connection.cursor() as cursor:
            for model, count in plan.items():
                table = model._meta.db_table
                if connection.vendor == "postgresql":
                    # One statement moves the sequence past the block; the block is ours alone.
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id'))"
                        " + %s - 1)",
                        [table, table, max(count, 1)],
                    )
                    first[model] = cursor.fetchone()[0] - max(count, 1) + 1
                else:
                    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                    first[model] = cursor.fetchone()[0] + 1
        return first

    def write(self, batch):
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Accounts name their primary contact before the contacts arrive: check at commit.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for model, columns in TABLES:
                rows = batch.rows[model]
                if not rows:
                    continue
                if connection.vendor == "postgresql":
                    self.copy(model, columns, rows)
                else:
                    model.objects.bulk_create(
                        (model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=500
                    )

    def copy(self, model, columns, rows):
        buffer = io.StringIO()
        buffer.writelines("\t".join(map(copy_value, row)) + "\n" for row in rows)
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", buffer
            )

    def draw(self, done, total, started):
        if not self.progress:
            return
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = done / elapsed
        width = 30
        filled = int(width * done / total)
        remaining = (total - done) / rate if rate else 0
        bar = "#" * filled + "." * (width - filled)
        end = "\n" if done == total else ""
        sys.stderr.write(f"\r[{bar}] {done:,}/{total:,} accounts  {rate:,.0f}/s  ETA {remaining:,.0f} s {end}")
        sys.stderr.flush()
