"""When the local store can no longer be trusted (docs/sync.md, "Faults").

Two cases:

- **Damaged store** (``PRAGMA quick_check``/``integrity_check`` fails, or the file does
  not open as a database): ``recover_store`` moves the damaged file aside (kept for
  support), reads what can still be read of it — the outbox, the current values of the
  rows it points to, the device's own bookkeeping (device id, number blocks, counters,
  settings, conflicts, parked changes, audit trail) — builds a fresh store, puts the
  salvaged changes back with their outbox rows exactly as they were (same old values,
  same batch key: a batch whose answer was lost is still recognised by the central
  database), and, given a URL, syncs: push, then a full pull. Nothing of it needs the
  network; offline, the next sync completes it.
- **Offline beyond the tombstone horizon** (the device's last pull is older than
  ``tombstone_horizon_days``): tombstones it never saw may have been purged centrally,
  so an incremental pull would leave deleted rows behind for ever. ``resync`` pulls
  every row again from the beginning and removes local rows the central database no
  longer has (or no longer shows this login) unless they have changes waiting or were
  parked; the outbox is kept and pushed afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from salesdesk.i18n import _
from salesdesk.store.engine import DB_NAME, Store, open_store
from salesdesk.store.outbox import STAMP_COLUMNS, synced_columns
from salesdesk.store.outbox import quote as _quote
from salesdesk.sync import client
from salesdesk.sync.codec import codec

log = logging.getLogger(__name__)

RESYNC_KEY = "resync"  # set while a full resync is under way
DEFAULT_HORIZON_DAYS = 90
# device bookkeeping a rebuilt store must not take over: it starts pulling from scratch
_STATE_NOT_KEPT = frozenset({"pull", "last_pull", RESYNC_KEY})
# local-only tables whose rows are worth salvaging (besides sync_outbox)
_LOCAL_TABLES = ("sync_state", "number_sequence", "app_setting", "sync_conflict",
                 "sync_parked", "audit_entry")
_OUTBOX_COLUMNS = ("seq", "tbl", "row_id", "op", "old", "batch")
_CHUNK = 256


# -- offline beyond the tombstone horizon -------------------------------------------------

@dataclass
class ResyncResult:
    pulled: int = 0
    removed: int = 0


def resync_due(store: Store, meta: dict[str, str]) -> bool:
    """Whether this device must pull everything again: its last pull is older than the
    central tombstone horizon (or a resync was started and not finished)."""
    conn = client.local_connection(store)
    try:
        if client.state(conn, RESYNC_KEY):
            return True
        last = client.state(conn, "last_pull")
    finally:
        conn.close()
    if not last:
        return False  # never pulled: the first pull starts from the beginning anyway
    try:
        pulled_at = datetime.fromisoformat(last)
    except ValueError:
        return True
    return datetime.now(UTC) - pulled_at > timedelta(days=horizon_days(meta))


def horizon_days(meta: dict[str, str]) -> int:
    """The central tombstone horizon: tombstones older than this may be purged."""
    try:
        return int(meta.get("tombstone_horizon_days") or DEFAULT_HORIZON_DAYS)
    except ValueError:
        return DEFAULT_HORIZON_DAYS


def resync(store: Store, central, *, cancel: Callable[[], bool] | None = None
           ) -> ResyncResult:
    """Pull every row again and drop local rows the central database no longer has;
    the outbox stays. Resumable: broken off, the next run continues the same pull."""
    conn = client.local_connection(store)
    try:
        if not client.state(conn, RESYNC_KEY):
            conn.execute("BEGIN IMMEDIATE")
            client.set_state(conn, RESYNC_KEY, True)
            client.set_state(conn, "pull", {"done": "0"})
            conn.execute("COMMIT")
    finally:
        conn.close()
    result = ResyncResult()
    pulled = client.pull(store, central, cancel=cancel)
    result.pulled = pulled.rows
    conn = client.local_connection(store)
    try:
        if client.state(conn, "pull", {}).get("window"):
            return result  # cancelled mid-pull: the next run resumes it
        result.removed = sweep(store, central)
        conn.execute("DELETE FROM sync_state WHERE key = ?", (RESYNC_KEY,))
    finally:
        conn.close()
    log.info("full resync: %d rows pulled, %d local rows removed", result.pulled,
             result.removed)
    return result


def sweep(store: Store, central) -> int:
    """Delete local rows of synced tables the central database does not show this login,
    except rows with changes waiting in the outbox or parked. Children first."""
    removed = 0
    conn = client.local_connection(store)
    try:
        for table in reversed(list(synced_columns())):
            coder = codec(table)
            there = {coder.store("id", row_id) for (row_id,) in central.execute(
                f"SELECT id FROM {_quote(table)}")}
            conn.execute("BEGIN IMMEDIATE")
            try:
                here = {row_id for (row_id,) in conn.execute(
                    f"SELECT id FROM {_quote(table)}")}
                gone = here - there
                if gone:
                    gone -= {row_id for (row_id,) in conn.execute(
                        "SELECT row_id FROM sync_outbox WHERE tbl = ? UNION "
                        "SELECT row_id FROM sync_parked WHERE tbl = ?", (table, table))}
                if gone:
                    conn.execute("INSERT INTO sync_apply_guard (id) VALUES (1)")
                    for chunk in client._in_chunks(sorted(gone)):
                        conn.execute(f"DELETE FROM {_quote(table)} WHERE id IN "
                                     f"({', '.join('?' * len(chunk))})", chunk)
                    conn.execute("DELETE FROM sync_apply_guard")
                    removed += len(gone)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
    finally:
        conn.close()
    return removed


# -- a damaged store ----------------------------------------------------------------------

def check_store(path: Path, *, full: bool = False) -> list[str]:
    """What is wrong with the store file ([] when nothing, or when there is no file):
    ``quick_check`` (b-trees and pages; seconds on a large store), ``full``:
    ``integrity_check`` (also every index against its table)."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        conn = sqlite3.connect(path)
        try:
            rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check"
                                ).fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return [str(error)]
    return [row[0] for row in rows if row[0] != "ok"]


