"""Small lists for pickers and filters: customer groups, territories, representatives…

Plain SQL through ``dbapi`` (a Session or ``Store.reader()``), so the filter bar can be
filled before SQLAlchemy is loaded.
"""

import uuid
from dataclasses import dataclass

from salesdesk.store.engine import dbapi

_TABLES = {
    "customer_group_id": "customer_group",
    "price_group_id": "price_group",
    "territory_id": "territory",
    "payment_term_id": "payment_term",
    "delivery_term_id": "delivery_term",
}


@dataclass(frozen=True)
class LookupEntry:
    id: uuid.UUID
    code: str
    name: str

    @property
    def label(self) -> str:
        """What a picker shows: "Retail (RET)"; the name alone when it is the code."""
        return self.name if self.name == self.code else f"{self.name} ({self.code})"


def _entry(row: tuple) -> LookupEntry:
    return LookupEntry(uuid.UUID(hex=row[0]), row[1], row[2])


def _entries(source, table: str) -> list[LookupEntry]:
    rows = dbapi(source).execute(
        f"SELECT id, code, name FROM {table} WHERE deleted_at IS NULL ORDER BY code")
    return [_entry(row) for row in rows]


def customer_groups(source) -> list[LookupEntry]:
    return _entries(source, "customer_group")


def price_groups(source) -> list[LookupEntry]:
    return _entries(source, "price_group")


def territories(source) -> list[LookupEntry]:
    return _entries(source, "territory")


def payment_terms(source) -> list[LookupEntry]:
    return _entries(source, "payment_term")


def delivery_terms(source) -> list[LookupEntry]:
    return _entries(source, "delivery_term")


_USERS = "SELECT id, login, display_name FROM user_account"


def representatives(source) -> list[LookupEntry]:
    """Active users who can look after customers, by display name (code: login)."""
    rows = dbapi(source).execute(
        f"{_USERS} WHERE deleted_at IS NULL AND active = 1 ORDER BY display_name")
    return [_entry(row) for row in rows]


LOOKUPS = {
    "customer_group_id": customer_groups,
    "price_group_id": price_groups,
    "territory_id": territories,
    "payment_term_id": payment_terms,
    "delivery_term_id": delivery_terms,
    "representative_id": representatives,
}


def all_lookups(source) -> dict[str, list[LookupEntry]]:
    """Every picker list of the customer form, keyed by the customer field it fills."""
    return {field: load(source) for field, load in LOOKUPS.items()}


def lookup_entry(source, field: str, key: uuid.UUID) -> LookupEntry | None:
    """The entry a customer field points at, even if it is no longer offered."""
    table = _TABLES.get(field)
    sql = f"{_USERS} WHERE id = ?" if table is None else \
        f"SELECT id, code, name FROM {table} WHERE id = ?"
    row = dbapi(source).execute(sql, (key.hex,)).fetchone()
    return _entry(row) if row else None


def segments(source) -> list[str]:
    """The segment names in use on live customers, for completing a customer's segments."""
    rows = dbapi(source).execute(
        "SELECT DISTINCT s.segment FROM customer_segment s JOIN customer c ON c.id = s.customer_id"
        " WHERE s.deleted_at IS NULL AND c.deleted_at IS NULL ORDER BY s.segment COLLATE NOCASE")
    return [row[0] for row in rows]


# -- the configurable lists of the logbook and tasks -------------------------------------

@dataclass(frozen=True)
class ListEntry:
    code: str
    label: str


def _configurable(source, table: str, label, *, with_inactive: bool = False) -> list[ListEntry]:
    where = "deleted_at IS NULL" + ("" if with_inactive else " AND active = 1")
    rows = dbapi(source).execute(
        f"SELECT code, name FROM {table} WHERE {where} ORDER BY sort_order, code")
    return [ListEntry(code, label(code, name)) for code, name in rows]


def contact_kinds(source, *, with_inactive: bool = False) -> list[ListEntry]:
    """Kinds of logbook entries (visit, phone call, …) in the office's order."""
    from salesdesk.domain.logbook import contact_kind_label

    return _configurable(source, "contact_kind", contact_kind_label, with_inactive=with_inactive)


def reason_codes(source, *, with_inactive: bool = False) -> list[ListEntry]:
    from salesdesk.domain.logbook import reason_label

    return _configurable(source, "reason_code", reason_label, with_inactive=with_inactive)


def commitment_kinds(source, *, with_inactive: bool = False) -> list[ListEntry]:
    from salesdesk.domain.tasks import commitment_label

    return _configurable(source, "commitment_kind", commitment_label,
                         with_inactive=with_inactive)


def users(source) -> list[LookupEntry]:
    """Every active user (assignees of tasks, authors of logbook entries)."""
    return representatives(source)
