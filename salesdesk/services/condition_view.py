"""The conditions page's read model: a customer's condition records as people read them,
and the use cases behind its buttons (a new condition, a successor, a price check).

Reads are plain SQL on a Session or a reader connection (``dbapi``), so the page can read
on a worker thread with a connection of its own. Records are keyed by ids; every text
made here names customers and articles by number and groups by code and name.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from sqlalchemy.orm import Session

from salesdesk.domain.errors import FieldError, NotFound, ValidationFailed
from salesdesk.domain.money import round_money
from salesdesk.domain.pricing import (
    Calculation,
    ConditionType,
    KeyKind,
    PriceResult,
    Scale,
    ScaleBasis,
    TraceEntry,
)
from salesdesk.i18n import _, current_language
from salesdesk.services.pricing import (
    key_names,
    price_line,
    save_condition,
    scales_from_json,
    types_by_code,
)
from salesdesk.store.engine import dbapi
from salesdesk.store.models import ConditionRecord

CURRENT, UPCOMING, HISTORY = "current", "upcoming", "history"
SECTIONS = (CURRENT, UPCOMING, HISTORY)
SHARED_LIMIT = 300  # rows per section of records other customers share (list prices…)
K = KeyKind
# who a key kind is for: the customer itself, one of its groups, or everybody
SCOPES = {K.CUSTOMER_ARTICLE: "customer", K.CUSTOMER_PRODUCT_GROUP: "customer",
          K.CUSTOMER: "customer", K.PRICE_GROUP_ARTICLE: "price_group",
          K.CUSTOMER_GROUP_PRODUCT_GROUP: "customer_group", K.PRODUCT_GROUP: "general",
          K.ARTICLE: "general"}
SCOPE_RANK = {"customer": 0, "price_group": 1, "customer_group": 2, "general": 3}
# what the second part of the key (or the only one) names, per key kind
TARGETS = {K.CUSTOMER_ARTICLE: "article", K.PRICE_GROUP_ARTICLE: "article",
           K.ARTICLE: "article", K.CUSTOMER_PRODUCT_GROUP: "product_group",
           K.CUSTOMER_GROUP_PRODUCT_GROUP: "product_group", K.PRODUCT_GROUP: "product_group",
           K.CUSTOMER: ""}
_LOCALES = {"de": "de_DE", "en": "en_GB"}


def _locale() -> str:
    return _LOCALES.get(current_language(), "en_GB")


# -- the customer -----------------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    id: str
    code: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}".strip()


@dataclass(frozen=True)
class ConditionCustomer:
    """What the page shows about the customer whose conditions these are."""

    id: str  # hex, as condition keys hold it
    number: str
    name: str
    currency: str
    price_group: Group | None = None
    customer_group: Group | None = None
    payment_terms: str = ""
    cash_discounts: tuple[tuple[Decimal, int], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.number} {self.name}".strip()


def find_customer(source, customer_key: str | uuid.UUID) -> ConditionCustomer:
    """A live customer by number or id, with its groups and payment terms."""
    key = customer_key.hex if isinstance(customer_key, uuid.UUID) else str(customer_key)
    row = dbapi(source).execute(
        "SELECT c.id, c.number, c.name, c.currency, pg.id, pg.code, pg.name, cg.id, cg.code, "
        "cg.name, pt.net_days, pt.cash_discounts FROM customer c "
        "LEFT JOIN price_group pg ON pg.id = c.price_group_id "
        "LEFT JOIN customer_group cg ON cg.id = c.customer_group_id "
        "LEFT JOIN payment_term pt ON pt.id = c.payment_term_id "
        "WHERE (c.number = ? OR c.id = ?) AND c.deleted_at IS NULL",
        (key.strip().upper(), key.replace("-", ""))).fetchone()
    if row is None:
        raise NotFound(_("There is no customer {key}.").format(key=customer_key))
    stages = tuple((Decimal(str(p)), int(d)) for p, d in json.loads(row[11] or "[]"))
    terms = ""
    if row[10] is not None:
        from salesdesk.domain.pricing import PaymentTerms, payment_terms_text

        terms = payment_terms_text(PaymentTerms(row[10], stages))
    return ConditionCustomer(
        row[0], row[1], row[2], row[3] or "EUR",
        Group(*row[4:7]) if row[4] else None, Group(*row[7:10]) if row[7] else None,
        terms, stages)


# -- rows of the page -------------------------------------------------------------------

@dataclass(frozen=True)
class ConditionRow:
    """One condition record as the page lists it; ``record_id`` is never shown."""

    record_id: str
    section: str
    type_code: str
    type_name: str
    key_kind: str
    scope: str  # customer, price_group, customer_group, general
    applies_to: str  # "Article A-100 Arbeitshandschuhe"
    for_whom: str  # "Customer K-000001", "Price group PG2 Dealer", "All customers"
    value_text: str  # "€12.50; from 100: €11.20"
    first_value: Decimal
    valid_from: date
    valid_to: date | None
    validity_text: str
    released: bool
    status_text: str
    note: str
    article: str = ""  # the number of the article it applies to ("" for a group or all)
    order: tuple = ()  # how the page lists the rows at first

    @property
    def texts(self) -> tuple[str, ...]:
        """The cells as the page shows them (tests check none of them is an id)."""
        return (self.type_name, self.applies_to, self.for_whom, self.value_text,
                self.validity_text, self.status_text, self.note)


@dataclass
class ConditionOverview:
    customer: ConditionCustomer
    on: date
    current: list[ConditionRow] = field(default_factory=list)
    upcoming: list[ConditionRow] = field(default_factory=list)
    history: list[ConditionRow] = field(default_factory=list)
    hidden: dict[str, int] = field(default_factory=dict)  # shared rows beyond the limit

    def section(self, name: str) -> list[ConditionRow]:
        return getattr(self, name)


@dataclass(frozen=True)
class _Raw:
    id: str
    type_code: str
    kind: KeyKind
    key1: str
    key2: str
    valid_from: date
    valid_to: date | None
    released: bool
    currency: str
    scales: str
    note: str
    period: str
    price_list: str

    @property
    def target(self) -> str:
        """The id of the article or product group the record is for ("" for none)."""
        if not TARGETS[self.kind]:
            return ""
        return self.key1 if self.kind in (K.ARTICLE, K.PRODUCT_GROUP) else self.key2


_COLUMNS = ("SELECT r.id, r.type_code, r.key_kind, r.key1, r.key2, r.valid_from, r.valid_to, "
            "r.released, r.currency, r.scales, r.note, r.turnover_period, "
            "coalesce(pl.code, '') FROM condition_record r "
            "LEFT JOIN price_list pl ON pl.id = r.price_list_id WHERE r.deleted_at IS NULL ")


def _raw_rows(conn, customer: ConditionCustomer, include_general: bool) -> list[_Raw]:
    terms = ["(r.key_kind IN (?, ?, ?) AND r.key1 = ?)"]
    params: list = [K.CUSTOMER_ARTICLE.value, K.CUSTOMER_PRODUCT_GROUP.value,
                    K.CUSTOMER.value, customer.id]
    if customer.price_group:
        terms.append("(r.key_kind = ? AND r.key1 = ?)")
        params += [K.PRICE_GROUP_ARTICLE.value, customer.price_group.id]
    if customer.customer_group:
        terms.append("(r.key_kind = ? AND r.key1 = ?)")
        params += [K.CUSTOMER_GROUP_PRODUCT_GROUP.value, customer.customer_group.id]
    if include_general:
        terms.append("r.key_kind IN (?, ?)")
        params += [K.PRODUCT_GROUP.value, K.ARTICLE.value]
    return _raw_rows_from(conn.execute(_COLUMNS + f"AND ({' OR '.join(terms)})", params))


def section_of(raw: _Raw, on: date) -> str:
    """Ended before the day: history; in force on it: current; the rest (starting later,
    or a draft not released yet) is upcoming."""
    if raw.valid_to is not None and raw.valid_to < on:
        return HISTORY
    if raw.valid_from <= on and raw.released:
        return CURRENT
    return UPCOMING


def customer_conditions(source, customer_key: str | uuid.UUID, on: date, *,
                        include_general: bool = True, search: str = "",
                        limit: int = SHARED_LIMIT) -> ConditionOverview:
    """The condition records that concern a customer on a day, in three sections.

    Records keyed by the customer are always all there; records it shares with others
    (its price group's, its customer group's, list prices and product-group records)
    at most ``limit`` per section, the rest counted in ``hidden``. ``search`` keeps the
    rows whose article or product group (number, code or name) holds every word."""
    conn = dbapi(source)
    customer = find_customer(conn, customer_key)
    raws = _raw_rows(conn, customer, include_general)
    names = _target_names(conn, raws)
    types = types_by_code()
    overview = ConditionOverview(customer, on)
    words = search.casefold().split()
    by_section: dict[str, list[tuple[tuple, _Raw, str]]] = {s: [] for s in SECTIONS}
    for raw in raws:
        ctype = types.get(raw.type_code)
        if ctype is not None and ctype.in_money and raw.currency and \
                raw.currency != customer.currency:
            continue  # an amount in another currency never applies to this customer
        applies = _applies_to(raw, names)
        if words and not all(w in applies.casefold() for w in words):
            continue
        ctype = types.get(raw.type_code)
        section = section_of(raw, on)
        start = raw.valid_from.toordinal()
        order = (SCOPE_RANK[SCOPES[raw.kind]], ctype.step if ctype else 99,
                 ctype.sequence if ctype else 0, raw.type_code, applies,
                 -start if section == HISTORY else start)  # the newest history first
        by_section[section].append((order, raw, applies))
    for name, found in by_section.items():
        found.sort(key=lambda item: item[0])
        own = [item for item in found if SCOPES[item[1].kind] == "customer"]
        shared = [item for item in found if SCOPES[item[1].kind] != "customer"]
        if len(shared) > limit:
            overview.hidden[name] = len(shared) - limit
            shared = shared[:limit]
        overview.section(name).extend(
            _row(raw, name, applies, order, customer, types.get(raw.type_code),
                 names.get(raw.target, ("", ""))[0] if TARGETS[raw.kind] == "article" else "")
            for order, raw, applies in own + shared)
    return overview


def _target_names(conn, raws: list[_Raw]) -> dict[str, tuple[str, str]]:
    """Article and product-group ids → (number or code, name) (article names in the
    current language where the article has one)."""
    articles = sorted({r.target for r in raws if TARGETS[r.kind] == "article"})
    groups = sorted({r.target for r in raws if TARGETS[r.kind] == "product_group"})
    names: dict[str, tuple[str, str]] = {}
    language = current_language()
    for chunk in _chunks(articles):
        marks = ", ".join("?" * len(chunk))
        for rid, number, name, translated in conn.execute(
                f"SELECT id, number, name, names FROM article WHERE id IN ({marks})", chunk):
            local = json.loads(translated).get(language, "") if translated else ""
            names[rid] = (number, local or name)
    for chunk in _chunks(groups):
        marks = ", ".join("?" * len(chunk))
        for rid, code, name in conn.execute(
                f"SELECT id, code, name FROM product_group WHERE id IN ({marks})", chunk):
            names[rid] = (code, name)
    return names


def _chunks(values: list[str], size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _applies_to(raw: _Raw, names: dict[str, tuple[str, str]]) -> str:
    target = TARGETS[raw.kind]
    found = " ".join(names[raw.target]).strip() if raw.target in names else ""
    if target == "article":
        return _("Article {article}").format(article=found or _("(deleted article)"))
    if target == "product_group":
        return _("Product group {group}").format(group=found or _("(deleted product group)"))
    return _("All articles")


def _for_whom(raw: _Raw, customer: ConditionCustomer) -> str:
    scope = SCOPES[raw.kind]
    if scope == "customer":
        return _("Customer {number}").format(number=customer.number)
    if scope == "price_group" and customer.price_group:
        return _("Price group {group}").format(group=customer.price_group.label)
    if scope == "customer_group" and customer.customer_group:
        return _("Customer group {group}").format(group=customer.customer_group.label)
    return _("All customers")


def _row(raw: _Raw, section: str, applies: str, order: tuple, customer: ConditionCustomer,
         ctype: ConditionType | None, article: str) -> ConditionRow:
    scales = scales_from_json(raw.scales)
    note = " · ".join(p for p in (raw.note, _("price list {code}").format(code=raw.price_list)
                                  if raw.price_list else "") if p)
    return ConditionRow(
        record_id=raw.id, section=section, type_code=raw.type_code,
        type_name=ctype.name if ctype else raw.type_code, key_kind=raw.kind.value,
        scope=SCOPES[raw.kind], applies_to=applies, for_whom=_for_whom(raw, customer),
        value_text=value_text(ctype, scales, raw.currency, raw.period),
        first_value=scales[0].value if scales else Decimal(0),
        valid_from=raw.valid_from, valid_to=raw.valid_to,
        validity_text=validity_text(raw.valid_from, raw.valid_to),
        released=raw.released, status_text=_("Released") if raw.released else _("Draft"),
        note=note, article=article, order=order)


# -- texts ------------------------------------------------------------------------------

def money_text(amount: Decimal, currency: str) -> str:
    """An amount with its currency as the language writes it; more places than the
    currency has are kept (a unit price of 0.0125)."""
    return format_currency(amount, currency or "EUR", locale=_locale(),
                           decimal_quantization=False)


def number_text(value: Decimal) -> str:
    return format_decimal(value, locale=_locale(), decimal_quantization=False)


def plain_number(value) -> str:
    """A number as typed in a field: no grouping, the language's decimal sign."""
    from babel.numbers import get_decimal_symbol

    return format(Decimal(value), "f").replace(".", get_decimal_symbol(_locale()))


