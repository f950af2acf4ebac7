"""Condition sheets: a customer's prices and terms priced by the engine, frozen, printed,
filed and reprinted.

``build_sheet`` turns the store into a frozen ``ConditionSheet`` (domain/condition_sheet.py):

* Articles: every active article with a released base price (condition type PRICE) valid
  on the day for this customer: a customer price (customer + article), a price of the
  customer's price group (price group + article) or a list price (article). Found with one
  SQL query over condition_record, then each is priced by the engine
  (services/pricing.price_line) with ONE ``ConditionBook``, so the customer's records are
  read once.
* Quantity: each article is priced at its pack size (1 where it has none). A pack is the
  smallest quantity the customer can order, so that is the price they actually pay for
  the smallest order, and a scale that starts at the pack size is already in it. The net
  price is the engine's net value at that quantity divided by it, printed with as many
  places as the base price has (at least the currency's, at most four; half-up): a pack
  of 12 at 121.38 prints 10.12 a pair, a cable tie listed at 0.0345 prints 0.0345.
* Turnover bonus: paid afterwards on the period's turnover, so it is printed in the terms
  with its tiers and never deducted from a unit price (a bonus tier from 0 would
  otherwise be in every price and in the terms twice). Cash discount is in the terms too.
* ``list_price`` is the base price (before line discounts), ``discount_text`` the applied
  line conditions with their rates and stacking in the sheet's language
  ("−10 % + −5 % (kaskadierend)"), ``scales`` the net unit price at each quantity threshold
  of the scales that matter for the line (the engine is run at each threshold).
* ``valid_to`` is the earliest end of any record used, or the day before a released
  record starts that would take a line over (a successor price, a customer price to
  come); ``None``: until further notice.
* Terms, units, group headings and notes are written in the sheet's language (de, en, fr:
  the languages the report has labels for). They are texts of the customer's document,
  not UI strings, hence the tables here and not gettext (which has no French catalogue).

``issue_sheet`` numbers (KS-000001), builds, renders, files the PDF on the customer and
writes the snapshot in one transaction; ``reprint_sheet`` renders the snapshot again, the
same bytes as the filed PDF whatever changed since.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import BinaryIO

from babel.core import Locale
from babel.numbers import format_currency, format_decimal
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from salesdesk.domain.condition_sheet import (
    ConditionSheet,
    SheetCompany,
    SheetCustomer,
    SheetLine,
    SheetTerms,
)
from salesdesk.domain.errors import DomainError, NotFound
from salesdesk.domain.money import minor_unit, round_money
from salesdesk.domain.postal import format_postal_address
from salesdesk.domain.pricing import (
    INCOTERMS_2020,
    UNIT_PLACES,
    Calculation,
    ConditionType,
    PriceResult,
    ScaleBasis,
    Stacking,
    Step,
)
from salesdesk.i18n import _
from salesdesk.paths import documents_dir
from salesdesk.reports.condition_sheet import LABELS, LOCALES, render_condition_sheet
from salesdesk.services.documents import add_document
from salesdesk.services.pricing import (
    ConditionBook,
    price_line,
    scales_from_json,
    types_by_code,
)
from salesdesk.services.settings import get_settings
from salesdesk.store.engine import Store, dbapi
from salesdesk.store.models import (
    Address,
    Customer,
    DeliveryTerm,
    IssuedConditionSheet,
    PaymentTerm,
)
from salesdesk.store.numbering import take_numbers

log = logging.getLogger(__name__)

NUMBER_SEQUENCE, NUMBER_PREFIX = "condition_sheet", "KS"
DOC_TYPE = "condition_sheet"
ZERO = Decimal(0)
MINUS = "\u2212"  # a real minus sign: "−10 %"
NBSP = "\u00a0"

# -- the sheet's texts per document language ----------------------------------------------

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "sep": "; ",
        "days_one": "{days} Tag",
        "days_many": "{days} Tagen",
        "cash_discount": "Zahlung innerhalb von {days}: {percent} Skonto",
        "net": "Zahlung innerhalb von {days}: netto ohne Abzug",
        "net_now": "Zahlung sofort nach Rechnungserhalt: netto ohne Abzug",
        "collection_discount": "Inkassorabatt: {percent}",
        "bonus": "Umsatzbonus{period} (nachträglich vergütet): {tiers}",
        "bonus_from": "{percent} ab {amount} Umsatz",
        "incoterm": "{rule}{place} Incoterms® 2020 ({name})",
        "free_freight": "Frachtfrei ab {amount} Warenwert",
        "minimum_order": "Mindestbestellwert: {amount}",
        "freight": "Frachtkosten je Auftrag: {tiers}",
        "freight_from": "ab {amount} Warenwert {value}",
        "freight_free": "frachtfrei",
        "recipient": "{name} (Kunden-Nr. {number})",
        "surcharge": "{amount} Zuschlag",
        "other_group": "Sonstige Artikel",
        "note_prices": "Alle Preise netto zuzüglich der gesetzlichen Umsatzsteuer. Skonto, "
        "Inkassorabatt und Umsatzbonus sind in den Preisen nicht abgezogen.",
        "note_packs": "Preise je Einheit bei Abnahme ganzer Verpackungseinheiten (VE).",
    },
    "en": {
        "sep": "; ",
        "days_one": "{days} day",
        "days_many": "{days} days",
        "cash_discount": "Payment within {days}: {percent} cash discount",
        "net": "Payment within {days}: net, without deduction",
        "net_now": "Payment on receipt of the invoice: net, without deduction",
        "collection_discount": "Collection discount: {percent}",
        "bonus": "Turnover bonus{period} (paid retrospectively): {tiers}",
        "bonus_from": "{percent} from {amount} turnover",
        "incoterm": "{rule}{place} Incoterms® 2020 ({name})",
        "free_freight": "Free freight from {amount} order value",
        "minimum_order": "Minimum order value: {amount}",
        "freight": "Freight per order: {tiers}",
        "freight_from": "from {amount} order value {value}",
        "freight_free": "free",
        "recipient": "{name} (customer no. {number})",
        "surcharge": "{amount} surcharge",
        "other_group": "Other articles",
        "note_prices": "All prices are net, plus VAT at the statutory rate. Cash discount, "
        "collection discount and turnover bonus are not deducted from the prices.",
        "note_packs": "Prices per unit when ordering whole packs.",
    },
    "fr": {
        "sep": "\u00a0; ",
        "days_one": "{days} jour",
        "days_many": "{days} jours",
        "cash_discount": "Paiement sous {days}\u00a0: escompte de {percent}",
        "net": "Paiement sous {days}\u00a0: net, sans escompte",
        "net_now": "Paiement à réception de la facture\u00a0: net, sans escompte",
        "collection_discount": "Remise d’encaissement\u00a0: {percent}",
        "bonus": "Bonus sur chiffre d’affaires{period} (versé a posteriori)\u00a0: {tiers}",
        "bonus_from": "{percent} dès {amount} de chiffre d’affaires",
        "incoterm": "{rule}{place} Incoterms® 2020 ({name})",
        "free_freight": "Franco de port à partir de {amount} de marchandises",
        "minimum_order": "Montant minimum de commande\u00a0: {amount}",
        "freight": "Frais de port par commande\u00a0: {tiers}",
        "freight_from": "dès {amount} de marchandises {value}",
        "freight_free": "franco",
        "recipient": "{name} (n° client {number})",
        "surcharge": "supplément de {amount}",
        "other_group": "Autres articles",
        "note_prices": "Tous les prix s’entendent hors taxes, TVA au taux légal en sus. "
        "L’escompte, la remise d’encaissement et le bonus sur chiffre d’affaires ne sont pas "
        "déduits des prix.",
        "note_packs": "Prix unitaires pour des conditionnements complets.",
    },
}
STACKING = {
    "de": {Stacking.CASCADING: "kaskadierend", Stacking.ADDITIVE: "additiv"},
    "en": {Stacking.CASCADING: "cascading", Stacking.ADDITIVE: "additive"},
    "fr": {Stacking.CASCADING: "en cascade", Stacking.ADDITIVE: "additionnées"},
}
PERIODS = {
    "de": {"month": "je Monat", "quarter": "je Quartal", "half_year": "je Halbjahr",
           "year": "je Jahr"},
    "en": {"month": "per month", "quarter": "per quarter", "half_year": "per half-year",
           "year": "per year"},
    "fr": {"month": "par mois", "quarter": "par trimestre", "half_year": "par semestre",
           "year": "par an"},
}
UNITS = {
    "de": {"pcs": "Stk.", "pc": "Stk.", "piece": "Stk.", "pair": "Paar", "box": "Karton",
           "set": "Satz", "roll": "Rolle", "pack": "Pack."},
    "en": {"pcs": "pc.", "pc": "pc.", "piece": "pc.", "pair": "pair", "box": "box",
           "set": "set", "roll": "roll", "pack": "pack"},
    "fr": {"pcs": "pce", "pc": "pce", "piece": "pce", "pair": "paire", "box": "carton",
           "set": "lot", "roll": "rouleau", "pack": "paquet"},
}
INCOTERM_NAMES = {
    "de": {"EXW": "Ab Werk", "FCA": "Frei Frachtführer", "CPT": "Frachtfrei",
           "CIP": "Frachtfrei versichert", "DAP": "Geliefert benannter Ort",
           "DPU": "Geliefert benannter Ort entladen", "DDP": "Geliefert verzollt",
           "FAS": "Frei Längsseite Schiff", "FOB": "Frei an Bord", "CFR": "Kosten und Fracht",
           "CIF": "Kosten, Versicherung und Fracht"},
    "en": {"EXW": "Ex Works", "FCA": "Free Carrier", "CPT": "Carriage Paid To",
           "CIP": "Carriage and Insurance Paid To", "DAP": "Delivered at Place",
           "DPU": "Delivered at Place Unloaded", "DDP": "Delivered Duty Paid",
           "FAS": "Free Alongside Ship", "FOB": "Free on Board", "CFR": "Cost and Freight",
           "CIF": "Cost, Insurance and Freight"},
    "fr": {"EXW": "À l’usine", "FCA": "Franco transporteur", "CPT": "Port payé jusqu’à",
           "CIP": "Port payé, assurance comprise, jusqu’à",
           "DAP": "Rendu au lieu de destination",
           "DPU": "Rendu au lieu de destination déchargé", "DDP": "Rendu droits acquittés",
           "FAS": "Franco le long du navire", "FOB": "Franco à bord", "CFR": "Coût et fret",
           "CIF": "Coût, assurance et fret"},
}
assert set(TEXTS) == set(LABELS) == set(STACKING) == set(PERIODS) == set(UNITS)
assert all(set(names) == set(INCOTERMS_2020) for names in INCOTERM_NAMES.values())


@dataclass(frozen=True)
class IssuedSheet:
    """An issued condition sheet as lists show it (the PDF is document ``document_id``)."""

    id: uuid.UUID
    number: str
    customer_number: str
    issued_on: date
    as_of: date  # the day whose conditions it shows
    language: str
    document_id: uuid.UUID | None
    pages: int | None  # None: the filed PDF cannot be read (missing from the data dir)


# -- formatting in the sheet's language ------------------------------------------------------


class _Words:
    """Numbers, money and the sheet's texts in one document language."""

    def __init__(self, language: str, currency: str):
        self.language, self.currency = language, currency
        self.locale = LOCALES[language]
        self.texts = TEXTS[language]

    def __getitem__(self, key: str) -> str:
        return self.texts[key]

    def money(self, amount: Decimal) -> str:
        return format_currency(amount, self.currency, locale=self.locale)

    def percent(self, rate: Decimal, *, signed: bool = False) -> str:
        """"2 %", or with ``signed`` "−10 %" / "+5 %" (no-break space before the %)."""
        text = format_decimal(abs(rate).normalize(), locale=self.locale)
        sign = (MINUS if rate < 0 else "+") if signed else ""
        return f"{sign}{text}{NBSP}%"

    def days(self, days: int) -> str:
        return self.texts["days_one" if days == 1 else "days_many"].format(days=days)


