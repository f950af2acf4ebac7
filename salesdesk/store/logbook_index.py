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
