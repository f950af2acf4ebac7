"""Calendar files from the desktop: "Add to my calendar" in the appointment dialog and the
week's context menu (the file opened with the system's calendar: here a fake opener),
"Export week as .ics…" and "Export tasks as .ics…" (file dialogs answered by the test).
Every file written is read back by vobject."""

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import vobject
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from salesdesk.services import appointments as ap
from salesdesk.services import tasks as ts
from salesdesk.services.customers import create_customer
from salesdesk.ui.dialogs.appointment_edit import AppointmentDialog
from salesdesk.ui.views.calendar_view import CalendarView
from salesdesk.ui.views.tasks_view import TasksView

# a popped-up menu: the offscreen platform cannot raise it or grab the keyboard
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "This plugin does not support")
ZONE = "Europe/Berlin"
MONDAY = date(2026, 7, 13)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(ZONE))


def _read(path: Path):
    return vobject.readOne(Path(path).read_text(encoding="utf-8"))


@pytest.fixture
def week(store):
    with store.session() as session:
        customer = create_customer(session, {"name": "Müller GmbH"})
        visit = ap.create_appointment(session, {
            "subject": "Jahresgespräch", "customer_id": customer.id,
            "starts_at": _at(MONDAY + timedelta(days=1), 10),
            "ends_at": _at(MONDAY + timedelta(days=1), 11),
            "remind_at": _at(MONDAY + timedelta(days=1), 9, 30)})
        call = ap.create_appointment(session, {"subject": "Telefonat",
                                               "starts_at": _at(MONDAY, 8),
                                               "ends_at": _at(MONDAY, 8, 30)})
        session.commit()
        return {"visit": visit.id, "call": call.id}


@pytest.fixture
def opened(monkeypatch, tmp_path):
    """What was handed to the system's opener; temporary files go to tmp_path."""
    from salesdesk.ui import ics_files

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    urls = []
    monkeypatch.setattr(ics_files, "open_url", urls.append)  # nothing is launched
    return urls


@pytest.fixture
def save_as(monkeypatch):
    """Answer the file dialog with a path (and a filter); records what it was asked."""
    asked = []

    def answer(path: Path, chosen_filter: str = ""):
        def dialog(parent, title, suggested, filters, *args, **kwargs):
            asked.append((title, suggested, filters))
            return str(path), chosen_filter or filters.split(";;")[0]

        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
        return asked

    return answer


@pytest.fixture
def view(qtbot, store):
    widget = CalendarView(store)
    qtbot.addWidget(widget)
    widget.zone = ZONE
    widget.resize(1200, 800)
    return widget