def sheet_language(customer_language: str | None, requested: str | None = None) -> str:
    """The document language: the one asked for (must have labels), else the customer's
    if the sheet has labels for it, else English."""
    if requested:
        language = requested.strip().replace("-", "_").split("_")[0].lower()
        if language not in LABELS:
            raise DomainError(_("There are no condition sheet texts in {language}; choose one "
                                "of {languages}.").format(language=requested,
                                                          languages=", ".join(sorted(LABELS))))
        return language
    language = (customer_language or "").lower()
    return language if language in LABELS else "en"


# -- reading the store -------------------------------------------------------------------------


def _get_customer(session: Session, key: str) -> Customer:
    key = str(key).strip()
    clauses = [Customer.number == key.upper()]
    with contextlib.suppress(ValueError):  # an id as well as a number
        clauses.append(Customer.id == uuid.UUID(hex=key))
    customer = session.scalar(select(Customer).where(or_(*clauses),
                                                     Customer.deleted_at.is_(None)))
    if customer is None:
        raise NotFound(_("There is no customer {key}.").format(key=key))
    return customer


_VALID = ("type_code = 'PRICE' AND released = 1 AND deleted_at IS NULL AND valid_from <= :on "
          "AND (valid_to IS NULL OR valid_to >= :on)")
_CANDIDATES = (
    "SELECT a.id, a.number, a.name, a.names, a.unit, a.pack_size, a.product_group_id "
    "FROM article a WHERE a.active = 1 AND a.deleted_at IS NULL AND a.id IN ("
    f"SELECT key2 FROM condition_record WHERE key_kind = 'customer_article' AND key1 = :customer "
    f"AND {_VALID} UNION "
    f"SELECT key2 FROM condition_record WHERE key_kind = 'price_group_article' "
    f"AND key1 = :price_group AND {_VALID} UNION "
    f"SELECT key1 FROM condition_record WHERE key_kind = 'article' AND {_VALID})"
)