def percent_text(value: Decimal) -> str:
    return f"{format_decimal(value, format='#,##0.##', locale=_locale())} %"


def date_text(value: date | None) -> str:
    return format_date(value, format="medium", locale=_locale()) if value else ""


def validity_text(valid_from: date, valid_to: date | None) -> str:
    if valid_to is None:
        return _("from {start}").format(start=date_text(valid_from))
    return _("{start} – {end}").format(start=date_text(valid_from), end=date_text(valid_to))


def period_label(period: str) -> str:
    return {"month": _("month"), "quarter": _("quarter"), "half_year": _("half year"),
            "year": _("year")}.get(period, period)


def value_text(ctype: ConditionType | None, scales: tuple[Scale, ...], currency: str,
               period: str = "") -> str:
    """"€12.50", "−10 %", "€12.50; from 100: €11.20", "from €5,000.00: 2 % (turnover per
    quarter)" — thresholds in units or money as the type's scale basis says."""
    calculation = ctype.calculation if ctype else Calculation.PER_UNIT
    basis = ctype.scale_basis if ctype else ScaleBasis.QUANTITY
    parts = []
    for n, scale in enumerate(scales):
        if calculation is Calculation.PERCENT:
            amount = percent_text(scale.value)
        elif calculation is Calculation.PER_DOCUMENT:
            amount = _("{amount} per document").format(amount=money_text(scale.value,
                                                                         currency))
        else:
            amount = money_text(scale.value, currency)
        if n == 0 and scale.threshold == 0:
            parts.append(amount)
            continue
        threshold = number_text(scale.threshold) if basis is ScaleBasis.QUANTITY else \
            money_text(scale.threshold, currency)
        parts.append(_("from {threshold}: {value}").format(threshold=threshold, value=amount))
    text = "; ".join(parts)
    if basis is ScaleBasis.TURNOVER and period:
        text += " " + _("(turnover per {period})").format(period=period_label(period))
    return text


