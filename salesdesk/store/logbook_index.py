"""Full-text search over the logbook (SQLite FTS5): subject, notes and outcome.

Like the customer index (store/search.py): umlaut- and accent-insensitive, rowid is
``logbook_entry.search_key``, a local integer assigned on insert. Triggers keep the index
in step with every writer (services, demo bulk loads, sync) in the writer's transaction;
a tombstoned entry leaves the index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

LOGBOOK_FTS = "logbook_fts"
CREATE_LOGBOOK_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {LOGBOOK_FTS} USING fts5(body, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3', detail = none)"
)
_BODY = "sd_search_variants({r}.subject || ' ' || {r}.notes || ' ' || {r}.outcome)"
LOGBOOK_TRIGGERS = (
    f"""
CREATE TRIGGER IF NOT EXISTS logbook_entry_index_insert AFTER INSERT ON logbook_entry
BEGIN
  UPDATE logbook_entry SET search_key = (SELECT coalesce(max(search_key), 0) + 1
                                         FROM logbook_entry)
  WHERE rowid = new.rowid AND new.search_key IS NULL;
  INSERT INTO {LOGBOOK_FTS} (rowid, body)
  SELECT e.search_key, {_BODY.format(r="e")} FROM logbook_entry e
  WHERE e.rowid = new.rowid AND e.deleted_at IS NULL;
END
""",
    f"""
CREATE TRIGGER IF NOT EXISTS logbook_entry_index_update
AFTER UPDATE OF subject, notes, outcome, deleted_at ON logbook_entry
BEGIN
  DELETE FROM {LOGBOOK_FTS} WHERE rowid = old.search_key;
  INSERT INTO {LOGBOOK_FTS} (rowid, body)
  SELECT new.search_key, {_BODY.format(r="new")} WHERE new.deleted_at IS NULL;
END
""",
    f"""
CREATE TRIGGER IF NOT EXISTS logbook_entry_index_delete AFTER DELETE ON logbook_entry
BEGIN
  DELETE FROM {LOGBOOK_FTS} WHERE rowid = old.search_key;
END
""",
)


def rebuild_logbook_index(conn: Connection) -> None:
    from sqlalchemy import text

    conn.execute(text(f"DELETE FROM {LOGBOOK_FTS}"))
    conn.execute(text(f"INSERT INTO {LOGBOOK_FTS} (rowid, body) SELECT e.search_key, "
                      f"{_BODY.format(r='e')} FROM logbook_entry e WHERE e.deleted_at IS NULL"))
    conn.execute(text(f"INSERT INTO {LOGBOOK_FTS}({LOGBOOK_FTS}) VALUES ('optimize')"))


INSERT_TRIGGER = "logbook_entry_index_insert"


def begin_bulk_load(conn) -> None:
    """For loading many entries at once (sync's first pull): the per-row index trigger is
    dropped; ``finish_bulk_load`` numbers and indexes what came meanwhile and puts the
    trigger back. The caller records that a bulk load is under way (in its own
    transaction), so a killed load is finished later. ``conn``: plain sqlite3."""
    conn.execute(f"DROP TRIGGER IF EXISTS {INSERT_TRIGGER}")


def finish_bulk_load(conn) -> int:
    """Give entries without a search key one (above every key so far), index them, and
    recreate the insert trigger. Idempotent. Returns how many entries were indexed."""
    top = conn.execute("SELECT coalesce(max(search_key), 0) FROM logbook_entry").fetchone()[0]
    conn.execute("UPDATE logbook_entry SET search_key = ? + rowid WHERE search_key IS NULL",
                 (top,))
    indexed = conn.execute(
        f"INSERT INTO {LOGBOOK_FTS} (rowid, body) SELECT e.search_key, "
        f"{_BODY.format(r='e')} FROM logbook_entry e WHERE e.search_key > ? AND "
        f"e.deleted_at IS NULL", (top,)).rowcount
    conn.execute(LOGBOOK_TRIGGERS[0])
    return indexed


def finish_pending_bulk_load(conn) -> bool:
    """Finish a bulk load recorded as under way (``sync_state`` key ``bulk_logbook``),
    in its own transaction; False when none was."""
    if conn.execute("SELECT 1 FROM sync_state WHERE key = 'bulk_logbook'").fetchone() is None:
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        finish_bulk_load(conn)
        conn.execute("DELETE FROM sync_state WHERE key = 'bulk_logbook'")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return True
