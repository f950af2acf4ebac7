"""The device side of synchronisation: push the outbox, pull what changed centrally
(docs/sync.md). Everything here runs off the GUI thread; the central connection is a
psycopg connection made with the user's own login, so row-level security decides what
is read and written.

Push: the outbox rows get a batch key in a local transaction before anything is sent;
the central applies the batch and records the key in the same transaction, so a retry
after a lost answer applies nothing twice; only then are the outbox rows deleted.
Pull: rows whose ``sync_xid`` lies in the window ``[done, W)`` (W: the oldest running
transaction), page by page, each page applied together with its checkpoint.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from salesdesk.domain.errors import first_line as _first_line
from salesdesk.i18n import _
from salesdesk.store.engine import Store, connect
from salesdesk.store.outbox import STAMP_COLUMNS, synced_columns
from salesdesk.store.outbox import quote as _quote
from salesdesk.sync.codec import codec

log = logging.getLogger(__name__)

PUSH_ROWS = 5000  # outbox rows per batch
PULL_PAGE = 2000  # rows per pulled page
_NEVER = "0"  # xid8 before every transaction


# -- local side -------------------------------------------------------------------------

def local_connection(store: Store) -> sqlite3.Connection:
    """A connection for sync work. Foreign keys are off: a rep's customer may name a
    head office or a contact outside the rep's scope, which this device never holds."""
    conn = connect(store.path)
    conn.execute("PRAGMA foreign_keys=OFF")
    # a pull writes pages of thousands of rows: a larger cache, and checkpoints of the
    # write-ahead log less often than every 1,000 pages (they cost more than the fsync)
    conn.execute("PRAGMA cache_size=-131072")
    conn.execute("PRAGMA wal_autocheckpoint=16000")
    return conn


def state(conn: sqlite3.Connection, key: str, default: Any = None) -> Any:
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return default if row is None else json.loads(row[0])


def set_state(conn: sqlite3.Connection, key: str, value: Any) -> None:
    conn.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO "
                 "UPDATE SET value = excluded.value", (key, json.dumps(value)))


def _in_chunks(values: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# -- push -------------------------------------------------------------------------------

@dataclass
class Change:
    """What one row's outbox entries add up to."""

    table: str
    row_id: str  # hex, as stored
    op: str  # I (new row), U (fields), D (deleted)
    old: dict[str, Any] = field(default_factory=dict)  # stored values before the changes
    new: dict[str, Any] = field(default_factory=dict)  # stored values now


@dataclass
class PushResult:
    batch: str = ""
    sent: int = 0
    applied: int = 0
    conflicts: list[dict] = field(default_factory=list)
    parked: list[dict] = field(default_factory=list)
    replayed: bool = False  # the central had applied this batch already


def _take_batch(conn: sqlite3.Connection, limit: int) -> tuple[str, list[tuple]]:
    """The outbox rows of the batch to send: an unacknowledged one first (same key), else
    the oldest ``limit`` rows under a new key (saved before anything is sent)."""
    pending = conn.execute("SELECT batch FROM sync_outbox WHERE batch IS NOT NULL "
                           "ORDER BY seq LIMIT 1").fetchone()
    if pending is None:
        last = conn.execute("SELECT seq FROM sync_outbox ORDER BY seq LIMIT 1 OFFSET ?",
                            (limit - 1,)).fetchone()
        key = uuid.uuid4().hex
        conn.execute("BEGIN IMMEDIATE")
        if last is None:
            conn.execute("UPDATE sync_outbox SET batch = ?", (key,))
        else:
            conn.execute("UPDATE sync_outbox SET batch = ? WHERE seq <= ?", (key, last[0]))
        conn.execute("COMMIT")
    else:
        key = pending[0]
    rows = conn.execute("SELECT tbl, row_id, op, old FROM sync_outbox WHERE batch = ? "
                        "ORDER BY seq", (key,)).fetchall()
    return key, rows


def _changes(conn: sqlite3.Connection, rows: list[tuple]) -> list[Change]:
    """Coalesce the outbox rows per synced row, with the row's current values."""
    changes: dict[tuple[str, str], Change] = {}
    for table, row_id, op, old in rows:
        change = changes.get((table, row_id))
        if change is None:
            change = changes[(table, row_id)] = Change(table, row_id, op)
        elif op == "D" or change.op == "D":
            change.op = "D"
        for column, value in json.loads(old).items():
            change.old.setdefault(column, value)  # the value before the first change
    columns = synced_columns()
    order = {name: n for n, name in enumerate(columns)}
    by_table: dict[str, list[Change]] = {}
    for change in changes.values():
        by_table.setdefault(change.table, []).append(change)
    for table, items in by_table.items():
        names = columns[table]
        select = ", ".join(_quote(c) for c in names)
        for chunk in _in_chunks(items):
            marks = ", ".join("?" * len(chunk))
            at = names.index("id")
            found = {row[at]: row for row in conn.execute(
                f"SELECT {select} FROM {_quote(table)} WHERE id IN ({marks})",
                [c.row_id for c in chunk])}
            for change in chunk:
                row = found.get(change.row_id)
                if row is not None:
                    change.new = dict(zip(names, row, strict=True))
    return sorted((c for c in changes.values() if c.new or c.op == "D"),
                  key=lambda c: order[c.table])


def push(store: Store, central, *, limit: int = PUSH_ROWS) -> PushResult:
    """Send one batch of the outbox (nothing to send: an empty result)."""
    conn = local_connection(store)
    try:
        key, rows = _take_batch(conn, limit)
        if not rows:
            return PushResult()
        changes = _changes(conn, rows)
        result = apply_batch(central, key, changes)
        result.sent = len(changes)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM sync_outbox WHERE batch = ?", (key,))
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        for item in result.conflicts:
            conn.execute(
                "INSERT INTO sync_conflict (id, tbl, row_id, field, local_value, "
                "central_value, detected_at, resolution) VALUES (?, ?, ?, ?, ?, ?, ?, '')",
                (uuid.uuid4().hex, item["table"], item["row_id"], item["field"],
                 json.dumps(item["local"], ensure_ascii=False),
                 json.dumps(item["central"], ensure_ascii=False), now))
        for item in result.parked:
            conn.execute(
                "INSERT INTO sync_parked (id, tbl, row_id, op, change, reason, parked_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (uuid.uuid4().hex, item["table"], item["row_id"], item["op"],
                 json.dumps(item["change"], ensure_ascii=False), item["reason"], now))
        conn.execute("COMMIT")
        return result
    finally:
        conn.close()


