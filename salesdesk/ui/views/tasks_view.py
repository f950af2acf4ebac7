"""The task list: filters, the lazy table, the workflow buttons and the chosen task's history.

The status buttons offer exactly the steps domain/tasks.TRANSITIONS allows from the
chosen task's status; each asks for an optional comment. If the step is refused anyway
(someone else moved the task meanwhile), the refusal is shown as the service words it.
"""

import html
import uuid
from datetime import date
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError
from salesdesk.domain.tasks import TRANSITIONS, TaskStatus
from salesdesk.services import documents as document_service
from salesdesk.services import tasks as task_service
from salesdesk.services.calendar_files import tasks_file_name, tasks_ics
from salesdesk.services.tasks import TaskRow
from salesdesk.store.engine import Store
from salesdesk.ui.attachments import open_stored_document
from salesdesk.ui.formatting import format_date, format_local_time, format_size
from salesdesk.ui.icons import icon
from salesdesk.ui.ics_files import export_ics
from salesdesk.ui.models.record_table import RecordTableModel
from salesdesk.ui.models.task_table import COLUMN_KEYS, TaskTableModel, status_label
from salesdesk.ui.pickers import PickedCustomer, customer_label
from salesdesk.ui.shortcuts import local_shortcut
from salesdesk.ui.tables import style_record_table
from salesdesk.ui.views.empty_state import EmptyState
from salesdesk.ui.views.task_filters import DEFAULTS, TaskFilterBar

S = TaskStatus
# the workflow buttons, in the order they stand: (key, target status)
STEPS = (
    ("start", S.IN_PROGRESS),
    ("hold", S.ON_HOLD),
    ("confirmed", S.CONFIRMED),
    ("rejected", S.REJECTED),
    ("cancel", S.CANCELLED),
)
WIDTHS = {
    "due_on": 125,
    "priority": 70,
    "title": 230,
    "kind": 120,
    "customer": 210,
    "contact": 130,
    "assignee": 130,
    "status": 120,
    "recurrence": 100,
}
HISTORY_ROWS = 5  # the details pane shows this many steps before it scrolls
DOCUMENT_LINK = "document:"  # the attachments' links in the details pane


class CommentDialog(QDialog):
    """Asks for the optional comment of a status change."""

    def __init__(self, title: str, question: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        label = QLabel(question, self)
        label.setWordWrap(True)
        self.comment = QPlainTextEdit(self)
        self.comment.setTabChangesFocus(True)
        self.comment.setPlaceholderText(self.tr("Comment (optional)"))
        self.comment.setAccessibleName(self.tr("Comment"))
        label.setBuddy(self.comment)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.comment)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 72, self.sizeHint().height())

    def text(self) -> str:
        return self.comment.toPlainText().strip()