@dataclass(frozen=True)
class _Article:
    id: str
    number: str
    name: str
    unit: str
    pack_size: int
    group_id: str | None


def _candidates(conn: sqlite3.Connection, customer: Customer, on: date,
                language: str) -> list[_Article]:
    rows = conn.execute(_CANDIDATES, {
        "customer": customer.id.hex, "on": on.isoformat(),
        "price_group": customer.price_group_id.hex if customer.price_group_id else ""})
    articles = []
    for rid, number, name, names, unit, pack, group in rows:
        translated = json.loads(names).get(language, "") if names else ""
        articles.append(_Article(rid, number, translated or name, unit or "", pack or 1, group))
    return articles


def _group_paths(conn: sqlite3.Connection) -> dict[str, tuple[tuple, str]]:
    """Each product group's sort key (root first) and heading ("Workwear › Gloves")."""
    groups = {gid: (parent, order, name, code) for gid, parent, order, name, code in conn.execute(
        "SELECT id, parent_id, sort_order, name, code FROM product_group "
        "WHERE deleted_at IS NULL")}
    paths = {}
    for gid in groups:
        chain, seen, current = [], set(), gid
        while current in groups and current not in seen:  # a cycle stops the walk
            seen.add(current)
            chain.append(groups[current])
            current = groups[current][0]
        chain.reverse()
        key = tuple((order, name.casefold(), code) for _parent, order, name, code in chain)
        paths[gid] = (key, " › ".join(name for _parent, _order, name, _code in chain))
    return paths