@dataclass
class Salvage:
    """What could be read from a damaged store."""

    outbox: list[tuple] = field(default_factory=list)  # _OUTBOX_COLUMNS, in seq order
    rows: dict[tuple[str, str], dict] = field(default_factory=dict)  # (table, id) → values
    local: dict[str, list[dict]] = field(default_factory=dict)  # local tables' rows
    unreadable: list[str] = field(default_factory=list)  # what could not be read
    outbox_damaged: bool = False  # some (or all) waiting changes could not be read


def _read_rows(conn: sqlite3.Connection, table: str, columns: list[str],
               problems: list[str]) -> list[tuple]:
    """The rows of ``table`` that can be read: all at once, else rowid range by range,
    else row by row; what fails is noted in ``problems``."""
    select = f"SELECT {', '.join(_quote(c) for c in columns)} FROM {_quote(table)}"
    try:
        return conn.execute(f"{select} ORDER BY rowid").fetchall()
    except sqlite3.DatabaseError:
        pass
    try:
        low, high = conn.execute(f"SELECT min(rowid), max(rowid) FROM {_quote(table)}"
                                 ).fetchone()
    except sqlite3.DatabaseError as error:
        problems.append(f"{table}: {error}")
        return []
    if low is None:
        return []
    rows: list[tuple] = []
    lost = 0
    for start in range(low, high + 1, _CHUNK):
        stop = min(start + _CHUNK - 1, high)
        try:
            rows += conn.execute(f"{select} WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
                                 (start, stop)).fetchall()
            continue
        except sqlite3.DatabaseError:
            pass
        for rowid in range(start, stop + 1):
            try:
                rows += conn.execute(f"{select} WHERE rowid = ?", (rowid,)).fetchall()
            except sqlite3.DatabaseError:
                lost += 1
    if lost:
        problems.append(f"{table}: {lost} row positions unreadable")
    return rows