def apply_batch(central, key: str, changes: list[Change]) -> PushResult:
    """Apply a batch in one central transaction, or return what it gave the first time."""
    import psycopg

    result = PushResult(batch=key)
    with central.transaction():
        stored = central.execute("SELECT result FROM sync_batch WHERE key = %s",
                                 (uuid.UUID(key),)).fetchone()
        if stored is not None:
            return _result_from(key, stored[0], replayed=True)
        for change in changes:
            try:
                with central.transaction():  # a savepoint: one refused row parks alone
                    _apply_change(central, change, result)
            except psycopg.Error as error:
                from salesdesk.sync.session import is_transient

                if is_transient(error):
                    raise  # a lost connection or a timeout aborts the batch: it is retried
                result.parked.append(_parked(change, _first_line(error)))
        # the key goes in with the changes: the same batch sent twice at once fails the
        # second time on the key, and its whole transaction with it
        central.execute("INSERT INTO sync_batch (key, login, result) VALUES "
                        "(%s, current_user, %s)",
                        (uuid.UUID(key), json.dumps(_result_json(result))))
    return result


def _parked(change: Change, reason: str) -> dict:
    return {"table": change.table, "row_id": change.row_id, "op": change.op,
            "change": change.new, "reason": reason}


def _result_json(result: PushResult) -> dict:
    return {"applied": result.applied, "conflicts": result.conflicts,
            "parked": result.parked}


def _result_from(key: str, stored: dict, *, replayed: bool) -> PushResult:
    return PushResult(batch=key, applied=stored.get("applied", 0),
                      conflicts=stored.get("conflicts", []), parked=stored.get("parked", []),
                      replayed=replayed)