# -- choices for the condition dialog ---------------------------------------------------

def key_kind_label(kind: KeyKind | str, customer: ConditionCustomer) -> str:
    """What a record of this key kind is for, said from the customer's side."""
    kind = KeyKind(kind)
    pg = customer.price_group.code if customer.price_group else "–"
    cg = customer.customer_group.code if customer.customer_group else "–"
    return {
        K.CUSTOMER_ARTICLE: _("One article, for this customer"),
        K.CUSTOMER_PRODUCT_GROUP: _("A product group, for this customer"),
        K.CUSTOMER: _("All articles, for this customer"),
        K.PRICE_GROUP_ARTICLE: _("One article, for price group {code}").format(code=pg),
        K.CUSTOMER_GROUP_PRODUCT_GROUP: _("A product group, for customer group {code}"
                                          ).format(code=cg),
        K.PRODUCT_GROUP: _("A product group, for all customers"),
        K.ARTICLE: _("One article, for all customers"),
    }[kind]


def key_kinds_for(ctype: ConditionType, customer: ConditionCustomer) -> list[KeyKind]:
    """The key kinds a new record of a type can have for this customer (group keys only
    when the customer has that group)."""
    kinds = []
    for kind in ctype.access:
        if kind is K.PRICE_GROUP_ARTICLE and customer.price_group is None:
            continue
        if kind is K.CUSTOMER_GROUP_PRODUCT_GROUP and customer.customer_group is None:
            continue
        kinds.append(kind)
    return kinds