def _read_row(conn: sqlite3.Connection, table: str, columns: list[str],
              row_id: str) -> tuple | None:
    select = f"SELECT {', '.join(_quote(c) for c in columns)} FROM {_quote(table)}"
    for how in ("", " NOT INDEXED"):  # by the key's index, else by scanning the table
        try:
            return conn.execute(f"{select}{how} WHERE id = ?", (row_id,)).fetchone()
        except sqlite3.DatabaseError:
            continue
    raise sqlite3.DatabaseError(f"{table} row {row_id} unreadable")


def salvage(path: Path) -> Salvage:
    """Read what can be read of a damaged store file."""
    found = Salvage()
    try:
        conn = sqlite3.connect(path)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        found.unreadable.append(f"{path.name}: {error}")
        found.outbox_damaged = True
        return found
    try:
        problems: list[str] = []
        found.outbox = _read_rows(conn, "sync_outbox", list(_OUTBOX_COLUMNS), problems)
        found.outbox_damaged = bool(problems)
        found.unreadable += problems
        tables = synced_columns()
        for _seq, table, row_id, _op, _old, _batch in found.outbox:
            if table not in tables or (table, row_id) in found.rows:
                continue
            columns = [*tables[table], "version"]
            try:
                row = _read_row(conn, table, columns, row_id)
            except sqlite3.DatabaseError as error:
                found.unreadable.append(str(error))
                continue
            if row is not None:
                found.rows[(table, row_id)] = dict(zip(columns, row, strict=True))
        from salesdesk.store.base import Base

        for table in _LOCAL_TABLES:
            columns = [c.name for c in Base.metadata.tables[table].columns]
            rows = _read_rows(conn, table, columns, found.unreadable)
            found.local[table] = [dict(zip(columns, row, strict=True)) for row in rows]
    finally:
        conn.close()
    return found


@dataclass
class RecoveryReport:
    problems: list[str]  # what the check found
    damaged_copy: Path  # the damaged file, kept for support
    salvaged: int = 0  # outbox rows queued again
    lost: list[str] = field(default_factory=list)  # changes that could not be salvaged
    unreadable: list[str] = field(default_factory=list)
    outbox_damaged: bool = False  # waiting changes may be missing from ``lost``
    synced: bool = False
    sync_error: str = ""

    def summary(self) -> str:
        """What happened, for the user (several sentences)."""
        parts = [_("The local data file was damaged ({problem}). It was set aside as "
                   "{copy} and rebuilt; waiting changes kept: {salvaged}.").format(
                       problem=self.problems[0] if self.problems else "?",
                       copy=self.damaged_copy.name, salvaged=self.salvaged)]
        if self.outbox_damaged:
            parts.append(_("Changes waiting to be sent could not all be read from the "
                           "damaged file; what is left of them stays in that file."))
        elif self.lost:
            parts.append(_("Changes that could not be read from the damaged file: {lost}; "
                           "what is left of them stays in that file.").format(
                               lost=len(self.lost)))
        if self.synced:
            parts.append(_("The data was loaded again from the central database and the "
                           "kept changes were sent."))
        elif self.sync_error:
            parts.append(_("The next synchronisation completes the data: {problem}").format(
                problem=self.sync_error))
        return " ".join(parts)


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    aside = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
    for extra in ("", "-wal", "-shm"):  # the journal travels with its file
        source = Path(f"{path}{extra}")
        if source.exists():
            os.replace(source, Path(f"{aside}{extra}"))
    return aside


def _restore_local(conn: sqlite3.Connection, found: Salvage) -> None:
    for table, rows in found.local.items():
        for row in rows:
            if table == "sync_state" and row["key"] in _STATE_NOT_KEPT:
                continue
            names = list(row)
            conn.execute(f"INSERT OR REPLACE INTO {_quote(table)} "
                         f"({', '.join(_quote(n) for n in names)}) "
                         f"VALUES ({', '.join('?' * len(names))})", [row[n] for n in names])


