"""Price lists: their items, import and export as xlsx or csv, and a new price for one
article in every list.

A list's items are base-price condition records (type PRICE) that name the list, keyed
by (price group, article) when the list has a price group and by the article alone for
the general list. A price is never changed in place: a new price is a new record from
its first day, and the record in force then ends the day before (``save_condition``
with ``succeed``). An unchanged price writes nothing.

File format (export writes it, import reads it; xlsx or csv as customer_table writes
them): one row per article; headers in English or German, in any order and case.

    Article number | Name        | Unit    | Price | From qty 2 | Price 2 | From qty 3 | …
    Artikelnummer  | Bezeichnung | Einheit | Preis | Ab Menge 2 | Preis 2 | Ab Menge 3 | …

- Article number and Price are required. Price is the unit price from quantity 0, or
  from "From qty" (Ab Menge) when that optional column is filled.
- "From qty n" and "Price n" (n = 2, 3, …) are further quantity scales: both filled or
  both empty, the quantities rising from left to right.
- Prices are unit prices in the list's currency: not negative, at most four decimal
  places. Name and Unit are there for reading; the import ignores them.
- Every row is checked first. Any error (unknown article, an article twice, a bad or
  negative price, quantities not rising, a price that would overlap one that cannot be
  ended) imports nothing and writes an error report next to the file
  (``NAME.errors.xlsx`` or ``.csv``) naming the row, the article, the column and the
  problem. Otherwise every new or changed price is written in one transaction.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from salesdesk.domain.errors import FieldError, NotFound, ValidationFailed
from salesdesk.domain.money import STORAGE_PLACES, round_money
from salesdesk.domain.pricing import HUNDRED, KeyKind, Scale
from salesdesk.i18n import _, current_language
from salesdesk.reports import customer_table as table
from salesdesk.services.pricing import get_article, save_condition, scales_from_json
from salesdesk.store.engine import Store, dbapi

if TYPE_CHECKING:
    from salesdesk.services.price_list_import import PriceListImportResult

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]

PRICE = "PRICE"
_PLACES = Decimal(1).scaleb(-STORAGE_PLACES)

# The headers are a file format shared by export and import: spelled out here, not in
# the catalog, so an edited translation never makes older files unreadable.
_FIXED = {
    "article": ("Article number", "Artikelnummer", "Article no.", "Article", "Artikel",
                "Artikel-Nr.", "Artikelnr", "Item number", "Item no.", "Item", "SKU",
                "Material", "Materialnummer"),
    "name": ("Name", "Bezeichnung", "Article name", "Artikelbezeichnung", "Artikelname",
             "Description", "Beschreibung"),
    "unit": ("Unit", "Einheit", "Mengeneinheit", "ME", "Unit of measure", "UoM"),
}
_HEADERS = {"article": ("Article number", "Artikelnummer"), "name": ("Name", "Bezeichnung"),
            "unit": ("Unit", "Einheit")}
_FROM = re.compile(r"(?:fromqty|fromquantity|abmenge|staffelmenge|minqty|mindestmenge|"
                   r"menge|qty|quantity)(\d*)")
_PRICE = re.compile(r"(?:price|preis|unitprice|einzelpreis|staffelpreis|listprice|"
                    r"listenpreis|nettopreis|netprice)(\d*)")
_ALIASES = {table.header_key(name): key for key, names in _FIXED.items() for name in names}


# ---- reading the store -----------------------------------------------------------------

@dataclass(frozen=True)
class PriceListInfo:
    code: str
    name: str
    currency: str
    price_group: str  # its code; "" for the general list
    valid_from: date
    valid_to: date | None
    items: int  # articles priced on the day asked (default today)


@dataclass(frozen=True)
class PriceListItem:
    article: str
    name: str
    unit: str
    scales: tuple[tuple[Decimal, Decimal], ...]  # (from quantity, unit price), rising
    valid_from: date
    valid_to: date | None
    currency: str
    released: bool


@dataclass(frozen=True)
class StoredList:
    """A price list as the store keeps it (ids in hex): what its prices are keyed by."""

    id: str
    code: str
    name: str
    currency: str
    price_group_id: str | None
    price_group: str
    valid_from: date
    valid_to: date | None

    @property
    def key_kind(self) -> KeyKind:
        return KeyKind.PRICE_GROUP_ARTICLE if self.price_group_id else KeyKind.ARTICLE

    def key(self, article_id: str) -> tuple[str, ...]:
        return (self.price_group_id, article_id) if self.price_group_id else (article_id,)


_LIST_SQL = ("SELECT l.id, l.code, l.name, l.currency, l.price_group_id, coalesce(g.code, ''), "
             "l.valid_from, l.valid_to FROM price_list l "
             "LEFT JOIN price_group g ON g.id = l.price_group_id WHERE l.deleted_at IS NULL ")
_VALID_ON = "r.valid_from <= ? AND (r.valid_to IS NULL OR r.valid_to >= ?)"


def _stored_list(row) -> StoredList:
    return StoredList(row[0], row[1], row[2], row[3], row[4], row[5],
                      date.fromisoformat(row[6]), _day(row[7]))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def find_price_list(source, code: str) -> StoredList:
    row = dbapi(source).execute(_LIST_SQL + "AND l.code = ? COLLATE NOCASE",
                                (code.strip(),)).fetchone()
    if row is None:
        raise NotFound(_("There is no price list {code}.").format(code=code))
    return _stored_list(row)


def list_price_lists(source, *, on: date | None = None) -> list[PriceListInfo]:
    """Every price list by code, with the number of articles it prices on ``on``."""
    on = on or date.today()
    conn = dbapi(source)
    counts = dict(conn.execute(
        "SELECT r.price_list_id, count(*) FROM condition_record r WHERE r.type_code = ? AND "
        f"r.price_list_id IS NOT NULL AND r.deleted_at IS NULL AND {_VALID_ON} "
        "GROUP BY r.price_list_id", (PRICE, on.isoformat(), on.isoformat())))
    lists = [_stored_list(row) for row in conn.execute(_LIST_SQL + "ORDER BY l.code")]
    return [PriceListInfo(p.code, p.name, p.currency, p.price_group, p.valid_from, p.valid_to,
                          counts.get(p.id, 0)) for p in lists]


def price_list_items(source, code: str, on: date, *, language: str = ""
                     ) -> list[PriceListItem]:
    """The list's prices valid on ``on``, by article number (names in ``language``)."""
    conn = dbapi(source)
    plist = find_price_list(conn, code)
    rows = conn.execute(
        "SELECT a.number, a.name, a.names, a.unit, r.scales, r.valid_from, r.valid_to, "
        "r.currency, r.released FROM condition_record r JOIN article a ON a.id = "
        "CASE r.key2 WHEN '' THEN r.key1 ELSE r.key2 END "
        "WHERE r.price_list_id = ? AND r.type_code = ? AND r.deleted_at IS NULL "
        f"AND a.deleted_at IS NULL AND {_VALID_ON} ORDER BY a.number",
        (plist.id, PRICE, on.isoformat(), on.isoformat()))
    items = []
    for number, name, names, unit, scales, first, last, currency, released in rows:
        translated = json.loads(names).get(language, "") if names and language else ""
        items.append(PriceListItem(
            number, translated or name, unit,
            tuple((s.threshold, s.value) for s in scales_from_json(scales)),
            date.fromisoformat(first), _day(last), currency, bool(released)))
    return items


