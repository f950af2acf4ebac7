"""Reminders: missed ones show after a restart, snooze and dismiss, a timer for the next."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from salesdesk.services import appointments as ap
from salesdesk.services import tasks as ts
from salesdesk.store.engine import open_store
from salesdesk.ui.dialogs.appointment_edit import AppointmentDialog
from salesdesk.ui.dialogs.task_edit import TaskDialog
from salesdesk.ui.reminders import ReminderCenter, RemindersPanel, minutes_until_tomorrow

# a panel without a main window is a top-level window: offscreen cannot raise it
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")


@pytest.fixture
def data_dir(tmp_path):
    """A data dir where a task's reminder fell due while SalesDesk was closed."""
    folder = tmp_path / "data"
    first = open_store(folder, user="anna")
    with first.session() as session:
        ts.create_task(
            session,
            {
                "title": "Follow up the offer",
                "due_on": date.today(),
                "remind_at": datetime.now(UTC) - timedelta(hours=3),
            },
        )
        ts.create_task(
            session, {"title": "Not yet", "remind_at": datetime.now(UTC) + timedelta(hours=2)}
        )
        session.commit()
    first.close()  # SalesDesk is closed …
    return folder


@pytest.fixture
def restarted(data_dir):
    store = open_store(data_dir, user="anna")  # … and started again
    yield store
    store.close()


@pytest.fixture
def center(qtbot, restarted):
    reminders = ReminderCenter(restarted)
    yield reminders
    reminders.stop()


@pytest.fixture
def panel(qtbot, center):
    widget = RemindersPanel(center)
    qtbot.addWidget(widget)
    return widget


def _listed(panel) -> list[str]:
    return [panel.list.topLevelItem(n).text(0) for n in range(panel.list.topLevelItemCount())]


def test_a_reminder_missed_while_closed_is_listed_at_start(qtbot, center, panel):
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen: the in-app list only
    assert center.tray is None
    with qtbot.waitSignal(center.sig_count_changed) as counted:
        center.start()
    assert counted.args == [1]
    assert _listed(panel) == ["Follow up the offer"]
    assert panel.windowTitle() == "Reminders (1)"
    assert panel.list.topLevelItem(0).text(1).startswith("due ")
    assert panel.isVisible()  # no tray: the panel shows itself
    # the next one, two hours ahead, is what the precise timer waits for
    assert 2 * 3600_000 - 5000 < center.next_due_in_ms() <= 2 * 3600_000 + 100


def test_snooze_moves_the_reminder_and_dismiss_removes_it(qtbot, restarted, center, panel):
    center.start()
    before = datetime.now(UTC)
    with qtbot.waitSignal(center.sig_count_changed) as counted:
        panel.snooze_current(15)
    assert counted.args == [0] and _listed(panel) == []
    assert panel.empty.isVisible() or panel._pages.currentWidget() is panel.empty
    with restarted.session() as session:
        task = next(
            t
            for t in ts.list_tasks(session, ts.TaskFilter())
            if t.remind_at and t.title == "Follow up the offer"
        )
    assert (
        before + timedelta(minutes=15)
        <= task.remind_at
        <= datetime.now(UTC) + timedelta(minutes=15)
    )
    assert 14 * 60_000 < center.next_due_in_ms() <= 15 * 60_000 + 100  # it comes back
    # when it is due again it is listed again, and dismissing ends it for good
    assert [r.title for r in center.reminders] == []
    with restarted.session() as session:
        ts.update_task(session, task.id, {"remind_at": datetime.now(UTC) - timedelta(seconds=1)})
        session.commit()
    center.check()
    assert _listed(panel) == ["Follow up the offer"]
    panel.dismiss_current()
    assert _listed(panel) == [] and center.reminders == []
    center.check()
    assert center.reminders == []


def test_a_reminder_appears_when_its_time_comes(qtbot, restarted, center, panel):
    center.start()
    panel.dismiss_current()  # the old one is out of the way
    with restarted.session() as session:
        ts.create_task(
            session,
            {"title": "Call Huber now", "remind_at": datetime.now(UTC) + timedelta(seconds=1)},
        )
        session.commit()
    center.check()  # a new task was saved (the window calls this; else the safety net does)
    assert center.reminders == []
    assert center.next_due_in_ms() <= 1100
    with qtbot.waitSignal(center.sig_new, timeout=5000) as fresh:
        pass
    assert [r.title for r in fresh.args[0]] == ["Call Huber now"]
    qtbot.waitUntil(lambda: _listed(panel) == ["Call Huber now"], timeout=2000)


def test_an_appointment_reminder_names_its_start(qtbot, restarted, center, panel):
    start = datetime.now(ZoneInfo("Europe/Berlin")).replace(microsecond=0) + timedelta(minutes=10)
    with restarted.session() as session:
        ap.create_appointment(
            session,
            {
                "subject": "Visit Huber",
                "starts_at": start,
                "ends_at": start + timedelta(hours=1),
                "remind_at": start - timedelta(minutes=15),
            },
        )
        session.commit()
    center.start()
    assert _listed(panel) == ["Follow up the offer", "Visit Huber"]
    assert panel.list.topLevelItem(1).text(1)  # the start, in local time


def test_open_shows_the_task_dialog(qtbot, center, panel):
    center.start()
    panel.open_current()
    assert isinstance(panel.dialog, TaskDialog)
    assert panel.dialog.field("title").text() == "Follow up the offer"
    panel.dialog.reject()


def test_open_an_appointment_reminder(qtbot, restarted, center, panel):
    start = datetime.now(UTC) + timedelta(minutes=5)
    with restarted.session() as session:
        made = ap.create_appointment(
            session,
            {
                "subject": "Visit",
                "starts_at": start,
                "ends_at": start + timedelta(hours=1),
                "remind_at": start - timedelta(minutes=30),
            },
        )
        session.commit()
    center.start()
    center.open(next(r for r in center.reminders if r.kind == "appointment"))
    assert isinstance(panel.dialog, AppointmentDialog)
    assert panel.dialog.appointment_id == made.id
    panel.dialog.reject()


def test_tomorrow_means_tomorrow_morning():
    now = datetime.now(UTC)
    minutes = minutes_until_tomorrow(now)
    at = (now + timedelta(minutes=minutes)).astimezone()
    assert at.date() == (now.astimezone() + timedelta(days=1)).date()
    assert (at.hour, at.minute) == (8, 0) or at.hour == 9  # a clock change overnight
