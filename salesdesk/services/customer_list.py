"""The customer list: filtered, searched, sorted pages of light rows (never all rows)."""

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, false, func, select, text
from sqlalchemy.orm import Session, aliased

from salesdesk.store.models import Customer, CustomerGroup, Territory, UserAccount
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


_group = aliased(CustomerGroup)
_territory = aliased(Territory)
_rep = aliased(UserAccount)

# column key → SQL expression used for sorting (each backed by an index or cheap)
SORT_COLUMNS = {
    "number": Customer.number,
    "name": Customer.name,
    "postal_code": Customer.main_postal_code,
    "city": Customer.main_city,
    "country": Customer.main_country,
    "status": Customer.status,
    "group": _group.code,
    "territory": _territory.code,
    "representative": _rep.display_name,
    "next_contact": Customer.next_contact,
    "credit_limit": Customer.credit_limit,
    "do_not_contact": Customer.do_not_contact,
}


# A search matching more than this share of all customers is "broad": the list then walks
# the sort column's index and tests each row against the hit list (built once), stopping
# after one page; a narrow search sorts its few hits instead. The unary + keeps SQLite
# from driving a broad query by search_key. benchmarks/search.py measures both shapes.
BROAD_SHARE = 0.04
_HITS = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match"


def search_hits(session: Session, match: str) -> int:
    """How many live customers a search matches (tombstones are never indexed)."""
    return session.execute(text(f"SELECT count(*) FROM ({_HITS})"), {"match": match}).scalar_one()


def _search(session: Session, query: Select, flt: CustomerFilter) -> Select:
    match = match_expression(flt.search)
    if match is None:
        return query.where(false()) if flt.search.strip() else query
    total = session.scalar(select(func.count()).select_from(Customer)) or 1
    if search_hits(session, match) > BROAD_SHARE * total:
        return query.where(text(f"+customer.search_key IN ({_HITS})").bindparams(match=match))
    return query.where(Customer.search_key.in_(text(_HITS).bindparams(match=match)))


def _filtered(session: Session, query: Select, flt: CustomerFilter) -> Select:
    query = _search(session, query.where(Customer.deleted_at.is_(None)), flt)
    if flt.statuses:
        query = query.where(Customer.status.in_(flt.statuses))
    if flt.customer_group_id:
        query = query.where(Customer.customer_group_id == flt.customer_group_id)
    if flt.territory_id:
        query = query.where(Customer.territory_id == flt.territory_id)
    if flt.representative_id:
        query = query.where(Customer.representative_id == flt.representative_id)
    if flt.do_not_contact is not None:
        query = query.where(Customer.do_not_contact.is_(flt.do_not_contact))
    return query


def list_customers(
    session: Session,
    flt: CustomerFilter,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> list[CustomerRow]:
    """One page of the list, sorted by ``sort`` (a key of SORT_COLUMNS), ties by number."""
    key = SORT_COLUMNS[sort]
    order = [key.desc() if descending else key.asc(), Customer.number]
    query = (
        select(
            Customer.id, Customer.number, Customer.name, Customer.main_postal_code,
            Customer.main_city, Customer.main_country, Customer.status, _group.code,
            _territory.code, _rep.display_name, Customer.next_contact, Customer.credit_limit,
            Customer.currency, Customer.do_not_contact,
        )
        .outerjoin(_group, Customer.customer_group_id == _group.id)
        .outerjoin(_territory, Customer.territory_id == _territory.id)
        .outerjoin(_rep, Customer.representative_id == _rep.id)
    )
    query = _filtered(session, query, flt).order_by(*order).offset(offset).limit(limit)
    return [CustomerRow(*row) for row in session.execute(query)]


def count_customers(session: Session, flt: CustomerFilter) -> int:
    match = match_expression(flt.search)
    if match and flt == CustomerFilter(search=flt.search, extra=flt.extra) and not flt.extra:
        return search_hits(session, match)  # the index alone knows: no join needed
    query = _filtered(session, select(func.count()).select_from(Customer), flt)
    return session.scalar(query) or 0