def _natural(text: str) -> tuple:
    """"A-20" before "A-100"."""
    return tuple(int(part) if part.isdigit() else part.casefold()
                 for part in re.split(r"(\d+)", text))


def _customer_records(conn: sqlite3.Connection, customer_id: str, type_code: str,
                      on: date) -> tuple[list, date | None, str] | None:
    """The customer's valid released record of a type: scales, valid_to, turnover period."""
    row = conn.execute(
        "SELECT scales, valid_to, turnover_period FROM condition_record "
        "WHERE type_code = ? AND key_kind = 'customer' AND key1 = ? AND key2 = '' "
        "AND released = 1 AND deleted_at IS NULL AND valid_from <= ? "
        "AND (valid_to IS NULL OR valid_to >= ?) ORDER BY valid_from DESC LIMIT 1",
        (type_code, customer_id, on.isoformat(), on.isoformat())).fetchone()
    if row is None:
        return None
    return (list(scales_from_json(row[0])), date.fromisoformat(row[1]) if row[1] else None,
            row[2] or "")


# -- pricing the lines ---------------------------------------------------------------------


def _trim(value: Decimal, currency: str, places: Decimal | None = None) -> Decimal:
    """A unit price as printed: to ``places`` (half-up), at most the engine's four,
    without trailing zeros past the currency's digits."""
    value = value.quantize(places or UNIT_PLACES, ROUND_HALF_UP)
    money = round_money(value, currency)
    return money if money == value else value.normalize()


def _places(rate: Decimal | None, currency: str) -> Decimal:
    """The places a net unit price is printed with: the currency's, or as many as the
    base price has (a cable tie at 0.0345 each), at most four. A pack priced whole and
    divided by its size (80.71 / 12 = 6.72583…) is not printed as 6.7258."""
    money = minor_unit(currency)
    if rate is None:
        return money
    exponent = max(rate.normalize().as_tuple().exponent, UNIT_PLACES.as_tuple().exponent)
    return min(money, Decimal(1).scaleb(exponent))


