"""My day: sections with counts, friendly empty lines, opening what a row shows, and a
fixed number of queries however full the day is."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from salesdesk.services import appointments as ap
from salesdesk.services import tasks as ts
from salesdesk.services.customers import create_customer, update_customer
from salesdesk.services.users import current_user
from salesdesk.ui.dialogs.appointment_edit import AppointmentDialog
from salesdesk.ui.dialogs.task_edit import TaskDialog
from salesdesk.ui.models.task_table import OVERDUE_RED
from salesdesk.ui.views.agenda_view import AgendaView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
ZONE = "Europe/Berlin"
WEDNESDAY = date(2026, 11, 25)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(ZONE))


@pytest.fixture
def day(store):
    with store.session() as session:
        me = current_user(session)
        huber = create_customer(
            session,
            {"name": "Huber Elektro GmbH"},
            addresses=[{"city": "München", "postal_code": "80331", "country": "DE"}],
        )
        update_customer(
            session,
            huber,
            {"representative_id": me.id, "next_contact": WEDNESDAY - timedelta(days=1)},
        )
        made = {
            "late": ts.create_task(
                session,
                {
                    "title": "Late offer",
                    "customer_id": huber.id,
                    "due_on": WEDNESDAY - timedelta(days=5),
                },
            ),
            "today": ts.create_task(session, {"title": "Call back", "due_on": WEDNESDAY}),
            "friday": ts.create_task(
                session, {"title": "Send samples", "due_on": WEDNESDAY + timedelta(days=2)}
            ),
            "visit": ap.create_appointment(
                session,
                {
                    "subject": "Annual review",
                    "customer_id": huber.id,
                    "starts_at": _at(WEDNESDAY, 10),
                    "ends_at": _at(WEDNESDAY, 11, 30),
                },
            ),
            "fair": ap.create_appointment(
                session,
                {
                    "subject": "Trade fair",
                    "starts_at": _at(WEDNESDAY + timedelta(days=1), 9),
                    "ends_at": _at(WEDNESDAY + timedelta(days=1), 17),
                    "location": "Messe",
                },
            ),
        }
        session.commit()
        return {"ids": {k: v.id for k, v in made.items()}, "customer": huber.id}


@pytest.fixture
def view(qtbot, store):
    widget = AgendaView(store)
    qtbot.addWidget(widget)
    widget.zone = ZONE
    return widget


def _texts(section) -> list[list[str]]:
    model = section.model
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_the_day_is_sorted_into_sections_with_counts(view, day):
    view.refresh(today=WEDNESDAY)
    assert view.title.text() == "My day – Wednesday, 25 November 2026"
    headings = {key: s.heading.text() for key, s in view.sections.items()}
    assert headings == {
        "overdue": "Overdue (1)",
        "today": "Today (2)",
        "week": "Rest of this week (2)",
        "customers": "Customers due for contact (1)",
    }
    [late] = _texts(view.sections["overdue"])
    assert late[:2] == ["20 Nov 2026", "Late offer"] and late[2].endswith("Huber Elektro GmbH")
    assert _texts(view.sections["today"]) == [
        ["10:00–11:30", "Annual review", late[2], "80331 München"],  # appointments first
        ["Today", "Call back", "", "Assigned"],
    ]
    assert _texts(view.sections["week"]) == [
        ["Thu 26 Nov, 09:00–17:00", "Trade fair", "", "Messe"],
        ["Fri 27 Nov", "Send samples", "", "Assigned"],
    ]
    [customer] = _texts(view.sections["customers"])
    assert customer[1:] == [late[2], "München", "never"]


def test_overdue_dates_are_red_with_a_sign_and_a_tooltip(view, day):
    view.refresh(today=WEDNESDAY)
    due = view.sections["overdue"].model.index(0, 0)
    assert due.data(Qt.ItemDataRole.ForegroundRole).color() == OVERDUE_RED
    assert not due.data(Qt.ItemDataRole.DecorationRole).isNull()
    assert due.data(Qt.ItemDataRole.ToolTipRole) == "Overdue by 5 days"


def test_empty_sections_say_so_in_a_line_instead_of_an_empty_table(view, store):
    view.refresh(today=WEDNESDAY)  # a fresh store: nothing at all
    for section in view.sections.values():
        assert section.is_empty()
        assert section.heading.text().endswith("(0)")
        assert section.empty.text()
        assert section._pages.height() <= section.empty.sizeHint().height() + 2
    assert view.sections["overdue"].empty.text() == "Nothing overdue. Well done!"


def test_double_click_opens_the_task_the_appointment_or_the_customer(qtbot, view, day):
    view.refresh(today=WEDNESDAY)
    today = view.sections["today"]
    today._activated(today.model.index(1, 1))
    assert isinstance(view.dialog, TaskDialog) and view.dialog.task_id == day["ids"]["today"]
    view.dialog.reject()
    today._activated(today.model.index(0, 1))
    assert isinstance(view.dialog, AppointmentDialog)
    assert view.dialog.appointment_id == day["ids"]["visit"]
    view.dialog.reject()
    customers = view.sections["customers"]
    with qtbot.waitSignal(view.sig_open_customer) as opened:
        customers._activated(customers.model.index(0, 1))
    assert opened.args == [day["customer"]]


def test_saving_a_dialog_reads_the_day_again(qtbot, store, view, day):
    view.refresh(today=WEDNESDAY)
    view.open_item(("task", day["ids"]["today"]))
    view.dialog.field("title").setText("Call back Huber")
    with qtbot.waitSignal(view.sig_changed):
        assert view.dialog.save()
    # refresh() after saving reads the real today; the title is what matters here
    view.refresh(today=WEDNESDAY)
    assert _texts(view.sections["today"])[1][1] == "Call back Huber"


def test_a_full_day_takes_a_fixed_number_of_queries(view, store):
    """services.agenda reads each section at once; the view never asks per row."""
    with store.session() as session:
        me = current_user(session)
        rows = [(f"T{n}", WEDNESDAY - timedelta(days=1 + n % 30)) for n in range(600)]
        for title, due in rows:
            ts.create_task(session, {"title": title, "due_on": due})
        for n in range(40):
            customer = create_customer(session, {"name": f"Kunde {n}"})
            update_customer(
                session, customer, {"representative_id": me.id, "next_contact": WEDNESDAY}
            )
        session.commit()
    statements: list[str] = []
    reader = store.reader()
    reader.set_trace_callback(statements.append)
    try:
        view.refresh(today=WEDNESDAY)
    finally:
        reader.set_trace_callback(None)
    assert view.sections["overdue"].heading.text() == "Overdue (500+)"  # the service's limit
    assert view.sections["customers"].count() == 40
    assert len(statements) <= 8, statements
    assert view.load_ms > 0
