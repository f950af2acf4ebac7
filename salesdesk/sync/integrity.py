"""After a sync: does this device hold exactly what the central lets it see?

Per synced table, both sides count the rows and add up a 32-bit hash of each row's
``(id, version)`` (an order-free checksum; PostgreSQL computes it with md5, SQLite with
the same function in Python). Rows this device changed and has not pushed yet are left
out on both sides. A table that differs is downloaded again: every row the central
shows is written here, and rows here that the central no longer shows are removed —
unless they have pending changes.

Comparing a million logbook entries takes about a second on each side, so the check
runs when asked for and once a day after a sync (``due``), not after every sync.
"""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

from salesdesk.sync import client
from salesdesk.sync.codec import codec

EVERY = timedelta(days=1)


def row_hash(row_id: str, version: int) -> int:
    """The checksum of one row; ``row_id`` as SQLite stores it (32 hex digits)."""
    text = f"{uuid.UUID(hex=row_id)}:{version}"
    # 32 bits: a million rows add up to well below SQLite's 64-bit integer limit
    return int(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:8], 16)


_CENTRAL = ("SELECT count(*), coalesce(sum(('x' || substr(md5(id::text || ':' || version), "
            "1, 8))::bit(32)::bigint), 0) FROM {table} WHERE NOT (id = ANY(%s))")


def due(conn: sqlite3.Connection) -> bool:
    last = client.state(conn, "last_verify")
    return last is None or datetime.fromisoformat(last) < datetime.now(UTC) - EVERY


def _local(conn: sqlite3.Connection, table: str, pending: list[str]) -> tuple[int, int]:
    conn.create_function("sd_row_hash", 2, row_hash, deterministic=True)
    marks = ", ".join("?" * len(pending))  # SQLite takes an empty IN ()
    count, total = conn.execute(
        f"SELECT count(*), coalesce(sum(sd_row_hash(id, version)), 0) FROM \"{table}\" "
        f"WHERE id NOT IN ({marks})", pending).fetchone()
    return count, total


def verify(conn: sqlite3.Connection, central, *, repair: bool = True) -> list[str]:
    """The tables that differed (and, with ``repair``, were downloaded again)."""
    differing = []
    for table in client.synced_columns():
        pending = [row[0] for row in conn.execute(
            "SELECT DISTINCT row_id FROM sync_outbox WHERE tbl = ?", (table,))]
        coder = codec(table)
        theirs = central.execute(_CENTRAL.format(table=client._quote(table)),
                                 ([coder.load("id", i) for i in pending],)).fetchone()
        mine = _local(conn, table, pending)
        if (int(theirs[0]), int(theirs[1])) != mine:
            differing.append(table)
            if repair:
                redownload(conn, central, table)
    conn.execute("BEGIN IMMEDIATE")
    client.set_state(conn, "last_verify", datetime.now(UTC).isoformat(timespec="seconds"))
    conn.execute("COMMIT")
    return differing


def redownload(conn: sqlite3.Connection, central, table: str) -> None:
    """Write every row of ``table`` the central shows; remove the others (not pending)."""
    coder = codec(table)
    select = ", ".join(client._quote(c) for c in coder.columns)
    seen: set[str] = set()
    checkpoint = client.state(conn, "pull")
    # a server-side cursor (it lives in a transaction): pages, not the whole table
    with central.transaction(), central.cursor(name=f"redownload_{table}") as cursor:
        cursor.execute(f"SELECT {select}, version, sync_xid::text FROM "
                       f"{client._quote(table)} ORDER BY id")
        at = coder.columns.index("id")
        while rows := cursor.fetchmany(client.PULL_PAGE):
            seen.update(coder.store("id", row[at]) for row in rows)
            client._apply_page(conn, table, rows, checkpoint)
    pending = {row[0] for row in conn.execute(
        "SELECT DISTINCT row_id FROM sync_outbox WHERE tbl = ?", (table,))}
    extra = [row[0] for row in conn.execute(f'SELECT id FROM "{table}"')
             if row[0] not in seen and row[0] not in pending]
    if not extra:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO sync_apply_guard (id) VALUES (1)")
        for chunk in client._in_chunks(extra):
            conn.execute(f'DELETE FROM "{table}" WHERE id IN ({", ".join("?" * len(chunk))})',
                         chunk)
        conn.execute("DELETE FROM sync_apply_guard")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