class _LinePricer:
    """Prices one customer's articles with one ConditionBook."""

    def __init__(self, session: Session, customer: Customer, on: date, words: _Words):
        self.session, self.customer, self.on, self.words = session, customer, on, words
        self.book = ConditionBook(session)
        self.types: dict[str, ConditionType] = types_by_code()
        self.ends: list[date] = []  # valid_to of every record used

    def _step(self, type_code: str) -> Step:
        ctype = self.types.get(type_code)
        return ctype.step if ctype else Step.LINE

    def _price(self, article: _Article, quantity: Decimal) -> PriceResult:
        # no turnover: the bonus is not in a sheet's prices (module doc), so none is read
        return price_line(self.session, self.customer.id.hex, article.id, quantity, self.on,
                          book=self.book, turnover=ZERO)

    def _unit_price(self, result: PriceResult) -> Decimal:
        """The net unit price without the turnover bonus (see the module doc)."""
        bonus = sum((a.value for a in result.applied if self._step(a.type_code) is Step.BONUS),
                    ZERO)
        net = (result.net_value - bonus) / result.request.quantity
        base = next((a.rate for a in result.applied if self._step(a.type_code) is Step.BASE),
                    None)
        return _trim(net, self.words.currency, _places(base, self.words.currency))

    def _records(self, result: PriceResult):
        """(trace entry, record) for the records that won or lost only by their scale."""
        applied = {a.record_id for a in result.applied}
        for entry in result.trace:
            if not entry.record_id or entry.key_kind is None:
                continue
            won = entry.verdict == "won" and entry.record_id in applied
            if not won and entry.why != "scale":
                continue
            for record in self.book(entry.type_code, entry.key_kind, entry.key):
                if record.id == entry.record_id:
                    yield won, record
                    break

    def _upcoming(self, result: PriceResult) -> None:
        """Note the day before a released record starts that would take over this line
        (the engine met it before the winner: more specific, or the winner's successor)."""
        for entry in result.trace:
            if entry.why != "not_valid" or entry.key_kind is None or \
                    self._step(entry.type_code) not in (Step.BASE, Step.LINE):
                continue
            for record in self.book(entry.type_code, entry.key_kind, entry.key):
                if record.id == entry.record_id and record.valid_from > self.on:
                    self.ends.append(record.valid_from - timedelta(days=1))

    def _used(self, result: PriceResult) -> set[Decimal]:
        """Note the ends of the records used; the quantity thresholds that could matter."""
        self._upcoming(result)
        thresholds = set()
        for won, record in self._records(result):
            ctype = self.types.get(record.type_code)
            if won and record.valid_to is not None and self._step(record.type_code) in (
                    Step.BASE, Step.LINE):
                self.ends.append(record.valid_to)
            if ctype is not None and ctype.step in (Step.BASE, Step.LINE) and \
                    ctype.scale_basis is ScaleBasis.QUANTITY:
                thresholds.update(s.threshold for s in record.scales
                                  if s.threshold > result.request.quantity)
        return thresholds

    def line(self, article: _Article, group: str) -> SheetLine | None:
        quantity = Decimal(max(article.pack_size, 1))
        result = self._price(article, quantity)
        if not result.base_value:  # its base price starts above one pack (a scale from 100)
            return None
        net = self._unit_price(result)
        pending = self._used(result)
        scales, previous, done = [], net, set()
        while pending:  # each threshold's winner may bring thresholds of its own
            threshold = min(pending)
            pending.discard(threshold)
            done.add(threshold)
            at = self._price(article, threshold)
            pending |= self._used(at) - done
            price = self._unit_price(at)
            if price != previous:
                scales.append((threshold, price))
                previous = price
        return SheetLine(
            article_number=article.number,
            article_name=article.name,
            product_group=group,
            unit=UNITS[self.words.language].get(article.unit.lower(), article.unit),
            net_price=net,
            list_price=_trim(result.base_unit_price, self.words.currency),
            pack_size=quantity if quantity != 1 else None,
            discount_text=self.discount_text(result),
            scales=tuple(scales),
        )

    def discount_text(self, result: PriceResult) -> str:
        """"−10 % + −5 % (cascading)": the line step's percentages in the order applied;
        every one after the first is stacked by its type (the first always applies to the
        base), so one mode is named once at the end, mixed modes after each rate.
        Surcharges per unit follow on a line of their own: "+0,50 € surcharge"."""
        words = self.words
        percents, amounts = [], []
        for applied in result.applied:
            ctype = self.types.get(applied.type_code)
            if ctype is None or ctype.step is not Step.LINE or not applied.rate:
                continue
            if ctype.calculation is Calculation.PERCENT:
                percents.append((words.percent(applied.rate, signed=True), ctype.stacking))
            elif ctype.calculation is Calculation.PER_UNIT:
                sign = MINUS if applied.rate < 0 else "+"
                amounts.append(words["surcharge"].format(
                    amount=sign + words.money(abs(applied.rate))))
        parts = []
        if percents:
            modes = {mode for _text, mode in percents[1:]}
            names = STACKING[words.language]
            if len(modes) == 1:
                parts.append(" + ".join(text for text, _mode in percents)
                             + f" ({names[modes.pop()]})")
            else:  # one rate, or mixed modes
                parts.append(" + ".join(
                    text if n == 0 or len(percents) == 1 else f"{text} ({names[mode]})"
                    for n, (text, mode) in enumerate(percents)))
        return "\n".join(parts + amounts)  # the surcharge on a line of its own


