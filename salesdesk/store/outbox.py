"""The outbox triggers: every insert, update or delete of a synced row writes a
``sync_outbox`` row in the same transaction (docs/sync.md, "Outbox and push").

The triggers are generated from the models, so a synced table or column added later is
covered by the next upgrade (``engine.upgrade`` reinstalls them after every migration;
tests/store/test_outbox.py checks the installed ones match). Changes made while
``sync_apply_guard`` holds a row — a pull applying central data — are not written.
"""

from __future__ import annotations

# Kept by the local store only (index keys its own triggers maintain); never sent.
LOCAL_COLUMNS = frozenset({"search_key", "geo_key"})
# Assigned by the central database; a push never sends it.
CENTRAL_COLUMNS = frozenset({"version"})
# Who changed a row last and when: carried with a change, but no change on their own.
STAMP_COLUMNS = ("updated_at", "updated_by")
PREFIX = "sync_outbox_"
_GUARD = "NOT EXISTS (SELECT 1 FROM sync_apply_guard)"


def synced_columns() -> dict[str, list[str]]:
    """Each synced table and the columns a push carries, parents first."""
    import salesdesk.store.models  # noqa: F401  (registers every table)
    from salesdesk.store.base import Base, Synced

    synced = {mapper.class_.__table__.name for mapper in Base.registry.mappers
              if issubclass(mapper.class_, Synced)}
    return {table.name: [c.name for c in table.columns
                         if c.name not in LOCAL_COLUMNS | CENTRAL_COLUMNS]
            for table in Base.metadata.sorted_tables if table.name in synced}


def quote(name: str) -> str:
    """An SQL identifier in double quotes (SQLite and PostgreSQL alike)."""
    return '"' + name.replace('"', '""') + '"'


_quote = quote


def trigger_sql(table: str, columns: list[str]) -> dict[str, str]:
    """The three triggers of one table, by name."""
    t = _quote(table)
    changed = "\n        UNION ALL ".join(
        f"SELECT '{c}' AS k, OLD.{_quote(c)} AS v WHERE OLD.{_quote(c)} IS NOT NEW.{_quote(c)}"
        for c in columns if c != "id")
    return {
        f"{PREFIX}{table}_i": (
            f"CREATE TRIGGER {PREFIX}{table}_i AFTER INSERT ON {t} WHEN {_GUARD}\n"
            f"BEGIN\n    INSERT INTO sync_outbox (tbl, row_id, op, old) "
            f"VALUES ('{table}', NEW.id, 'I', '{{}}');\nEND"),
        f"{PREFIX}{table}_u": (
            f"CREATE TRIGGER {PREFIX}{table}_u AFTER UPDATE ON {t} WHEN {_GUARD}\n"
            f"BEGIN\n    INSERT INTO sync_outbox (tbl, row_id, op, old)\n"
            f"    SELECT '{table}', NEW.id, 'U', json_group_object(k, v) FROM (\n"
            f"        {changed})\n"
            f"    HAVING sum(k NOT IN {STAMP_COLUMNS!r}) > 0;\nEND"),
        f"{PREFIX}{table}_d": (
            f"CREATE TRIGGER {PREFIX}{table}_d AFTER DELETE ON {t} WHEN {_GUARD}\n"
            f"BEGIN\n    INSERT INTO sync_outbox (tbl, row_id, op, old) "
            f"VALUES ('{table}', OLD.id, 'D', '{{}}');\nEND"),
    }


def expected_triggers() -> dict[str, str]:
    found: dict[str, str] = {}
    for table, columns in synced_columns().items():
        found.update(trigger_sql(table, columns))
    return found


def install_triggers(execute) -> int:
    """(Re)create the outbox triggers that differ from the models; ``execute(sql,
    params=())`` runs one statement in the caller's transaction. Returns how many."""
    wanted = expected_triggers()
    have = dict(execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                        "AND name LIKE ?", (PREFIX + "%",)).fetchall())
    changed = 0
    for name in have.keys() - wanted.keys():
        execute(f"DROP TRIGGER {name}")
        changed += 1
    for name, sql in wanted.items():
        if have.get(name) != sql:
            if name in have:
                execute(f"DROP TRIGGER {name}")
            execute(sql)
            changed += 1
    return changed
