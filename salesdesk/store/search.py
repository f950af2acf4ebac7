"""Full-text search over customers (SQLite FTS5), umlaut- and accent-insensitive.

The index holds one document per customer: number, names, every address's postal code
and city, every contact's name and e-mail. FTS5's ``remove_diacritics`` lets "muller"
find "Müller"; we also index the German spelling without umlauts so "mueller" and
"strasse" find "Müller" and "Straße".

The index's rowid is ``customer.search_key``, a local integer a trigger assigns on every
insert (whatever wrote the row), so matches join the customer table by integer without
reading stored text. Only prefix queries are used, hence ``detail=none``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy stays out of the start-up path (store/engine.py)
    from sqlalchemy import Connection

FTS_TABLE = "customer_fts"
CREATE_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(body, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3', detail = none)"
)
# search_key = one more than the largest so far (a unique index makes max() a seek)
CREATE_SEARCH_KEY_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS customer_search_key AFTER INSERT ON customer
WHEN new.search_key IS NULL
BEGIN
  UPDATE customer SET search_key = (SELECT coalesce(max(search_key), 0) + 1 FROM customer)
  WHERE rowid = new.rowid;
END
"""
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe",
                         "Ü": "Ue"})
_TOKEN = re.compile(r"\w+", re.UNICODE)


def search_variants(body: str | None) -> str:
    """The text to index: the original plus its umlaut-free German spelling if different."""
    if not body:
        return ""
    folded = body.translate(_GERMAN)
    return body if folded == body else f"{body} {folded}"


def match_expression(query: str) -> str | None:
    """An FTS5 query: every typed word as a prefix, all required. None for no words."""
    tokens = _TOKEN.findall(query.lower())
    if not tokens:
        return None
    return " ".join(f'"{token}"*' for token in tokens)


# Correlated subqueries (not a GROUP BY over whole tables), so re-indexing a few
# customers reads only their own addresses and contacts through the customer_id indexes.
_DOCUMENTS = """
SELECT c.search_key,
       sd_search_variants(c.number || ' ' || c.name || ' ' || c.name2 || ' '
         || coalesce((SELECT group_concat(a.postal_code || ' ' || a.city || ' ' || a.street, ' ')
                      FROM address a WHERE a.customer_id = c.id AND a.deleted_at IS NULL), '')
         || ' '
         || coalesce((SELECT group_concat(p.first_name || ' ' || p.last_name || ' ' || p.email,
                                          ' ')
                      FROM contact_person p
                      WHERE p.customer_id = c.id AND p.deleted_at IS NULL), ''))
FROM customer c
WHERE c.deleted_at IS NULL
"""


def _id_chunks(ids: Iterable, size: int = 500):
    """(":i0, :i1, …", {"i0": hex, …}) per chunk: SQLite caps the parameters per statement."""
    hexes = [getattr(i, "hex", i) for i in ids]
    for start in range(0, len(hexes), size):
        chunk = hexes[start : start + size]
        yield (", ".join(f":i{n}" for n in range(len(chunk))),
               {f"i{n}": value for n, value in enumerate(chunk)})


def reindex_customers(conn: Connection, customer_ids: Iterable) -> None:
    """Rebuild the search documents of these customers (inside the caller's transaction)."""
    from sqlalchemy import text

    for marks, params in _id_chunks(customer_ids):
        conn.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN "
                          f"(SELECT search_key FROM customer WHERE id IN ({marks}))"), params)
        conn.execute(
            text(f"INSERT INTO {FTS_TABLE} (rowid, body) {_DOCUMENTS} AND c.id IN ({marks})"),
            params,
        )


def reindex_customers_raw(conn, customer_ids: Iterable) -> None:
    """``reindex_customers`` on a plain sqlite3 connection (sync applies pulled rows
    with plain SQL; the index is not kept by triggers)."""
    for marks, params in _id_chunks(customer_ids):
        conn.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN "
                     f"(SELECT search_key FROM customer WHERE id IN ({marks}))", params)
        conn.execute(f"INSERT INTO {FTS_TABLE} (rowid, body) {_DOCUMENTS} AND c.id IN ({marks})",
                     params)


def rebuild_index_raw(conn) -> None:
    """``rebuild_index`` on a plain sqlite3 connection (in the caller's transaction)."""
    conn.execute(f"DELETE FROM {FTS_TABLE}")
    conn.execute(f"INSERT INTO {FTS_TABLE} (rowid, body) {_DOCUMENTS}")


def rebuild_index(conn: Connection) -> None:
    """Rebuild the whole index (after bulk loads and merges)."""
    from sqlalchemy import text

    conn.execute(text(f"DELETE FROM {FTS_TABLE}"))
    conn.execute(text(f"INSERT INTO {FTS_TABLE} (rowid, body) {_DOCUMENTS}"))
    conn.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')"))


_MAIN_ADDRESS = """
UPDATE customer SET
  main_postal_code = coalesce((SELECT postal_code FROM address a WHERE a.customer_id = customer.id
      AND a.kind = 'main' AND a.deleted_at IS NULL ORDER BY a.is_default DESC LIMIT 1), ''),
  main_city = coalesce((SELECT city FROM address a WHERE a.customer_id = customer.id
      AND a.kind = 'main' AND a.deleted_at IS NULL ORDER BY a.is_default DESC LIMIT 1), ''),
  main_country = coalesce((SELECT country FROM address a WHERE a.customer_id = customer.id
      AND a.kind = 'main' AND a.deleted_at IS NULL ORDER BY a.is_default DESC LIMIT 1), '')
"""


def refresh_main_address(conn: Connection, customer_ids: Iterable | None = None) -> None:
    """Copy each customer's default main address into the list columns."""
    from sqlalchemy import text

    if customer_ids is None:
        conn.execute(text(_MAIN_ADDRESS))
        return
    for marks, params in _id_chunks(customer_ids):
        conn.execute(text(f"{_MAIN_ADDRESS} WHERE id IN ({marks})"), params)
