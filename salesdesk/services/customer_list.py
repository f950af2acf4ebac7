"""The customer list: filtered, searched, sorted pages of light rows (never all rows).

Plain SQL on the sqlite3 connection, so the list works before SQLAlchemy is loaded
(store/engine.py). Pass a Session (its connection, same transaction) or a sqlite3
connection such as ``Store.reader()``.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from salesdesk.domain.money import STORAGE_PLACES
from salesdesk.store.engine import dbapi, named_marks
from salesdesk.store.search import FTS_TABLE, match_expression

PAGE_SIZE = 200


@dataclass
class CustomerFilter:
    search: str = ""
    statuses: tuple[str, ...] = ()
    customer_group_id: uuid.UUID | None = None
    territory_id: uuid.UUID | None = None
    representative_id: uuid.UUID | None = None
    do_not_contact: bool | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerRow:
    id: uuid.UUID
    number: str
    name: str
    postal_code: str
    city: str
    country: str
    status: str
    group: str | None
    territory: str | None
    representative: str | None
    next_contact: date | None
    credit_limit: Decimal | None
    currency: str
    do_not_contact: bool


# column key → SQL used for sorting; each has an index on (column, number) so a page is
# read in order without sorting all rows (0002 migration)
SORT_COLUMNS = {
    "number": "c.number",
    "name": "c.name",
    "postal_code": "c.main_postal_code",
    "city": "c.main_city",
    "country": "c.main_country",
    "status": "c.status",
    "group": "g.code",
    "territory": "t.code",
    "representative": "r.display_name",
    "next_contact": "c.next_contact",
    "credit_limit": "c.credit_limit",
    "do_not_contact": "c.do_not_contact",
}
_SELECT = """
SELECT c.id, c.number, c.name, c.main_postal_code, c.main_city, c.main_country, c.status,
       g.code, t.code, r.display_name, c.next_contact, c.credit_limit, c.currency,
       c.do_not_contact
FROM customer c
LEFT JOIN customer_group g ON g.id = c.customer_group_id
LEFT JOIN territory t ON t.id = c.territory_id
LEFT JOIN user_account r ON r.id = c.representative_id
"""
# A search matching more than this share of all customers is "broad": the list then walks
# the sort column's index and tests each row against the hit list (built once), stopping
# after one page; a narrow search sorts its few hits instead. The unary + keeps SQLite
# from driving a broad query by search_key. benchmarks/search.py measures both shapes.
BROAD_SHARE = 0.04
_HITS = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match"


def search_hits(source, match: str) -> int:
    """How many live customers a search matches (tombstones are never indexed)."""
    return dbapi(source).execute(f"SELECT count(*) FROM ({_HITS})", {"match": match}).fetchone()[0]


def _where(conn, flt: CustomerFilter) -> tuple[list[str], dict]:
    clauses, params = ["c.deleted_at IS NULL"], {}
    match = match_expression(flt.search)
    if match is None and flt.search.strip():
        clauses.append("0")  # only punctuation typed: nothing can match
    elif match:
        params["match"] = match
        total = conn.execute("SELECT count(*) FROM customer").fetchone()[0] or 1
        broad = search_hits(conn, match) > BROAD_SHARE * total
        clauses.append(f"{'+' if broad else ''}c.search_key IN ({_HITS})")
    if flt.statuses:
        clauses.append(f"c.status IN ({named_marks('status', flt.statuses, params)})")
    for column, value in (("customer_group_id", flt.customer_group_id),
                          ("territory_id", flt.territory_id),
                          ("representative_id", flt.representative_id)):
        if value is not None:
            clauses.append(f"c.{column} = :{column}")
            params[column] = value.hex
    if flt.do_not_contact is not None:
        clauses.append("c.do_not_contact = :dnc")
        params["dnc"] = int(flt.do_not_contact)
    return clauses, params


def _row(raw: tuple) -> CustomerRow:
    (cid, number, name, postal_code, city, country, status, group, territory, rep,
     next_contact, credit_limit, currency, dnc) = raw
    return CustomerRow(
        uuid.UUID(hex=cid), number, name, postal_code, city, country, status, group, territory,
        rep, date.fromisoformat(next_contact) if next_contact else None,
        Decimal(credit_limit).scaleb(-STORAGE_PLACES) if credit_limit is not None else None,
        currency, bool(dnc),
    )


def list_customers(
    source,
    flt: CustomerFilter,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> list[CustomerRow]:
    """One page of the list, sorted by ``sort`` (a key of SORT_COLUMNS), ties by number."""
    conn = dbapi(source)
    clauses, params = _where(conn, flt)
    direction = "DESC" if descending else "ASC"
    sql = (f"{_SELECT} WHERE {' AND '.join(clauses)} "
           f"ORDER BY {SORT_COLUMNS[sort]} {direction}, c.number {direction} "
           f"LIMIT :limit OFFSET :offset")
    rows = conn.execute(sql, params | {"limit": limit, "offset": offset}).fetchall()
    return [_row(row) for row in rows]


def count_customers(source, flt: CustomerFilter) -> int:
    conn = dbapi(source)
    match = match_expression(flt.search)
    if match and flt == CustomerFilter(search=flt.search):
        return search_hits(conn, match)  # the index alone knows: no join needed
    clauses, params = _where(conn, flt)
    return conn.execute(f"SELECT count(*) FROM customer c WHERE {' AND '.join(clauses)}",
                        params).fetchone()[0]
