"""iCalendar (.ics) files of appointments and tasks (RFC 5545, written with icalendar).

Any calendar program imports them (Outlook, Apple Calendar, Thunderbird, Google): this is
how SalesDesk reaches a calendar when there is no Exchange. A file is published, not an
invitation (``METHOD:PUBLISH``, no attendees): importing it never mails anyone. The UID
is SalesDesk's id, so importing a newer file of the same appointment updates it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Todo

from salesdesk.domain.tasks import Priority, TaskStatus
from salesdesk.integrations.calendar_backend import CalendarItem

PRODID = "-//SalesDesk//SalesDesk//EN"
UID_DOMAIN = "salesdesk"  # never changes: calendars match updates by UID
CATEGORY = "SalesDesk"
MEDIA_TYPE = "text/calendar"

# VTODO knows no "on hold": a paused task still needs doing
TODO_STATUS = {
    TaskStatus.ASSIGNED: "NEEDS-ACTION",
    TaskStatus.IN_PROGRESS: "IN-PROCESS",
    TaskStatus.ON_HOLD: "NEEDS-ACTION",
    TaskStatus.CONFIRMED: "COMPLETED",
    TaskStatus.REJECTED: "COMPLETED",
    TaskStatus.CANCELLED: "CANCELLED",
}
# RFC 5545: 1-4 high, 5 medium, 6-9 low
TODO_PRIORITY = {Priority.HIGH: 1, Priority.NORMAL: 5, Priority.LOW: 9}


@dataclass(frozen=True)
class CalendarTask:
    """A task as a calendar's task list sees it. ``uid`` is SalesDesk's id (stable)."""

    uid: str
    subject: str
    status: str  # a TaskStatus value
    priority: int = int(Priority.NORMAL)
    due_on: date | None = None
    reminder_at: datetime | None = None  # aware; None: no reminder
    body: str = ""
    completed_at: datetime | None = None  # aware: when it was completed or cancelled


def ics_uid(salesdesk_id: str) -> str:
    return f"{salesdesk_id}@{UID_DOMAIN}"


def calendar_file(events: Iterable[CalendarItem] = (), tasks: Iterable[CalendarTask] = (),
                  *, name: str = "", stamp: datetime | None = None,
                  sequences: Mapping[str, int] | None = None,
                  tasks_as_events: bool = False) -> bytes:
    """One VCALENDAR with a VEVENT per appointment, a VTODO per task and the VTIMEZONEs
    they need. ``sequences``: revision number per SalesDesk id (SEQUENCE, default 0);
    ``stamp``: when the file is made (DTSTAMP, default now); ``tasks_as_events``: each
    task with a due date as an all-day VEVENT instead (Outlook ignores VTODO)."""
    events, tasks = list(events), list(tasks)
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    sequences = sequences or {}
    calendar = _calendar(name)
    for item in events:
        calendar.add_component(event(item, stamp, sequences.get(item.uid, 0)))
    for task in tasks:
        if not tasks_as_events:
            calendar.add_component(todo(task, stamp, sequences.get(task.uid, 0)))
        elif task.due_on is not None:
            calendar.add_component(due_event(task, stamp, sequences.get(task.uid, 0)))
    _add_time_zones(calendar, events)
    return calendar.to_ical()


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:  # what a program calls the calendar when it opens the file as one
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
    return calendar


def event(item: CalendarItem, stamp: datetime, sequence: int = 0) -> Event:
    """The VEVENT of an appointment, its times in the zone it was planned in."""
    zone = ZoneInfo(item.time_zone)
    component = Event()
    component.add("uid", ics_uid(item.uid))
    component.add("dtstamp", stamp)
    component.add("sequence", sequence)
    component.add("dtstart", item.starts_at.astimezone(zone))
    component.add("dtend", item.ends_at.astimezone(zone))
    component.add("summary", item.subject)
    if item.location:
        component.add("location", item.location)
    if item.body:
        component.add("description", item.body)
    component.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    component.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
    component.add("categories", [CATEGORY])
    if item.reminder_minutes is not None and not item.cancelled:
        component.add_component(_alarm(item.subject, -timedelta(minutes=item.reminder_minutes)))
    return component


def todo(task: CalendarTask, stamp: datetime, sequence: int = 0) -> Todo:
    """The VTODO of a task: due on a day (no time), its status and priority."""
    status = TaskStatus(task.status)
    component = Todo()
    component.add("uid", ics_uid(task.uid))
    component.add("dtstamp", stamp)
    component.add("sequence", sequence)
    component.add("summary", task.subject)
    if task.body:
        component.add("description", task.body)
    if task.due_on is not None:
        component.add("due", task.due_on)  # a date: DUE;VALUE=DATE
    component.add("status", TODO_STATUS[status])
    component.add("priority", TODO_PRIORITY.get(Priority(task.priority), 0))
    component.add("categories", [CATEGORY])
    if TODO_STATUS[status] == "COMPLETED":
        component.add("percent-complete", 100)
        if task.completed_at is not None:
            component.add("completed", task.completed_at.astimezone(UTC))
    if task.reminder_at is not None and status.is_open:
        component.add_component(_alarm(task.subject, task.reminder_at.astimezone(UTC)))
    return component


def due_event(task: CalendarTask, stamp: datetime, sequence: int = 0) -> Event:
    """A task as an all-day VEVENT on its due day, shown free: for calendars without a
    task list (Outlook imports no VTODO). Its UID differs from the VTODO's."""
    if task.due_on is None:
        raise ValueError("a task without a due date is no event")
    status = TaskStatus(task.status)
    component = Event()
    component.add("uid", ics_uid(f"{task.uid}-due"))
    component.add("dtstamp", stamp)
    component.add("sequence", sequence)
    component.add("dtstart", task.due_on)
    component.add("dtend", task.due_on + timedelta(days=1))
    component.add("summary", task.subject)
    if task.body:
        component.add("description", task.body)
    component.add("status", "CANCELLED" if status is TaskStatus.CANCELLED else "CONFIRMED")
    component.add("transp", "TRANSPARENT")
    component.add("priority", TODO_PRIORITY.get(Priority(task.priority), 0))
    component.add("categories", [CATEGORY])
    if task.reminder_at is not None and status.is_open:
        component.add_component(_alarm(task.subject, task.reminder_at.astimezone(UTC)))
    return component


def _alarm(text: str, trigger: timedelta | datetime) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)  # DISPLAY requires one: what the reminder says
    if isinstance(trigger, datetime):  # icalendar leaves out VALUE, which RFC 5545 requires
        alarm.add("trigger", trigger, parameters={"VALUE": "DATE-TIME"})
    else:  # before the start
        alarm.add("trigger", trigger)
    return alarm


def _add_time_zones(calendar: Calendar, events: list[CalendarItem]) -> None:
    """A VTIMEZONE (from zoneinfo) per zone used, covering the years of the events only:
    each DST change is one line, and a calendar program needs only those in use."""
    if not events:
        return
    first = min(e.starts_at.astimezone(ZoneInfo(e.time_zone)) for e in events)
    last = max(e.ends_at.astimezone(ZoneInfo(e.time_zone)) for e in events)
    calendar.add_missing_timezones(first_date=date(first.year, 1, 1),
                                   last_date=date(last.year + 1, 1, 1))