def product_groups(source) -> list[Group]:
    """Live product groups by sort order and code."""
    rows = dbapi(source).execute(
        "SELECT id, code, name FROM product_group WHERE deleted_at IS NULL "
        "ORDER BY sort_order, code")
    return [Group(*row) for row in rows]


# -- writing ----------------------------------------------------------------------------

def _record_name() -> str:
    return _("Condition")


def _article_id(conn, number: str) -> str:
    number = (number or "").strip()
    row = conn.execute("SELECT id FROM article WHERE number = ? AND deleted_at IS NULL",
                       (number,)).fetchone() if number else None
    if row is None:
        raise ValidationFailed([FieldError(
            _record_name(), _("Article"),
            _("there is no article {number}").format(number=number) if number else
            _("is required"), key="article")])
    return row[0]


def _group_id(conn, code: str) -> str:
    code = (code or "").strip()
    row = conn.execute("SELECT id FROM product_group WHERE code = ? AND deleted_at IS NULL",
                       (code,)).fetchone() if code else None
    if row is None:
        raise ValidationFailed([FieldError(
            _record_name(), _("Product group"),
            _("there is no product group {code}").format(code=code) if code else
            _("is required"), key="product_group")])
    return row[0]


def condition_key(source, customer: ConditionCustomer, kind: KeyKind | str, article: str = "",
                  product_group: str = "") -> tuple[str, ...]:
    """The record key of a key kind for this customer and an article number or a
    product-group code."""
    conn, kind = dbapi(source), KeyKind(kind)
    target = TARGETS[kind]
    part = _article_id(conn, article) if target == "article" else \
        _group_id(conn, product_group) if target == "product_group" else ""
    if kind is K.PRICE_GROUP_ARTICLE:
        if customer.price_group is None:
            raise ValidationFailed([FieldError(_record_name(), _("Applies to"), _(
                "the customer has no price group"), key="key_kind")])
        return (customer.price_group.id, part)
    if kind is K.CUSTOMER_GROUP_PRODUCT_GROUP:
        if customer.customer_group is None:
            raise ValidationFailed([FieldError(_record_name(), _("Applies to"), _(
                "the customer has no customer group"), key="key_kind")])
        return (customer.customer_group.id, part)
    if kind in (K.PRODUCT_GROUP, K.ARTICLE):
        return (part,)
    if kind is K.CUSTOMER:
        return (customer.id,)
    return (customer.id, part)


