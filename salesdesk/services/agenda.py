"""The rep's day: overdue and due tasks, appointments, customers due for contact, and
the reminders that are due (including those missed while SalesDesk was closed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from salesdesk.domain.errors import DomainError
from salesdesk.domain.tasks import OPEN_STATUSES
from salesdesk.i18n import _
from salesdesk.services.appointments import AppointmentRow, appointments_between, week_start
from salesdesk.services.tasks import _TASK_SQL, TaskRow, task_row
from salesdesk.store.engine import dbapi
from salesdesk.store.models import Appointment, Task
from salesdesk.store.types import stored_time, utcnow

_OPEN = ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)


@dataclass(frozen=True)
class DueCustomer:
    id: uuid.UUID
    number: str
    name: str
    city: str
    next_contact: date
    last_contact_at: datetime | None


@dataclass
class Agenda:
    today: date
    overdue: list[TaskRow] = field(default_factory=list)
    due_today: list[TaskRow] = field(default_factory=list)
    due_this_week: list[TaskRow] = field(default_factory=list)
    appointments_today: list[AppointmentRow] = field(default_factory=list)
    appointments_this_week: list[AppointmentRow] = field(default_factory=list)
    customers_due: list[DueCustomer] = field(default_factory=list)


AGENDA_LIMIT = 500  # per section; a list longer than that is not a day's plan


def agenda(source, user_id: uuid.UUID | None, today: date, zone: str) -> Agenda:
    """The agenda of a user (None: everyone) for ``today`` in the time zone ``zone``."""
    conn = dbapi(source)
    result = Agenda(today)
    week_end = week_start(today) + timedelta(days=6)
    user_clause, params = "", {"today": today.isoformat(), "week_end": week_end.isoformat(),
                               "limit": AGENDA_LIMIT}
    if user_id is not None:
        user_clause = "AND t.assignee_id = :user"
        params["user"] = user_id.hex
    base = f"{_TASK_SQL} WHERE t.deleted_at IS NULL AND t.status IN ({_OPEN}) {user_clause}"
    result.overdue = [task_row(r) for r in conn.execute(
        f"{base} AND t.due_on < :today ORDER BY t.due_on, t.priority LIMIT :limit", params)]
    result.due_today = [task_row(r) for r in conn.execute(
        f"{base} AND t.due_on = :today ORDER BY t.priority, t.title LIMIT :limit", params)]
    result.due_this_week = [task_row(r) for r in conn.execute(
        f"{base} AND t.due_on > :today AND t.due_on <= :week_end "
        "ORDER BY t.due_on, t.priority LIMIT :limit", params)]
    tz = ZoneInfo(zone)
    day_start = datetime(today.year, today.month, today.day, tzinfo=tz)
    day_end = day_start + timedelta(days=1)
    week_stop = datetime(week_end.year, week_end.month, week_end.day, tzinfo=tz) + \
        timedelta(days=1)
    week = appointments_between(conn, day_start, week_stop, organizer_id=user_id)
    result.appointments_today = [a for a in week if a.starts_at < day_end]
    result.appointments_this_week = [a for a in week if a.starts_at >= day_end]
    rep_clause = "AND c.representative_id = :user" if user_id is not None else ""
    rows = conn.execute(
        "SELECT c.id, c.number, c.name, c.main_city, c.next_contact, c.last_contact_at "
        f"FROM customer c WHERE c.deleted_at IS NULL {rep_clause} "
        "AND c.next_contact IS NOT NULL AND c.next_contact <= :week_end "
        "ORDER BY c.next_contact, c.number LIMIT :limit", params)
    result.customers_due = [
        DueCustomer(uuid.UUID(hex=r[0]), r[1], r[2], r[3], date.fromisoformat(r[4]),
                    datetime.fromisoformat(r[5]) if r[5] else None) for r in rows]
    return result


# -- reminders --------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    kind: str  # "task" or "appointment"
    id: uuid.UUID
    title: str
    remind_at: datetime
    when: datetime | date | None  # the appointment's start or the task's due date
    customer_name: str

    @property
    def key(self) -> tuple[str, uuid.UUID]:
        return self.kind, self.id


def due_reminders(source, user_id: uuid.UUID, now: datetime | None = None) -> list[Reminder]:
    """Reminders of this user that are due and not dismissed — also those that fell due
    while SalesDesk was closed."""
    stamp = stored_time(now or utcnow())
    conn = dbapi(source)
    rows = conn.execute(
        "SELECT 'task', t.id, t.title, t.remind_at, t.due_on, coalesce(c.name, '') "
        "FROM task t LEFT JOIN customer c ON c.id = t.customer_id "
        f"WHERE t.remind_at <= :now AND t.reminder_dismissed = 0 AND t.status IN ({_OPEN}) "
        "AND t.deleted_at IS NULL AND t.assignee_id = :user "
        "UNION ALL "
        "SELECT 'appointment', a.id, a.subject, a.remind_at, a.starts_at, coalesce(c.name, '') "
        "FROM appointment a LEFT JOIN customer c ON c.id = a.customer_id "
        "WHERE a.remind_at <= :now AND a.reminder_dismissed = 0 AND a.status != 'cancelled' "
        "AND a.deleted_at IS NULL AND a.organizer_id = :user "
        "ORDER BY 4", {"now": stamp, "user": user_id.hex})
    reminders = []
    for kind, rid, title, remind_at, when, customer in rows:
        moment = None
        if when:
            moment = date.fromisoformat(when) if kind == "task" else \
                datetime.fromisoformat(when)
        reminders.append(Reminder(kind, uuid.UUID(hex=rid), title,
                                  datetime.fromisoformat(remind_at), moment, customer))
    return reminders


def next_reminder_at(source, user_id: uuid.UUID) -> datetime | None:
    """When the next not yet due reminder of this user falls due (for a timer)."""
    now = stored_time(utcnow())
    row = dbapi(source).execute(
        "SELECT min(m) FROM ("
        f"SELECT min(remind_at) AS m FROM task WHERE remind_at > :now AND status IN ({_OPEN}) "
        "AND reminder_dismissed = 0 AND deleted_at IS NULL AND assignee_id = :user "
        "UNION ALL SELECT min(remind_at) FROM appointment WHERE remind_at > :now "
        "AND reminder_dismissed = 0 AND status != 'cancelled' AND deleted_at IS NULL "
        "AND organizer_id = :user)", {"now": now, "user": user_id.hex}).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def _target(session: Session, kind: str, record_id: uuid.UUID):
    model = {"task": Task, "appointment": Appointment}[kind]
    record = session.get(model, record_id)
    if record is None or record.deleted_at is not None:
        raise DomainError(_("This reminder's task or appointment does not exist any more."))
    return record


def snooze(session: Session, kind: str, record_id: uuid.UUID, minutes: int) -> datetime:
    """Remind again in ``minutes``; returns the new reminder time."""
    record = _target(session, kind, record_id)
    record.remind_at = utcnow() + timedelta(minutes=max(1, int(minutes)))
    record.reminder_dismissed = False
    session.flush()
    return record.remind_at


def dismiss(session: Session, kind: str, record_id: uuid.UUID) -> None:
    record = _target(session, kind, record_id)
    record.reminder_dismissed = True
    session.flush()