# -- terms ---------------------------------------------------------------------------------


def _address_lines(address: Address | None, home_country: str, language: str,
                   name: str = "") -> list[str]:
    if address is None:
        return [name] if name else []
    street = "\n".join(part for part in (address.street, address.street2) if part)
    country = (address.country or home_country).upper()
    lines = format_postal_address(country=country, name=name or address.name, street=street,
                                  postal_code=address.postal_code, city=address.city)
    english = Locale("en").territories.get(country, country).upper()
    if lines and lines[-1].upper() in (english, country):
        lines.pop()  # the helper's English country line; ours is in the sheet's language
    if country != home_country.upper():
        lines.append(Locale.parse(LOCALES[language]).territories.get(country, country).upper())
    return lines


def _address(customer: Customer, kind: str) -> Address | None:
    live = [a for a in customer.addresses if a.kind == kind and a.deleted_at is None]
    live.sort(key=lambda a: not a.is_default)
    return live[0] if live else None


def _payment_terms(customer: Customer, words: _Words, bonus) -> list[str]:
    lines = []
    term: PaymentTerm | None = customer.payment_term
    if term is not None and term.deleted_at is None:
        for percent, days in json.loads(term.cash_discounts or "[]"):
            lines.append(words["cash_discount"].format(days=words.days(int(days)),
                                                       percent=words.percent(Decimal(percent))))
        if term.net_days:
            lines.append(words["net"].format(days=words.days(term.net_days)))
        else:
            lines.append(words["net_now"])
    if customer.collection_discount:
        lines.append(words["collection_discount"].format(
            percent=words.percent(customer.collection_discount)))
    if bonus is not None:
        scales, _end, period = bonus
        tiers = [words.percent(s.value) if not s.threshold else
                 words["bonus_from"].format(percent=words.percent(s.value),
                                            amount=words.money(s.threshold))
                 for s in scales if s.value]
        if tiers:
            name = PERIODS[words.language].get(period, "")
            lines.append(words["bonus"].format(period=f" {name}" if name else "",
                                               tiers=words["sep"].join(tiers)))
    return lines


def _delivery_terms(customer: Customer, words: _Words, freight) -> list[str]:
    lines = []
    term: DeliveryTerm | None = customer.delivery_term
    if term is not None and term.deleted_at is None:
        rule = (term.incoterm or "").strip().upper()
        if rule:
            name = INCOTERM_NAMES[words.language].get(rule)
            place = f" {term.incoterm_place.strip()}" if term.incoterm_place.strip() else ""
            if name:
                lines.append(words["incoterm"].format(rule=rule, place=place, name=name))
            else:  # an older rule (DAT, …): as written
                lines.append(f"{rule}{place}")
        elif term.name:
            lines.append(term.name)
        if term.free_freight_threshold:
            lines.append(words["free_freight"].format(
                amount=words.money(term.free_freight_threshold)))
        if term.minimum_order:
            lines.append(words["minimum_order"].format(amount=words.money(term.minimum_order)))
    if freight is not None:
        scales = freight[0]
        tiers = []
        for scale in scales:
            value = words["freight_free"] if not scale.value else words.money(scale.value)
            tiers.append(value if not scale.threshold else words["freight_from"].format(
                amount=words.money(scale.threshold), value=value))
        if tiers:
            lines.append(words["freight"].format(tiers=words["sep"].join(tiers)))
    return lines


def _invoice_recipient(session: Session, customer: Customer, words: _Words,
                       home: str) -> list[str]:
    if customer.invoice_recipient_id and customer.invoice_recipient_id != customer.id:
        other = session.get(Customer, customer.invoice_recipient_id)
        if other is not None and other.deleted_at is None:
            address = _address(other, "billing") or _address(other, "main")
            lines = [words["recipient"].format(name=other.name, number=other.number)]
            if other.name2:
                lines.append(other.name2)
            return lines + _address_lines(address, home, words.language)
    billing = _address(customer, "billing")
    if billing is not None:
        return _address_lines(billing, home, words.language, billing.name or customer.name)
    return []


