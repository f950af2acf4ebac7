"""Business numbers (K-000123), taken inside the caller's transaction.

A store that has never synchronised numbers from its own counter (``number_sequence``),
as a single-device installation always did. Once a device synchronises, the central
database hands it blocks of numbers per series (salesdesk/sync/numbers.py); they are
kept in ``sync_state`` under ``numbers:<series>`` and used first, so two devices
creating customers offline never pick the same number. A device whose blocks are used
up while offline gives a *provisional* number: the local counter with the device's
suffix (K-000123-2Y; the suffix is the first number of the device's first block in
base 36, unique because blocks never overlap). The next sync renumbers provisional
numbers of series that allow it (customers) from a fresh block; numbers printed on
issued documents (condition sheets) stay as they are: they are unique all the same.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from salesdesk.domain.ids import format_number
from salesdesk.store.models import NumberSequence, SyncState


@dataclass(frozen=True)
class Series:
    """A kind of business number and where it is stored."""

    name: str  # number_sequence.name, and the central block name
    prefix: str
    table: str
    column: str
    renumber: bool  # provisional numbers are replaced at the next sync


SERIES = {
    "customer": Series("customer", "K", "customer", "number", renumber=True),
    # printed on the sheet and its PDF the moment it is issued: never renumbered
    "condition_sheet": Series("condition_sheet", "KS", "issued_condition_sheet", "number",
                              renumber=False),
}
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def block_key(name: str) -> str:
    """The sync_state key holding a series' number blocks."""
    return f"numbers:{name}"


def device_suffix(first: int) -> str:
    """The suffix of provisional numbers: ``first`` in base 36, at least two places."""
    digits = ""
    while first:
        first, rest = divmod(first, 36)
        digits = _DIGITS[rest] + digits
    return digits.rjust(2, "0")


def provisional_pattern(prefix: str, suffix: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(prefix)}-(\d+)-{re.escape(suffix)}$")


def locked_blocks(session: Session, name: str) -> dict | None:
    """The series' block state, read with the store's write lock held (the UPDATE takes
    it), so two writers never hand out the same number. None: no blocks (never synced)."""
    value = session.execute(
        update(SyncState).where(SyncState.key == block_key(name))
        .values(value=SyncState.value).returning(SyncState.value)
    ).scalar_one_or_none()
    return None if value is None else json.loads(value)


def save_blocks(session: Session, name: str, blocks: dict) -> None:
    session.execute(update(SyncState).where(SyncState.key == block_key(name))
                    .values(value=json.dumps(blocks)))


def _counter(session: Session, name: str, count: int) -> int:
    """Take ``count`` values of the local counter; returns the first."""
    row = session.get(NumberSequence, name)
    if row is None:
        row = NumberSequence(name=name, next_value=1)
        session.add(row)
        session.flush()
    start = session.execute(
        update(NumberSequence)
        .where(NumberSequence.name == name)
        .values(next_value=NumberSequence.next_value + count)
        .returning(NumberSequence.next_value)
    ).scalar_one() - count
    session.expire(row)
    return start


def take_numbers(session: Session, name: str, prefix: str, count: int = 1) -> list[str]:
    """Reserve ``count`` numbers; they are lost only if the transaction rolls back.
    Without blocks (never synced) they are consecutive numbers of the local counter."""
    blocks = locked_blocks(session, name)
    if blocks is None:
        start = _counter(session, name, count)
        return [format_number(prefix, start + i) for i in range(count)]
    numbers: list[str] = []
    ranges = blocks.setdefault("blocks", [])
    while len(numbers) < count and ranges:
        first, last = ranges[0]
        used = min(count - len(numbers), last - first + 1)
        numbers += [format_number(prefix, first + i) for i in range(used)]
        if first + used > last:
            ranges.pop(0)
        else:
            ranges[0] = [first + used, last]
    missing = count - len(numbers)
    if missing:  # offline with every block used up: provisional numbers
        start = _counter(session, name, missing)
        suffix = blocks["suffix"]
        numbers += [f"{format_number(prefix, start + i)}-{suffix}" for i in range(missing)]
        blocks["provisional"] = True  # the next sync looks for them
    save_blocks(session, name, blocks)
    return numbers


def bump_past(session: Session, name: str, prefix: str, number: str) -> None:
    """After importing an explicit number, make sure it is never handed out again: not by
    the local counter, nor from one of this device's blocks."""
    digits = number.removeprefix(f"{prefix}-")
    if not digits.isdigit():
        return
    taken = int(digits)
    value = taken + 1
    current = session.scalar(select(NumberSequence.next_value).where(NumberSequence.name == name))
    if current is None:
        session.add(NumberSequence(name=name, next_value=value))
    elif current < value:
        session.execute(
            update(NumberSequence).where(NumberSequence.name == name).values(next_value=value)
        )
    blocks = locked_blocks(session, name)
    if blocks is None:
        return
    ranges = []
    for first, last in blocks.get("blocks", []):
        if first <= taken <= last:  # cut the number out of the block
            ranges += [r for r in ([first, taken - 1], [taken + 1, last]) if r[0] <= r[1]]
        else:
            ranges.append([first, last])
    if ranges != blocks.get("blocks", []):
        blocks["blocks"] = ranges
        save_blocks(session, name, blocks)
