"""Calendar files from a real store: "Add to my calendar", a rep's week, the task list;
each file read back by vobject, as another calendar program would read it."""

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject

from salesdesk.domain.errors import DomainError, NotFound
from salesdesk.i18n import set_language
from salesdesk.services import appointments as ap
from salesdesk.services import calendar_files as cf
from salesdesk.services import tasks as ts
from salesdesk.services.customers import create_customer
from salesdesk.services.users import current_user
from salesdesk.store.models import UserAccount

ZONE = "Europe/Berlin"
MONDAY = date(2026, 7, 13)  # a summer week: Berlin is UTC+2


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(ZONE))


def _read(data: bytes):
    return vobject.readOne(data.decode("utf-8"))


@pytest.fixture
def planned(session):
    """Müller GmbH with a contact; my appointments this week, one cancelled; a colleague's."""
    customer = create_customer(
        session, {"name": "Müller GmbH"},
        addresses=[{"street": "Sendlinger Str. 1", "postal_code": "80331", "city": "München",
                    "country": "DE"}],
        contacts=[{"first_name": "Anna", "last_name": "Huber", "email": "anna@huber.example"}])
    visit = ap.create_appointment(
        session, {"subject": "Jahresgespräch", "customer_id": customer.id,
                  "starts_at": _at(MONDAY + timedelta(days=1), 10),
                  "ends_at": _at(MONDAY + timedelta(days=1), 11, 30),
                  "remind_at": _at(MONDAY + timedelta(days=1), 9, 45),
                  "notes": "Preise; Rabatte, Skonto\nMuster mitnehmen"},
        contact_ids=[customer.contacts[0].id])
    call = ap.create_appointment(session, {"subject": "Telefonat", "starts_at": _at(MONDAY, 8),
                                           "ends_at": _at(MONDAY, 8, 30)})
    gone = ap.create_appointment(session, {"subject": "Abgesagt",
                                           "starts_at": _at(MONDAY + timedelta(days=2), 14),
                                           "ends_at": _at(MONDAY + timedelta(days=2), 15)})
    ap.cancel_appointment(session, gone.id)
    ap.create_appointment(session, {"subject": "Nächste Woche",
                                    "starts_at": _at(MONDAY + timedelta(days=7), 9),
                                    "ends_at": _at(MONDAY + timedelta(days=7), 10)})
    colleague = UserAccount(login="kollege", display_name="Karl Kollege")
    session.add(colleague)
    session.flush()
    theirs = ap.create_appointment(session, {"subject": "Kollegentermin",
                                             "starts_at": _at(MONDAY, 9),
                                             "ends_at": _at(MONDAY, 10)})
    theirs.organizer_id = colleague.id
    session.commit()
    return {"customer": customer, "visit": visit, "call": call, "gone": gone,
            "me": current_user(session), "colleague": colleague}


def test_one_appointment_with_customer_contact_reminder_and_wall_time(session, planned):
    visit = planned["visit"]
    event = _read(cf.appointment_ics(session, visit.id)).vevent
    assert event.uid.value == f"{visit.id}@salesdesk"
    assert event.summary.value == "Jahresgespräch"
    start = event.dtstart.value
    assert (start.hour, start.utcoffset()) == (10, timedelta(hours=2))
    assert start.astimezone(UTC) == datetime(2026, 7, 14, 8, tzinfo=UTC)
    assert event.location.value == "Sendlinger Str. 1, 80331 München"
    assert event.description.value == (
        f"Customer: {planned['customer'].number} Müller GmbH\nContact persons: Anna Huber\n\n"
        "Preise; Rabatte, Skonto\nMuster mitnehmen")
    assert event.valarm.trigger.value == -timedelta(minutes=15)
    assert event.status.value == "CONFIRMED"


def test_the_sequence_grows_when_the_appointment_changes(session, planned):
    visit = planned["visit"]
    first = int(_read(cf.appointment_ics(session, visit.id)).vevent.sequence.value)
    visit.updated_at = visit.created_at + timedelta(minutes=5)  # edited five minutes later
    session.flush()
    assert first == 0
    assert int(_read(cf.appointment_ics(session, visit.id)).vevent.sequence.value) == 300


def test_a_cancelled_appointment_exports_as_cancelled(session, planned):
    event = _read(cf.appointment_ics(session, planned["gone"].id)).vevent
    assert event.status.value == "CANCELLED"
    assert not hasattr(event, "valarm")


def test_a_deleted_appointment_cannot_be_exported(session, planned):
    planned["call"].deleted_at = datetime.now(UTC)
    session.flush()
    with pytest.raises(NotFound):
        cf.appointment_ics(session, planned["call"].id)