# ---- export ----------------------------------------------------------------------------

def scale_header(kind: str, n: int, language: str) -> str:
    english, german = ("From qty", "Ab Menge") if kind == "from" else ("Price", "Preis")
    word = german if language == "de" else english
    return word if n == 1 else f"{word} {n}"


def export_price_list(source, code: str, path: Path, on: date) -> int:
    """Write the list's prices valid on ``on`` in the import format; returns the rows.
    Headers are German when the app speaks German, else English."""
    path = Path(path)
    table.file_kind(path)  # an unsupported name fails before the database is read
    plist = find_price_list(source, code)
    language = current_language()
    items = price_list_items(source, plist.code, on, language=language)
    width = max((len(item.scales) for item in items), default=1)
    lead = any(item.scales[0][0] != 0 for item in items)  # a first price not from 0
    # two places shown where every price has them; others keep Excel's General format
    money = table.MONEY if all(round_money(price, plist.currency) == price for item in items
                               for _threshold, price in item.scales) else table.TEXT
    pick = 1 if language == "de" else 0
    columns = [(_HEADERS[key][pick], table.TEXT) for key in ("article", "name", "unit")]
    if lead:
        columns.append((scale_header("from", 1, language), table.TEXT))
    columns.append((scale_header("price", 1, language), money))
    for n in range(2, width + 1):
        columns += [(scale_header("from", n, language), table.TEXT),
                    (scale_header("price", n, language), money)]
    rows = [_export_row(item, width, lead) for item in items]
    return table.write_table(path, [h for h, _kind in columns], rows,
                             kinds=[kind for _h, kind in columns],
                             title=re.sub(r"[\[\]:*?/\\]", "-", plist.code))


def _export_row(item: PriceListItem, width: int, lead: bool) -> list:
    row: list = [item.article, item.name, item.unit]
    (first, price), *rest = item.scales
    row += [first, price] if lead else [price]
    for n in range(width - 1):
        row += list(rest[n]) if n < len(rest) else [None, None]
    return row


# ---- shared with the import (services/price_list_import.py) --------------------------

