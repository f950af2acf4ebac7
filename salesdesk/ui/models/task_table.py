"""The task list as a lazy table model: one page at a time from services.tasks.

The order is the service's (due date, no date last, then priority), so the header does
not sort; filtering re-reads from the first page.
"""

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from salesdesk.domain.calendar import recurrence_label
from salesdesk.domain.tasks import Priority, TaskStatus
from salesdesk.services.lookups import commitment_kinds
from salesdesk.services.tasks import TaskFilter, TaskRow, count_tasks, list_tasks
from salesdesk.store.engine import Store
from salesdesk.ui.formatting import format_date
from salesdesk.ui.icons import icon
from salesdesk.ui.models.paged_table import PagedTableModel
from salesdesk.ui.pickers import customer_label

PAGE_SIZE = 200
COLUMN_KEYS = (
    "due_on",
    "priority",
    "title",
    "kind",
    "customer",
    "contact",
    "assignee",
    "status",
    "recurrence",
)
OVERDUE_RED = QColor("#c62828")


def is_overdue(row: TaskRow, today: date | None = None) -> bool:
    """Open and due before today (a task due today is not late yet)."""
    return (
        row.due_on is not None
        and row.due_on < (today or date.today())
        and TaskStatus(row.status).is_open
    )


def status_label(value: str) -> str:
    try:
        return TaskStatus(value).label
    except ValueError:
        return value


def priority_label(value: int) -> str:
    try:
        return Priority(value).label
    except ValueError:
        return str(value)


class TaskTableModel(PagedTableModel):
    """Tasks matching a TaskFilter, read page by page from the store."""

    COLUMN_KEYS = COLUMN_KEYS

    def __init__(self, store: Store, page_size: int = PAGE_SIZE, parent=None):
        super().__init__(store, page_size, TaskFilter(), parent)
        self._kinds: dict[str, str] | None = None
        self._today = date.today()
        self._overdue_icon = icon("overdue")
        self._bold = QFont()
        self._bold.setBold(True)
        self._titles = {
            "due_on": self.tr("Due"),
            "priority": self.tr("Priority"),
            "title": self.tr("Title"),
            "kind": self.tr("Kind"),
            "customer": self.tr("Customer"),
            "contact": self.tr("Contact person"),
            "assignee": self.tr("Assigned to"),
            "status": self.tr("Status"),
            "recurrence": self.tr("Repeats"),
        }

    def _style(self, row: TaskRow, key: str, role: int):
        if key == "due_on" and is_overdue(row, self._today):
            # red, bold and a warning sign: never colour alone
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVERDUE_RED)
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            if role == Qt.ItemDataRole.DecorationRole:
                return self._overdue_icon
        if key == "priority" and row.priority == Priority.HIGH and role == Qt.ItemDataRole.FontRole:
            return self._bold
        return None

    def _text(self, row: TaskRow, key: str) -> str:
        if key == "due_on":
            return format_date(row.due_on)
        if key == "priority":
            return priority_label(row.priority)
        if key == "kind":
            return self.kind_label(row.kind)
        if key == "customer":
            return customer_label(row.customer_number, row.customer_name)
        if key == "contact":
            return row.contact_name
        if key == "assignee":
            return row.assignee_name
        if key == "status":
            return status_label(row.status)
        if key == "recurrence":
            return recurrence_label(row.recurrence) if row.recurrence else ""
        return str(getattr(row, key) or "")

    def _tooltip(self, row: TaskRow, key: str) -> str | None:
        if key == "due_on" and is_overdue(row, self._today):
            days = (self._today - row.due_on).days
            return (
                self.tr("Overdue by {days} days").format(days=days)
                if days > 1
                else self.tr("Overdue since yesterday")
            )
        if key == "due_on" and row.due_on == self._today:
            return self.tr("Due today")
        if key in ("title", "customer", "contact"):
            return self._text(row, key) or None
        return None

    def kind_label(self, code: str) -> str:
        if self._kinds is None:
            self._kinds = {
                e.code: e.label for e in commitment_kinds(self._store.reader(), with_inactive=True)
            }
        return self._kinds.get(code, code)

    # -- reading --------------------------------------------------------------------------

    def _page(self, offset: int) -> list[TaskRow]:
        return list_tasks(self._store.reader(), self._filter, offset=offset,
                          limit=self._page_size)

    def _count(self) -> int:
        return count_tasks(self._store.reader(), self._filter)

    def _reloading(self) -> None:
        self._kinds = None
        self._today = date.today()

    @property
    def task_filter(self) -> TaskFilter:
        return replace(self._filter)

