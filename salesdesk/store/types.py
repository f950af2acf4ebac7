"""Column types: money as a scaled integer (never REAL), time as UTC."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, String
from sqlalchemy.types import TypeDecorator

from salesdesk.domain.money import STORAGE_PLACES

_SCALE = Decimal(10) ** STORAGE_PLACES


class Money(TypeDecorator):
    """A Decimal kept as integer ten-thousandths, so SQLite sorts and sums it exactly."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value) * _SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {STORAGE_PLACES} decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(value).scaleb(-STORAGE_PLACES)


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored as ISO-8601 UTC text; naive input is refused."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times in UTC with tzinfo")
        return stored_time(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return datetime.fromisoformat(value)


def stored_time(value: datetime) -> str:
    """The text a UTCDateTime column holds for ``value`` (fixed width: compares in order)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def utcnow() -> datetime:
    return datetime.now(UTC)
