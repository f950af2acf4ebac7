"""The week view and the appointment dialog: blocks per day, side by side when they
overlap, navigation, opening by double-click, time zones, cancelling."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from salesdesk.services import appointments as ap
from salesdesk.services.customers import create_customer
from salesdesk.ui.dialogs.appointment_edit import AppointmentDialog
from salesdesk.ui.pickers import PickedCustomer
from salesdesk.ui.views.calendar_view import CalendarView, week_blocks

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
ZONE = "Europe/Berlin"
MONDAY = date(2026, 11, 23)


def _at(day: date, hour: int, minute: int = 0, zone: str = ZONE) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


def _plan(session, subject, start, end, **extra):
    return ap.create_appointment(
        session, {"subject": subject, "starts_at": start, "ends_at": end, **extra}
    )


@pytest.fixture
def week(store):
    with store.session() as session:
        huber = create_customer(
            session,
            {"name": "Huber Elektro GmbH"},
            addresses=[
                {
                    "street": "Sendlinger Str. 1",
                    "postal_code": "80331",
                    "city": "München",
                    "country": "DE",
                }
            ],
            contacts=[{"first_name": "Eva", "last_name": "Huber"}],
        )
        tuesday = MONDAY + timedelta(days=1)
        made = {
            "visit": _plan(
                session, "Annual review", _at(tuesday, 9), _at(tuesday, 10), customer_id=huber.id
            ),
            "call": _plan(session, "Phone call", _at(tuesday, 9, 30), _at(tuesday, 10, 30)),
            "fair": _plan(
                session,
                "Trade fair",
                _at(MONDAY + timedelta(days=3), 9),
                _at(MONDAY + timedelta(days=4), 18),
            ),
            "early": _plan(session, "Breakfast", _at(MONDAY, 6), _at(MONDAY, 6, 45)),
            "next week": _plan(
                session,
                "Later",
                _at(MONDAY + timedelta(days=8), 9),
                _at(MONDAY + timedelta(days=8), 10),
            ),
        }
        session.commit()
        return {
            "ids": {k: v.id for k, v in made.items()},
            "customer": huber.id,
            "label": huber.record_label(),
        }


@pytest.fixture
def view(qtbot, store):
    widget = CalendarView(store)
    qtbot.addWidget(widget)
    widget.zone = ZONE
    widget.resize(1200, 800)
    return widget


def test_blocks_per_day_side_by_side_and_pinned_to_the_grid(store, week):
    start, end = ap.week_bounds(MONDAY, ZONE)
    blocks = week_blocks(ap.appointments_between(store.reader(), start, end), MONDAY, ZONE)
    by_subject: dict[str, list] = {}
    for block in blocks:
        by_subject.setdefault(block.appointment.subject, []).append(block)
    visit, call = by_subject["Annual review"][0], by_subject["Phone call"][0]
    assert (visit.day, visit.top, visit.bottom, visit.lane, visit.lanes) == (1, 9, 10, 0, 2)
    assert (call.lane, call.lanes) == (1, 2)  # overlapping: side by side
    fair = by_subject["Trade fair"]
    assert [(b.day, b.top, b.bottom) for b in fair] == [(3, 9, 21), (4, 7, 18)]  # two days
    assert all(b.outside for b in fair)
    [early] = by_subject["Breakfast"]
    assert early.outside and (early.top, early.bottom) == (7, 7.5)  # pinned, still visible
    assert "Later" not in by_subject


def test_the_week_shows_its_appointments_and_navigates(qtbot, view, week):
    view.show_week(MONDAY + timedelta(days=2))
    assert view.monday == MONDAY
    assert view.title.text() == "Week 48: 23–29 Nov 2026"
    assert sorted({b.appointment.subject for b in view.grid.blocks}) == [
        "Annual review",
        "Breakfast",
        "Phone call",
        "Trade fair",
    ]
    view.buttons["next"].click()
    assert view.monday == MONDAY + timedelta(days=7)
    assert [b.appointment.subject for b in view.grid.blocks] == ["Later"]
    view.buttons["previous"].click()
    view.buttons["previous"].click()
    assert view.monday == MONDAY - timedelta(days=7) and view.grid.blocks == []
    view.buttons["today"].click()
    assert view.monday == date.today() - timedelta(days=date.today().weekday())


def test_a_block_says_time_subject_and_customer(view, week):
    view.show_week(MONDAY)
    visit = next(b for b in view.grid.blocks if b.appointment.subject == "Annual review")
    assert view.grid.block_lines(visit) == [
        "09:00–10:00",
        "Annual review",
        "Huber Elektro GmbH",
        "Sendlinger Str. 1, 80331 München",
    ]
    fair = next(b for b in view.grid.blocks if b.appointment.subject == "Trade fair")
    assert view.grid.block_lines(fair)[0] == "from 09:00"  # the first of its two days
    assert view.grid.time_text(fair.appointment) == "Thu 26 Nov 09:00 – Fri 27 Nov 18:00"
    friday = next(
        b for b in view.grid.blocks if b.appointment.subject == "Trade fair" and b.day == 4
    )
    assert view.grid.block_lines(friday)[0] == "until 18:00"


def test_double_click_opens_a_block_or_plans_in_a_free_slot(qtbot, view, week):
    view.show()
    qtbot.waitExposed(view)
    view.show_week(MONDAY)
    grid = view.grid
    visit = next(b for b in grid.blocks if b.appointment.subject == "Annual review")
    grid._layout_blocks()
    qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=visit.rect.center().toPoint())
    assert isinstance(view.dialog, AppointmentDialog)
    assert view.dialog.appointment_id == week["ids"]["visit"]
    view.dialog.reject()
    free = QPointF(grid._x(6) + 20, grid._y(14.25))  # Sunday, 14:15
    assert grid.slot_at(free) == datetime(2026, 11, 29, 14, 0)
    qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=free.toPoint())
    dialog = view.dialog
    assert dialog.appointment_id is None
    assert dialog.field("starts_at").field_value() == datetime(2026, 11, 29, 14, 0)
    assert dialog.field("ends_at").field_value() == datetime(2026, 11, 29, 15, 0)
    assert dialog.field("time_zone").currentData() == ZONE
    dialog.reject()


def test_keyboard_moves_through_the_blocks_and_enter_opens(qtbot, view, week):
    view.show_week(MONDAY)
    with qtbot.waitSignal(view.grid.sig_open) as opened:
        qtbot.keyClick(view.grid, Qt.Key.Key_Right)
        qtbot.keyClick(view.grid, Qt.Key.Key_Right)
        qtbot.keyClick(view.grid, Qt.Key.Key_Return)
    assert opened.args == [week["ids"]["visit"]]  # Monday's breakfast, then Tuesday 9:00
    view.dialog.reject()


def test_the_grid_paints(view, week):
    view.show_week(MONDAY)
    image = view.grab().toImage()
    assert image.width() > 0 and len({image.pixel(x, 300) for x in range(0, 1200, 7)}) > 2


def test_planning_an_appointment_in_another_time_zone(qtbot, store, view):
    view.show_week(MONDAY)
    view.new_appointment(datetime(2026, 11, 24, 15, 0))
    dialog = view.dialog
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()  # no subject yet
    qtbot.keyClicks(dialog.field("subject"), "Call with Shanghai")
    zone = dialog.field("time_zone")
    zone.setCurrentIndex(zone.findData("Asia/Shanghai"))
    dialog.field("reminder").setCurrentIndex(dialog.field("reminder").findData(60))
    with qtbot.waitSignal(view.sig_changed):
        assert dialog.save()
    with store.session() as session:
        saved = ap.get_appointment(session, dialog.saved_id)
        assert saved.starts_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 15:00 Shanghai
        assert saved.time_zone == "Asia/Shanghai"
        assert saved.remind_at == saved.starts_at - timedelta(hours=1)
    assert any(b.appointment.subject == "Call with Shanghai" for b in view.grid.blocks)


def test_choosing_a_customer_fills_an_empty_location_and_offers_its_contacts(qtbot, store, week):
    dialog = AppointmentDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.field("time_zone").currentData() == "Europe/Berlin"  # the default
    picker = dialog.field("customer_id")
    picker.set_field_value(PickedCustomer(week["customer"], week["label"]))
    picker.sig_edited.emit()
    assert dialog.field("location").text() == "Sendlinger Str. 1, 80331 München"
    contacts = dialog.field("contact_ids")
    assert [contacts.item(n).text() for n in range(contacts.count())] == ["Eva Huber"]
    contacts.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.field("location").setText("Café am Markt")
    picker.set_field_value(PickedCustomer(week["customer"], week["label"]))
    picker.sig_edited.emit()
    assert dialog.field("location").text() == "Café am Markt"  # typed: kept
    qtbot.keyClicks(dialog.field("subject"), "Lunch")
    assert dialog.save()
    with store.session() as session:
        saved = ap.get_appointment(session, dialog.saved_id)
        assert [link.contact.last_name for link in saved.contacts] == ["Huber"]


def test_moving_the_start_keeps_the_length_and_the_end_is_checked(qtbot, store):
    dialog = AppointmentDialog(store, start=datetime(2026, 11, 24, 9, 0))
    qtbot.addWidget(dialog)
    dialog.field("ends_at").set_field_value(datetime(2026, 11, 24, 11, 0))
    dialog.field("ends_at").sig_edited.emit()
    dialog.field("starts_at").set_field_value(datetime(2026, 11, 24, 13, 0))
    assert dialog.field("ends_at").field_value() == datetime(2026, 11, 24, 15, 0)
    dialog.field("ends_at").set_field_value(datetime(2026, 11, 24, 12, 0))
    assert dialog.errors()["ends_at"] == "must be after the start"
    assert dialog.error_label("ends_at").text() == "must be after the start"


def test_cancelling_an_appointment_asks_and_takes_it_off_the_week(qtbot, store, view, week, answer):
    view.show_week(MONDAY)
    view.open_appointment(week["ids"]["visit"])
    dialog = view.dialog
    assert dialog.field("customer_id").text() == week["label"]
    assert dialog.field("starts_at").field_value() == datetime(2026, 11, 24, 9, 0)
    asked = answer(QMessageBox.StandardButton.No)
    assert dialog.cancel_appointment() is False and len(asked) == 1
    answer(QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(view.sig_changed):
        dialog.cancel_button.click()
    assert dialog.cancelled
    with store.session() as session:
        assert ap.get_appointment(session, week["ids"]["visit"]).status == "cancelled"
    assert "Annual review" not in {b.appointment.subject for b in view.grid.blocks}
    cancelled = AppointmentDialog(store, week["ids"]["visit"])
    qtbot.addWidget(cancelled)
    assert cancelled.cancel_button is None and "(cancelled)" in cancelled.windowTitle()
