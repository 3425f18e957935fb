"""Demo users and demo data for a local development site, written through the services.

``build_plan`` turns a seed into a fixed list of records (plain data, no database);
``load_demo`` writes the records that are not there yet, each through its service,
so running it twice writes nothing the second time. Records are recognised by a
natural key: account name, contact full name, opportunity topic, invoice number.
"""

import random
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import product

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from accounts.services import account_create, account_set_status, account_update
from contacts.models import Contact, PreferredContactMethod
from contacts.services import contact_attach_to_account, contact_create, contact_set_status
from crm import roles
from crm.activities.models import Activity, ActivityKind, PartyRole
from crm.activities.services import activity_create, note_create
from crm.exchange_rates import exchange_rate_set
from crm.models import ExchangeRate, RecordStatus
from invoices.models import Invoice, InvoiceStatusReason
from invoices.services import invoice_cancel, invoice_create, invoice_mark_paid, invoice_number_for
from opportunities.models import Opportunity, OpportunityStatusReason, SalesStage
from opportunities.services import opportunity_close_as_lost, opportunity_close_as_won, opportunity_create

SEED = 2026
CENT = Decimal("0.01")


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str
    is_staff: bool = False


DEMO_USERS = [
    DemoUser("ana", "ana-demo-2026", roles.SALESPERSON, "Ana", "Popescu"),
    DemoUser("dan", "dan-demo-2026", roles.SALESPERSON, "Dan", "Ionescu"),
    DemoUser("maria", "maria-demo-2026", roles.SALES_MANAGER, "Maria", "Stănescu"),
    DemoUser("admin", "admin-demo-2026", roles.SYSTEM_ADMINISTRATOR, "Administrator", "Sistem", is_staff=True),
]

