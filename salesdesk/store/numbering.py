"""Business numbers (K-000123) from a per-store counter, taken inside the caller's transaction."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from salesdesk.domain.ids import format_number
from salesdesk.store.models import NumberSequence


def take_numbers(session: Session, name: str, prefix: str, count: int = 1) -> list[str]:
    """Reserve ``count`` consecutive numbers; they are lost only if the transaction rolls back."""
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
    return [format_number(prefix, start + i) for i in range(count)]


def bump_past(session: Session, name: str, prefix: str, number: str) -> None:
    """After importing an explicit number, make sure the counter never hands it out again."""
    digits = number.removeprefix(f"{prefix}-")
    if not digits.isdigit():
        return
    value = int(digits) + 1
    current = session.scalar(select(NumberSequence.next_value).where(NumberSequence.name == name))
    if current is None:
        session.add(NumberSequence(name=name, next_value=value))
    elif current < value:
        session.execute(
            update(NumberSequence).where(NumberSequence.name == name).values(next_value=value)
        )