def _requeue(conn: sqlite3.Connection, found: Salvage) -> tuple[int, list[str]]:
    """Write the salvaged changes into the fresh store (under the apply guard: no
    outbox rows from the triggers) and their outbox rows as they were."""
    groups: dict[tuple[str, str], list[tuple]] = {}
    for entry in found.outbox:
        groups.setdefault((entry[1], entry[2]), []).append(entry)
    tables = synced_columns()
    kept: list[tuple] = []
    lost: list[str] = []
    for (table, row_id), entries in groups.items():
        ops = {entry[3] for entry in entries}
        values = found.rows.get((table, row_id))
        if table not in tables or (values is None and "D" not in ops):
            lost.append(f"{table} {row_id}")
            continue
        quoted = _quote(table)
        exists = conn.execute(f"SELECT 1 FROM {quoted} WHERE id = ?", (row_id,)).fetchone()
        if values is None:
            conn.execute(f"DELETE FROM {quoted} WHERE id = ?", (row_id,))
        elif not exists:
            names = list(values)
            conn.execute(f"INSERT INTO {quoted} ({', '.join(_quote(n) for n in names)}) "
                         f"VALUES ({', '.join('?' * len(names))})", [values[n] for n in names])
        else:
            changed: set[str] = set(values) - {"id", "version"} if "I" in ops else set()
            for entry in entries:
                changed.update(json.loads(entry[4] or "{}"))
            changed = (changed | set(STAMP_COLUMNS)) & set(values)
            if changed:
                names = sorted(changed)
                conn.execute(f"UPDATE {quoted} SET "
                             f"{', '.join(f'{_quote(n)} = ?' for n in names)} WHERE id = ?",
                             [*(values[n] for n in names), row_id])
        kept += entries
    for _seq, tbl, rid, op, old, batch in sorted(kept):  # in their old order
        conn.execute("INSERT INTO sync_outbox (tbl, row_id, op, old, batch) "
                     "VALUES (?, ?, ?, ?, ?)", (tbl, rid, op, old, batch))
    return len(kept), lost


def rebuild(store: Store, found: Salvage) -> tuple[int, list[str]]:
    """Put the salvage into a fresh store; returns (outbox rows queued, changes lost)."""
    conn = client.local_connection(store)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT INTO sync_apply_guard (id) VALUES (1)")
            _restore_local(conn, found)
            result = _requeue(conn, found)
            conn.execute("DELETE FROM sync_apply_guard")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return result


def recover_store(data_dir: Path, user: str | None = None, url: str | None = None, *,
                  problems: list[str] | None = None, retry=None
                  ) -> tuple[Store, RecoveryReport]:
    """Rebuild the damaged store in ``data_dir`` (every connection to it closed first)
    and, given ``url``, sync it. Returns the new store and what happened."""
    from salesdesk.sync.session import SyncError, run_sync

    data_dir = Path(data_dir).expanduser().resolve()
    path = data_dir / DB_NAME
    problems = check_store(path) if problems is None else problems
    aside = _move_aside(path)
    found = salvage(aside)
    store = open_store(data_dir, user)
    queued, lost = rebuild(store, found)
    report = RecoveryReport(problems=problems, damaged_copy=aside, salvaged=queued,
                            lost=lost, unreadable=found.unreadable,
                            outbox_damaged=found.outbox_damaged)
    log.warning("store rebuilt after damage (%s): %d changes queued again, %d lost; the "
                "damaged file is %s", "; ".join(problems[:3]), queued, len(lost), aside)
    if url is not None:
        try:
            run_sync(store, url, retry=retry)
            report.synced = True
        except SyncError as error:  # offline: the next sync completes the recovery
            report.sync_error = str(error)
    return store, report