def _apply_change(central, change: Change, result: PushResult) -> None:
    table = codec(change.table)
    quoted = _quote(change.table)
    row_id = table.load("id", change.row_id)
    if change.op == "D":
        central.execute(f"UPDATE {quoted} SET deleted_at = coalesce(deleted_at, now()) "
                        f"WHERE id = %s", (row_id,))
        result.applied += 1
        return
    new = table.load_row(change.new)
    columns = list(new)
    current = central.execute(
        f"SELECT {', '.join(_quote(c) for c in columns)} FROM {quoted} WHERE id = %s "
        f"FOR UPDATE", (row_id,)).fetchone()
    if current is None:
        if change.op != "I":
            result.parked.append(_parked(change, "not found in the central database, or "
                                                 "not yours to change"))
            return
        central.execute(
            f"INSERT INTO {quoted} ({', '.join(_quote(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})", [new[c] for c in columns])
        result.applied += 1
        return
    central_values = dict(zip(columns, current, strict=True))
    if central_values.get("deleted_at") is not None and new.get("deleted_at") is None \
            and "deleted_at" not in change.old:  # (clearing it here restores the row)
        # deleted centrally, changed here: no silent resurrection, no silent loss
        result.conflicts.append({"table": change.table, "row_id": change.row_id,
                                 "field": "", "local": change.new,
                                 "central": table.store_row(central_values)})
        return
    fields = set(change.old) if change.op == "U" else set(columns) - {"id"}
    updates: dict[str, Any] = {}
    for column in sorted(fields - set(STAMP_COLUMNS)):
        if column not in new:
            continue
        mine, theirs = new[column], central_values[column]
        if theirs == mine:
            continue
        base = table.load(column, change.old.get(column)) if change.op == "U" else theirs
        if theirs == base:
            updates[column] = mine
        else:  # both sides changed it: the central value stays, both are kept
            result.conflicts.append({
                "table": change.table, "row_id": change.row_id, "field": column,
                "local": change.new.get(column), "central": table.store(column, theirs)})
    if not updates:
        return
    for stamp in STAMP_COLUMNS:
        if stamp in new:
            updates[stamp] = new[stamp]
    central.execute(
        f"UPDATE {quoted} SET {', '.join(f'{_quote(c)} = %s' for c in updates)} "
        f"WHERE id = %s", [*updates.values(), row_id])
    result.applied += 1


# -- pull -------------------------------------------------------------------------------

@dataclass
class PullResult:
    rows: int = 0
    pages: int = 0
    window: tuple[str, str] = (_NEVER, _NEVER)


def pull(store: Store, central, *, page: int = PULL_PAGE,
         progress: Callable[[int], None] | None = None,
         cancel: Callable[[], bool] | None = None) -> PullResult:
    """Bring this device up to date with the central database."""
    conn = local_connection(store)
    try:
        return _pull(conn, central, page, progress, cancel)
    finally:
        conn.close()


def _pull(conn, central, page, progress, cancel) -> PullResult:
    position = state(conn, "pull", {"done": _NEVER})
    result = PullResult()
    tables = list(synced_columns())
    with central.transaction():
        central.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        window_end = position.get("window") or central.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetchone()[0]
        done = position["done"]
        result.window = (done, window_end)
        start = tables.index(position["table"]) if position.get("table") in tables else 0
        after = position.get("after")
        _finish_bulk(conn)  # a first pull killed while loading the logbook in bulk
        # the next page is fetched while this one is written (psycopg and sqlite3 both
        # let go of the GIL while they wait)
        with ThreadPoolExecutor(1, thread_name_prefix="pull") as fetcher:
            for table in tables[start:]:
                if table == "logbook_entry" and done == _NEVER:
                    _begin_bulk(conn)  # a first pull: index the logbook once, at the end
                coming = fetcher.submit(_page, central, table, done, window_end, after, page)
                while coming is not None:
                    if cancel is not None and cancel():
                        coming.cancel()
                        return result
                    rows = coming.result()
                    if not rows:
                        break
                    at = codec(table).columns.index("id")
                    after = [rows[-1][-1], str(rows[-1][at])]
                    coming = (fetcher.submit(_page, central, table, done, window_end, after,
                                             page) if len(rows) == page else None)
                    _apply_page(conn, table, rows, {"done": done, "window": window_end,
                                                    "table": table, "after": after},
                                reindex=done != _NEVER)
                    result.rows += len(rows)
                    result.pages += 1
                    if progress is not None:
                        progress(result.rows)
                after = None
                if table == "logbook_entry":
                    _finish_bulk(conn)
        if done != _NEVER:  # a first pull brought everything visible already
            _scope_changes(conn, central, done, window_end)
        conn.execute("BEGIN IMMEDIATE")
        if done == _NEVER:  # a first pull: the customers' search index once, at the end
            from salesdesk.store.search import rebuild_index_raw

            rebuild_index_raw(conn)
        set_state(conn, "pull", {"done": window_end})
        set_state(conn, "last_pull", datetime.now(UTC).isoformat(timespec="seconds"))
        conn.execute("COMMIT")
    return result


def _begin_bulk(conn: sqlite3.Connection) -> None:
    """Logbook entries of a first pull are numbered and indexed once at the end, not by
    the per-row trigger (a million entries: the trigger is most of the pull's time).
    The state is recorded with the change, so a killed pull finishes it next time."""
    from salesdesk.store.logbook_index import begin_bulk_load

    conn.execute("BEGIN IMMEDIATE")
    begin_bulk_load(conn)
    set_state(conn, "bulk_logbook", True)
    conn.execute("COMMIT")