# name, industry, relationship type, city, county, country, parent account name
ACCOUNTS = [
    ("Grupul Carpați Holding SA", "consulting", "customer", "București", "București", "România", None),
    ("Carpați Logistică SRL", "transport", "customer", "Brașov", "Brașov", "România", "Grupul Carpați Holding SA"),
    ("Carpați Retail SRL", "retail", "customer", "Sibiu", "Sibiu", "România", "Grupul Carpați Holding SA"),
    ("Oțelăria Reșița SA", "manufacturing", "customer", "Reșița", "Caraș-Severin", "România", None),
    ("Vinăria Dealu Mare SRL", "food", "prospect", "Urlați", "Prahova", "România", None),
    ("Brutăria Țărănească SRL", "food", "customer", "Iași", "Iași", "România", None),
    ("Tehnologii Avansate Timișoara SA", "software", "partner", "Timișoara", "Timiș", "România", None),
    ("Clinica Sănătatea Ta SRL", "healthcare", "customer", "Cluj-Napoca", "Cluj", "România", None),
    ("Asociația Școala Digitală", "education", "prospect", "Cluj-Napoca", "Cluj", "România", None),
    ("Energia Verde Dobrogea SA", "energy", "customer", "Constanța", "Constanța", "România", None),
    ("Energia Verde Solar SRL", "energy", "customer", "Medgidia", "Constanța", "România", "Energia Verde Dobrogea SA"),
    ("Construcții Mureș SRL", "construction", "customer", "Târgu Mureș", "Mureș", "România", None),
    ("Construcții Mureș Instalații SRL", "construction", "customer", "Reghin", "Mureș", "România",
     "Construcții Mureș SRL"),
    ("Agroferma Bărăgan SRL", "agriculture", "prospect", "Slobozia", "Ialomița", "România", None),
    ("Hotel Cetățuia SRL", "hospitality", "customer", "Cluj-Napoca", "Cluj", "România", None),
    ("Hotel Cetățuia Brașov SRL", "hospitality", "customer", "Brașov", "Brașov", "România", "Hotel Cetățuia SRL"),
    ("Asigurări Moldova SA", "insurance", "customer", "Iași", "Iași", "România", None),
    ("Banca Transilvăneană de Credit SA", "banking", "prospect", "Cluj-Napoca", "Cluj", "România", None),
    ("Radio Târgoviște Media SRL", "media", "other", "Târgoviște", "Dâmbovița", "România", None),
    ("Imobiliare Herăstrău SRL", "real_estate", "prospect", "București", "București", "România", None),
    ("Telecom Ardeal SA", "telecom", "competitor", "Alba Iulia", "Alba", "România", None),
    ("Contabilitate Exactă SRL", "accounting", "vendor", "Craiova", "Dolj", "România", None),
    ("Primăria Comunei Sâncraiu", "public", "customer", "Sâncraiu", "Cluj", "România", None),
    ("Auto Piese Argeș SRL", "automotive", "customer", "Pitești", "Argeș", "România", None),
    ("Mobilă Bucovina SRL", "manufacturing", "customer", "Suceava", "Suceava", "România", None),
    ("Farmacia Nădejdea SRL", "healthcare", "customer", "Oradea", "Bihor", "România", None),
    ("Transport Feroviar Dunărea SA", "transport", "partner", "Galați", "Galați", "România", None),
    ("Lactate Câmpulung SRL", "food", "customer", "Câmpulung Moldovenesc", "Suceava", "România", None),
    ("Învățare Online Brăila SRL", "education", "prospect", "Brăila", "Brăila", "România", None),
    ("Consultanță Strategică Bălcescu SRL", "consulting", "partner", "București", "București", "România", None),
    ("Nordwind Logistics GmbH", "transport", "customer", "Hamburg", "Hamburg", "Germany", None),
    ("Nordwind România SRL", "transport", "customer", "Arad", "Arad", "România", "Nordwind Logistics GmbH"),
    ("Lumière Conseil SARL", "consulting", "partner", "Lyon", "Auvergne-Rhône-Alpes", "France", None),
    ("Baltic Timber AB", "manufacturing", "vendor", "Göteborg", "Västra Götaland", "Sweden", None),
    ("Thames Analytics Ltd", "software", "competitor", "London", "Greater London", "United Kingdom", None),
    ("Müller & Söhne Maschinenbau AG", "manufacturing", "customer", "Stuttgart", "Baden-Württemberg", "Germany",
     None),
    ("Alpenhof Hotels AG", "hospitality", "prospect", "Zürich", "Zürich", "Switzerland", None),
    ("Danube Shipping Kft.", "transport", "customer", "Budapest", "Budapest", "Hungary", None),
    ("Kraków Software Sp. z o.o.", "software", "partner", "Kraków", "Małopolskie", "Poland", None),
    ("Pivovar Praha s.r.o.", "food", "prospect", "Praha", "Praha", "Czech Republic", None),
    ("Agro Chișinău SRL", "agriculture", "customer", "Chișinău", "Chișinău", "Republic of Moldova", None),
    ("Atlantic Health Inc.", "healthcare", "prospect", "Boston", "Massachusetts", "United States", None),
    ("Sofia Telecom EAD", "telecom", "competitor", "Sofia", "Sofia", "Bulgaria", None),
    ("Maple Energy Corp.", "energy", "vendor", "Toronto", "Ontario", "Canada", None),
    ("Fjord Seafood AS", "food", "customer", "Bergen", "Vestland", "Norway", None),
    ("Sakura Components K.K.", "automotive", "vendor", "Nagoya", "Aichi", "Japan", None),
]

