"""Calendar files (.ics): one appointment ("Add to my calendar"), a rep's week, a task list.

No Exchange needed: Outlook, Apple Calendar, Thunderbird or Google import the file. Each
function returns the file's bytes; ``write_ics`` puts them on disk in one piece.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import unicodedata
import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from salesdesk.domain.errors import DomainError
from salesdesk.domain.tasks import OPEN_STATUSES, TaskStatus
from salesdesk.i18n import _
from salesdesk.integrations.calendar_backend import CalendarItem
from salesdesk.integrations.ics import CalendarTask, calendar_file
from salesdesk.services.appointments import (
    appointments_between,
    calendar_item,
    get_appointment,
    week_bounds,
)
from salesdesk.services.tasks import TaskFilter, TaskRow, list_tasks
from salesdesk.store.models import Appointment, AppointmentContact, Task

PAGE = 500
FILE_NAME_PART = 40  # characters of a customer's name or a subject in a file name
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def appointment_ics(session: Session, appointment_id: uuid.UUID, *,
                    stamp: datetime | None = None) -> bytes:
    """One appointment (also a cancelled one: importing it cancels the calendar's copy)."""
    appointment = get_appointment(session, appointment_id)
    return calendar_file([_event(appointment)], stamp=stamp,
                         sequences={str(appointment.id): _revision(appointment)})


def week_ics(session: Session, user_id: uuid.UUID | None, day: date, zone: str, *,
             stamp: datetime | None = None) -> bytes:
    """The appointments of ``day``'s week (Monday to Sunday in ``zone``) that ``user_id``
    organises (None: everyone's), cancelled ones left out, as the week view shows them."""
    start, end = week_bounds(day, zone)
    rows = appointments_between(session, start, end, organizer_id=user_id)
    week = start.isocalendar()
    if not rows:
        raise DomainError(_("There are no appointments in week {week} of {year}: nothing to "
                            "export.").format(week=week.week, year=week.year))
    appointments = _appointments(session, [row.id for row in rows])
    return calendar_file(
        [_event(a) for a in appointments], stamp=stamp,
        name=_("SalesDesk: week {week} of {year}").format(week=week.week, year=week.year),
        sequences={str(a.id): _revision(a) for a in appointments})


def tasks_ics(session: Session, user_id: uuid.UUID | None, *, open_only: bool = True,
              task_filter: TaskFilter | None = None, as_events: bool = False,
              stamp: datetime | None = None) -> bytes:
    """The tasks assigned to ``user_id`` (None: everyone's), open ones only unless
    ``open_only`` is False; or exactly the tasks ``task_filter`` selects (a list as shown).

    ``as_events``: each task with a due date as an all-day appointment on that day, for
    calendars without a task list (Outlook ignores the tasks of an .ics file)."""
    if task_filter is None:
        statuses = OPEN_STATUSES if open_only else TaskStatus
        task_filter = TaskFilter(assignee_id=user_id,
                                 statuses=tuple(sorted(s.value for s in statuses)))
    rows = _all_tasks(session, task_filter)
    if as_events:
        rows = [row for row in rows if row.due_on is not None]
    if not rows:
        raise DomainError(_("There are no tasks with a due date to export.") if as_events
                          else _("There are no tasks to export."))
    tasks = _tasks(session, [row.id for row in rows])
    return calendar_file(
        tasks=[calendar_task(tasks[row.id], row) for row in rows], stamp=stamp,
        name=_("SalesDesk: tasks"), tasks_as_events=as_events,
        sequences={str(task.id): _revision(task) for task in tasks.values()})


def write_ics(path: Path, data: bytes) -> Path:
    """Write a calendar file in one piece: a crash never leaves half a file under ``path``.
    A problem names ``path``, not the temporary file beside it."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        # 0o666 and the umask, as for any file the user saves (mkstemp would give 0o600)
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    return path


# -- file names ---------------------------------------------------------------------------

def appointment_file_name(session: Session, appointment_id: uuid.UUID) -> str:
    """E.g. "Appointment-2026-11-24-Mueller-GmbH.ics" (in German "Termin-…")."""
    appointment = get_appointment(session, appointment_id)
    day = appointment.starts_at.astimezone(ZoneInfo(appointment.time_zone)).date()
    customer = appointment.customer
    about = customer.name if customer is not None else appointment.subject
    return _file_name(_("Appointment"), day.isoformat(), about)


def week_file_name(day: date) -> str:
    """E.g. "Week-2026-48.ics" (in German "Woche-2026-48.ics")."""
    week = day.isocalendar()
    return _file_name(_("Week"), f"{week.year}-{week.week:02d}")


def tasks_file_name(day: date) -> str:
    """E.g. "Tasks-2026-11-24.ics" (in German "Aufgaben-…")."""
    return _file_name(_("Tasks"), day.isoformat())


def _file_name(*parts: str) -> str:
    words = [_ascii_words(part)[:FILE_NAME_PART].strip("-") for part in parts]
    return "-".join(w for w in words if w) + ".ics"


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                          "ß": "ss"})


def _ascii_words(text: str) -> str:
    """Letters and digits joined by "-": a name any file system and mail program takes."""
    plain = unicodedata.normalize("NFKD", text.translate(_UMLAUTS))
    plain = plain.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")


# -- values for the calendar --------------------------------------------------------------

def _appointments(session: Session, ids: list[uuid.UUID]) -> list[Appointment]:
    """The appointments with these ids, in this order, with what the calendar shows."""
    found = {a.id: a for a in session.scalars(
        select(Appointment).where(Appointment.id.in_(ids)).options(
            selectinload(Appointment.contacts).selectinload(AppointmentContact.contact),
            selectinload(Appointment.customer)))}
    return [found[i] for i in ids if i in found]


def _event(appointment: Appointment) -> CalendarItem:
    """What Exchange gets, with the customer and the contact persons written at the top
    of the text: a calendar file carries no links back into SalesDesk."""
    item = calendar_item(appointment)
    lines = []
    if appointment.customer is not None:
        lines.append(f"{_('Customer')}: {appointment.customer.record_label()}")
    contacts = [link.contact.full_name for link in appointment.contacts
                if link.deleted_at is None and link.contact is not None]
    if contacts:
        lines.append(f"{_('Contact persons')}: {', '.join(contacts)}")
    if not lines:
        return item
    body = "\n".join(lines) + (f"\n\n{item.body}" if item.body else "")
    return dataclasses.replace(item, body=body)


def calendar_task(task: Task, row: TaskRow | None = None) -> CalendarTask:
    """What a calendar's task list receives for a task (``row``: its customer and contact
    as the list shows them)."""
    lines = []
    if row is not None and row.customer_number:
        lines.append(f"{_('Customer')}: {row.customer_number} {row.customer_name}")
    if row is not None and row.contact_name:
        lines.append(f"{_('Contact person')}: {row.contact_name}")
    body = "\n".join(lines)
    if task.description:
        body = f"{body}\n\n{task.description}" if body else task.description
    reminder = None if task.reminder_dismissed else task.remind_at
    return CalendarTask(
        uid=str(task.id), subject=task.title, status=task.status, priority=task.priority,
        due_on=task.due_on, reminder_at=reminder, body=body, completed_at=task.completed_at)


def _tasks(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Task]:
    found: dict[uuid.UUID, Task] = {}
    for first in range(0, len(ids), PAGE):  # SQLite limits the parameters of a statement
        found.update((t.id, t) for t in session.scalars(
            select(Task).where(Task.id.in_(ids[first:first + PAGE]))))
    return found


def _all_tasks(session: Session, task_filter: TaskFilter) -> list[TaskRow]:
    rows: list[TaskRow] = []
    while True:
        page = list_tasks(session, task_filter, offset=len(rows), limit=PAGE)
        rows.extend(page)
        if len(page) < PAGE:
            return rows


def _revision(record: Appointment | Task) -> int:
    """SEQUENCE: grows with every change, so a calendar takes a newer file as an update.
    Seconds between creation and the last change: no counter to keep, fits 68 years."""
    if record.created_at is None or record.updated_at is None:
        return 0
    return max(0, int((record.updated_at - record.created_at).total_seconds()))
