"""The filters above the task list: assignee, status, kind, due range, customer."""

import uuid
from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from salesdesk.domain.tasks import DONE_STATUSES, OPEN_STATUSES, TaskStatus
from salesdesk.services.appointments import week_start
from salesdesk.services.lookups import commitment_kinds, users
from salesdesk.services.tasks import TaskFilter
from salesdesk.services.users import user_id_for_login
from salesdesk.store.engine import Store
from salesdesk.ui.forms import fill_combo
from salesdesk.ui.pickers import CustomerPicker

NOBODY = uuid.UUID(int=0)  # "me" before this login has an account: matches no task
STATUS_SETS = {
    "open": tuple(s.value for s in TaskStatus if s in OPEN_STATUSES),
    "done": tuple(s.value for s in TaskStatus if s in DONE_STATUSES),
    "cancelled": (TaskStatus.CANCELLED.value,),
    "all": (),
}
DEFAULTS = {"assignee": "me", "status": "open", "kind": "", "due": "all"}


def due_range(
    choice: str, today: date, custom: tuple[date, date] | None = None
) -> tuple[date | None, date | None]:
    """(from, to), both inclusive, of a due-date choice of the filter bar."""
    if choice == "overdue":
        return None, today - timedelta(days=1)
    if choice == "today":
        return today, today
    if choice == "week":
        monday = week_start(today)
        return monday, monday + timedelta(days=6)
    if choice == "30days":
        return today, today + timedelta(days=30)
    if choice == "custom" and custom is not None:
        return min(custom), max(custom)
    return None, None


