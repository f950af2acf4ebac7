"""Client-generated, time-ordered keys."""

import uuid

import uuid6


def new_id() -> uuid.UUID:
    """A UUIDv7 as a standard ``uuid.UUID`` (time-ordered, so inserts stay index-friendly)."""
    return uuid.UUID(bytes=uuid6.uuid7().bytes)


def format_number(prefix: str, value: int, width: int = 6) -> str:
    """A human-facing business number such as K-000123."""
    return f"{prefix}-{value:0{width}d}"


# the namespace of keys that are the same on every device (entries SalesDesk ships)
_BUILTIN = uuid.UUID("5a1e5de5-0000-4000-8000-000000000001")


def builtin_id(table: str, code: str) -> uuid.UUID:
    """The key of an entry SalesDesk ships (a kind of contact, …): the same on every
    device and in the central database, so the entry is one row everywhere."""
    return uuid.uuid5(_BUILTIN, f"{table}:{code}")