# -- the company ---------------------------------------------------------------------------


def _logo(path_text: str) -> bytes | None:
    if not path_text:
        return None
    path = Path(path_text).expanduser()
    try:
        data = path.read_bytes()
    except OSError as error:
        log.warning("company logo %s cannot be read (%s): printing the name instead", path,
                    error)
        return None
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8")):
        log.warning("company logo %s is neither PNG nor JPEG: printing the name instead", path)
        return None
    return data


def company_from_settings(source) -> SheetCompany:
    """The issuing company from the ``company.*`` settings (logo bytes read from its path)."""
    values = get_settings(source, "company.")
    lines = values.get("company.address_lines") or ()
    if isinstance(lines, str):
        lines = lines.splitlines()
    return SheetCompany(
        name=values.get("company.name") or "",
        address_lines=tuple(line for line in lines if line),
        phone=values.get("company.phone") or "",
        email=values.get("company.email") or "",
        website=values.get("company.website") or "",
        vat_id=values.get("company.vat_id") or "",
        logo=_logo(values.get("company.logo_path") or ""),
    )


# -- the sheet -----------------------------------------------------------------------------


def build_sheet(session: Session, customer_key: str, on: date, language: str | None = None,
                *, number: str = "", issued_on: date | None = None) -> ConditionSheet:
    """The condition sheet of a customer (number or id) for the conditions valid ``on``,
    in ``language`` (default: the customer's; see the module doc for what is in it).
    ``number`` is "" for a sheet that is printed, not issued; ``issued_on``: today."""
    customer = _get_customer(session, customer_key)
    language = sheet_language(customer.language, language)
    currency = customer.currency or "EUR"
    words = _Words(language, currency)
    conn = dbapi(session)
    home = str(get_settings(session, "company.").get("company.country") or "DE").upper()

    pricer = _LinePricer(session, customer, on, words)
    groups = _group_paths(conn)
    keyed = []
    for article in _candidates(conn, customer, on, language):
        if article.group_id in groups:
            path, heading = groups[article.group_id]
            group_key: tuple = (0, path)
        else:  # no group: last, under "Other articles"
            group_key, heading = (1,), words["other_group"]
        line = pricer.line(article, heading)
        if line is not None:
            keyed.append((group_key, _natural(article.number), line))
    keyed.sort(key=lambda item: item[:2])
    lines = tuple(line for _group, _number, line in keyed)

    customer_id = customer.id.hex
    bonus = _customer_records(conn, customer_id, "TURNOVER_BONUS", on)
    freight = _customer_records(conn, customer_id, "FREIGHT", on)
    ends = list(pricer.ends)
    ends += [found[1] for found in (bonus, freight) if found is not None and found[1]]

    main = _address(customer, "main")
    address = _address_lines(main, home, language)
    if customer.name2:
        address.insert(0, customer.name2)
    notes = [words["note_prices"]]
    if any(line.pack_size for line in lines):
        notes.append(words["note_packs"])
    return ConditionSheet(
        number=number,
        company=company_from_settings(session),
        customer=SheetCustomer(number=customer.number, name=customer.name,
                               address_lines=tuple(address)),
        language=language,
        currency=currency,
        issued_on=issued_on or date.today(),
        valid_from=on,
        valid_to=min(ends) if ends else None,
        lines=lines,
        terms=SheetTerms(
            payment=tuple(_payment_terms(customer, words, bonus)),
            delivery=tuple(_delivery_terms(customer, words, freight)),
            invoice_recipient=tuple(_invoice_recipient(session, customer, words, home)),
            returns=tuple(line.strip() for line in customer.return_conditions.splitlines()
                          if line.strip()),
        ),
        notes=tuple(notes),
    )


def _file_name(sheet: ConditionSheet) -> str:
    title = LABELS[sheet.language]["title"]
    name = f"{title} {sheet.number} {sheet.customer.number}.pdf"
    return re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", name)