# country: currency, phone prefix, web domain, first names, last names, job titles
RO_FIRST = [
    "Andrei", "Ioana", "Mihai", "Ștefan", "Bogdan", "Cătălina", "Mădălina", "Răzvan", "Andreea", "Irina",
    "Cosmin", "Florin", "Alexandra", "Ionuț", "Gheorghe", "Nicoleta", "Sorina", "Tudor", "Vlad", "Oana",
    "Raluca", "Corina", "Dănuț", "Ileana", "Adrian", "Roxana", "Cristian", "Simona", "Sînziana", "Teodor",
]
RO_LAST = [
    "Popescu", "Ionescu", "Dumitrescu", "Stănescu", "Țurcanu", "Mureșan", "Bălan", "Năstase", "Păun",
    "Costache", "Rădulescu", "Constantinescu", "Șerban", "Tănase", "Munteanu", "Ilie", "Lungu", "Dobre",
    "Marinescu", "Câmpeanu", "Vâlcu", "Bîrsan", "Sârbu", "Neagu", "Ursu", "Țîrlea", "Oprea", "Moraru",
]
RO_TITLES = [
    "Director general", "Director financiar", "Manager achiziții", "Șef departament IT", "Contabil-șef",
    "Director operațiuni", "Specialist achiziții", "Director comercial", "Manager logistică",
]
EN_TITLES = [
    "Chief Executive Officer", "Chief Financial Officer", "Head of Procurement", "IT Manager",
    "Operations Director", "Purchasing Specialist", "Sales Director", "Logistics Manager",
]
COUNTRIES = {
    "România": ("RON", "+40", "ro", RO_FIRST, RO_LAST, RO_TITLES),
    "Republic of Moldova": ("MDL", "+373", "md", RO_FIRST, RO_LAST, RO_TITLES),
    "Germany": ("EUR", "+49", "de", ["Anna", "Lukas", "Jonas", "Sophie", "Felix", "Lena", "Jürgen"],
                ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Größer"], EN_TITLES),
    "Switzerland": ("CHF", "+41", "ch", ["Anna", "Lukas", "Noah", "Mia", "Luca", "Lea"],
                    ["Meier", "Keller", "Brunner", "Baumann", "Zürcher", "Frei"], EN_TITLES),
    "France": ("EUR", "+33", "fr", ["Camille", "Louis", "Chloé", "Hugo", "Léa", "Théo"],
               ["Dupont", "Lefèvre", "Moreau", "Girard", "Rousseau", "Bernard"], EN_TITLES),
    "Sweden": ("SEK", "+46", "se", ["Erik", "Astrid", "Lars", "Ingrid", "Måns"],
               ["Andersson", "Johansson", "Lindqvist", "Nyström", "Åberg"], EN_TITLES),
    "United Kingdom": ("GBP", "+44", "co.uk", ["Oliver", "Emily", "James", "Charlotte", "Harry"],
                       ["Smith", "Taylor", "Brown", "Wilson", "Clarke"], EN_TITLES),
    "United States": ("USD", "+1", "com", ["Michael", "Sarah", "David", "Jennifer", "Chris"],
                      ["Johnson", "Williams", "Miller", "Davis", "Garcia"], EN_TITLES),
    "Canada": ("CAD", "+1", "ca", ["Liam", "Olivia", "Noah", "Emma", "Ethan"],
               ["Tremblay", "Roy", "Gagnon", "Côté", "MacDonald"], EN_TITLES),
    "Hungary": ("HUF", "+36", "hu", ["Bence", "Réka", "Zsófia", "Ádám", "Gábor"],
                ["Nagy", "Kovács", "Tóth", "Szabó", "Horváth"], EN_TITLES),
    "Poland": ("PLN", "+48", "pl", ["Piotr", "Agnieszka", "Łukasz", "Małgorzata", "Tomasz"],
               ["Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Zieliński"], EN_TITLES),
    "Czech Republic": ("CZK", "+420", "cz", ["Jiří", "Petra", "Tomáš", "Lucie", "Jan"],
                       ["Novák", "Svoboda", "Dvořák", "Černý", "Procházka"], EN_TITLES),
    "Bulgaria": ("BGN", "+359", "bg", ["Georgi", "Elena", "Ivan", "Desislava", "Nikolay"],
                 ["Petrov", "Ivanov", "Dimitrov", "Georgiev", "Stoyanov"], EN_TITLES),
    "Norway": ("NOK", "+47", "no", ["Ola", "Kari", "Henrik", "Ingrid", "Sindre"],
               ["Hansen", "Johansen", "Olsen", "Berg", "Sæther"], EN_TITLES),
    "Japan": ("JPY", "+81", "jp", ["Haruto", "Yui", "Sota", "Aoi", "Ren"],
              ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe"], EN_TITLES),
}
RO_CITIES = [
    ("București", "București"), ("Cluj-Napoca", "Cluj"), ("Iași", "Iași"), ("Timișoara", "Timiș"),
    ("Constanța", "Constanța"), ("Brașov", "Brașov"), ("Craiova", "Dolj"), ("Sibiu", "Sibiu"),
]
RO_STREETS = [
    "Strada Mihai Eminescu", "Bulevardul Ștefan cel Mare", "Calea Victoriei", "Strada Avram Iancu",
    "Bulevardul Unirii", "Strada Tudor Vladimirescu", "Strada Republicii", "Calea Mărășești",
]
RO_TOPICS = [
    "Licențe ERP", "Flotă de autoutilitare", "Implementare CRM", "Contract de mentenanță anual",
    "Echipamente de producție", "Servicii de consultanță fiscală", "Extindere rețea de depozite",
    "Audit energetic", "Modernizare linie de ambalare", "Program de instruire vânzări",
    "Migrare în cloud", "Panouri fotovoltaice",
]
EN_TOPICS = [
    "ERP licences", "Annual maintenance contract", "Warehouse automation", "Fleet telematics",
    "Cloud migration", "Sales training programme", "Packaging line upgrade", "Energy audit",
]
# description, unit price, (min, max) quantity
RO_LINES = [
    ("Licență software anuală", Decimal("1200.00"), (1, 25)),
    ("Ore de consultanță", Decimal("350.00"), (4, 40)),
    ("Abonament suport tehnic lunar", Decimal("499.90"), (1, 12)),
    ("Instruire utilizatori (zi)", Decimal("2500.00"), (1, 5)),
    ("Echipament hardware", Decimal("5399.99"), (1, 6)),
    ("Transport marfă (km)", Decimal("4.75"), (120, 900)),
]
EN_LINES = [
    ("Annual software licence", Decimal("260.00"), (1, 25)),
    ("Consulting hours", Decimal("95.00"), (4, 40)),
    ("Monthly support subscription", Decimal("110.00"), (1, 12)),
    ("User training (day)", Decimal("650.00"), (1, 5)),
    ("Hardware appliance", Decimal("1180.50"), (1, 6)),
]
# Romanian VAT: standard and reduced rates; foreign customers are invoiced without VAT.
RO_TAX_RATES = [Decimal("21.00"), Decimal("21.00"), Decimal("11.00")]
# Amounts in the demo are given in RON and scaled to the record's currency.
RON_PER_UNIT = {
    "RON": Decimal("1"), "EUR": Decimal("5"), "USD": Decimal("4.5"), "GBP": Decimal("6"), "CHF": Decimal("5.3"),
    "HUF": Decimal("0.0125"), "PLN": Decimal("1.17"), "CZK": Decimal("0.2"), "BGN": Decimal("2.55"),
    "MDL": Decimal("0.26"), "SEK": Decimal("0.44"), "NOK": Decimal("0.43"), "JPY": Decimal("0.03"),
    "CAD": Decimal("3.3"),
}
# The exchange rates the demo sets, as the National Bank of Romania published them (RON per unit, four places).
DEMO_RATES = {
    "EUR": Decimal("5.0900"), "USD": Decimal("4.4000"), "GBP": Decimal("5.8500"), "CHF": Decimal("5.4500"),
    "HUF": Decimal("0.0131"), "PLN": Decimal("1.2000"), "CZK": Decimal("0.2050"), "BGN": Decimal("2.6025"),
    "MDL": Decimal("0.2600"), "SEK": Decimal("0.4650"), "DKK": Decimal("0.6820"), "NOK": Decimal("0.4350"),
    "JPY": Decimal("0.0290"), "CNY": Decimal("0.6100"), "CAD": Decimal("3.1800"), "AUD": Decimal("2.8700"),
}


@dataclass
class Plan:
    accounts: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    opportunities: list = field(default_factory=list)
    invoices: list = field(default_factory=list)


def ascii_slug(text, sep="-"):
    """Lower-case ASCII of ``text`` with runs of other characters turned into ``sep``."""
    text = text.replace("ß", "ss").replace("ł", "l").replace("Ł", "L").replace("æ", "ae").replace("ø", "o")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(ch if ch.isalnum() else " " for ch in plain).split()
    return sep.join(words)


def _money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _in_currency(ron_amount, currency):
    return _money(Decimal(ron_amount) / RON_PER_UNIT[currency])


def _phone(rng, prefix):
    return f"{prefix} {rng.randint(200, 799)} {rng.randint(100, 999)} {rng.randint(100, 999)}"


def build_plan(*, today: date, seed: int = SEED) -> Plan:
    """The demo records as plain dicts: the same seed and day always give the same plan."""
    rng = random.Random(seed)
    plan = Plan()
    sales_owners = ["ana", "dan", "maria", "ana", "dan"]
    names_taken = set()

    def person(country):
        first_names, last_names = COUNTRIES[country][3], COUNTRIES[country][4]
        while True:
            name = (rng.choice(first_names), rng.choice(last_names))
            if name not in names_taken:
                names_taken.add(name)
                return name

    for index, (name, industry, relationship, city, county, country, parent) in enumerate(ACCOUNTS, start=1):
        currency, prefix, tld, _first, _last, _titles = COUNTRIES[country]
        domain = f"{ascii_slug(name.rsplit(' ', 1)[0], sep='')[:24]}.{tld}"
        owner = "admin" if index % 15 == 0 else sales_owners[index % len(sales_owners)]
        plan.accounts.append(
            {
                "key": name,
                "owner": owner,
                "inactive": index in (19, 44),
                "parent": parent,
                "fields": {
                    "name": name,
                    # Some accounts have no number: blank is allowed many times.
                    "account_number": "" if index % 7 == 0 else f"ACC-{1000 + index}",
                    "relationship_type": relationship,
                    "industry": industry,
                    "main_phone": _phone(rng, prefix),
                    "email": f"office@{domain}",
                    "website": f"https://www.{domain}",
                    "street": f"{rng.choice(RO_STREETS)} {rng.randint(1, 180)}" if country == "România" else "",
                    "city": city,
                    "county": county,
                    "postal_code": f"{rng.randint(100000, 999999)}" if country == "România" else "",
                    "country": country,
                    "annual_revenue": _in_currency(rng.randint(2, 900) * 100_000, currency),
                    "currency": currency,
                    "number_of_employees": rng.choice([8, 25, 60, 140, 320, 750, 1800, 4200]),
                    "description": "",
                },
            }
        )
        count = rng.randint(2, 4)
        for position in range(count):
            first, last = person(country)
            titles = COUNTRIES[country][5]
            email_user = f"{ascii_slug(first, sep='')}.{ascii_slug(last, sep='')}"
            plan.contacts.append(
                {
                    "key": (first, last),
                    "owner": owner if rng.random() < 0.7 else rng.choice(sales_owners),
                    "account": name,
                    # Half join at creation, half through "Add Existing Contact".
                    "attach_later": position % 2 == 1,
                    "primary": position == 0 and index % 6 != 0,
                    "inactive": rng.random() < 0.04,
                    "fields": {
                        "first_name": first,
                        "last_name": last,
                        "job_title": titles[(index + position) % len(titles)],
                        "email": "" if rng.random() < 0.08 else f"{email_user}@{domain}",
                        "business_phone": _phone(rng, prefix),
                        "mobile_phone": _phone(rng, prefix) if rng.random() < 0.7 else "",
                        "preferred_contact_method": rng.choice(PreferredContactMethod.values),
                        "city": city,
                        "county": county,
                        "country": country,
                    },
                }
            )
    free_count = max(20, 155 - len(plan.contacts))
    for _index in range(free_count):
        first, last = person("România")
        city, county = rng.choice(RO_CITIES)
        plan.contacts.append(
            {
                "key": (first, last),
                "owner": rng.choice(sales_owners),
                "account": None,
                "attach_later": False,
                "primary": False,
                "inactive": False,
                "fields": {
                    "first_name": first,
                    "last_name": last,
                    "job_title": rng.choice(["Consultant independent", "Persoană fizică autorizată", ""]),
                    "email": f"{ascii_slug(first, sep='')}.{ascii_slug(last, sep='')}@exemplu.ro",
                    "business_phone": "",
                    "mobile_phone": _phone(rng, "+40"),
                    "preferred_contact_method": rng.choice(PreferredContactMethod.values),
                    "street": f"{rng.choice(RO_STREETS)} {rng.randint(1, 180)}",
                    "city": city,
                    "county": county,
                    "country": "România",
                },
            }
        )

    _plan_opportunities(plan, rng, today)
    _plan_invoices(plan, rng, today)
    return plan


def _plan_opportunities(plan, rng, today):
    contacts_of = {}
    for contact in plan.contacts:
        contacts_of.setdefault(contact["account"], []).append(contact)
    free_contacts = contacts_of[None]
    outcomes = ["in_progress", "in_progress", "on_hold", "won", "canceled", "out_sold"]
    probability = {"qualify": 10, "develop": 40, "propose": 60, "close": 80}
    topics = set()
    # Every sales stage meets every outcome, three times over.
    scenarios = list(product(SalesStage.values, outcomes)) * 3
    for number, (stage, outcome) in enumerate(scenarios):
        fields = {"sales_stage": stage, "probability": probability[stage]}
        if number % 8 == 5:
            contact = free_contacts[number % len(free_contacts)]
            account = None
            currency, label, owner, english = "RON", contact["fields"]["last_name"], contact["owner"], False
        else:
            account = plan.accounts[(number * 7) % len(plan.accounts)]
            members = contacts_of.get(account["key"], [])
            contact = members[number % len(members)] if members and number % 3 else None
            currency = account["fields"]["currency"]
            label = account["key"].split(" ")[0] + " " + account["key"].split(" ")[1]
            owner = account["owner"] if number % 4 else rng.choice(["ana", "dan", "maria"])
            english = account["fields"]["country"] not in ("România", "Republic of Moldova")
        base = rng.choice(EN_TOPICS if english else RO_TOPICS)
        topic = f"{base} – {label}"
        suffix = 2
        while topic in topics:
            topic = f"{base} – {label} ({suffix})"
            suffix += 1
        topics.add(topic)
        estimated = _in_currency(rng.randint(5, 400) * 1000, currency)
        # A contact that has an account is given alone now and then: the service fills in the account.
        give_account = account is not None and (contact is None or number % 5 != 0)
        plan.opportunities.append(
            {
                "key": topic,
                "owner": owner,
                "account": account["key"] if give_account else None,
                "contact": contact["key"] if contact else None,
                "outcome": outcome,
                "close_date": today - timedelta(days=rng.randint(1, 150)),
                "actual_revenue": _money(estimated * Decimal(rng.randint(80, 110)) / 100),
                "fields": {
                    "topic": topic,
                    "estimated_revenue": estimated,
                    "currency": currency,
                    "estimated_close_date": today + timedelta(days=rng.randint(-30, 150)),
                    "status_reason": outcome if outcome in ("in_progress", "on_hold") else "in_progress",
                    "description": "",
                    **fields,
                },
            }
        )


def _plan_invoices(plan, rng, today):
    won = [item for item in plan.opportunities if item["outcome"] == "won"]
    contacts_by_key = {item["key"]: item for item in plan.contacts}
    free_contacts = [item for item in plan.contacts if item["account"] is None]
    scenarios = ["new", "billed", "overdue_new", "overdue_billed", "complete", "partial", "canceled"] * 8
    for number, scenario in enumerate(scenarios, start=1):
        invoice_number = invoice_number_for(number)
        if number % 9 == 4:
            contact = free_contacts[(number * 3) % len(free_contacts)]
            customer = {"contact": contact["key"], "account": None, "opportunity": None}
            currency, owner, label = "RON", contact["owner"], contact["fields"]["last_name"]
            english = False
        elif number % 3 == 0 and won:
            opportunity = won[number % len(won)]
            account_key = opportunity["account"] or (
                contacts_by_key[opportunity["contact"]]["account"] if opportunity["contact"] else None
            )
            customer = {"contact": None, "account": None, "opportunity": opportunity["key"]}
            currency, owner = opportunity["fields"]["currency"], opportunity["owner"]
            label = opportunity["key"].split(" – ")[-1]
            english = account_key is not None and _is_foreign(plan, account_key)
        else:
            account = plan.accounts[(number * 11) % len(plan.accounts)]
            customer = {"contact": None, "account": account["key"], "opportunity": None}
            currency, owner = account["fields"]["currency"], account["owner"]
            label = account["key"]
            english = _is_foreign(plan, account["key"])
        if scenario.startswith("overdue"):
            invoice_date = today - timedelta(days=rng.randint(45, 160))
        elif scenario in ("new", "billed"):
            invoice_date = today - timedelta(days=rng.randint(0, 20))
        else:
            invoice_date = today - timedelta(days=rng.randint(10, 200))
        due_date = invoice_date + timedelta(days=rng.choice([15, 30, 30, 45]))
        catalogue = EN_LINES if english else RO_LINES
        lines = []
        for description, ron_price, (low, high) in rng.sample(catalogue, rng.randint(1, 4)):
            quantity = Decimal(rng.randint(low, high))
            unit_price = ron_price if currency == "RON" else _in_currency(ron_price, currency)
            base = _money(quantity * unit_price)
            discount = _money(base * Decimal(rng.choice([0, 0, 5, 10])) / 100)
            tax_rate = Decimal("0.00") if english else rng.choice(RO_TAX_RATES)
            lines.append(
                {"description": description, "quantity": quantity, "unit_price": unit_price, "discount": discount,
                 "tax_rate": tax_rate}
            )
        plan.invoices.append(
            {
                "key": invoice_number,
                "owner": owner,
                "scenario": scenario,
                "paid_date": min(today, due_date - timedelta(days=rng.randint(0, 10))),
                "lines": lines,
                **customer,
                "fields": {
                    "invoice_number": invoice_number,
                    "name": f"{lines[0]['description']} – {label}",
                    "invoice_date": invoice_date,
                    "due_date": due_date,
                    "currency": currency,
                    "status_reason": InvoiceStatusReason.BILLED if "billed" in scenario else InvoiceStatusReason.NEW,
                },
            }
        )


def _is_foreign(plan, account_key):
    country = next(item["fields"]["country"] for item in plan.accounts if item["key"] == account_key)
    return country not in ("România", "Republic of Moldova")


def ensure_demo_users():
    """Create the demo users (or put them back as described), one per role; return them by user name."""
    User = get_user_model()
    users = {}
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@demo.crm.example",
                "is_staff": demo.is_staff,
                "is_superuser": demo.is_staff,
            },
        )
        changed = created
        # The printed passwords must work, so a changed one is put back.
        if created or not user.check_password(demo.password):
            user.set_password(demo.password)
            changed = True
        if not user.is_active or user.is_staff != demo.is_staff:
            user.is_active, user.is_staff, user.is_superuser = True, demo.is_staff, demo.is_staff
            changed = True
        if changed:
            user.save()
        user.groups.set([Group.objects.get(name=demo.role)])
        users[demo.username] = user
    return users