def _finish_bulk(conn: sqlite3.Connection) -> None:
    from salesdesk.store.logbook_index import finish_pending_bulk_load

    finish_pending_bulk_load(conn)


def _page(central, table: str, done: str, window_end: str, after, size: int) -> list[tuple]:
    columns = codec(table).columns
    select = ", ".join(_quote(c) for c in columns)
    sql = (f"SELECT {select}, version, sync_xid::text FROM {_quote(table)} "
           f"WHERE sync_xid >= %s::xid8 AND sync_xid < %s::xid8 ")
    params: list = [done, window_end]
    if after is not None:
        sql += "AND (sync_xid, id) > (%s::xid8, %s::uuid) "
        params += after
    # qualified: a bare "sync_xid" would name the text column selected above, and text
    # order is not number order (99999 > 100000): rows would be skipped or repeated
    sql += f"ORDER BY {_quote(table)}.sync_xid, {_quote(table)}.id LIMIT %s"
    return central.execute(sql, [*params, size]).fetchall()


def _apply_page(conn: sqlite3.Connection, table: str, rows: list[tuple],
                checkpoint: dict, *, reindex: bool = True) -> None:
    """Apply one page and its checkpoint in one local transaction. Fields with local
    changes not pushed yet keep the local value. ``rows``: the synced columns in
    ``codec(table).columns`` order, then version (and sync_xid, not stored)."""
    coder = codec(table)
    columns = [*coder.columns, "version"]
    width = len(coder.columns)
    at = coder.columns.index("id")
    stored_rows = []
    for row in rows:
        stored = coder.store_values(row[:width])
        stored.append(row[width])
        stored_rows.append(stored)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO sync_apply_guard (id) VALUES (1)")
        pending = _pending_fields(conn, table, [r[at] for r in stored_rows])
        names = ", ".join(_quote(c) for c in columns)
        marks = ", ".join("?" * len(columns))

        def upsert(keep) -> str:
            assign = ", ".join(f"{_quote(c)} = excluded.{_quote(c)}" for c in columns
                               if c != "id" and c not in keep)
            return (f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks}) "
                    f"ON CONFLICT (id) DO UPDATE SET {assign}")

        # rows without local changes in one executemany; the others one by one
        conn.executemany(upsert(()), (stored for stored in stored_rows
                                      if stored[at] not in pending))
        for stored in stored_rows:
            keep = pending.get(stored[at])
            if keep is None or keep is ALL:
                continue  # done above, or a row made here and not pushed yet
            conn.execute(upsert(keep), stored)
        if reindex:
            _reindex(conn, table, columns, stored_rows)
        set_state(conn, "pull", checkpoint)
        conn.execute("DELETE FROM sync_apply_guard")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


# the tables whose rows make a customer's search document (store/search.py)
_SEARCHED = {"customer": "id", "address": "customer_id", "contact_person": "customer_id"}


def _reindex(conn: sqlite3.Connection, table: str, columns: list[str],
             stored_rows: list[list]) -> None:
    """Rebuild the search documents of the customers this page touched."""
    column = _SEARCHED.get(table)
    if column is None:
        return
    from salesdesk.store.search import reindex_customers_raw

    at = columns.index(column)
    reindex_customers_raw(conn, {row[at] for row in stored_rows if row[at]})


ALL = frozenset({"*"})


def _pending_fields(conn: sqlite3.Connection, table: str, ids: list[str]) -> dict:
    """Per row id: the fields changed here and not pushed yet (ALL for a new row)."""
    found: dict[str, Any] = {}
    for chunk in _in_chunks(ids):
        marks = ", ".join("?" * len(chunk))
        for row_id, op, old in conn.execute(
                f"SELECT row_id, op, old FROM sync_outbox WHERE tbl = ? AND row_id IN "
                f"({marks})", [table, *chunk]):
            if op in ("I", "D") or found.get(row_id) is ALL:
                found[row_id] = ALL
                continue
            found.setdefault(row_id, set()).update(json.loads(old))
    return found


# -- customers entering and leaving this login's scope ------------------------------------

def _scope_changes(conn: sqlite3.Connection, central, done: str, window_end: str) -> None:
    """Customers whose scope changed in the window: those now visible come with all
    their rows (their children did not change, so the window did not bring them); those
    no longer visible are removed here, explicitly — the rows this device changed and
    has not pushed are kept as refused changes with the reason."""
    ids = [row[0] for row in central.execute(
        "SELECT DISTINCT customer_id FROM sync_scope_log WHERE sync_xid >= %s::xid8 AND "
        "sync_xid < %s::xid8 AND (login IS NULL OR login = session_user)",
        (done, window_end))]
    for chunk in _in_chunks(ids):
        visible = {row[0] for row in central.execute(
            "SELECT id FROM unnest(%s::uuid[]) AS id WHERE salesdesk_visible_customer(id)",
            (chunk,))}
        entering = [i for i in chunk if i in visible]
        leaving = [i for i in chunk if i not in visible]
        if entering:
            _enter(conn, central, entering)
        if leaving:
            _leave(conn, central, [i.hex for i in leaving])


