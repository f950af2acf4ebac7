"""Prices from the store: condition records saved with their checks, and the engine of
domain/pricing.py fed from the store (``price_line``).

Keys in condition records are the ids (hex) of customers, articles, product groups,
price groups and customer groups, so renaming a code never breaks a price.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesdesk.domain.errors import FieldError, NotFound, ValidationFailed
from salesdesk.domain.pricing import ConditionRecord as Rule
from salesdesk.domain.pricing import (
    ConditionType,
    KeyKind,
    PriceRequest,
    PriceResult,
    Scale,
    ScaleBasis,
    Step,
    check_base_price,
    check_no_overlap,
    check_scales,
    price,
    standard_types,
)
from salesdesk.i18n import _
from salesdesk.store.engine import dbapi
from salesdesk.store.models import Article, ConditionRecord

TURNOVER_PERIODS = ("month", "quarter", "half_year", "year")
_KEY_PARTS = {
    KeyKind.CUSTOMER_ARTICLE: 2, KeyKind.CUSTOMER_PRODUCT_GROUP: 2,
    KeyKind.PRICE_GROUP_ARTICLE: 2, KeyKind.CUSTOMER_GROUP_PRODUCT_GROUP: 2,
    KeyKind.PRODUCT_GROUP: 1, KeyKind.ARTICLE: 1, KeyKind.CUSTOMER: 1,
}


def types_by_code() -> dict[str, ConditionType]:
    return {t.code: t for t in standard_types()}


def scales_to_json(scales: list[Scale] | tuple[Scale, ...]) -> str:
    return json.dumps([[str(s.threshold), str(s.value)] for s in scales])


@lru_cache(maxsize=4096)
def scales_from_json(text: str) -> tuple[Scale, ...]:
    """A stored scale (cached: many records share the same few scales, and the parsed
    value is immutable)."""
    return tuple(Scale(Decimal(t), Decimal(v)) for t, v in json.loads(text))


def _rule(row) -> Rule:
    key = (row.key1,) if not row.key2 else (row.key1, row.key2)
    return Rule(row.id.hex if isinstance(row.id, uuid.UUID) else row.id, row.type_code,
                KeyKind(row.key_kind), key, row.valid_from, row.valid_to,
                scales_from_json(row.scales), row.released, row.turnover_period, row.currency)


def save_condition(session: Session, values: dict, *, succeed: bool = False
                   ) -> ConditionRecord:
    """A new condition record after its checks: a known type and key, scales rising,
    percentages within ±100, no negative price, no overlap with a record of the same
    type and key. Nothing is written when a check fails.

    ``succeed``: the new record follows the one in force on its first day, which is
    ended the day before (its values stay as they were: history is never overwritten).
    """
    types = types_by_code()
    ctype = types.get(values.get("type_code", ""))
    record_name = _("Condition {type}").format(type=values.get("type_code", "?"))
    if ctype is None:
        raise ValidationFailed([FieldError(record_name, _("Kind of condition"),
                                           _("is not known"), key="type_code")])
    kind = KeyKind(values["key_kind"])
    if kind not in ctype.access:
        raise ValidationFailed([FieldError(record_name, _("Key"), _(
            "{type} is not keyed by {key}").format(type=ctype.code, key=kind.label),
            key="key_kind")])
    key = tuple(values["key"])
    if len(key) != _KEY_PARTS[kind] or not all(key):
        raise ValidationFailed([FieldError(record_name, _("Key"), _("is incomplete"),
                                           key="key")])
    scales = tuple(values["scales"])
    check_scales(record_name, scales, ctype.calculation)
    if ctype.step is Step.BASE:
        check_base_price(record_name, scales)
    valid_from, valid_to = values["valid_from"], values.get("valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed([FieldError(record_name, _("Valid to"),
                                           _("is before the start"), key="valid_to")])
    period = values.get("turnover_period", "") or ""
    if ctype.scale_basis is ScaleBasis.TURNOVER and period not in TURNOVER_PERIODS:
        raise ValidationFailed([FieldError(record_name, _("Turnover period"), _(
            "must be month, quarter, half year or year"), key="turnover_period")])
    if ctype.scale_basis is not ScaleBasis.TURNOVER:
        period = ""
    currency = values.get("currency", "EUR")
    new = Rule("new", ctype.code, kind, key, valid_from, valid_to, scales,
               values.get("released", True), period, currency)
    same_key = session.scalars(select(ConditionRecord).where(
        ConditionRecord.type_code == ctype.code, ConditionRecord.key_kind == kind.value,
        ConditionRecord.key1 == key[0], ConditionRecord.key2 == (key[1] if len(key) > 1
                                                                 else ""),
        ConditionRecord.deleted_at.is_(None)))
    # amounts in different currencies (a list price in EUR and one in CHF) live side by
    # side: the line's currency picks one
    same_key = [r for r in same_key if not ctype.in_money or r.currency == currency]
    if succeed:
        for row in same_key:
            if row.valid_from < valid_from and (row.valid_to is None or
                                                row.valid_to >= valid_from):
                row.valid_to = valid_from - timedelta(days=1)
    check_no_overlap(record_name, new, [_rule(r) for r in same_key])
    row = ConditionRecord(
        type_code=ctype.code, key_kind=kind.value, key1=key[0],
        key2=key[1] if len(key) > 1 else "", valid_from=valid_from, valid_to=valid_to,
        released=new.released, currency=currency,
        scales=scales_to_json(scales), price_list_id=values.get("price_list_id"),
        note=values.get("note", ""), turnover_period=period)
    session.add(row)
    session.flush()
    return row


_KINDS = {kind.value: kind for kind in KeyKind}
_day = lru_cache(maxsize=4096)(date.fromisoformat)  # validity dates repeat a lot
_MAX_KEYS = 200_000  # records of this many keys at most are kept per connection
_SHARED: dict[int, _Shared] = {}  # id(connection) → what its books have read


_KIND_SETS: dict[int, tuple] = {}  # id(types) → (types, kinds); see domain.pricing._plan


def _kinds(types: tuple[ConditionType, ...]) -> tuple[KeyKind, ...]:
    """Every key kind some type looks up, each once."""
    known = _KIND_SETS.get(id(types))
    if known is None or known[0] is not types:
        if len(_KIND_SETS) > 16:
            _KIND_SETS.clear()
        known = _KIND_SETS[id(types)] = (
            types, tuple({kind: None for ctype in types for kind in ctype.access}))
    return known[1]


class _Shared:
    """What books on one connection have read, kept while the store is unchanged: the
    stamp is SQLite's data_version (commits by other connections) and the connection's
    own total_changes (its writes, committed or not), so a change anywhere starts afresh.
    """

    def __init__(self, conn, stamp):
        self.conn, self.stamp = conn, stamp  # holds the connection: its id stays its own
        self.read: set[tuple[str, str, str]] = set()  # (kind, key1, key2) read already
        self.records: dict[tuple[str, str, str, str], list[Rule]] = {}
        self.customers: dict[str, tuple] = {}  # number or id → id, groups, currency
        self.articles: dict[str, tuple] = {}  # number or id → id, its product groups
        self.parents: dict[str, str | None] | None = None

    @classmethod
    def of(cls, conn) -> _Shared:
        if conn.in_transaction:  # what it reads may still be rolled back: keep it private
            return cls(conn, None)
        stamp = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
        shared = _SHARED.get(id(conn))
        if (shared is None or shared.conn is not conn or shared.stamp != stamp
                or len(shared.read) + len(shared.customers) + len(shared.articles) > _MAX_KEYS):
            shared = _SHARED[id(conn)] = cls(conn, stamp)
            while len(_SHARED) > 8:  # closed connections of earlier stores go first
                del _SHARED[next(iter(_SHARED))]
        return shared

    def keep_private(self) -> None:
        """Called before reading inside a transaction: whatever is read from now on may
        be rolled back, so later books must not see it."""
        if self.stamp is not None and _SHARED.get(id(self.conn)) is self:
            del _SHARED[id(self.conn)]
        self.stamp = None


class ConditionBook:
    """The engine's lookup over the store (plain SQL on a Session or a reader). For each
    line it reads, in one query, every record any condition type could use for that
    line's keys that no book on this connection has read since the store last changed;
    so a sheet reads the customer's records once, and a price check after the first
    reads only what is new to it (the article list price, the price groups' prices …)."""

    _COLUMNS = ("SELECT id, type_code, key_kind, key1, key2, valid_from, valid_to, released, "
                "scales, turnover_period, currency FROM condition_record "
                "WHERE deleted_at IS NULL AND ")

    def __init__(self, source):
        self._conn = dbapi(source)
        shared = _Shared.of(self._conn)
        self._shared = shared
        self._read = shared.read
        self._records = shared.records

    def __call__(self, type_code: str, kind: KeyKind, key: tuple[str, ...]) -> list[Rule]:
        # _value_ is the member's plain attribute: .value goes through a descriptor, and
        # this runs a dozen times per line
        wanted = (kind._value_, key[0], key[1] if len(key) > 1 else "")
        if wanted not in self._read:
            self._fetch([wanted])
        return self._records.get((type_code, *wanted), [])

    def prepare(self, request: PriceRequest, types: tuple[ConditionType, ...]) -> None:
        """Read every record this line could use, in one query."""
        keys = request.keys
        read = self._read
        wanted = {want for kind in _kinds(types) for key in keys[kind]
                  if (want := (kind._value_, key[0], key[1] if len(key) > 1 else ""))
                  not in read}
        if wanted:
            self._fetch(list(wanted))

    def _fetch(self, wanted: list[tuple[str, str, str]]) -> None:
        if self._conn.in_transaction:
            self._shared.keep_private()
        for start in range(0, len(wanted), 100):
            chunk = wanted[start : start + 100]
            # one indexed search per key, joined by OR (SQLite's OR-by-union plan); a
            # row-value IN (VALUES …) would scan the table
            terms = " OR ".join("(key_kind = ? AND key1 = ? AND key2 = ?)" for _ in chunk)
            rows = self._conn.execute(self._COLUMNS + f"({terms})",
                                      [part for key in chunk for part in key])
            for rid, code, k, k1, k2, first, end, released, scales, period, money in rows:
                self._records.setdefault((code, k, k1, k2), []).append(Rule(
                    rid, code, _KINDS[k], (k1,) if not k2 else (k1, k2), _day(first),
                    _day(end) if end else None, scales_from_json(scales), bool(released),
                    period, money))
            self._read.update(chunk)

    def party(self, customer: str, article: str) -> LineParty:
        """Customer, article and the article's product groups; each customer and article
        is read once while the store is unchanged."""
        shared = self._shared
        who = shared.customers.get(customer)
        if who is None:
            if self._conn.in_transaction:
                shared.keep_private()
            who = shared.customers[customer] = self._conn.execute(
                "SELECT id, coalesce(customer_group_id, ''), coalesce(price_group_id, ''), "
                "currency FROM customer WHERE (number = ? OR id = ?) AND deleted_at IS NULL",
                (customer.strip().upper(), customer)).fetchone()
            if who is None:
                del shared.customers[customer]
                raise NotFound(_("There is no customer {key}.").format(key=customer))
        what = shared.articles.get(article)
        if what is None:
            if self._conn.in_transaction:
                shared.keep_private()
            row = self._conn.execute(
                "SELECT id, product_group_id FROM article WHERE (number = ? OR id = ?) "
                "AND deleted_at IS NULL", (article.strip(), article)).fetchone()
            if row is None:
                raise NotFound(_("There is no article {key}.").format(key=article))
            parents, groups, group = self.parents(), [], row[1]
            while group and group not in groups:  # the group, then its parents
                groups.append(group)
                group = parents.get(group)
            what = shared.articles[article] = (row[0], tuple(groups))
        return LineParty(who[0], who[1], who[2], who[3], what[0], what[1])

    def parents(self) -> dict[str, str | None]:
        """Each product group's parent (read once while the store is unchanged)."""
        shared = self._shared
        if shared.parents is None:
            if self._conn.in_transaction:
                shared.keep_private()
            shared.parents = dict(self._conn.execute(
                "SELECT id, parent_id FROM product_group WHERE deleted_at IS NULL"))
        return shared.parents


@dataclass(frozen=True)
class LineParty:
    """What the engine needs to know about a customer and an article."""

    customer: str
    customer_group: str
    price_group: str
    currency: str
    article: str
    product_groups: tuple[str, ...]


def price_line(source, customer: str, article: str, quantity: Decimal, on: date, *,
               book: ConditionBook | None = None,
               turnover: Decimal | Mapping[str, Decimal] | None = None) -> PriceResult:
    """The price of ``quantity`` of an article for a customer on a day (numbers or ids).
    Pass one ``book`` for many lines of a customer (a sheet): its records are read once.
    ``turnover``: the customer's turnover for the bonus; by default what the store knows
    of the last complete period of each bonus record (services/turnover.py), read only
    when a bonus record asks for it."""
    book = book or ConditionBook(source)
    party = book.party(customer, article)
    request = PriceRequest(
        customer=party.customer, article=party.article, quantity=Decimal(quantity), on=on,
        currency=party.currency, customer_group=party.customer_group,
        price_group=party.price_group, product_groups=party.product_groups,
        turnover=turnover if turnover is not None else StoredTurnover(book._conn,
                                                                       party.customer, on))
    types = standard_types()
    book.prepare(request, types)
    return price(request, types, book)


class StoredTurnover(Mapping):
    """A customer's turnover per bonus period (the last complete one before ``on``), read
    from the store on first use and kept."""

    def __init__(self, conn, customer: str, on: date):
        self._conn, self._customer, self._on = conn, customer, on
        self._known: dict[str, Decimal] = {}

    def __getitem__(self, period: str) -> Decimal:
        if period not in TURNOVER_PERIODS:
            raise KeyError(period)
        if period not in self._known:
            from salesdesk.services.turnover import turnover_in_period

            self._known[period] = turnover_in_period(self._conn, self._customer, period,
                                                     self._on)
        return self._known[period]

    def __iter__(self):
        return iter(TURNOVER_PERIODS)

    def __len__(self) -> int:
        return len(TURNOVER_PERIODS)


def key_names(source, result: PriceResult) -> dict[str, str]:
    """Readable names for the ids in a trace: customer and article numbers, group codes."""
    conn = dbapi(source)
    ids = sorted({part for entry in result.trace for part in entry.key})
    names: dict[str, str] = {}
    if not ids:
        return names
    marks = ", ".join("?" * len(ids))
    for table, column in (("customer", "number"), ("article", "number"),
                          ("product_group", "code"), ("price_group", "code"),
                          ("customer_group", "code")):
        names.update(dict(conn.execute(
            f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", ids)))
    return names


def get_article(session: Session, key: str) -> Article:
    article = session.scalar(select(Article).where(Article.number == key.strip()))
    if article is None:
        raise NotFound(_("There is no article {key}.").format(key=key))
    return article