def parse_scales(rows) -> list[Scale]:
    """Scale rows typed as (threshold, value) text or numbers: a plain value is one row
    with threshold 0. ValidationFailed (field "scales") for text that is no number."""
    from salesdesk.domain.money import parse_amount

    scales = []
    for threshold, value in rows:
        try:
            first = parse_amount(threshold) if str(threshold).strip() else Decimal(0)
            amount = parse_amount(value)
        except (ValueError, InvalidOperation):
            amount = None
        if amount is None:
            raise ValidationFailed([FieldError(_record_name(), _("Value"), _(
                "“{text}” is not a number").format(text=f"{threshold} / {value}".strip(" /")),
                key="scales")])
        scales.append(Scale(first, amount))
    return scales


def new_condition(session: Session, customer_key: str | uuid.UUID, values: dict
                  ) -> ConditionRecord:
    """A new condition record for a customer (or its group, or everybody) after the
    checks of ``save_condition``; nothing is written when one fails.

    ``values``: type_code, key_kind, article (number) or product_group (code) as the key
    kind needs, scales [(threshold, value)…], valid_from, valid_to, released, note,
    turnover_period."""
    customer = find_customer(session, customer_key)
    key = condition_key(session, customer, values["key_kind"], values.get("article", ""),
                        values.get("product_group", ""))
    return save_condition(session, {
        "type_code": values.get("type_code", ""), "key_kind": KeyKind(values["key_kind"]),
        "key": key, "scales": parse_scales(values.get("scales") or []),
        "valid_from": values["valid_from"], "valid_to": values.get("valid_to"),
        "released": values.get("released", True), "currency": customer.currency,
        "note": values.get("note", "") or "",
        "turnover_period": values.get("turnover_period", "") or ""})


