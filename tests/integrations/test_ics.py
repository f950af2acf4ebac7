"""iCalendar files as other programs read them: every file is parsed back by vobject (a
second, independent parser) and by icalendar itself."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from salesdesk.integrations.calendar_backend import CalendarItem
from salesdesk.integrations.ics import PRODID, CalendarTask, calendar_file, ics_uid

BERLIN = ZoneInfo("Europe/Berlin")
STAMP = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)  # the file is made in winter …
ID = "01a209e9-448f-72d7-8cdb-6c3a26e6c2e7"


def _meeting(**changes) -> CalendarItem:
    values = {
        "uid": ID,
        "subject": "Jahresgespräch Müller",
        # … for a summer meeting: 10:00 in Berlin is 08:00 UTC (CEST, +02:00)
        "starts_at": datetime(2026, 7, 14, 8, tzinfo=UTC),
        "ends_at": datetime(2026, 7, 14, 9, 30, tzinfo=UTC),
        "time_zone": "Europe/Berlin",
        "location": "Sendlinger Str. 1, 80331 München",
        "body": "Preise; Rabatte, Zahlungsziel\nZweite Zeile: Grüße",
        "reminder_minutes": 30,
    }
    return CalendarItem(**(values | changes))


def _task(**changes) -> CalendarTask:
    values = {
        "uid": "01a209e9-4493-7516-a16b-e5043a852e45",
        "subject": "Angebot schicken",
        "status": "assigned",
        "priority": 1,
        "due_on": date(2026, 7, 20),
        "reminder_at": datetime(2026, 7, 20, 6, tzinfo=UTC),
        "body": "Kunde: K-000001 Müller GmbH",
    }
    return CalendarTask(**(values | changes))


def _vobject(data: bytes):
    return vobject.readOne(data.decode("utf-8"))


def test_a_summer_meeting_keeps_its_wall_time_and_zone(tmp_path):
    data = calendar_file([_meeting()], stamp=STAMP)
    event = _vobject(data).vevent
    start = event.dtstart.value
    assert (start.hour, start.minute) == (10, 0)  # local wall time in Berlin
    assert start.utcoffset() == timedelta(hours=2)
    assert start.astimezone(UTC) == datetime(2026, 7, 14, 8, tzinfo=UTC)
    assert event.dtend.value.astimezone(UTC) == datetime(2026, 7, 14, 9, 30, tzinfo=UTC)
    # vobject computed the offset from the file's own VTIMEZONE, not from a tz database
    assert repr(start.tzinfo) == "<tzicalvtz 'Europe/Berlin'>"
    assert b"DTSTART;TZID=Europe/Berlin:20260714T100000\r\n" in data

    parsed = Calendar.from_ical(data).events[0]
    assert parsed.start == datetime(2026, 7, 14, 10, tzinfo=BERLIN)
    assert parsed.start.tzinfo.key == "Europe/Berlin"


def test_the_file_carries_its_own_time_zone_definition():
    data = calendar_file([_meeting()], stamp=STAMP)
    calendar = _vobject(data)
    [zone] = calendar.vtimezone_list
    assert zone.tzid.value == "Europe/Berlin"
    rules = {(c.name, c.tzoffsetto.value) for c in zone.getChildren()
             if c.name in ("STANDARD", "DAYLIGHT")}
    assert ("DAYLIGHT", "+0200") in rules and ("STANDARD", "+0100") in rules
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
    assert Calendar.from_ical(data).get_missing_tzids() == set()


def test_a_utc_appointment_needs_no_time_zone():
    data = calendar_file([_meeting(time_zone="UTC")], stamp=STAMP)
    assert b"BEGIN:VTIMEZONE" not in data
    assert b"DTSTART:20260714T080000Z\r\n" in data


def test_the_calendar_is_published_not_an_invitation():
    data = calendar_file([_meeting(attendees=("anna@huber.example",))], stamp=STAMP)
    calendar = _vobject(data)
    assert calendar.prodid.value == PRODID == "-//SalesDesk//SalesDesk//EN"
    assert calendar.version.value == "2.0"
    assert calendar.method.value == "PUBLISH"
    assert calendar.calscale.value == "GREGORIAN"
    assert b"ATTENDEE" not in data and b"ORGANIZER" not in data  # importing mails nobody


def test_uid_stamp_sequence_and_the_uid_never_changes():
    first = calendar_file([_meeting()], stamp=STAMP, sequences={ID: 7})
    later = calendar_file([_meeting(subject="Verschoben")],
                          stamp=STAMP + timedelta(days=3), sequences={ID: 9})
    one, two = _vobject(first).vevent, _vobject(later).vevent
    assert one.uid.value == two.uid.value == ics_uid(ID) == f"{ID}@salesdesk"
    assert (one.sequence.value, two.sequence.value) == ("7", "9")
    assert one.dtstamp.value == STAMP
    assert calendar_file([_meeting()], stamp=STAMP).count(b"SEQUENCE:0\r\n") == 1


def test_reminder_is_a_display_alarm_before_the_start():
    event = _vobject(calendar_file([_meeting()], stamp=STAMP)).vevent
    assert event.valarm.action.value == "DISPLAY"
    assert event.valarm.trigger.value == -timedelta(minutes=30)
    assert event.valarm.description.value == "Jahresgespräch Müller"
    assert b"TRIGGER:-PT30M\r\n" in calendar_file([_meeting()], stamp=STAMP)
    no_reminder = _vobject(calendar_file([_meeting(reminder_minutes=None)], stamp=STAMP))
    assert not hasattr(no_reminder.vevent, "valarm")


def test_commas_semicolons_newlines_and_umlauts_survive():
    tricky = "Müller, Meier; Söhne\\Töchter – Straße"
    data = calendar_file([_meeting(subject=tricky)], stamp=STAMP)
    assert "SUMMARY:Müller\\, Meier\\; Söhne\\\\Töchter – Straße".encode() in data
    event = _vobject(data).vevent
    assert event.summary.value == tricky
    assert event.description.value == "Preise; Rabatte, Zahlungsziel\nZweite Zeile: Grüße"
    assert event.location.value == "Sendlinger Str. 1, 80331 München"
    parsed = Calendar.from_ical(data).events[0]
    assert (str(parsed["SUMMARY"]), str(parsed["DESCRIPTION"])) == (
        tricky, "Preise; Rabatte, Zahlungsziel\nZweite Zeile: Grüße")


def test_lines_are_folded_at_75_octets_with_crlf():
    long_text = "Besprechung über die Konditionen für das Frühjahrssortiment " * 6
    data = calendar_file([_meeting(body=long_text)], stamp=STAMP)
    lines = data.split(b"\r\n")
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # folding never splits an umlaut
    assert _vobject(data).vevent.description.value == long_text


def test_a_cancelled_appointment_says_so_and_does_not_remind():
    data = calendar_file([_meeting(cancelled=True)], stamp=STAMP)
    event = _vobject(data).vevent
    assert event.status.value == "CANCELLED"
    assert not hasattr(event, "valarm")
    assert _vobject(calendar_file([_meeting()], stamp=STAMP)).vevent.status.value == "CONFIRMED"


def test_several_appointments_in_several_zones():
    shanghai = _meeting(uid="b", subject="Messe", time_zone="Asia/Shanghai",
                        starts_at=datetime(2027, 3, 1, 1, tzinfo=UTC),
                        ends_at=datetime(2027, 3, 3, 10, tzinfo=UTC))
    calendar = _vobject(calendar_file([_meeting(), shanghai], stamp=STAMP))
    assert {z.tzid.value for z in calendar.vtimezone_list} == {"Europe/Berlin",
                                                              "Asia/Shanghai"}
    fair = next(e for e in calendar.vevent_list if e.summary.value == "Messe")
    assert fair.dtstart.value.hour == 9 and fair.dtstart.value.utcoffset() == timedelta(hours=8)


def test_a_task_is_a_todo_due_on_a_day():
    data = calendar_file(tasks=[_task()], stamp=STAMP, name="SalesDesk: tasks")
    assert b"DUE;VALUE=DATE:20260720\r\n" in data
    calendar = _vobject(data)
    todo = calendar.vtodo
    assert todo.due.value == date(2026, 7, 20)
    assert todo.status.value == "NEEDS-ACTION"
    assert todo.priority.value == "1"
    assert todo.summary.value == "Angebot schicken"
    assert todo.description.value == "Kunde: K-000001 Müller GmbH"
    assert todo.uid.value == "01a209e9-4493-7516-a16b-e5043a852e45@salesdesk"
    assert todo.valarm.trigger.value == datetime(2026, 7, 20, 6, tzinfo=UTC)
    assert b"TRIGGER;VALUE=DATE-TIME:20260720T060000Z\r\n" in data
    assert calendar.contents["x-wr-calname"][0].value == "SalesDesk: tasks"
    [parsed] = Calendar.from_ical(data).todos
    assert parsed["DUE"].dt == date(2026, 7, 20)


@pytest.mark.parametrize(("status", "expected"), [
    ("assigned", "NEEDS-ACTION"),
    ("in_progress", "IN-PROCESS"),
    ("on_hold", "NEEDS-ACTION"),
    ("confirmed", "COMPLETED"),
    ("rejected", "COMPLETED"),
    ("cancelled", "CANCELLED"),
])
def test_task_statuses_map_to_todo_statuses(status, expected):
    done = datetime(2026, 7, 18, 12, tzinfo=UTC)
    todo = _vobject(calendar_file(tasks=[_task(status=status, completed_at=done)],
                                  stamp=STAMP)).vtodo
    assert todo.status.value == expected
    if expected == "COMPLETED":
        assert todo.completed.value == done
        assert todo.contents["percent-complete"][0].value == "100"
    assert hasattr(todo, "valarm") == (status in ("assigned", "in_progress", "on_hold"))


@pytest.mark.parametrize(("priority", "expected"), [(1, "1"), (2, "5"), (3, "9")])
def test_task_priorities_map_to_rfc_priorities(priority, expected):
    todo = _vobject(calendar_file(tasks=[_task(priority=priority)], stamp=STAMP)).vtodo
    assert todo.priority.value == expected


def test_a_task_without_due_date_or_reminder():
    data = calendar_file(tasks=[_task(due_on=None, reminder_at=None)], stamp=STAMP)
    todo = _vobject(data).vtodo
    assert not hasattr(todo, "due") and not hasattr(todo, "valarm")


def test_tasks_as_all_day_events_for_outlook():
    data = calendar_file(tasks=[_task(), _task(uid="nodue", due_on=None)], stamp=STAMP,
                         tasks_as_events=True)
    calendar = _vobject(data)
    assert not hasattr(calendar, "vtodo")
    [event] = calendar.vevent_list  # the task without a due date cannot be placed
    assert (event.dtstart.value, event.dtend.value) == (date(2026, 7, 20), date(2026, 7, 21))
    assert event.transp.value == "TRANSPARENT"
    assert event.uid.value == "01a209e9-4493-7516-a16b-e5043a852e45-due@salesdesk"
    assert event.valarm.trigger.value == datetime(2026, 7, 20, 6, tzinfo=UTC)
    assert b"DTSTART;VALUE=DATE:20260720\r\n" in data


def test_a_winter_meeting_in_the_same_file_uses_standard_time():
    winter = _meeting(uid="w", subject="Winter", starts_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
                      ends_at=datetime(2026, 12, 1, 10, tzinfo=UTC))
    calendar = _vobject(calendar_file([_meeting(), winter], stamp=STAMP))
    starts = {e.summary.value: e.dtstart.value for e in calendar.vevent_list}
    assert starts["Winter"].hour == 10 and starts["Winter"].utcoffset() == timedelta(hours=1)
    assert starts["Jahresgespräch Müller"].utcoffset() == timedelta(hours=2)
