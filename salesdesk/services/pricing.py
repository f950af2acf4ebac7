"""Prices from the store: condition records saved with their checks, and the engine of
domain/pricing.py fed from the store (``price_line``).

Keys in condition records are the ids (hex) of customers, articles, product groups,
price groups and customer groups, so renaming a code never breaks a price.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

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

_KEY_PARTS = {
    KeyKind.CUSTOMER_ARTICLE: 2, KeyKind.CUSTOMER_PRODUCT_GROUP: 2,
    KeyKind.PRICE_GROUP_ARTICLE: 2, KeyKind.CUSTOMER_GROUP_PRODUCT_GROUP: 2,
    KeyKind.PRODUCT_GROUP: 1, KeyKind.ARTICLE: 1, KeyKind.CUSTOMER: 1,
}


def types_by_code() -> dict[str, ConditionType]:
    return {t.code: t for t in standard_types()}


def scales_to_json(scales: list[Scale] | tuple[Scale, ...]) -> str:
    return json.dumps([[str(s.threshold), str(s.value)] for s in scales])


def scales_from_json(text: str) -> tuple[Scale, ...]:
    return tuple(Scale(Decimal(t), Decimal(v)) for t, v in json.loads(text))


def _rule(row) -> Rule:
    key = (row.key1,) if not row.key2 else (row.key1, row.key2)
    return Rule(row.id.hex if isinstance(row.id, uuid.UUID) else row.id, row.type_code,
                KeyKind(row.key_kind), key, row.valid_from, row.valid_to,
                scales_from_json(row.scales), row.released)


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
    new = Rule("new", ctype.code, kind, key, valid_from, valid_to, scales,
               values.get("released", True))
    same_key = session.scalars(select(ConditionRecord).where(
        ConditionRecord.type_code == ctype.code, ConditionRecord.key_kind == kind.value,
        ConditionRecord.key1 == key[0], ConditionRecord.key2 == (key[1] if len(key) > 1
                                                                 else ""),
        ConditionRecord.deleted_at.is_(None)))
    same_key = list(same_key)
    if succeed:
        for row in same_key:
            if row.valid_from < valid_from and (row.valid_to is None or
                                                row.valid_to >= valid_from):
                row.valid_to = valid_from - timedelta(days=1)
    check_no_overlap(record_name, new, [_rule(r) for r in same_key])
    row = ConditionRecord(
        type_code=ctype.code, key_kind=kind.value, key1=key[0],
        key2=key[1] if len(key) > 1 else "", valid_from=valid_from, valid_to=valid_to,
        released=new.released, currency=values.get("currency", "EUR"),
        scales=scales_to_json(scales), price_list_id=values.get("price_list_id"),
        note=values.get("note", ""))
    session.add(row)
    session.flush()
    return row


class ConditionBook:
    """The engine's lookup over the store (plain SQL; a Session or a reader). Answers are
    kept for the book's life: price a sheet or a batch with one book."""

    _SQL = ("SELECT id, type_code, key_kind, key1, key2, valid_from, valid_to, released, "
            "scales FROM condition_record WHERE type_code = ? AND key_kind = ? AND key1 = ? "
            "AND key2 = ? AND deleted_at IS NULL")

    def __init__(self, source):
        self._conn = dbapi(source)
        self._cache: dict[tuple, list[Rule]] = {}

    def __call__(self, type_code: str, kind: KeyKind, key: tuple[str, ...]) -> list[Rule]:
        wanted = (type_code, kind.value, key[0], key[1] if len(key) > 1 else "")
        found = self._cache.get(wanted)
        if found is None:
            found = [
                Rule(rid, code, KeyKind(k), (k1,) if not k2 else (k1, k2),
                     date.fromisoformat(start), date.fromisoformat(end) if end else None,
                     scales_from_json(scales), bool(released))
                for rid, code, k, k1, k2, start, end, released, scales
                in self._conn.execute(self._SQL, wanted)]
            self._cache[wanted] = found
        return found


@dataclass(frozen=True)
class LineParty:
    """What the engine needs to know about a customer and an article."""

    customer: str
    customer_group: str
    price_group: str
    currency: str
    article: str
    product_groups: tuple[str, ...]


def _party(conn, customer: str, article: str) -> LineParty:
    row = conn.execute(
        "SELECT id, coalesce(customer_group_id, ''), coalesce(price_group_id, ''), currency "
        "FROM customer WHERE (number = ? OR id = ?) AND deleted_at IS NULL",
        (customer.strip().upper(), customer)).fetchone()
    if row is None:
        raise NotFound(_("There is no customer {key}.").format(key=customer))
    item = conn.execute(
        "SELECT id, product_group_id FROM article WHERE (number = ? OR id = ?) "
        "AND deleted_at IS NULL", (article.strip(), article)).fetchone()
    if item is None:
        raise NotFound(_("There is no article {key}.").format(key=article))
    groups, group = [], item[1]
    while group and group not in groups:  # the group, then its parents
        groups.append(group)
        parent = conn.execute("SELECT parent_id FROM product_group WHERE id = ?",
                              (group,)).fetchone()
        group = parent[0] if parent else None
    return LineParty(row[0], row[1], row[2], row[3], item[0], tuple(groups))


def price_line(source, customer: str, article: str, quantity: Decimal, on: date, *,
               book: ConditionBook | None = None, turnover: Decimal = Decimal(0)) -> PriceResult:
    """The price of ``quantity`` of an article for a customer on a day (numbers or ids)."""
    conn = dbapi(source)
    party = _party(conn, customer, article)
    request = PriceRequest(
        customer=party.customer, article=party.article, quantity=Decimal(quantity), on=on,
        currency=party.currency, customer_group=party.customer_group,
        price_group=party.price_group, product_groups=party.product_groups,
        turnover=turnover)
    return price(request, standard_types(), book or ConditionBook(conn))


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

