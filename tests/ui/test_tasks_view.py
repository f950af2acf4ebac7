"""The task list: filters, overdue marking, the workflow buttons (only the steps the table
allows), refused steps shown as the service words them, the history, the task dialog."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from salesdesk.domain.calendar import every_weeks
from salesdesk.domain.tasks import TRANSITIONS, TaskStatus
from salesdesk.services import tasks as ts
from salesdesk.services.customers import create_customer
from salesdesk.services.users import current_user
from salesdesk.ui.dialogs.task_edit import TaskDialog
from salesdesk.ui.models.task_table import COLUMN_KEYS, OVERDUE_RED
from salesdesk.ui.pickers import PickedCustomer
from salesdesk.ui.views import tasks_view
from salesdesk.ui.views.tasks_view import STEPS, TasksView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
TODAY = date.today()
BUTTON_OF = {target: name for name, target in STEPS}


@pytest.fixture
def data(store):
    """Tasks of mine (late, today, next week, done), one of Anna's, a customer."""
    with store.session() as session:
        me = current_user(session)
        huber = create_customer(
            session,
            {"name": "Huber Elektro GmbH"},
            contacts=[{"first_name": "Eva", "last_name": "Huber"}],
        )
        made = {
            "late": ts.create_task(
                session,
                {
                    "title": "Late offer",
                    "kind": "send_offer",
                    "due_on": TODAY - timedelta(days=3),
                    "customer_id": huber.id,
                    "contact_id": huber.contacts[0].id,
                },
            ),
            "today": ts.create_task(
                session,
                {"title": "Call today", "kind": "call_back", "due_on": TODAY, "priority": 1},
            ),
            "soon": ts.create_task(
                session,
                {
                    "title": "In twenty days",
                    "due_on": TODAY + timedelta(days=20),
                    "recurrence": every_weeks(6),
                },
            ),
            "done": ts.create_task(session, {"title": "Finished", "due_on": TODAY}),
        }
        ts.change_status(session, made["done"].id, "confirmed", "ok")
        session.info["user"] = "anna"
        anna = current_user(session)
        made["anna"] = ts.create_task(session, {"title": "Anna's visit", "due_on": TODAY})
        session.commit()
        ids = {key: task.id for key, task in made.items()}
        return {
            "ids": ids,
            "me": me.id,
            "anna": anna.id,
            "customer": huber.id,
            "customer_label": huber.record_label(),
        }


@pytest.fixture
def view(qtbot, store, data):
    widget = TasksView(store)
    qtbot.addWidget(widget)
    widget.load()
    return widget


def _titles(view) -> list[str]:
    column = COLUMN_KEYS.index("title")
    return [view.model.index(r, column).data() for r in range(view.model.rowCount())]


def _select(view, task_id) -> None:
    assert view.select_task(task_id), "the task is not in the list"


def _task_in(store, status: TaskStatus):
    """A task moved (in one step) to ``status``."""
    with store.session() as session:
        task = ts.create_task(session, {"title": f"In {status.value}", "due_on": TODAY})
        if status is not TaskStatus.ASSIGNED:
            ts.change_status(session, task.id, status.value)
        session.commit()
        return task.id


def test_the_model_passes_qtmodeltester(qtmodeltester, view):
    view.filters.choose(status="all", assignee="all")
    assert view.model.rowCount() == 5
    qtmodeltester.check(view.model)


def test_my_open_tasks_by_due_date_are_shown_first(view):
    assert _titles(view) == ["Late offer", "Call today", "In twenty days"]
    assert view.count_label.text() == "3 tasks"
    row = {key: view.model.index(1, COLUMN_KEYS.index(key)).data() for key in COLUMN_KEYS}
    assert row["priority"] == "High" and row["kind"] == "Call back"
    assert row["status"] == "Assigned" and row["assignee"] == "tester"
    late = {key: view.model.index(0, COLUMN_KEYS.index(key)).data() for key in COLUMN_KEYS}
    assert late["customer"].endswith("Huber Elektro GmbH") and late["contact"] == "Eva Huber"
    assert view.model.index(2, COLUMN_KEYS.index("recurrence")).data() == "every 6 weeks"


def test_overdue_is_red_bold_and_marked_with_an_icon_not_colour_alone(view):
    due = COLUMN_KEYS.index("due_on")
    late, today = view.model.index(0, due), view.model.index(1, due)
    assert late.data(Qt.ItemDataRole.ForegroundRole).color() == OVERDUE_RED
    assert late.data(Qt.ItemDataRole.FontRole).bold()
    assert not late.data(Qt.ItemDataRole.DecorationRole).isNull()
    assert late.data(Qt.ItemDataRole.ToolTipRole) == "Overdue by 3 days"
    assert today.data(Qt.ItemDataRole.ForegroundRole) is None
    assert today.data(Qt.ItemDataRole.DecorationRole) is None
    assert today.data(Qt.ItemDataRole.ToolTipRole) == "Due today"