@transaction.atomic
def demo_users_retire(*, set_passwords: bool = False) -> dict[str, str | None]:
    """Deactivate each active demo user still on its published password, or give it a random password.

    Returns the user names acted on, each with its new password (None when deactivated). A demo
    user whose password was changed already is a real account now and is left alone.
    """
    published = {demo.username: demo.password for demo in DEMO_USERS}
    users = get_user_model()._default_manager.select_for_update().filter(username__in=published, is_active=True)
    retired = {}
    for user in users.order_by("username"):
        if not user.check_password(published[user.username]):
            continue
        if set_passwords:
            password = secrets.token_urlsafe(15)
            user.set_password(password)
            user.save(update_fields=["password"])
            retired[user.username] = password
        else:
            user.is_active = False
            user.save(update_fields=["is_active"])
            retired[user.username] = None
    return retired


@dataclass
class LoadResult:
    created: dict
    totals: dict


def demo_rates(base: str) -> dict[str, Decimal]:
    """DEMO_RATES (RON per unit) as rates to ``base``, for every currency but ``base``."""
    in_ron = {"RON": Decimal("1"), **DEMO_RATES}
    return {
        currency: (rate / in_ron[base]).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        for currency, rate in in_ron.items()
        if currency != base
    }


def _ensure_rates(users):
    # Before the records, so that their amounts are stored in base too; a rate an administrator set is kept.
    administrator = next(users[demo.username] for demo in DEMO_USERS if demo.role == roles.SYSTEM_ADMINISTRATOR)
    existing = set(ExchangeRate.objects.values_list("currency", flat=True))
    for currency, rate in demo_rates(settings.CRM_BASE_CURRENCY).items():
        if currency not in existing:
            exchange_rate_set(currency=currency, rate=rate, actor=administrator)