def _stored(session: Session, record_id: str | uuid.UUID) -> ConditionRecord:
    key = record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(hex=str(record_id))
    record = session.get(ConditionRecord, key)
    if record is None or record.deleted_at is not None:
        raise NotFound(_("This condition record does not exist any more."))
    return record


def change_condition(session: Session, record_id: str | uuid.UUID, values: dict,
                     valid_from: date) -> ConditionRecord:
    """A changed condition: a successor record from ``valid_from`` with the same type and
    key; the record in force then ends the day before. Nothing is edited in place.

    ``values``: scales, valid_to, released, note, turnover_period of the successor."""
    old = _stored(session, record_id)
    if valid_from <= old.valid_from:
        raise ValidationFailed([FieldError(_record_name(), _("Valid from"), _(
            "must be after {date}, the first day of the record it follows").format(
                date=date_text(old.valid_from)), key="valid_from")])
    key = (old.key1, old.key2) if old.key2 else (old.key1,)
    return save_condition(session, {
        "type_code": old.type_code, "key_kind": KeyKind(old.key_kind), "key": key,
        "scales": parse_scales(values.get("scales") or []), "valid_from": valid_from,
        "valid_to": values.get("valid_to"), "released": values.get("released", True),
        "currency": old.currency, "price_list_id": old.price_list_id,
        "note": values.get("note", old.note) or "",
        "turnover_period": values.get("turnover_period", old.turnover_period) or ""},
        succeed=True)


def condition_values(source, record_id: str | uuid.UUID) -> dict:
    """A stored record as the condition dialog shows it (numbers and codes, no ids)."""
    key = record_id.hex if isinstance(record_id, uuid.UUID) else str(record_id)
    conn = dbapi(source)
    row = conn.execute(_COLUMNS + "AND r.id = ?", (key,)).fetchone()
    if row is None:
        raise NotFound(_("This condition record does not exist any more."))
    raw = _raw_rows_from([row])[0]
    names = _target_names(conn, [raw])
    target, code = TARGETS[raw.kind], names.get(raw.target, ("", ""))[0]
    return {"type_code": raw.type_code, "key_kind": raw.kind.value,
            "article": code if target == "article" else "",
            "product_group": code if target == "product_group" else "",
            "applies_to": _applies_to(raw, names),
            "scales": [(s.threshold, s.value) for s in scales_from_json(raw.scales)],
            "valid_from": raw.valid_from, "valid_to": raw.valid_to,
            "released": raw.released, "note": raw.note, "turnover_period": raw.period,
            "currency": raw.currency}


def _raw_rows_from(rows) -> list[_Raw]:
    return [_Raw(rid, code, K(kind), k1, k2 or "", date.fromisoformat(first),
                 date.fromisoformat(end) if end else None, bool(released), currency or "EUR",
                 scales, note or "", period or "", price_list)
            for rid, code, kind, k1, k2, first, end, released, currency, scales, note, period,
            price_list in rows]


# -- the price check --------------------------------------------------------------------

@dataclass(frozen=True)
class PriceCheckLine:
    """A condition that changed the price: its type, whose record, the rate, the effect."""

    type_name: str
    source: str  # "price group and article PG2 / A-100"
    rate: str  # "€11.90" per unit, or "−10 %"
    value: str  # the effect on the line, "−€107.10"


@dataclass(frozen=True)
class PriceCheck:
    customer: str
    article: str
    quantity: Decimal
    on: date
    currency: str
    base_unit_price: Decimal
    net_unit_price: Decimal
    net_value: Decimal
    applied: tuple[PriceCheckLine, ...]
    document: tuple[PriceCheckLine, ...]  # freight, fees: per document, not in the price
    cash_discount: str  # "2 % within 14 days: €1.80 (not deducted)"; "" when none
    cash_discount_amount: Decimal | None
    explain: tuple[str, ...]  # the engine's decisions in words

    @property
    def rows(self) -> list[tuple[str, str]]:
        """The result as (label, value) lines for the panel."""
        rows = [(_("Base price per unit"), money_text(self.base_unit_price, self.currency))]
        rows += [(line.type_name, f"{line.rate} → {line.value}") for line in self.applied]
        rows += [(_("Net price per unit"), money_text(self.net_unit_price, self.currency)),
                 (_("Net value"), money_text(self.net_value, self.currency))]
        rows += [(line.type_name, _("{amount} per document").format(amount=line.value))
                 for line in self.document]
        if self.cash_discount:
            rows.append((_("Cash discount"), self.cash_discount))
        return rows


