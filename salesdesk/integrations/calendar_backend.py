"""The interface between SalesDesk's appointments/tasks and an external calendar.

Exchange (EWS) comes first, Microsoft Graph later, iCalendar files always (DESIGN.md).
Services hand a backend plain values; a backend never sees the store.

A mailbox backend (Exchange, Graph) works on *calendar fields*: a flat dict of
JSON-able values per item, the same for every backend, so the service can compare what
SalesDesk has, what the mailbox has and what both had after the last sync, field by
field (docs/exchange.md):

- appointment: ``subject``, ``start``/``end`` (ISO 8601, UTC), ``time_zone`` (IANA),
  ``location``, ``body``, ``reminder`` (minutes before the start, or None);
- task: ``subject``, ``due_on`` (ISO date or None), ``reminder_at`` (ISO 8601 UTC or
  None), ``status`` (one of ``TASK_STATES``), ``body``.

Each item carries SalesDesk's id (``uid``) in the mailbox, so a lost link is found again.
Graph maps the same fields onto ``event``/``todoTask`` resources, its delta links onto
``changes`` and ``@odata.etag`` onto the change key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from salesdesk.domain.errors import DomainError

APPOINTMENT_FIELDS = ("subject", "start", "end", "time_zone", "location", "body", "reminder")
TASK_FIELDS = ("subject", "due_on", "reminder_at", "status", "body")
TASK_STATES = ("not_started", "in_progress", "deferred", "completed")
KINDS = ("appointment", "task")


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


@dataclass(frozen=True)
class RemoteRef:
    """The mailbox's own handle of an item: its id and the change key of the version."""

    item_id: str
    change_key: str


@dataclass(frozen=True)
class RemoteItem:
    """An item as the mailbox has it now. ``uid`` is empty for items SalesDesk did not make."""

    ref: RemoteRef
    uid: str
    fields: dict


@dataclass(frozen=True)
class RemoteChanges:
    """What changed in a folder since a sync state: items created or changed (with their
    fields), ids of items deleted, and the state to ask from next time."""

    changed: list[RemoteItem]
    deleted: list[str]
    state: str


class CalendarError(DomainError):
    """The mailbox could not be used; the message says why, for the user."""


class CalendarAuthError(CalendarError):
    """Wrong user name or password (or an expired token)."""


class CalendarUnreachable(CalendarError):
    """The server did not answer (offline, wrong address, busy too long)."""


class CalendarBusy(CalendarUnreachable):
    """The server asked to come back later: ``back_off`` seconds."""

    def __init__(self, message: str, back_off: float = 1.0):
        super().__init__(message)
        self.back_off = back_off


class CalendarCertificateError(CalendarError):
    """The server's certificate was not trusted."""


class CalendarConflict(CalendarError):
    """The item changed in the mailbox since the change key SalesDesk had (stale key)."""


class ItemGone(CalendarError):
    """The item is not in the mailbox any more (deleted in Outlook)."""


class SyncStateInvalid(CalendarError):
    """The mailbox no longer accepts the saved sync state: a full resync is needed."""


class CalendarBackend(Protocol):
    """What a mailbox calendar (Exchange, later Graph) must offer SalesDesk."""

    def normalise(self, kind: str, fields: dict) -> dict:
        """The fields as this mailbox will give them back (time zones, line ends)."""

    def create(self, kind: str, items: list[tuple[str, dict]]) -> list[RemoteRef | Exception]:
        """Create items (uid, fields), stamped with the uid; per item its ref or the error."""

    def update(self, kind: str, ref: RemoteRef, fields: dict, changed) -> RemoteRef:
        """Write the ``changed`` ones of ``fields`` and nothing else, only if the item is
        still at ``ref.change_key`` (else CalendarConflict); returns the new ref."""

    def delete(self, kind: str, refs: list[RemoteRef]) -> None:
        """Remove the items (recoverably where the mailbox can); gone ones are fine."""

    def changes(self, kind: str, state: str) -> RemoteChanges:
        """What changed since ``state`` ("" = everything): refs and SalesDesk ids of items
        created or changed (without fields: ``fetch`` those needed) and ids of deleted ones,
        read to the end before anything is returned, so the new state is only seen with
        all its changes. Raises SyncStateInvalid when the state is refused."""

    def stamped(self, kind: str) -> list[RemoteItem]:
        """Every item carrying a SalesDesk id (full resync after an invalid state)."""

    def fetch(self, kind: str, item_ids: list[str]) -> list[RemoteItem]:
        """The current fields of these items (missing ones are left out)."""