def test_add_to_my_calendar_from_the_appointment_dialog(qtbot, store, week, tmp_path,
                                                        monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    dialog = AppointmentDialog(store, week["visit"])
    qtbot.addWidget(dialog)
    urls = []
    dialog.opener = urls.append  # the dialog's own opener: nothing is launched
    button = dialog.calendar_button
    assert button.text() == "Add to my calendar" and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    [url] = urls
    path = Path(url.toLocalFile())
    assert path.parent == tmp_path / "temp" / "SalesDesk" / "calendar"
    assert path.name == "Appointment-2026-07-14-Mueller-GmbH.ics"
    event = _read(path).vevent
    assert event.summary.value == "Jahresgespräch"
    assert event.dtstart.value.hour == 10 and event.uid.value == f"{week['visit']}@salesdesk"
    assert event.valarm.trigger.value == -timedelta(minutes=30)

    qtbot.keyClicks(dialog.field("subject"), " (verschoben)")  # unsaved: save first
    assert not button.isEnabled() and "Save the changes first" in button.toolTip()
    assert dialog.add_to_calendar() is None and len(urls) == 1
    dialog.field("subject").setText("Jahresgespräch")
    dialog.field("subject").textEdited.emit("Jahresgespräch")
    assert button.isEnabled()


def test_a_new_appointment_has_nothing_to_add_yet(qtbot, store):
    dialog = AppointmentDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.calendar_button is None


def test_add_to_my_calendar_from_the_weeks_context_menu(qtbot, view, week, opened):
    view.show()
    qtbot.waitExposed(view)
    view.show_week(MONDAY)
    grid = view.grid
    grid._layout_blocks()
    visit = next(b for b in grid.blocks if b.appointment.subject == "Jahresgespräch")
    where = visit.rect.center().toPoint()
    QApplication.sendEvent(grid, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where,
                                                   grid.mapToGlobal(where)))
    menu = view.menu
    assert grid.current is visit
    texts = [a.text() for a in menu.actions()]
    assert texts == ["Open…", "Add to my calendar"]
    menu.actions()[1].trigger()
    menu.close()
    [url] = opened
    calendar = _read(Path(url.toLocalFile()))
    assert calendar.vevent.summary.value == "Jahresgespräch"
    assert calendar.method.value == "PUBLISH"

    # the menu key opens the menu of the chosen block; a click beside the blocks opens none
    QApplication.sendEvent(grid, QContextMenuEvent(QContextMenuEvent.Reason.Keyboard,
                                                   QPoint(0, 0), grid.mapToGlobal(QPoint())))
    assert [a.text() for a in view.menu.actions()][1] == "Add to my calendar"
    view.menu.close()
    view.menu = None
    empty = QPoint(int(grid._x(6)) + 20, int(grid._y(20)))
    QApplication.sendEvent(grid, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, empty,
                                                   grid.mapToGlobal(empty)))
    assert view.menu is None


def test_export_the_week_shown(qtbot, view, week, save_as, tmp_path, no_blocking_dialogs):
    view.show_week(MONDAY + timedelta(days=2))
    target = tmp_path / "export" / "my week"
    target.parent.mkdir()
    asked = save_as(target)
    qtbot.mouseClick(view.buttons["export"], Qt.MouseButton.LeftButton)
    [(title, suggested, filters)] = asked
    assert title == "Export week as .ics" and Path(suggested).name == "Week-2026-29.ics"
    assert filters == "Calendar files (*.ics)"
    written = target.with_name("my week.ics")  # the extension is added
    calendar = _read(written)
    assert [e.summary.value for e in calendar.vevent_list] == ["Telefonat", "Jahresgespräch"]
    assert calendar.vtimezone.tzid.value == ZONE

    view.show_week(MONDAY + timedelta(days=14))  # nothing planned: a message, no dialog
    assert view.ask_export_week() is None
    assert len(asked) == 1
    assert "There are no appointments in week 31 of 2026" in no_blocking_dialogs[-1]


@pytest.fixture
def tasks(store):
    with store.session() as session:
        ts.create_task(session, {"title": "Angebot schicken", "due_on": date(2026, 7, 20),
                                 "priority": 1})
        ts.create_task(session, {"title": "Muster bestellen"})
        session.commit()


def test_export_the_tasks_shown_as_tasks_or_as_all_day_appointments(
        qtbot, store, tasks, save_as, tmp_path):
    widget = TasksView(store)
    qtbot.addWidget(widget)
    widget.load()
    target = tmp_path / "tasks.ics"
    asked = save_as(target)
    qtbot.mouseClick(widget.buttons["export"], Qt.MouseButton.LeftButton)
    [(title, suggested, filters)] = asked
    assert title == "Export tasks as .ics"
    assert Path(suggested).name == f"Tasks-{date.today().isoformat()}.ics"
    todos = {t.summary.value: t for t in _read(target).vtodo_list}
    assert set(todos) == {"Angebot schicken", "Muster bestellen"}
    assert todos["Angebot schicken"].due.value == date(2026, 7, 20)

    outlook = filters.split(";;")[1]
    assert "all-day appointments, for Outlook" in outlook
    save_as(target, outlook)
    assert widget.ask_export_ics() == target
    calendar = _read(target)
    assert not hasattr(calendar, "vtodo")
    assert [(e.summary.value, e.dtstart.value) for e in calendar.vevent_list] == [
        ("Angebot schicken", date(2026, 7, 20))]