def test_my_week_without_cancelled_and_without_colleagues(session, planned):
    data = cf.week_ics(session, planned["me"].id, MONDAY + timedelta(days=3), ZONE)
    calendar = _read(data)
    assert [e.summary.value for e in calendar.vevent_list] == ["Telefonat", "Jahresgespräch"]
    assert calendar.contents["x-wr-calname"][0].value == "SalesDesk: week 29 of 2026"
    assert [z.tzid.value for z in calendar.vtimezone_list] == [ZONE]
    everyone = _read(cf.week_ics(session, None, MONDAY, ZONE))
    assert {e.summary.value for e in everyone.vevent_list} == {
        "Telefonat", "Jahresgespräch", "Kollegentermin"}


def test_an_empty_week_is_refused_with_a_message(session, planned):
    with pytest.raises(DomainError, match="no appointments in week 31 of 2026"):
        cf.week_ics(session, planned["me"].id, MONDAY + timedelta(days=14), ZONE)


def test_open_tasks_or_all_tasks(session, planned):
    customer = planned["customer"]
    offer = ts.create_task(session, {"title": "Angebot schicken", "customer_id": customer.id,
                                     "contact_id": customer.contacts[0].id,
                                     "due_on": date(2026, 7, 20), "priority": 1,
                                     "remind_at": _at(date(2026, 7, 20), 8),
                                     "description": "Preisliste 2027"})
    undated = ts.create_task(session, {"title": "Muster bestellen", "priority": 3})
    done = ts.create_task(session, {"title": "Erledigt", "due_on": date(2026, 7, 1)})
    ts.change_status(session, done.id, "confirmed")
    session.commit()
    me = planned["me"].id

    todos = {t.summary.value: t for t in _read(cf.tasks_ics(session, me)).vtodo_list}
    assert set(todos) == {"Angebot schicken", "Muster bestellen"}
    todo = todos["Angebot schicken"]
    assert todo.uid.value == f"{offer.id}@salesdesk"
    assert todo.due.value == date(2026, 7, 20)
    assert (todo.status.value, todo.priority.value) == ("NEEDS-ACTION", "1")
    assert todo.description.value == (f"Customer: {customer.number} Müller GmbH\n"
                                      "Contact person: Anna Huber\n\nPreisliste 2027")
    assert todo.valarm.trigger.value == datetime(2026, 7, 20, 6, tzinfo=UTC)
    assert todos["Muster bestellen"].priority.value == "9"
    assert not hasattr(todos["Muster bestellen"], "due")

    every = {t.summary.value: t for t in _read(cf.tasks_ics(session, me,
                                                            open_only=False)).vtodo_list}
    assert every["Erledigt"].status.value == "COMPLETED"
    assert not hasattr(every["Erledigt"], "valarm")

    events = _read(cf.tasks_ics(session, me, as_events=True)).vevent_list
    assert [(e.summary.value, e.dtstart.value) for e in events] == [
        ("Angebot schicken", date(2026, 7, 20))]
    assert undated.id  # left out: no day to put it on


def test_the_task_list_as_the_filter_shows_it(session, planned):
    ts.create_task(session, {"title": "Für den Kollegen", "assignee_id": planned["colleague"].id,
                             "due_on": date(2026, 7, 21)})
    ts.create_task(session, {"title": "Für mich", "due_on": date(2026, 7, 22)})
    session.commit()
    shown = ts.TaskFilter(assignee_id=planned["colleague"].id)
    todos = _read(cf.tasks_ics(session, None, task_filter=shown)).vtodo_list
    assert [t.summary.value for t in todos] == ["Für den Kollegen"]


def test_no_tasks_is_refused_with_a_message(session, planned):
    with pytest.raises(DomainError, match="no tasks to export"):
        cf.tasks_ics(session, planned["me"].id)
    with pytest.raises(DomainError, match="no tasks with a due date"):
        cf.tasks_ics(session, planned["me"].id, as_events=True)


def test_write_ics_replaces_the_file_in_one_piece(tmp_path):
    target = tmp_path / "Termin.ics"
    target.write_bytes(b"old")
    assert cf.write_ics(target, b"BEGIN:VCALENDAR\r\n") == target
    assert target.read_bytes() == b"BEGIN:VCALENDAR\r\n"
    assert os.listdir(tmp_path) == ["Termin.ics"]  # no temporary file left behind
    with pytest.raises(OSError, match="missing"):
        cf.write_ics(tmp_path / "missing" / "x.ics", b"")


def test_suggested_file_names_are_plain_ascii_and_translated(session, planned):
    visit, call = planned["visit"], planned["call"]
    assert cf.appointment_file_name(session, visit.id) == "Appointment-2026-07-14-Mueller-GmbH.ics"
    assert cf.appointment_file_name(session, call.id) == "Appointment-2026-07-13-Telefonat.ics"
    assert cf.week_file_name(MONDAY) == "Week-2026-29.ics"
    assert cf.tasks_file_name(date(2026, 11, 24)) == "Tasks-2026-11-24.ics"
    set_language("de")
    assert cf.appointment_file_name(session, visit.id) == "Termin-2026-07-14-Mueller-GmbH.ics"
    assert cf.tasks_file_name(date(2026, 11, 24)) == "Aufgaben-2026-11-24.ics"