@transaction.atomic
def load_demo(*, today: date | None = None) -> LoadResult:
    """Write the demo users and whichever demo records are missing, all through the services."""
    today = today or timezone.localdate()
    users = ensure_demo_users()
    _ensure_rates(users)
    plan = build_plan(today=today)
    created = {"accounts": 0, "contacts": 0, "opportunities": 0, "invoices": 0}

    accounts = {a.name: a for a in Account.objects.filter(name__in=[item["key"] for item in plan.accounts])}
    for item in plan.accounts:  # parents come before their children in ACCOUNTS
        if item["key"] in accounts:
            continue
        owner = users[item["owner"]]
        parent = accounts[item["parent"]] if item["parent"] else None
        account = account_create(actor=owner, owner=owner, parent_account=parent, **item["fields"])
        if item["inactive"]:
            account_set_status(account=account, status=RecordStatus.INACTIVE, actor=owner)
        accounts[item["key"]] = account
        created["accounts"] += 1

    last_names = {item["key"][1] for item in plan.contacts}
    contacts = {(c.first_name, c.last_name): c for c in Contact.objects.filter(last_name__in=last_names)}
    for item in plan.contacts:
        if item["key"] in contacts:
            continue
        owner = users[item["owner"]]
        account = accounts[item["account"]] if item["account"] else None
        if item["attach_later"]:
            contact = contact_create(actor=owner, owner=owner, **item["fields"])
            contact_attach_to_account(contact=contact, account=account, actor=owner)
        else:
            contact = contact_create(actor=owner, owner=owner, account=account, **item["fields"])
        if item["primary"]:
            account_update(account=account, actor=account.owner, primary_contact=contact)
        if item["inactive"]:
            contact_set_status(contact=contact, status=RecordStatus.INACTIVE, actor=owner)
        contacts[item["key"]] = contact
        created["contacts"] += 1

    opportunities = {o.topic: o for o in Opportunity.objects.filter(topic__in=[i["key"] for i in plan.opportunities])}
    for item in plan.opportunities:
        if item["key"] in opportunities:
            continue
        owner = users[item["owner"]]
        opportunity = opportunity_create(
            actor=owner,
            owner=owner,
            account=accounts[item["account"]] if item["account"] else None,
            contact=contacts[item["contact"]] if item["contact"] else None,
            **item["fields"],
        )
        outcome = item["outcome"]
        if outcome == OpportunityStatusReason.WON:
            opportunity = opportunity_close_as_won(
                opportunity=opportunity, actual_revenue=item["actual_revenue"], close_date=item["close_date"],
                actor=owner,
            )
        elif outcome in (OpportunityStatusReason.CANCELED, OpportunityStatusReason.OUT_SOLD):
            opportunity = opportunity_close_as_lost(
                opportunity=opportunity, status_reason=outcome, close_date=item["close_date"], actor=owner
            )
        opportunities[item["key"]] = opportunity
        created["opportunities"] += 1

    existing_numbers = set(
        Invoice.objects.filter(invoice_number__in=[i["key"] for i in plan.invoices]).values_list(
            "invoice_number", flat=True
        )
    )
    for item in plan.invoices:
        if item["key"] in existing_numbers:
            continue
        owner = users[item["owner"]]
        invoice = invoice_create(
            actor=owner,
            owner=owner,
            account=accounts[item["account"]] if item["account"] else None,
            contact=contacts[item["contact"]] if item["contact"] else None,
            opportunity=opportunities[item["opportunity"]] if item["opportunity"] else None,
            lines=item["lines"],
            **item["fields"],
        )
        if item["scenario"] in ("complete", "partial"):
            invoice_mark_paid(
                invoice=invoice, actor=owner, paid_date=item["paid_date"], partial=item["scenario"] == "partial"
            )
        elif item["scenario"] == "canceled":
            invoice_cancel(invoice=invoice, actor=owner)
        created["invoices"] += 1

    created["activities"] = _load_demo_activities(accounts.values())

    totals = {
        "accounts": Account.objects.count(),
        "contacts": Contact.objects.count(),
        "opportunities": Opportunity.objects.count(),
        "invoices": Invoice.objects.count(),
        "activities": Activity.objects.count(),
    }
    return LoadResult(created=created, totals=totals)


