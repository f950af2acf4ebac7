"""Appointments, the agenda of a day, and reminders that survive a restart."""

from datetime import UTC, date, datetime, timedelta

import pytest

from salesdesk.domain.errors import ValidationFailed
from salesdesk.services import agenda as ag
from salesdesk.services import appointments as ap
from salesdesk.services import tasks as ts
from salesdesk.services.customers import create_customer, update_customer
from salesdesk.services.users import current_user
from salesdesk.store.engine import open_store

ZONE = "Europe/Berlin"


def _customer(session, name="Huber Elektro GmbH"):
    return create_customer(
        session, {"name": name},
        addresses=[{"street": "Sendlinger Str. 1", "postal_code": "80331", "city": "München",
                    "country": "DE"}],
        contacts=[{"first_name": "Anna", "last_name": "Huber", "email": "anna@huber.example"}])


def _at(day: date, hour: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(ZONE))


def test_appointment_location_defaults_to_the_customers_address(session):
    customer = _customer(session)
    day = date(2026, 11, 24)
    appointment = ap.create_appointment(
        session, {"subject": "Jahresgespräch", "customer_id": customer.id,
                  "starts_at": _at(day, 10), "ends_at": _at(day, 11),
                  "remind_at": _at(day, 9) + timedelta(minutes=30)},
        contact_ids=[customer.contacts[0].id])
    session.commit()
    assert appointment.location == "Sendlinger Str. 1, 80331 München"
    assert appointment.starts_at == datetime(2026, 11, 24, 9, tzinfo=UTC)  # stored in UTC
    item = ap.calendar_item(appointment)
    assert (item.reminder_minutes, item.attendees, item.time_zone) == (
        30, ("anna@huber.example",), ZONE)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"ends_at": None}, "ends_at", "is required"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "not a known time zone"),
    ({"ends_at": _at(date(2026, 11, 24), 9)}, "ends_at", "must be after the start"),
    ({"ends_at": _at(date(2026, 12, 24), 9)}, "ends_at", "more than 14 days"),
    ({"starts_at": datetime(2026, 11, 24, 10)}, "starts_at", "has no time zone"),
])
def test_bad_appointments_are_refused_naming_the_field(session, change, field, message):
    values = {"subject": "Besuch", "starts_at": _at(date(2026, 11, 24), 10),
              "ends_at": _at(date(2026, 11, 24), 11), "time_zone": ZONE} | change
    with pytest.raises(ValidationFailed) as failed:
        ap.create_appointment(session, values)
    assert failed.value.for_field(field)
    assert message in str(failed.value)
    assert "New appointment Besuch" in str(failed.value)


def test_contacts_of_another_customer_are_refused(session):
    first, other = _customer(session), _customer(session, "Andere AG")
    with pytest.raises(ValidationFailed, match="contact persons of this customer"):
        ap.create_appointment(session, {"subject": "X", "customer_id": first.id,
                                        "starts_at": _at(date(2026, 11, 24), 10),
                                        "ends_at": _at(date(2026, 11, 24), 11)},
                              contact_ids=[other.contacts[0].id])


def test_week_lists_overlapping_appointments_in_order_without_cancelled(session):
    monday = date(2026, 11, 23)
    made = [ap.create_appointment(session, {"subject": s, "starts_at": _at(monday + timedelta(
        days=d), h), "ends_at": _at(monday + timedelta(days=d), h + 1)})
        for s, d, h in (("Wed", 2, 9), ("Mon", 0, 14), ("Next week", 7, 9), ("Sun", 6, 20))]
    ap.cancel_appointment(session, made[0].id)
    session.commit()
    start, end = ap.week_bounds(date(2026, 11, 26), ZONE)
    rows = ap.appointments_between(session, start, end)
    assert [r.subject for r in rows] == ["Mon", "Sun"]
    assert [r.subject for r in ap.appointments_between(session, start, end,
                                                      with_cancelled=True)] == [
        "Mon", "Wed", "Sun"]


def test_agenda_sorts_tasks_appointments_and_due_customers_into_sections(session):
    me = current_user(session)
    today = date(2026, 11, 25)  # a Wednesday
    customer = _customer(session)
    update_customer(session, customer, {"representative_id": me.id,
                                        "next_contact": date(2026, 11, 27)})
    for title, due in (("overdue", today - timedelta(days=3)), ("today", today),
                       ("friday", today + timedelta(days=2)),
                       ("next week", today + timedelta(days=7))):
        ts.create_task(session, {"title": title, "due_on": due, "customer_id": customer.id})
    done = ts.create_task(session, {"title": "done", "due_on": today})
    ts.change_status(session, done.id, "confirmed")
    ap.create_appointment(session, {"subject": "heute", "starts_at": _at(today, 10),
                                    "ends_at": _at(today, 11)})
    ap.create_appointment(session, {"subject": "freitag", "starts_at": _at(today + timedelta(
        days=2), 10), "ends_at": _at(today + timedelta(days=2), 11)})
    session.commit()

    day = ag.agenda(session, me.id, today, ZONE)
    assert [t.title for t in day.overdue] == ["overdue"]
    assert [t.title for t in day.due_today] == ["today"]
    assert [t.title for t in day.due_this_week] == ["friday"]
    assert [a.subject for a in day.appointments_today] == ["heute"]
    assert [a.subject for a in day.appointments_this_week] == ["freitag"]
    assert [c.number for c in day.customers_due] == [customer.number]
    someone_else = ag.agenda(session, customer.id, today, ZONE)  # an id that is no user
    assert not (someone_else.overdue or someone_else.customers_due)


def test_reminders_missed_while_closed_show_at_next_start(tmp_path):
    data_dir = tmp_path / "data"
    first = open_store(data_dir, user="anna")
    with first.session() as session:
        task = ts.create_task(session, {"title": "Angebot nachfassen", "due_on": date.today(),
                                        "remind_at": datetime.now(UTC) - timedelta(hours=2)})
        later = ts.create_task(session, {"title": "Später",
                                         "remind_at": datetime.now(UTC) + timedelta(hours=2)})
        user_id = current_user(session).id
        session.commit()
    first.close()

    second = open_store(data_dir, user="anna")  # "the next start"
    try:
        reader = second.reader()
        due = ag.due_reminders(reader, user_id)
        assert [(r.kind, r.title) for r in due] == [("task", "Angebot nachfassen")]
        assert ag.next_reminder_at(reader, user_id) == later.remind_at
        with second.session() as session:
            new_time = ag.snooze(session, "task", task.id, 15)
            session.commit()
        assert ag.due_reminders(reader, user_id) == []
        assert [r.title for r in ag.due_reminders(reader, user_id, now=new_time)] == [
            "Angebot nachfassen"]
        with second.session() as session:
            ag.dismiss(session, "task", task.id)
            session.commit()
        tomorrow = new_time + timedelta(days=1)  # the other task's reminder is due by then
        assert [r.title for r in ag.due_reminders(reader, user_id, now=tomorrow)] == ["Später"]
    finally:
        second.close()


def test_completed_tasks_do_not_remind(session):
    task = ts.create_task(session, {"title": "Rückruf",
                                    "remind_at": datetime.now(UTC) - timedelta(minutes=5)})
    me = current_user(session).id
    assert [r.id for r in ag.due_reminders(session, me)] == [task.id]
    ts.change_status(session, task.id, "cancelled", "customer called himself")
    assert ag.due_reminders(session, me) == []
