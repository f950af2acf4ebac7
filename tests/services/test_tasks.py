"""Tasks as a story: created, moved along the workflow (each step stamped), repeated every
six weeks until cancelled, and refused with messages that name the field."""

from datetime import UTC, date, datetime, timedelta

import pytest

from salesdesk.domain.calendar import every_weeks
from salesdesk.domain.errors import NotFound, ValidationFailed
from salesdesk.domain.tasks import TransitionRefused
from salesdesk.services import tasks as ts
from salesdesk.services.customers import create_customer
from salesdesk.services.users import current_user
from salesdesk.store.models import Task, TaskTransition

SIX_WEEKS = every_weeks(6)


def _customer(session, name="Huber Elektro GmbH"):
    return create_customer(
        session, {"name": name}, contacts=[{"first_name": "Anna", "last_name": "Huber"}]
    )


def _steps(session, task_id):
    return ts.transitions(session, task_id)


def test_a_new_task_is_assigned_to_me_and_its_creation_is_stamped(session):
    task = ts.create_task(session, {"title": "Angebot senden", "kind": "send_offer"})
    session.commit()
    me = current_user(session)
    assert (task.status, task.assignee_id, task.creator_id) == ("assigned", me.id, me.id)
    [(when, who, old, new, comment)] = _steps(session, task.id)
    assert (who, old, new, comment) == ("tester", "", "assigned", "created")
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=1)


def test_every_status_change_is_stamped_with_who_when_and_the_comment(session):
    task = ts.create_task(session, {"title": "Muster schicken"})
    before = datetime.now(UTC)
    ts.change_status(session, task.id, "in_progress", "  started on the phone  ")
    ts.change_status(session, task.id, "on_hold", "")
    ts.change_status(session, task.id, "in_progress")
    done, following = ts.change_status(session, task.id, "confirmed", "Kunde hat zugesagt")
    session.commit()
    steps = _steps(session, task.id)
    assert [(old, new, comment) for _, _, old, new, comment in steps] == [
        ("", "assigned", "created"),
        ("assigned", "in_progress", "started on the phone"),
        ("in_progress", "on_hold", ""),
        ("on_hold", "in_progress", ""),
        ("in_progress", "confirmed", "Kunde hat zugesagt"),
    ]
    assert {who for _, who, *_ in steps} == {"tester"}  # the display name of the login
    assert all(before - timedelta(seconds=1) <= when <= datetime.now(UTC) for when, *_ in steps[1:])
    assert done.completed_at is not None and done.reminder_dismissed
    assert following is None  # not a repeating task


def test_a_refused_step_changes_nothing_and_names_both_statuses(session):
    task = ts.create_task(session, {"title": "Rückruf"})
    ts.change_status(session, task.id, "cancelled")
    session.commit()
    with pytest.raises(TransitionRefused) as refused:
        ts.change_status(session, task.id, "in_progress", "too late")
    assert "Task “Rückruf”" in str(refused.value)
    assert "“Cancelled”" in str(refused.value) and "“In progress”" in str(refused.value)
    assert session.get(Task, task.id).status == "cancelled"
    assert len(session.get(Task, task.id).transitions) == 2


def test_a_repeating_task_creates_the_next_one_six_weeks_on(session):
    customer = _customer(session)
    due = date.today() + timedelta(days=3)
    remind = datetime.combine(due, datetime.min.time(), UTC) + timedelta(hours=7)
    task = ts.create_task(
        session,
        {
            "title": "Besuch Huber",
            "customer_id": customer.id,
            "contact_id": customer.contacts[0].id,
            "kind": "call_back",
            "priority": 1,
            "due_on": due,
            "remind_at": remind,
            "recurrence": SIX_WEEKS,
        },
    )
    session.commit()
    _done, following = ts.change_status(session, task.id, "confirmed", "done early")
    session.commit()
    assert following is not None and following.id != task.id
    assert following.due_on == due + timedelta(weeks=6)
    assert following.remind_at == remind + timedelta(weeks=6)
    assert (following.status, following.series_id, following.recurrence) == (
        "assigned",
        task.series_id,
        SIX_WEEKS,
    )
    assert (
        following.title,
        following.customer_id,
        following.contact_id,
        following.kind,
        following.priority,
    ) == ("Besuch Huber", customer.id, customer.contacts[0].id, "call_back", 1)
    # rejected is done as well: the series goes on
    _rejected, third = ts.change_status(session, following.id, "rejected", "no time")
    assert third.due_on == due + timedelta(weeks=12)