# How many demo accounts get a Timeline of their own (the first ones, by name).
DEMO_TIMELINES = 8


def _load_demo_activities(accounts) -> int:
    """A few activities on the first demo accounts, through the activity services: a note, a task due tomorrow,
    an overdue one, a logged email to the account's primary contact and an appointment next week with it and
    the owner as attendees. An account that has activities already is left as it is."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    chosen = sorted(accounts, key=lambda account: account.name)[:DEMO_TIMELINES]
    have = set(Activity.objects.filter(account__in=chosen).values_list("account_id", flat=True))
    count = 0
    for account in chosen:
        if account.pk in have:
            continue
        owner = account.owner
        contact = account.primary_contact or account.contacts.order_by("pk").first()
        people = [(str(contact), contact.email)] if contact is not None and contact.email else []
        me = [(owner.get_full_name(), owner.email)] if owner.email else []
        note_create(regarding=account, actor=owner,
                    text=f"Discuție cu {contact or 'clientul'}: vor o ofertă pentru anul viitor.\n\n"
                         "- 25 de utilizatori\n- instruire la sediu\n\nDetalii: https://www.example.ro/oferta")
        activity_create(kind=ActivityKind.TASK, regarding=account, actor=owner, subject="Trimite oferta",
                        due_at=now + timedelta(days=1), priority="high")
        activity_create(kind=ActivityKind.TASK, regarding=account, actor=owner, subject="Sună pentru confirmare",
                        due_at=now - timedelta(days=2))
        activity_create(kind=ActivityKind.EMAIL, regarding=account, actor=owner, subject="Oferta noastră",
                        direction="outgoing", description="Bună ziua,\n\nVă trimit oferta discutată.",
                        due_at=now - timedelta(days=3), parties={PartyRole.SENDER: me, PartyRole.TO: people})
        activity_create(kind=ActivityKind.APPOINTMENT, regarding=account, actor=owner, subject="Prezentare produs",
                        due_at=now + timedelta(days=7), ends_at=now + timedelta(days=7, hours=1),
                        location=account.city or "", parties={PartyRole.ATTENDEE: people + me})
        count += 5
    return count