class TasksView(QWidget):
    """Tasks matching the filters; Enter or double-click edits, the buttons move them on."""

    sig_open_customer = Signal(object)  # customer id
    sig_changed = Signal()  # a task was created, changed or moved along its workflow
    sig_message = Signal(str)  # a short note for the status bar
    sig_count_changed = Signal(int)  # tasks matching the filters

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self._store = store
        self.filters = TaskFilterBar(store, self)
        self.model = TaskTableModel(store, parent=self)
        self.table = QTableView(self)
        self.history = RecordTableModel(
            [self.tr("When"), self.tr("Who"), self.tr("From"), self.tr("To"), self.tr("Comment")],
            self,
        )
        self.history_table = QTableView(self)
        self.details_title = QLabel(self)
        self.description = QLabel(self)
        self.attachments = QLabel(self)
        self.count_label = QLabel(self)
        self.closed_label = QLabel(self.tr("This task is closed."), self)
        self.buttons: dict[str, QPushButton] = {}
        self._pages = QStackedWidget(self)
        self.empty = EmptyState("tasks", "", "", self)
        self.dialog: QDialog | None = None  # the open dialog, for tests and to keep it alive
        self._loaded = False
        self._build()
        self.filters.sig_changed.connect(self.apply_filter)
        self.model.sig_reloaded.connect(self._reloaded)
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self._current_changed()

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self._build_buttons()
        self._build_table()
        self.empty.add_button(
            "new", self.tr("New task…"), "add", self.tr("Create a task")
        ).clicked.connect(self.new_task)
        self.empty.add_button(
            "reset",
            self.tr("Reset filters"),
            "refresh",
            self.tr("My open tasks, all dates, all customers"),
        ).clicked.connect(self.filters.reset)
        self._pages.addWidget(self.table)
        self._pages.addWidget(self.empty)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self._pages)
        splitter.addWidget(self._build_details())
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setCollapsible(0, False)
        self.splitter = splitter
        row = QHBoxLayout()
        for name in ("new", "edit", "customer"):
            row.addWidget(self.buttons[name])
        row.addSpacing(16)
        for name, _target in STEPS:
            row.addWidget(self.buttons[name])
        row.addWidget(self.closed_label)
        row.addStretch(1)
        row.addWidget(self.count_label)
        row.addWidget(self.buttons["export"])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.filters)
        layout.addLayout(row)
        layout.addWidget(splitter, 1)
        self.closed_label.setEnabled(False)

    def _build_buttons(self) -> None:
        specs = {
            "new": (self.tr("New task…"), "add", self.tr("Create a task")),
            "edit": (self.tr("Edit…"), "customer-edit", self.tr("Change the chosen task (Enter)")),
            "customer": (
                self.tr("Open customer"),
                "open",
                self.tr("Open the customer file of the chosen task"),
            ),
            "start": (self.tr("Start"), "start", self.tr("Start working on the task")),
            "hold": (
                self.tr("Put on hold"),
                "pause",
                self.tr("Pause the task; it can be resumed later"),
            ),
            "confirmed": (
                self.tr("Complete – confirmed"),
                "status",
                self.tr("Done: the customer agreed"),
            ),
            "rejected": (
                self.tr("Complete – rejected"),
                "rejected",
                self.tr("Done: the customer refused"),
            ),
            "cancel": (
                self.tr("Cancel task"),
                "delete",
                self.tr("The task is not needed any more (a repeating task stops)"),
            ),
            "export": (
                self.tr("Export tasks as .ics…"),
                "export",
                self.tr(
                    "Save the tasks shown as a calendar file (.ics): as tasks (Thunderbird, "
                    "Apple Calendar) or as all-day appointments on their due days (Outlook)"
                ),
            ),
        }
        for name, (text, icon_name, tip) in specs.items():
            button = QPushButton(icon(icon_name), text, self)
            button.setToolTip(tip)
            self.buttons[name] = button
        self.buttons["new"].clicked.connect(self.new_task)
        self.buttons["edit"].clicked.connect(self.edit_current)
        self.buttons["customer"].clicked.connect(self.open_current_customer)
        self.buttons["export"].clicked.connect(self.ask_export_ics)
        for name, target in STEPS:
            self.buttons[name].clicked.connect(lambda *_, t=target: self.change_status(t))

    def _build_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        style_record_table(table)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        for column, key in enumerate(COLUMN_KEYS):
            title = self.model.headerData(column, Qt.Orientation.Horizontal)
            needed = header.fontMetrics().horizontalAdvance(title) + 24
            header.resizeSection(column, max(WIDTHS[key], needed))
        for keys in (QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)):
            local_shortcut(keys, table, self.edit_current)

    def _build_details(self) -> QWidget:
        details = QWidget(self)
        font = self.details_title.font()
        font.setBold(True)
        self.details_title.setFont(font)
        self.details_title.setTextFormat(Qt.TextFormat.PlainText)
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.attachments.setWordWrap(True)
        self.attachments.setTextFormat(Qt.TextFormat.RichText)
        self.attachments.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.attachments.setOpenExternalLinks(False)
        self.attachments.setToolTip(self.tr("Click a file to open it"))
        self.attachments.linkActivated.connect(self._link_activated)
        table = self.history_table
        table.setModel(self.history)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.horizontalHeader().setStretchLastSection(True)
        table.setAccessibleName(self.tr("History of the task"))
        rows = table.fontMetrics().height() + 8
        table.verticalHeader().setDefaultSectionSize(rows)
        table.setMinimumHeight(
            HISTORY_ROWS * rows + table.horizontalHeader().sizeHint().height() + 4
        )
        layout = QVBoxLayout(details)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.details_title)
        layout.addWidget(self.description)
        layout.addWidget(self.attachments)
        layout.addWidget(table, 1)
        return details

    # -- reading --------------------------------------------------------------------------

    def load(self) -> None:
        """Read the first page (once; later changes come through refresh)."""
        if not self._loaded:
            self._loaded = True
            self.model.set_filter(self.filters.task_filter())

    @property
    def loaded(self) -> bool:
        """Read from the store at least once (else it reads when first shown)."""
        return self._loaded

    def showEvent(self, event) -> None:  # override
        super().showEvent(event)
        self.load()

    def apply_filter(self) -> None:
        self._loaded = True
        self.model.set_filter(self.filters.task_filter())

    def refresh(self) -> None:
        """Read again (F5, or after a change), keeping the chosen task chosen."""
        current = self.current_task_id()
        self._loaded = True
        flt = self.filters.task_filter()  # "today" may have moved on
        if flt != self.model.task_filter:
            self.model.set_filter(flt)
        else:
            self.model.reload()
        if current is not None:
            self.select_task(current)

    def _reloaded(self) -> None:
        if self.model.rowCount() > 0:
            self._pages.setCurrentWidget(self.table)
        else:
            self._show_empty()
            self._pages.setCurrentWidget(self.empty)
        count = self.model.total()
        self.count_label.setText(
            self.tr("{count} tasks").format(count=count) if count != 1 else self.tr("1 task")
        )
        self.sig_count_changed.emit(count)
        self._current_changed()

    def _show_empty(self) -> None:
        default = self.filters.state() == DEFAULTS and self.filters.customer.field_value() is None
        if default:
            self.empty.title.setText(self.tr("No open tasks"))
            self.empty.message.setText(
                self.tr(
                    "You have no open tasks. Create one for a call back, an offer to send or a "
                    "sample to deliver, or look at everyone's tasks with the filters above."
                )
            )
        else:
            self.empty.title.setText(self.tr("No tasks match"))
            self.empty.message.setText(
                self.tr(
                    "No task matches the filters above. Choose other filters, or show your open "
                    "tasks again."
                )
            )
        self.empty.buttons["reset"].setVisible(not default)

    # -- the chosen task ------------------------------------------------------------------

    def current_row(self) -> TaskRow | None:
        return self.model.row_at(self.table.currentIndex().row())

    def current_task_id(self) -> uuid.UUID | None:
        row = self.current_row()
        return row.id if row else None

    def select_task(self, task_id: uuid.UUID) -> bool:
        row = self.model.row_of(task_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def offered_steps(self) -> list[TaskStatus]:
        """The statuses the chosen task may move to (what the buttons offer)."""
        row = self.current_row()
        if row is None:
            return []
        allowed = TRANSITIONS.get(TaskStatus(row.status), frozenset())
        return [target for _name, target in STEPS if target in allowed]

    def _current_changed(self, *args) -> None:
        row = self.current_row()
        offered = self.offered_steps()
        for name, target in STEPS:
            self.buttons[name].setVisible(target in offered)
        self.buttons["start"].setText(
            self.tr("Resume") if row and row.status == S.ON_HOLD else self.tr("Start")
        )
        self.closed_label.setVisible(row is not None and not offered)
        self.buttons["edit"].setEnabled(row is not None)
        self.buttons["customer"].setEnabled(row is not None and row.customer_id is not None)
        self._show_details(row)

    def _show_details(self, row: TaskRow | None) -> None:
        if row is None:
            self.details_title.setText(self.tr("Choose a task to see its history."))
            self.description.hide()
            self.attachments.hide()
            self.history.set_rows([])
            self.history_table.hide()  # no empty grey box
            return
        self.history_table.show()
        customer = customer_label(row.customer_number, row.customer_name)
        self.details_title.setText(f"{row.title} – {customer}" if customer else row.title)
        with self._store.session() as session:
            try:
                text = task_service.get_task(session, row.id).description
            except DomainError:
                text = ""
        self.description.setText(text)
        self.description.setVisible(bool(text))
        self._show_attachments(document_service.task_documents(self._store.reader(), row.id))
        steps = task_service.transitions(self._store.reader(), row.id)
        self.history.set_rows(
            [
                (
                    None,
                    [
                        format_local_time(when),
                        who,
                        status_label(old) if old else "—",
                        status_label(new),
                        comment,
                    ],
                )
                for when, who, old, new, comment in steps
            ]
        )
        header = self.history_table.horizontalHeader()
        for column in range(self.history.columnCount() - 1):
            self.history_table.resizeColumnToContents(column)
            header.resizeSection(column, header.sectionSize(column) + 12)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def _show_attachments(self, documents: list[document_service.AttachedDocument]) -> None:
        """The task's files as links (opened with the system's viewer); nothing if none."""
        self.attachments.setVisible(bool(documents))
        if not documents:
            self.attachments.setText("")
            return
        links = ", ".join(
            f"<a href='{DOCUMENT_LINK}{d.id}'>{html.escape(d.name)}</a>"
            f"&nbsp;({html.escape(format_size(d.size))})"
            for d in documents
        )
        self.attachments.setText(f"<b>{html.escape(self.tr('Attachments'))}:</b> {links}")

    def _link_activated(self, target: str) -> None:
        if target.startswith(DOCUMENT_LINK):
            self.open_document(uuid.UUID(target.removeprefix(DOCUMENT_LINK)))

    def open_document(self, document_id: uuid.UUID) -> None:
        """Open an attachment with the system's viewer (a copy under its own name)."""
        open_stored_document(self, self._store, document_id)

    # -- commands ---------------------------------------------------------------------------

    def new_task(self) -> None:
        from salesdesk.ui.dialogs.task_edit import TaskDialog

        customer = self.filters.customer.field_value()
        defaults = {"customer_id": customer} if customer else None
        self._open_dialog(TaskDialog(self._store, None, self, defaults=defaults))

    def edit_current(self) -> None:
        task_id = self.current_task_id()
        if task_id is not None:
            self.edit_task(task_id)

    def edit_task(self, task_id: uuid.UUID) -> None:
        from salesdesk.ui.dialogs.task_edit import TaskDialog

        try:
            dialog = TaskDialog(self._store, task_id, self)
        except DomainError as exc:
            QMessageBox.warning(self, self.tr("Task"), str(exc))
            self.refresh()
            return
        self._open_dialog(dialog)

    def _open_dialog(self, dialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._saved(dialog.saved_id))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _saved(self, task_id: uuid.UUID | None) -> None:
        self.refresh()
        if task_id is not None:
            self.select_task(task_id)
        self.sig_changed.emit()

    def open_current_customer(self) -> None:
        row = self.current_row()
        if row is not None and row.customer_id is not None:
            self.sig_open_customer.emit(row.customer_id)

    def _double_clicked(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        if COLUMN_KEYS[index.column()] == "customer" and row.customer_id is not None:
            self.sig_open_customer.emit(row.customer_id)
        else:
            self.edit_task(row.id)

    def ask_comment(self, row: TaskRow, target: TaskStatus) -> str | None:
        """The comment for a status change; None when the user cancelled."""
        dialog = CommentDialog(
            f"{self._step_text(row, target)} – {row.title}",
            self.tr(
                "“{task}”: {old} → {new}. Add a comment if you like (e.g. what the customer said)."
            ).format(task=row.title, old=status_label(row.status), new=target.label),
            self,
        )
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.text()
        finally:
            dialog.deleteLater()

    def _step_text(self, row: TaskRow, target: TaskStatus) -> str:
        name = next(n for n, t in STEPS if t == target)
        if name == "start" and row.status == S.ON_HOLD:
            return self.tr("Resume")
        return self.buttons[name].text()

    def change_status(self, target: TaskStatus | str, comment: str | None = None) -> bool:
        """Move the chosen task to ``target``; asks for a comment unless one is given."""
        row = self.current_row()
        if row is None:
            return False
        target = TaskStatus(target)
        if comment is None:
            comment = self.ask_comment(row, target)
            if comment is None:
                return False
        try:
            with self._store.session() as session:
                _task, following = task_service.change_status(
                    session, row.id, target.value, comment
                )
                session.commit()
                next_due = following.due_on if following is not None else None
        except DomainError as exc:
            QMessageBox.warning(self, self.tr("Change status"), str(exc))
            self.refresh()
            return False
        message = self.tr("“{task}” is now “{status}”.").format(task=row.title, status=target.label)
        if next_due is not None:
            message += " " + self.tr("The next task of the series is due on {date}.").format(
                date=format_date(next_due)
            )
        self.sig_message.emit(message)
        self.refresh()
        self.sig_changed.emit()
        return True

    def _context_menu(self, position: QPoint) -> None:
        row = self.current_row()
        if row is None:
            return
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(icon("customer-edit"), self.tr("Edit…"), self.edit_current)
        if row.customer_id is not None:
            menu.addAction(icon("open"), self.tr("Open customer"), self.open_current_customer)
        offered = self.offered_steps()
        if offered:
            menu.addSeparator()
        for target in offered:
            menu.addAction(self._step_text(row, target), lambda t=target: self.change_status(t))
        menu.popup(self.table.viewport().mapToGlobal(position))

    def ask_export_ics(self) -> Path | None:
        """The tasks the filters select, to an .ics file the user chooses: as tasks, or as
        all-day appointments on their due days (Outlook imports no tasks from a file);
        returns the file written."""
        flt = self.filters.task_filter()
        kinds = [
            (self.tr("Calendar file with tasks (*.ics)"), False),
            (
                self.tr("Calendar file with tasks as all-day appointments, for Outlook (*.ics)"),
                True,
            ),
        ]
        return export_ics(
            self,
            self._store,
            self.tr("Export tasks as .ics"),
            tasks_file_name(date.today()),
            lambda session, as_events: tasks_ics(
                session, flt.assignee_id, task_filter=flt, as_events=as_events
            ),
            kinds,
        )

    # -- for the window -----------------------------------------------------------------------

    def show_customer(self, customer_id: uuid.UUID, label: str) -> None:
        """Only the tasks of one customer (from a customer file)."""
        self.filters.set_customer(PickedCustomer(customer_id, label))

    def state(self) -> dict:
        return self.filters.state()

    def restore(self, state: dict) -> None:
        self.filters.restore(state)
        if self._loaded:
            self.apply_filter()