@dataclass(frozen=True)
class StoredPrice:
    """A base-price record of one key, as far as following it needs."""

    valid_from: date
    valid_to: date | None
    scales: tuple[Scale, ...]
    price_list_id: str | None
    currency: str

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def map_price_headers(headers: list[object]) -> table.HeaderMap:
    """Match a file's headers to the columns (keys article, name, unit, from:N,
    price:N), tolerant of order, case and spelling."""
    found = table.HeaderMap()
    for position, header in enumerate(headers):
        text = "" if header is None else str(header).strip()
        if not text:
            continue
        key = _header(text)
        if key is None:
            found.unknown.append(text)
        elif key in found.index:
            found.repeated.append(text)
        else:
            found.index[key] = position
            found.headers[key] = text
    return found


def _header(text: str) -> str | None:
    reduced = table.header_key(text)
    if reduced in _ALIASES:
        return _ALIASES[reduced]
    for kind, pattern in (("from", _FROM), ("price", _PRICE)):
        match = pattern.fullmatch(reduced)
        if match and match.group(1) != "0":
            return f"{kind}:{int(match.group(1) or 1)}"
    return None


def stored_prices(session: Session, plist: StoredList) -> dict[str, list[StoredPrice]]:
    """Every price record of the list's key kind (any list), by article id."""
    sql = ("SELECT key1, key2, valid_from, valid_to, scales, price_list_id, currency "
           "FROM condition_record WHERE type_code = ? AND key_kind = ? AND deleted_at IS NULL")
    params = [PRICE, plist.key_kind.value]
    if plist.price_group_id:
        sql += " AND key1 = ?"
        params.append(plist.price_group_id)
    found: dict[str, list[StoredPrice]] = defaultdict(list)
    for key1, key2, first, last, scales, list_id, currency in dbapi(session).execute(
            sql, params):
        found[key2 or key1].append(StoredPrice(date.fromisoformat(first), _day(last),
                                               scales_from_json(scales), list_id, currency))
    return found


def why_blocked(records: list[StoredPrice], valid_from: date) -> str | None:
    """Why a new price from ``valid_from`` cannot follow these records (None: it can)."""
    same_day = [r for r in records if r.valid_from == valid_from]
    if same_day:
        return _("a price from {day} exists already and is not overwritten; choose a later "
                 "day").format(day=valid_from.isoformat())
    later = min((r.valid_from for r in records if r.valid_from > valid_from), default=None)
    if later is not None:
        return _("a price from {day} on exists already; this one would overlap it").format(
            day=later.isoformat())
    return None


def tidy_scales(scales: tuple[Scale, ...], currency: str) -> tuple[Scale, ...]:
    """The same scales written as people read them: whole quantities without places
    (100, not 100.0), prices with the currency's places where that loses nothing (14.00,
    not 14; 0.1234 stays)."""
    return tuple(Scale(_whole(s.threshold), _cents(s.value, currency)) for s in scales)


def _whole(value: Decimal) -> Decimal:
    return value.to_integral_value() if value % 1 == 0 else value


def _cents(value: Decimal, currency: str) -> Decimal:
    cents = round_money(value, currency)
    return cents if cents == value else value


def price_values(plist: StoredList, article_id: str, scales: tuple[Scale, ...],
                 valid_from: date, note: str) -> dict:
    """What save_condition needs for one price of the list."""
    return {"type_code": PRICE, "key_kind": plist.key_kind, "key": plist.key(article_id),
            "valid_from": valid_from, "valid_to": plist.valid_to,
            "scales": tidy_scales(scales, plist.currency),
            "released": True, "currency": plist.currency,
            "price_list_id": uuid.UUID(plist.id), "note": note}