@pytest.mark.parametrize(
    ("choices", "titles"),
    [
        ({"assignee": "all"}, ["Late offer", "Call today", "Anna's visit", "In twenty days"]),
        ({"status": "done"}, ["Finished"]),
        ({"status": "all"}, ["Late offer", "Call today", "Finished", "In twenty days"]),
        ({"status": "cancelled"}, []),
        ({"kind": "call_back"}, ["Call today"]),
        ({"due": "overdue"}, ["Late offer"]),
        ({"due": "overdue", "status": "all"}, ["Late offer"]),  # late means still open
        ({"due": "today"}, ["Call today"]),
        ({"due": "30days"}, ["Call today", "In twenty days"]),
    ],
)
def test_filters_narrow_the_list(view, choices, titles):
    view.filters.choose(**choices)
    assert _titles(view) == titles


def test_a_users_own_filter_and_the_week(view, data):
    view.filters.choose(assignee=str(data["anna"]))
    assert _titles(view) == ["Anna's visit"]
    view.filters.choose(assignee="me", due="week")
    monday = TODAY - timedelta(days=TODAY.weekday())
    week = [
        title
        for title, days in (("Late offer", -3), ("Call today", 0), ("In twenty days", 20))
        if monday <= TODAY + timedelta(days=days) <= monday + timedelta(days=6)
    ]
    assert _titles(view) == week


def test_custom_due_range_shows_its_date_fields(view):
    assert view.filters.due_from.isHidden()
    view.filters.choose(due="custom")
    assert not view.filters.due_from.isHidden() and not view.filters.due_to.isHidden()
    view.filters.due_from.setDate(TODAY + timedelta(days=10))
    view.filters.due_to.setDate(TODAY + timedelta(days=25))
    assert _titles(view) == ["In twenty days"]


def test_customer_filter_and_reset(view, data):
    view.show_customer(data["customer"], data["customer_label"])
    assert _titles(view) == ["Late offer"]
    assert view.filters.customer.text() == data["customer_label"]
    view.filters.reset()
    assert _titles(view) == ["Late offer", "Call today", "In twenty days"]


def test_nothing_matching_shows_a_friendly_page_with_a_way_back(view):
    view.filters.choose(status="cancelled")
    assert view._pages.currentWidget() is view.empty
    assert "No tasks match" in view.empty.text()
    view.empty.buttons["reset"].click()
    assert view._pages.currentWidget() is view.table


@pytest.mark.parametrize("status", list(TaskStatus))
def test_only_the_steps_the_table_allows_are_offered(qtbot, store, view, status):
    task_id = _task_in(store, status)
    view.filters.choose(status="all")
    _select(view, task_id)
    allowed = TRANSITIONS[status]
    assert set(view.offered_steps()) == allowed
    shown = {name for name, _ in STEPS if not view.buttons[name].isHidden()}
    assert shown == {BUTTON_OF[target] for target in allowed}
    assert view.closed_label.isHidden() == bool(allowed)
    if status is TaskStatus.ON_HOLD:
        assert view.buttons["start"].text() == "Resume"


REFUSED = [
    (old, new)
    for old, new in itertools.product(TaskStatus, repeat=2)
    if new not in TRANSITIONS[old]
]


@pytest.mark.parametrize(("old", "new"), REFUSED, ids=[f"{o}->{n}" for o, n in REFUSED])
def test_every_refused_step_shows_the_services_message(store, view, no_blocking_dialogs, old, new):
    task_id = _task_in(store, old)
    view.filters.choose(status="all")
    _select(view, task_id)
    assert view.change_status(new, comment="") is False
    [message] = no_blocking_dialogs
    assert (
        f"Task “In {old.value}”: cannot change status from “{old.label}” to "
        f"“{new.label}”." in message
    )
    with store.session() as session:
        assert ts.get_task(session, task_id).status == old.value  # nothing changed


def test_a_step_taken_elsewhere_meanwhile_is_refused_with_its_text(
    store, view, data, no_blocking_dialogs
):
    _select(view, data["ids"]["late"])
    assert TaskStatus.CONFIRMED in view.offered_steps()
    with store.session() as session:  # another window (or a sync) completes it first
        ts.change_status(session, data["ids"]["late"], "cancelled")
        session.commit()
    assert view.change_status(TaskStatus.CONFIRMED, comment="") is False
    assert (
        "cannot change status from “Cancelled” to “Completed – confirmed”" in no_blocking_dialogs[0]
    )
    assert "Late offer" not in _titles(view)  # the list was read again