def _customer_tables() -> list[tuple[str, str, str]]:
    """(table, column, parent) of the rows that belong to a customer: the customer
    itself ("id"), its children ("customer_id"), rows of those children (VIA)."""
    from salesdesk.sync.scope import SCOPES, Kind

    found = []
    for table in synced_columns():
        scope = SCOPES[table]
        if scope.kind is Kind.CUSTOMER:
            found.append((table, "id", ""))
        elif scope.kind is Kind.CHILD:
            found.append((table, scope.column, ""))
        elif scope.kind is Kind.VIA and SCOPES[scope.parent].kind is Kind.CHILD:
            found.append((table, scope.column, scope.parent))
    return found


def _enter(conn: sqlite3.Connection, central, customers: list) -> None:
    from salesdesk.sync.scope import SCOPES

    checkpoint = state(conn, "pull")
    for table, column, parent in _customer_tables():
        coder = codec(table)
        select = ", ".join(_quote(c) for c in coder.columns)
        if parent:
            where = (f"{_quote(column)} IN (SELECT id FROM {_quote(parent)} WHERE "
                     f"{_quote(SCOPES[parent].column)} = ANY(%s))")
        else:
            where = f"{_quote(column)} = ANY(%s)"
        rows = central.execute(f"SELECT {select}, version, sync_xid::text FROM "
                               f"{_quote(table)} WHERE {where}", (customers,)).fetchall()
        for start in range(0, len(rows), PULL_PAGE):
            _apply_page(conn, table, rows[start : start + PULL_PAGE], checkpoint)


def _leave(conn: sqlite3.Connection, central, customers: list[str]) -> None:
    """Remove here the rows of these customers the central no longer lets this login
    see (a task assigned to this user stays); pending changes to them are parked."""
    from salesdesk.sync.scope import SCOPES

    now = datetime.now(UTC).isoformat(timespec="microseconds")
    marks = ", ".join("?" * len(customers))
    gone: list[tuple[str, list[str]]] = []
    for table, column, parent in _customer_tables():
        if parent:
            where = (f"{_quote(column)} IN (SELECT id FROM {_quote(parent)} WHERE "
                     f"{_quote(SCOPES[parent].column)} IN ({marks}))")
        else:
            where = f"{_quote(column)} IN ({marks})"
        ids = [row[0] for row in conn.execute(
            f"SELECT id FROM {_quote(table)} WHERE {where}", customers)]
        coder = codec(table)
        for chunk in _in_chunks(ids):
            still = {coder.store("id", row[0]) for row in central.execute(
                f"SELECT id FROM {_quote(table)} WHERE id = ANY(%s)",
                ([coder.load("id", i) for i in chunk],))}
            gone.append((table, [i for i in chunk if i not in still]))
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO sync_apply_guard (id) VALUES (1)")
        for table, ids in reversed(gone):
            if not ids:
                continue
            inner = ", ".join("?" * len(ids))
            names = [d[0] for d in conn.execute(
                f"SELECT * FROM {_quote(table)} LIMIT 0").description]
            for row_id, ops in conn.execute(
                    f"SELECT row_id, group_concat(op, '') FROM sync_outbox WHERE tbl = ? "
                    f"AND row_id IN ({inner}) GROUP BY row_id", [table, *ids]).fetchall():
                row = conn.execute(f"SELECT * FROM {_quote(table)} WHERE id = ?",
                                   (row_id,)).fetchone()
                conn.execute(
                    "INSERT INTO sync_parked (id, tbl, row_id, op, change, reason, "
                    "parked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (uuid.uuid4().hex, table, row_id, ops[-1],
                     json.dumps(dict(zip(names, row or (), strict=False)), default=str,
                                ensure_ascii=False),
                     _("The customer is no longer assigned to you; this change was not "
                       "sent."), now))
            conn.execute(f"DELETE FROM sync_outbox WHERE tbl = ? AND row_id IN ({inner})",
                         [table, *ids])
            conn.execute(f"DELETE FROM {_quote(table)} WHERE id IN ({inner})", ids)
        conn.execute("DELETE FROM sync_apply_guard")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