def test_cancelling_a_repeating_task_ends_the_series(session):
    task = ts.create_task(
        session, {"title": "Besuch", "due_on": date.today(), "recurrence": SIX_WEEKS}
    )
    _task, following = ts.change_status(session, task.id, "cancelled", "customer closed")
    session.commit()
    assert following is None
    assert session.query(Task).filter(Task.series_id == task.series_id).count() == 1
    assert ts.count_tasks(session, ts.TaskFilter()) == 0  # nothing open is left


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"title": ""}, "title", "Title: is required"),
        ({"title": "x" * 201}, "title", "Title: is too long"),
        ({"recurrence": SIX_WEEKS}, "due_on", "Due: is required for a repeating task"),
        ({"recurrence": "EVERY SUNDAY"}, "recurrence", "“EVERY SUNDAY” is not a recurrence rule"),
        ({"kind": "bribe"}, "kind", "“bribe” is not a kind of commitment in this list"),
        ({"priority": 7}, "priority", "Priority: must be high, normal or low"),
        ({"remind_at": datetime(2026, 11, 24, 9)}, "remind_at", "Reminder: has no time zone"),
        ({"due_on": "24.11.2026"}, "due_on", "Due: is not a date"),
    ],
)
def test_bad_tasks_are_refused_naming_the_task_and_the_field(session, values, field, message):
    with pytest.raises(ValidationFailed) as failed:
        ts.create_task(session, {"title": "Angebot"} | values)
    assert failed.value.for_field(field), failed.value.errors
    assert message in str(failed.value)
    assert str(failed.value).startswith("New task")
    assert session.query(Task).count() == 0


def test_a_contact_must_belong_to_the_tasks_customer(session):
    huber, other = _customer(session), _customer(session, "Andere AG")
    with pytest.raises(ValidationFailed) as failed:
        ts.create_task(
            session,
            {"title": "Anrufen", "customer_id": huber.id, "contact_id": other.contacts[0].id},
        )
    assert "Contact person: must be a contact person of the task's customer" in str(failed.value)


def test_update_changes_fields_and_arms_the_reminder_again(session):
    task = ts.create_task(
        session, {"title": "Rückruf", "remind_at": datetime.now(UTC) - timedelta(minutes=1)}
    )
    task.reminder_dismissed = True
    changed = ts.update_task(
        session, task.id, {"title": "Rückruf Huber", "remind_at": datetime.now(UTC)}
    )
    assert (changed.title, changed.reminder_dismissed) == ("Rückruf Huber", False)
    with pytest.raises(ValidationFailed, match="Task “Rückruf Huber”, Title: is required"):
        ts.update_task(session, task.id, {"title": " "})
    ts.delete_task(session, task.id)
    with pytest.raises(NotFound):
        ts.get_task(session, task.id)


def test_list_and_count_follow_the_filter(session):
    me = current_user(session)
    huber = _customer(session)
    today = date.today()
    for title, due, kind in (
        ("late", today - timedelta(days=2), "call_back"),
        ("now", today, "send_offer"),
        ("undated", None, "other"),
    ):
        ts.create_task(
            session,
            {
                "title": title,
                "due_on": due,
                "kind": kind,
                "customer_id": huber.id if title == "now" else None,
            },
        )
    finished = ts.create_task(session, {"title": "finished", "due_on": today})
    ts.change_status(session, finished.id, "confirmed")
    session.commit()
    titles = [r.title for r in ts.list_tasks(session, ts.TaskFilter())]
    assert titles == ["late", "now", "undated"]  # by due date, undated last; done hidden
    assert [
        r.title for r in ts.list_tasks(session, ts.TaskFilter(statuses=("confirmed", "rejected")))
    ] == ["finished"]
    assert [
        r.title for r in ts.list_tasks(session, ts.TaskFilter(due_to=today - timedelta(days=1)))
    ] == ["late"]
    assert [r.title for r in ts.list_tasks(session, ts.TaskFilter(kinds=("send_offer",)))] == [
        "now"
    ]
    [row] = ts.list_tasks(session, ts.TaskFilter(customer_id=huber.id))
    assert (row.customer_number, row.customer_name, row.assignee_name) == (
        huber.number,
        "Huber Elektro GmbH",
        me.display_name,
    )
    assert ts.count_tasks(session, ts.TaskFilter(assignee_id=me.id, statuses=())) == 4
    assert session.query(TaskTransition).count() == 5


def test_the_next_reminder_keeps_its_wall_clock_time_across_daylight_saving(session):
    import os
    import time
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")

    def offset(day: date) -> timedelta:
        return datetime(day.year, day.month, day.day, 12, tzinfo=berlin).utcoffset()

    due = date.today() + timedelta(days=1)
    while offset(due) == offset(due + timedelta(weeks=6)):
        due += timedelta(weeks=1)  # until the next one of the series is across a DST change
    original = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"  # this computer is in Germany
    time.tzset()
    try:
        remind = datetime(due.year, due.month, due.day, 9, tzinfo=berlin)
        task = ts.create_task(
            session,
            {"title": "Besuch", "due_on": due, "remind_at": remind, "recurrence": SIX_WEEKS},
        )
        session.commit()
        session.expire_all()  # read back as stored: in UTC
        _task, following = ts.change_status(session, task.id, "confirmed")
        local = following.remind_at.astimezone(berlin)
        assert (local.date(), local.hour, local.minute) == (due + timedelta(weeks=6), 9, 0)
    finally:
        if original is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = original
        time.tzset()
