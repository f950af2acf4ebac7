"""Client-generated, time-ordered keys."""

import uuid

import uuid6


def new_id() -> uuid.UUID:
    """A UUIDv7 as a standard ``uuid.UUID`` (time-ordered, so inserts stay index-friendly)."""
    return uuid.UUID(bytes=uuid6.uuid7().bytes)


def format_number(prefix: str, value: int, width: int = 6) -> str:
    """A human-facing business number such as K-000123."""
    return f"{prefix}-{value:0{width}d}"