def test_a_step_asks_for_a_comment_and_lands_in_the_history(qtbot, store, view, data, monkeypatch):
    asked = []

    def ask(row, target):
        asked.append((row.title, target))
        return "Customer agreed on the phone"

    monkeypatch.setattr(view, "ask_comment", ask)
    _select(view, data["ids"]["soon"])
    with qtbot.waitSignal(view.sig_message) as message:
        view.buttons["confirmed"].click()
    assert asked == [("In twenty days", TaskStatus.CONFIRMED)]
    assert "is now “Completed – confirmed”" in message.args[0]
    assert "The next task of the series is due on" in message.args[0]  # every 6 weeks
    view.filters.choose(status="all")
    _select(view, data["ids"]["soon"])
    history = [
        [view.history.index(r, c).data() for c in range(5)] for r in range(view.history.rowCount())
    ]
    assert [row[2:] for row in history] == [
        ["—", "Assigned", "created"],
        ["Assigned", "Completed – confirmed", "Customer agreed on the phone"],
    ]
    assert history[1][1] == "tester" and history[1][0]  # who and when
    assert _titles(view).count("In twenty days") == 2  # the next one of the series


def test_cancelling_the_comment_question_changes_nothing(
    qtbot, store, view, data, no_blocking_dialogs
):
    _select(view, data["ids"]["late"])
    view.buttons["start"].click()  # the comment dialog answers Rejected in tests
    assert no_blocking_dialogs  # it was asked
    with store.session() as session:
        assert ts.get_task(session, data["ids"]["late"]).status == "assigned"


def test_the_comment_dialog_returns_the_typed_comment(qtbot, view, data, monkeypatch):
    def accept(dialog):
        dialog.comment.setPlainText("  waiting for the sample  ")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(tasks_view.CommentDialog, "exec", accept)
    _select(view, data["ids"]["late"])
    assert view.change_status(TaskStatus.ON_HOLD)
    view.filters.choose(status="all")
    _select(view, data["ids"]["late"])
    assert view.history.index(1, 4).data() == "waiting for the sample"
    assert view.model.row_at(view.table.currentIndex().row()).status == "on_hold"


def test_double_click_edits_and_the_customer_cell_opens_the_file(qtbot, view, data):
    _select(view, data["ids"]["late"])
    row = view.table.currentIndex().row()
    with qtbot.waitSignal(view.sig_open_customer) as opened:
        view._double_clicked(view.model.index(row, COLUMN_KEYS.index("customer")))
    assert opened.args == [data["customer"]]
    view._double_clicked(view.model.index(row, COLUMN_KEYS.index("title")))
    assert isinstance(view.dialog, TaskDialog) and view.dialog.task_id == data["ids"]["late"]
    assert view.dialog.field("title").text() == "Late offer"
    assert view.dialog.field("contact_id").currentText() == "Eva Huber"


def test_new_task_dialog_checks_as_you_type_and_saves(qtbot, store, view):
    view.new_task()
    dialog = view.dialog
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()  # the title is required
    qtbot.keyClicks(dialog.field("title"), "Send the price list")
    assert save.isEnabled()
    assert dialog.field("assignee_id").currentText() == "tester"  # me by default
    assert dialog.values()["due_on"] == TODAY
    dialog.field("due_on_set").setChecked(False)
    dialog.field("recurrence").kind.setCurrentIndex(
        dialog.field("recurrence").kind.findData("weekly")
    )
    assert dialog.error_label("due_on").text() == "is required for a repeating task"
    assert not save.isEnabled()
    dialog.field("due_on_set").setChecked(True)
    dialog.field("recurrence").weeks.setValue(4)
    reminder = dialog.field("remind_at")
    reminder.switch.setChecked(True)
    wall = datetime.combine(TODAY + timedelta(days=1), datetime.min.time()).replace(hour=9)
    reminder.set_field_value(wall)
    with qtbot.waitSignal(view.sig_changed):
        assert dialog.save()
    with store.session() as session:
        task = ts.get_task(session, dialog.saved_id)
        assert (task.title, task.recurrence, task.due_on) == (
            "Send the price list",
            "FREQ=WEEKLY;INTERVAL=4",
            TODAY,
        )
        assert task.remind_at == wall.astimezone(UTC)  # typed in local time, kept in UTC
    assert view.current_task_id() == dialog.saved_id


def test_task_dialog_offers_the_contacts_of_the_chosen_customer(qtbot, store, data):
    dialog = TaskDialog(store)
    qtbot.addWidget(dialog)
    contacts = dialog.field("contact_id")
    assert not contacts.isEnabled()
    dialog.field("customer_id").set_field_value(PickedCustomer(data["customer"], "K"))
    dialog.field("customer_id").sig_edited.emit()
    assert contacts.isEnabled() and contacts.itemText(1) == "Eva Huber"
    dialog.field("customer_id").setText("x")  # typed over: no customer chosen
    assert "choose a customer" in dialog.errors()["customer_id"]


def test_editing_a_task_saves_only_what_changed(qtbot, store, view, data):
    view.edit_task(data["ids"]["today"])
    dialog = view.dialog
    assert dialog.windowTitle() == "Task “Call today”"
    dialog.field("title").setText("Call Huber today")
    dialog.field("priority").setCurrentIndex(dialog.field("priority").findData(3))
    assert dialog.save()
    with store.session() as session:
        task = ts.get_task(session, data["ids"]["today"])
        assert (task.title, task.priority, task.kind) == ("Call Huber today", 3, "call_back")
    assert "Call Huber today" in _titles(view)
