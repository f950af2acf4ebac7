"""Business-number blocks: during a sync, each series (store/numbering.py ``SERIES``)
gets a block of numbers from the central database when this device has fewer than
``LOW_WATER`` left, so numbers made offline never collide between devices; then
provisional numbers (made offline after the blocks ran out: K-000123-2Y) of series that
allow it are replaced by block numbers, before the push sends them.

The central function ``salesdesk_take_number_block(name, device, size, at_least)``
hands out the next free range at or above ``at_least``; the device asks for at least
one above every number it holds, so a block never repeats a number made before this
device's first sync (or imported with an explicit number). A block taken whose answer
is lost is wasted, never handed out twice.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from dataclasses import dataclass, field

from salesdesk.store.engine import Store
from salesdesk.store.numbering import (
    SERIES,
    Series,
    block_key,
    device_suffix,
    locked_blocks,
    provisional_pattern,
    save_blocks,
    take_numbers,
)
from salesdesk.sync import client

BLOCK_SIZE = 100
LOW_WATER = 20
DEVICE_KEY = "device"


@dataclass
class NumbersResult:
    blocks: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # taken now
    renumbered: dict[str, str] = field(default_factory=dict)  # provisional → final


def device_id(conn: sqlite3.Connection) -> str:
    """This store's device id (made on first use, kept in sync_state)."""
    found = client.state(conn, DEVICE_KEY)
    if found:
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = client.state(conn, DEVICE_KEY)
        if not found:
            found = uuid.uuid4().hex
            client.set_state(conn, DEVICE_KEY, found)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


def remaining(blocks: dict | None) -> int:
    if not blocks:
        return 0
    return sum(last - first + 1 for first, last in blocks.get("blocks", []))


def _highest(conn: sqlite3.Connection, series: Series) -> int:
    """The highest plain number of the series this store holds or has counted."""
    prefix = series.prefix + "-"
    high = conn.execute(
        f'SELECT max(CAST(substr("{series.column}", :at) AS INTEGER)) FROM "{series.table}" '
        f'WHERE "{series.column}" LIKE :like AND substr("{series.column}", :at) <> \'\' '
        f'AND substr("{series.column}", :at) NOT GLOB :other',
        {"at": len(prefix) + 1, "like": prefix + "%", "other": "*[^0-9]*"}).fetchone()[0]
    counted = conn.execute("SELECT next_value - 1 FROM number_sequence WHERE name = ?",
                           (series.name,)).fetchone()
    return max(high or 0, counted[0] if counted else 0)


def _provisional(conn: sqlite3.Connection, series: Series, suffix: str) -> list[str]:
    pattern = provisional_pattern(series.prefix, suffix)
    rows = conn.execute(
        f'SELECT "{series.column}" FROM "{series.table}" WHERE "{series.column}" LIKE ? '
        f'ORDER BY "{series.column}"', (f"{series.prefix}-%-{suffix}",)).fetchall()
    return [number for (number,) in rows if pattern.match(number)]


def take_block(store: Store, central, series: Series, size: int) -> tuple[int, int]:
    """Take one block from the central database and keep it locally."""
    conn = client.local_connection(store)
    try:
        device = device_id(conn)
        at_least = _highest(conn, series) + 1
        first, last = central.execute(
            "SELECT first, last FROM salesdesk_take_number_block(%s, %s, %s, %s)",
            (series.name, uuid.UUID(device), size, at_least)).fetchone()
        conn.execute("BEGIN IMMEDIATE")
        try:
            blocks = client.state(conn, block_key(series.name)) or {}
            blocks.setdefault("suffix", device_suffix(first))
            blocks.setdefault("blocks", []).append([first, last])
            client.set_state(conn, block_key(series.name), blocks)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return first, last
    finally:
        conn.close()


def prepare(store: Store, central, *, size: int | None = None,
            low: int | None = None) -> NumbersResult:
    """Top up the number blocks and replace provisional numbers (before a push)."""
    size = BLOCK_SIZE if size is None else size
    low = LOW_WATER if low is None else low
    result = NumbersResult()
    for series in SERIES.values():
        conn = client.local_connection(store)
        try:
            blocks = client.state(conn, block_key(series.name))
            waiting = (_provisional(conn, series, blocks["suffix"])
                       if blocks and blocks.get("provisional") and series.renumber else [])
        finally:
            conn.close()
        while remaining(blocks) < max(low, len(waiting)) or not blocks:
            taken = take_block(store, central, series, max(size, len(waiting) + low))
            result.blocks.setdefault(series.name, []).append(taken)
            conn = client.local_connection(store)
            try:
                blocks = client.state(conn, block_key(series.name))
            finally:
                conn.close()
        if series.renumber and blocks.get("provisional"):
            result.renumbered.update(renumber(store, series, blocks["suffix"]))
    return result


def renumber(store: Store, series: Series, suffix: str) -> dict[str, str]:
    """Give this device's provisional numbers of ``series`` block numbers (audited like
    any edit; the outbox carries the new number). Returns old → new."""
    from sqlalchemy import select

    from salesdesk.store.base import Base

    model = next(m.class_ for m in Base.registry.mappers
                 if m.class_.__table__.name == series.table)
    column = getattr(model, series.column)
    pattern = provisional_pattern(series.prefix, suffix)
    changed: dict[str, str] = {}
    with store.session() as session:
        rows = session.scalars(select(model).where(
            column.like(f"{series.prefix}-%-{suffix}"))).all()
        rows = [row for row in rows if pattern.match(getattr(row, series.column))]
        rows.sort(key=lambda row: int(pattern.match(getattr(row, series.column))[1]))
        numbers = take_numbers(session, series.name, series.prefix, len(rows)) if rows else []
        for row, number in zip(rows, numbers, strict=True):
            if not re.fullmatch(rf"{re.escape(series.prefix)}-\d+", number):
                break  # no block numbers left: the rest waits for the next sync
            changed[getattr(row, series.column)] = number
            setattr(row, series.column, number)
        if len(changed) == len(rows):  # none left: later syncs need not look
            blocks = locked_blocks(session, series.name)
            if blocks is not None and blocks.pop("provisional", None):
                save_blocks(session, series.name, blocks)
        session.commit()
    return changed


def blocks_of(store: Store) -> dict[str, dict]:
    """Each series' block state on this device (for display and tests)."""
    conn = client.local_connection(store)
    try:
        return {name: client.state(conn, block_key(name)) for name in SERIES
                if client.state(conn, block_key(name)) is not None}
    finally:
        conn.close()