def import_price_list(
    store: Store,
    path: Path,
    *,
    list_code: str,
    valid_from: date,
    dry_run: bool = False,
    report: Path | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> PriceListImportResult:
    """Check every row of ``path``, then write its new and changed prices into the list
    from ``valid_from`` in one transaction; with any error nothing, and an error report
    (module doc; services/price_list_import.py does the work)."""
    from salesdesk.services.price_list_import import run_import

    return run_import(store, path, list_code=list_code, valid_from=valid_from,
                      dry_run=dry_run, report=report, progress=progress, cancel=cancel)


# ---- one article in every list ---------------------------------------------------------

@dataclass(frozen=True)
class PriceChange:
    """A new price of one article in one list: the scales before and from the new day."""

    list_code: str
    currency: str
    old: tuple[Scale, ...]
    new: tuple[Scale, ...]

    @property
    def old_price(self) -> Decimal:
        return self.old[0].value

    @property
    def new_price(self) -> Decimal:
        return self.new[0].value


def update_article_in_all_price_lists(
    session: Session,
    article_number: str,
    *,
    valid_from: date,
    amount: Decimal | None = None,
    percent: Decimal | None = None,
) -> list[PriceChange]:
    """A new price from ``valid_from`` for one article in every list that prices it that
    day: ``amount`` (the unit price from the first quantity; further scales keep their
    proportion to it) or ``percent`` more (negative: less) on every scale, rounded
    half-up to the currency's minor unit. The records in force end the day before; a
    list whose price stays the same is left alone. Nothing is written when a check fails.
    """
    article = get_article(session, article_number)
    record = _("Article {number}").format(number=article.number)
    _check_change(record, amount, percent)
    found = _article_prices(session, article.id.hex, valid_from)
    if not found:
        raise NotFound(_("Article {number} is in no price list on {day}.").format(
            number=article.number, day=valid_from.isoformat()))
    if amount is not None and len({plist.currency for plist, _r, _o in found}) > 1:
        raise ValidationFailed([FieldError(record, _("Price"), _(
            "the article is in price lists in {currencies}: give a percentage instead").format(
                currencies=", ".join(sorted({p.currency for p, _r, _o in found}))),
            key="amount")])
    changes = []
    for plist, current, others in found:
        new = tidy_scales(_new_scales(current.scales, amount, percent, plist.currency),
                          plist.currency)
        if any(scale.value < 0 for scale in new):
            raise ValidationFailed([FieldError(record, _("Price"), _(
                "would be negative in price list {code}").format(code=plist.code),
                key="percent")])
        if new == current.scales:
            continue
        reason = why_blocked(others, valid_from)
        if reason is not None:
            raise ValidationFailed([FieldError(
                _("Price list {code}, article {number}").format(code=plist.code,
                                                                number=article.number),
                _("Valid from"), reason, key="valid_from")])
        changes.append((plist, PriceChange(plist.code, plist.currency, current.scales, new)))
    with session.begin_nested():  # a refusal half-way leaves no record behind
        for plist, change in changes:
            values = price_values(plist, article.id.hex, change.new, valid_from,
                                  _("Price changed in all price lists"))
            save_condition(session, values, succeed=True)
    return [change for _plist, change in changes]


def _check_change(record: str, amount: Decimal | None, percent: Decimal | None) -> None:
    if amount is not None and percent is not None:
        problem, key = _("give either a new price or a percentage, not both"), "amount"
    elif amount is None and percent is None:
        problem, key = _("give a new price or a percentage"), "amount"
    elif amount is not None and amount < 0:
        problem, key = _("cannot be negative"), "amount"
    elif amount is not None and amount != amount.quantize(_PLACES):
        problem, key = _("has more than {places} decimal places").format(
            places=STORAGE_PLACES), "amount"
    elif percent is not None and percent < -HUNDRED:
        problem, key = _("{percent} % would make the price negative").format(
            percent=percent), "percent"
    else:
        return
    raise ValidationFailed([FieldError(record, _("Price"), problem, key=key)])


def _article_prices(session: Session, article_id: str, on: date
                    ) -> list[tuple[StoredList, StoredPrice, list[StoredPrice]]]:
    """(list, its record in force on ``on``, every record of that key) per list."""
    rows = dbapi(session).execute(
        "SELECT key_kind, key1, valid_from, valid_to, scales, price_list_id, currency "
        "FROM condition_record WHERE type_code = ? AND deleted_at IS NULL AND "
        "((key_kind = ? AND key1 = ?) OR (key_kind = ? AND key2 = ?))",
        (PRICE, KeyKind.ARTICLE.value, article_id, KeyKind.PRICE_GROUP_ARTICLE.value,
         article_id))
    by_key: dict[tuple[str, str], list[StoredPrice]] = defaultdict(list)
    for kind, key1, first, last, scales, list_id, currency in rows:
        by_key[(kind, key1)].append(StoredPrice(date.fromisoformat(first), _day(last),
                                                scales_from_json(scales), list_id, currency))
    lists = {p.id: p for p in (_stored_list(r) for r in dbapi(session).execute(_LIST_SQL))}
    found = []
    for records in by_key.values():
        current = next((r for r in records if r.valid_on(on) and r.price_list_id), None)
        if current is not None and current.price_list_id in lists:
            found.append((lists[current.price_list_id], current, records))
    return sorted(found, key=lambda item: item[0].code)


def _new_scales(old: tuple[Scale, ...], amount: Decimal | None, percent: Decimal | None,
                currency: str) -> tuple[Scale, ...]:
    if percent is not None:
        return tuple(Scale(s.threshold, round_money(s.value * (HUNDRED + percent) / HUNDRED,
                                                    currency)) for s in old)
    first, *rest = old
    if first.value == 0:  # nothing to keep in proportion: one price for every quantity
        return (Scale(first.threshold, amount),)
    return (Scale(first.threshold, amount), *(
        Scale(s.threshold, round_money(s.value * amount / first.value, currency))
        for s in rest))