class TaskFilterBar(QWidget):
    """Emits ``sig_changed`` whenever the chosen filter changes."""

    sig_changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self._store = store
        self.combos: dict[str, QComboBox] = {}
        for key, tip in (
            ("assignee", self.tr("Whose tasks")),
            ("status", self.tr("Status")),
            ("kind", self.tr("Kind of commitment")),
            ("due", self.tr("Due date")),
        ):
            combo = QComboBox(self)
            combo.setToolTip(tip)
            combo.setAccessibleName(tip)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(14)
            self.combos[key] = combo
        self.due_from, self.due_to = QDateEdit(self), QDateEdit(self)
        for edit, tip in (
            (self.due_from, self.tr("Due from")),
            (self.due_to, self.tr("Due until (inclusive)")),
        ):
            edit.setCalendarPopup(True)
            edit.setDate(QDate.currentDate())
            edit.setToolTip(tip)
            edit.setAccessibleName(tip)
            edit.dateChanged.connect(self.sig_changed)
        self.until = QLabel("–", self)
        self.customer = CustomerPicker(self)
        self.customer.set_source(store.reader)
        self.customer.setPlaceholderText(self.tr("Customer: all"))
        self.customer.setToolTip(
            self.tr(
                "Only the tasks of one customer: type part of its "
                "number or name and choose it from the list"
            )
        )
        self.customer.setMinimumWidth(self.fontMetrics().averageCharWidth() * 28)
        self._customer_id: uuid.UUID | None = None
        self.customer.sig_edited.connect(self._customer_edited)
        self.reset_button = QToolButton(self)
        self.reset_button.setText(self.tr("Reset filters"))
        self.reset_button.setToolTip(self.tr("My open tasks, all dates, all customers"))
        self.reset_button.clicked.connect(self.reset)
        self._fill()
        for combo in self.combos.values():
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
            combo.currentIndexChanged.connect(self._combo_changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for key in ("assignee", "status", "kind", "due"):
            layout.addWidget(self.combos[key])
        layout.addWidget(self.due_from)
        layout.addWidget(self.until)
        layout.addWidget(self.due_to)
        layout.addWidget(self.customer, 1)
        layout.addWidget(self.reset_button)
        self._show_custom_dates()

    def _fill(self) -> None:
        reader = self._store.reader()
        me = self._store.user
        fill_combo(
            self.combos["assignee"],
            [(self.tr("My tasks"), "me"), (self.tr("Everyone's tasks"), "all")]
            + [(e.name, str(e.id)) for e in users(reader) if e.code != me],
        )
        fill_combo(
            self.combos["status"],
            [
                (self.tr("Open tasks"), "open"),
                (self.tr("Completed tasks"), "done"),
                (self.tr("Cancelled tasks"), "cancelled"),
                (self.tr("All statuses"), "all"),
            ],
        )
        fill_combo(
            self.combos["kind"],
            [(e.label, e.code) for e in commitment_kinds(reader)],
            empty=self.tr("All kinds"),
        )
        fill_combo(
            self.combos["due"],
            [
                (self.tr("All due dates"), "all"),
                (self.tr("Overdue"), "overdue"),
                (self.tr("Due today"), "today"),
                (self.tr("Due this week"), "week"),
                (self.tr("Due in the next 30 days"), "30days"),
                (self.tr("Due between…"), "custom"),
            ],
        )

    def reload_choices(self) -> None:
        """Users and kinds again (a sync brought new ones), keeping what is chosen."""
        chosen = self.state()
        self.blockSignals(True)
        for combo in self.combos.values():
            combo.blockSignals(True)
        self._fill()
        for combo in self.combos.values():
            combo.blockSignals(False)
        self.restore(chosen)
        self.blockSignals(False)

    def _combo_changed(self) -> None:
        self._show_custom_dates()
        self.sig_changed.emit()

    def _show_custom_dates(self) -> None:
        custom = self.combos["due"].currentData() == "custom"
        for widget in (self.due_from, self.until, self.due_to):
            widget.setVisible(custom)

    def _customer_edited(self) -> None:
        if self.customer.is_pending():
            return  # still typing: filter once a customer is chosen
        value = self.customer.field_value()
        if value != self._customer_id:
            self._customer_id = value
            self.sig_changed.emit()

    # -- the filter -------------------------------------------------------------------------

    def _assignee(self) -> uuid.UUID | None:
        chosen = self.combos["assignee"].currentData()
        if chosen == "all":
            return None
        if chosen == "me":
            return user_id_for_login(self._store.reader(), self._store.user) or NOBODY
        return uuid.UUID(chosen)

    def task_filter(self, today: date | None = None) -> TaskFilter:
        today = today or date.today()
        due = self.combos["due"].currentData()
        statuses = STATUS_SETS[self.combos["status"].currentData()]
        if due == "overdue":  # late means still open
            statuses = tuple(
                s for s in statuses or STATUS_SETS["open"] if s in STATUS_SETS["open"]
            ) or ("-",)
        custom = (self.due_from.date().toPython(), self.due_to.date().toPython())
        due_from, due_to = due_range(due, today, custom)
        kind = self.combos["kind"].currentData()
        return TaskFilter(
            assignee_id=self._assignee(),
            statuses=statuses,
            kinds=(kind,) if kind else (),
            due_from=due_from,
            due_to=due_to,
            customer_id=self._customer_id,
        )

    def choose(self, **choices: str) -> None:
        """Set combos by their data (assignee="all", due="overdue"…); one change signal."""
        self.restore(self.state() | choices)
        self.sig_changed.emit()

    def state(self) -> dict:
        """What to remember between sessions (no customer: it is a one-off)."""
        return {key: combo.currentData() or "" for key, combo in self.combos.items()}

    def restore(self, state: dict) -> None:
        self.blockSignals(True)
        try:
            for key, combo in self.combos.items():
                combo.blockSignals(True)
                wanted = state.get(key, DEFAULTS[key]) or None
                combo.setCurrentIndex(max(combo.findData(wanted), 0))
                combo.blockSignals(False)
            self._show_custom_dates()
        finally:
            self.blockSignals(False)

    def set_customer(self, customer) -> None:
        """Show only the tasks of one customer (a PickedCustomer), or of all (None)."""
        self.customer.blockSignals(True)
        self.customer.set_field_value(customer)
        self.customer.blockSignals(False)
        self._customer_id = customer.id if customer else None
        self.sig_changed.emit()

    def reset(self) -> None:
        self.customer.blockSignals(True)
        self.customer.set_field_value(None)
        self.customer.blockSignals(False)
        self._customer_id = None
        self.restore(DEFAULTS)
        self.sig_changed.emit()