def issue_sheet(store: Store, customer_key: str, on: date,
                language: str | None = None) -> IssuedSheet:
    """Issue a customer's condition sheet for the conditions valid ``on``: a number
    (KS-000001), the frozen snapshot and the PDF filed among the customer's documents,
    all in one transaction. When anything fails nothing is written (the number is not
    used up either); only the PDF's bytes may stay behind in the content-addressed blob
    store, unreferenced, which is harmless (the same bytes filed later reuse the file)."""
    with store.session() as session:
        customer = _get_customer(session, customer_key)
        number = take_numbers(session, NUMBER_SEQUENCE, NUMBER_PREFIX)[0]
        sheet = build_sheet(session, customer.id.hex, on, language, number=number)
        pdf = io.BytesIO()
        pages = render_condition_sheet(sheet, pdf)
        with tempfile.TemporaryDirectory(prefix="salesdesk-sheet-") as folder:
            path = Path(folder) / _file_name(sheet)
            path.write_bytes(pdf.getvalue())
            document = add_document(session, store, customer, path, DOC_TYPE)
        row = IssuedConditionSheet(
            customer_id=customer.id, number=number, issued_on=sheet.issued_on, as_of=on,
            language=sheet.language, snapshot=sheet.to_json(), document_id=document.id)
        session.add(row)
        session.flush()
        issued = IssuedSheet(row.id, number, customer.number, sheet.issued_on, on,
                             sheet.language, document.id, pages)
        session.commit()
    return issued


def issued_snapshot(source, issued_id: uuid.UUID | str) -> ConditionSheet:
    """The frozen sheet of an issued condition sheet (by id)."""
    if isinstance(source, Store):
        source = source.reader()
    key = issued_id.hex if isinstance(issued_id, uuid.UUID) else str(issued_id).replace("-", "")
    row = dbapi(source).execute(
        "SELECT snapshot FROM issued_condition_sheet WHERE id = ? AND deleted_at IS NULL",
        (key,)).fetchone()
    if row is None:
        raise NotFound(_("This condition sheet does not exist (any more)."))
    return ConditionSheet.from_json(row[0])


def reprint_sheet(store: Store, issued_id: uuid.UUID | str,
                  target: str | Path | BinaryIO) -> int:
    """Print an issued sheet again from its snapshot (the same bytes as the filed PDF,
    whatever changed since); the number of pages."""
    return render_condition_sheet(issued_snapshot(store, issued_id), target)


def print_sheet(store: Store, customer_key: str, target: str | Path | BinaryIO, on: date,
                language: str | None = None) -> int:
    """Print a customer's current condition sheet without issuing it (no number, nothing
    filed or written); the number of pages."""
    with store.session() as session:
        sheet = build_sheet(session, customer_key, on, language)
        session.rollback()
    return render_condition_sheet(sheet, target)


def _page_count(folder: Path, sha256: str | None) -> int | None:
    if not sha256:
        return None
    import pypdfium2 as pdfium

    path = folder / sha256[:2] / sha256
    try:
        pdf = pdfium.PdfDocument(str(path))
    except (OSError, pdfium.PdfiumError):
        return None
    try:
        return len(pdf)
    finally:
        pdf.close()


def issued_sheets(source, customer_key: str) -> list[IssuedSheet]:
    """A customer's issued condition sheets, newest first (``source``: a Store, Session or
    connection); the page counts are read from the filed PDFs."""
    if isinstance(source, Store):
        source = source.reader()
    conn = dbapi(source)
    key = str(customer_key).strip()
    customer = conn.execute(
        "SELECT id, number FROM customer WHERE (number = ? OR id = ?) AND deleted_at IS NULL",
        (key.upper(), key.replace("-", "").lower())).fetchone()
    if customer is None:
        raise NotFound(_("There is no customer {key}.").format(key=key))
    database = next((row[2] for row in conn.execute("PRAGMA database_list")
                     if row[1] == "main"), "")
    folder = documents_dir(Path(database).parent) if database else Path()
    rows = conn.execute(
        "SELECT s.id, s.number, s.issued_on, s.as_of, s.language, s.document_id, d.sha256 "
        "FROM issued_condition_sheet s LEFT JOIN document d "
        "ON d.id = s.document_id AND d.deleted_at IS NULL "
        "WHERE s.customer_id = ? AND s.deleted_at IS NULL "
        "ORDER BY s.issued_on DESC, s.created_at DESC, s.number DESC", (customer[0],))
    return [
        IssuedSheet(uuid.UUID(hex=rid), number, customer[1], date.fromisoformat(issued),
                    date.fromisoformat(as_of), language,
                    uuid.UUID(hex=document) if document else None,
                    _page_count(folder, sha256) if database else None)
        for rid, number, issued, as_of, language, document, sha256 in rows
    ]