def price_check(source, customer_key: str | uuid.UUID, article_number: str, qty: Decimal,
                on: date) -> PriceCheck:
    """The price of ``qty`` of an article for the customer on a day, with the applied
    conditions and the engine's trace put in words (numbers and codes, no ids)."""
    conn = dbapi(source)
    customer = find_customer(conn, customer_key)
    article_number = (article_number or "").strip()
    if not article_number:
        raise ValidationFailed([FieldError(_("Price check"), _("Article"), _("is required"),
                                           key="article")])
    result = price_line(conn, customer.number, article_number, Decimal(qty), on)
    names = key_names(conn, result)
    types = types_by_code()
    currency = result.request.currency
    keys = {e.record_id: e.key for e in result.trace if e.verdict == "won" and e.record_id}
    applied = tuple(_check_line(a, keys, names, types, currency) for a in result.applied)
    document = tuple(_check_line(a, keys, names, types, currency) for a in result.document)
    text, amount = _cash_discount(result, customer, currency)
    article = _target_names(conn, [_Raw("", "", K.ARTICLE, result.request.article, "", on,
                                        None, True, currency, "[]", "", "", "")])
    return PriceCheck(
        customer.label, " ".join(article.get(result.request.article, (article_number,))),
        result.request.quantity, on, currency, result.base_unit_price,
        result.net_unit_price, result.net_value, applied, document, text, amount,
        tuple(explain_lines(result, names, types)))


def _check_line(applied, keys: dict, names: dict, types: dict, currency: str
                ) -> PriceCheckLine:
    ctype = types.get(applied.type_code)
    key = keys.get(applied.record_id, ())
    where = applied.key_kind.label
    if key:
        where += " " + " / ".join(names.get(part, "?") for part in key)
    if ctype is not None and ctype.calculation is Calculation.PERCENT:
        rate = percent_text(applied.rate)
    else:
        rate = money_text(applied.rate, currency)
    return PriceCheckLine(ctype.name if ctype else applied.type_code, where, rate,
                          money_text(applied.value, currency))


def _cash_discount(result: PriceResult, customer: ConditionCustomer, currency: str
                   ) -> tuple[str, Decimal | None]:
    """The first cash-discount stage of the payment terms: shown, never deducted."""
    if result.cash_discount is not None:
        percent, days, amount = result.cash_discount
    elif customer.cash_discounts:
        percent, days = customer.cash_discounts[0]
        amount = round_money(result.net_value * percent / 100, currency)
    else:
        return "", None
    return _("{percent} within {days} days = {amount} (not deducted)").format(
        percent=percent_text(percent), days=days, amount=money_text(amount, currency)), amount


def explain_lines(result: PriceResult, names: dict[str, str],
                  types: dict[str, ConditionType]) -> list[str]:
    """The trace as sentences: which record of which type was used or passed over, and
    why; keys by number or code (record ids stay out)."""
    verdicts = {"won": _("used"), "lost": _("not used"), "none": _("none found")}
    lines = []
    for entry in result.trace:
        lines.append(_explain(entry, names, types, verdicts))
    return lines


def _explain(entry: TraceEntry, names: dict, types: dict, verdicts: dict) -> str:
    ctype = types.get(entry.type_code)
    kind = ctype.name if ctype else entry.type_code
    if entry.key_kind is None:
        return f"{kind}: {entry.reason}" if kind else entry.reason
    where = entry.key_kind.label
    if entry.key:
        where += " " + " / ".join(names.get(part, "?") for part in entry.key)
    return _("{type}: {key} – {verdict} ({reason})").format(
        type=kind, key=where, verdict=verdicts.get(entry.verdict, entry.verdict),
        reason=entry.reason)
