"""The interface between SalesDesk's appointments/tasks and an external calendar.

Exchange (EWS) comes first, Microsoft Graph later, iCalendar files always (DESIGN.md).
Services hand a backend plain ``CalendarItem`` values; a backend never sees the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class CalendarItem:
    """An appointment as a calendar sees it. ``uid`` is SalesDesk's id (stable)."""

    uid: str
    subject: str
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    time_zone: str  # IANA name the appointment was planned in
    location: str = ""
    body: str = ""
    reminder_minutes: int | None = None
    attendees: tuple[str, ...] = field(default_factory=tuple)  # e-mail addresses
    cancelled: bool = False


class CalendarBackend(Protocol):
    """What a calendar (Exchange, Graph, an .ics file) must offer SalesDesk."""

    def put(self, item: CalendarItem) -> str:
        """Create or update the item; returns the calendar's own id for it."""

    def remove(self, uid: str) -> None:
        """Delete the item with this SalesDesk id (nothing if it is not there)."""


class NoCalendar:
    """The backend when no calendar is configured: keeps nothing, fails nothing."""

    def put(self, item: CalendarItem) -> str:
        return ""

    def remove(self, uid: str) -> None:
        return None
