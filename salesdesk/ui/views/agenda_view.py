"""My day: overdue tasks, today's tasks and appointments, the rest of the week, and the
customers due for a contact — each a compact table with its count in the heading.

services.agenda reads every section with one query each (no per-row queries), so the
page loads in well under 100 ms on a store of 100,000 customers and 200,000 tasks.
"""

import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from functools import lru_cache
from time import perf_counter
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_date
from babel.dates import format_time as babel_time
from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError
from salesdesk.services.agenda import AGENDA_LIMIT, Agenda, DueCustomer, agenda
from salesdesk.services.appointments import AppointmentRow
from salesdesk.services.tasks import TaskRow
from salesdesk.services.users import user_id_for_login
from salesdesk.store.engine import Store
from salesdesk.ui.fields import local_zone_name
from salesdesk.ui.formatting import locale_name
from salesdesk.ui.icons import icon
from salesdesk.ui.models.record_table import Cell, RecordTableModel
from salesdesk.ui.models.task_table import OVERDUE_RED, priority_label, status_label
from salesdesk.ui.pickers import customer_label
from salesdesk.ui.shortcuts import local_shortcut
from salesdesk.ui.tables import style_record_table

MAX_ROWS_SHOWN = 12  # a section taller than this scrolls inside
MAX_COLUMN = 300  # px; longer texts are cut with "…" and shown whole in the tooltip


# babel takes ~30 µs a call; a full agenda shows ~1,500 dates and times, most repeated
@lru_cache(maxsize=4096)
def _time_text(hour: int, minute: int, locale: str) -> str:
    return babel_time(time(hour, minute), format="short", locale=locale)


@lru_cache(maxsize=4096)
def _date_text(day: date, pattern: str, locale: str) -> str:
    return babel_date(day, format=pattern, locale=locale)


def short_time(moment: datetime, zone: str, locale: str | None = None) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return _time_text(local.hour, local.minute, locale or locale_name())


def day_label(day: date, locale: str | None = None) -> str:
    """ "Wed 25 Nov" (en) or "Mi., 25. Nov." (de): a weekday is what a week plan needs."""
    return _date_text(day, "EEE d MMM", locale or locale_name())


def date_text(day: date | None, locale: str | None = None) -> str:
    """As formatting.format_date (medium), cached."""
    return "" if day is None else _date_text(day, "medium", locale or locale_name())


def _lazy(key: tuple, build, *args) -> tuple:
    """(key, a function making the row's cells): cells are made when the row is shown."""
    return key, lambda: build(*args)[1]


class LazyRecordModel(RecordTableModel):
    """A RecordTableModel whose rows are formatted when first asked for: a section of 500
    rows formats the dozen on screen, not all 500."""

    def set_rows(self, rows: list[tuple[object, Callable[[], list]]]) -> None:  # override
        self.beginResetModel()
        self._keys = [key for key, _ in rows]
        self._makers = [make for _, make in rows]
        self._rows = [None] * len(rows)
        self.endResetModel()

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):  # override
        row = index.row()
        if index.isValid() and 0 <= row < len(self._rows) and self._rows[row] is None:
            self._rows[row] = [
                c if isinstance(c, Cell) else Cell(c or "") for c in self._makers[row]()
            ]
        return super().data(index, role)


def _tipped(text: str) -> Cell:
    """A cell that may be cut short shows its whole text as tooltip."""
    return Cell(text, text or None)


class AgendaSection(QWidget):
    """A heading with a count, and a compact table or a friendly line when empty."""

    sig_activated = Signal(object)  # the key of a row: ("task" | "appointment" | "customer", id)

    def __init__(
        self, title: str, empty_text: str, headers: list[str], parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.title = title
        self.stretch_column = 1  # what the row is about takes the room the others leave
        self.heading = QLabel(title, self)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.model = LazyRecordModel(headers, self)
        self.table = QTableView(self)
        self.empty = QLabel(empty_text, self)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)  # quiet
        self.empty.setContentsMargins(4, 2, 4, 8)
        self._pages = QStackedWidget(self)
        self._pages.addWidget(self.table)
        self._pages.addWidget(self.empty)
        self._build_table()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.addWidget(self.heading)
        layout.addWidget(self._pages)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def _build_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        table.setAccessibleName(self.title)
        style_record_table(table, multi=False, row_padding=8)
        table.horizontalHeader().setStretchLastSection(False)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.horizontalHeader().setHighlightSections(False)
        table.doubleClicked.connect(self._activated)
        for keys in (QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)):
            local_shortcut(
                keys,
                table,
                lambda: self._activated(table.currentIndex()),
                context=Qt.ShortcutContext.WidgetShortcut,
            )

    def set_rows(self, rows: list[tuple[object, Callable[[], list]]], full: bool = False) -> None:
        """Rows as (key, a function making its cells); ``full``: the service's limit cut
        the list."""
        count = f"{len(rows)}+" if full else str(len(rows))
        self.heading.setText(f"{self.title} ({count})")
        self.model.set_rows(rows)
        if rows:
            self._fit_columns()
            self._pages.setCurrentWidget(self.table)
            table = self.table
            shown = min(len(rows), MAX_ROWS_SHOWN)  # more rows scroll inside the table
            table.setFixedHeight(
                shown * table.verticalHeader().defaultSectionSize()
                + table.horizontalHeader().sizeHint().height()
                + 2 * table.frameWidth()
            )
            self._pages.setFixedHeight(table.height())
        else:
            self._pages.setCurrentWidget(self.empty)
            self._pages.setFixedHeight(self.empty.sizeHint().height())

    def _fit_columns(self) -> None:
        """Columns as wide as their text (up to a limit); the main one takes the rest, so
        a section never needs a horizontal scroll bar."""
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(MAX_ROWS_SHOWN)  # measure what shows, not 500 rows
        for column in range(self.model.columnCount()):
            if column == self.stretch_column:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
                continue
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.resizeColumnToContents(column)
            header.resizeSection(column, min(header.sectionSize(column) + 12, MAX_COLUMN))

    def count(self) -> int:
        return self.model.rowCount()

    def is_empty(self) -> bool:
        return self._pages.currentWidget() is self.empty

    def _activated(self, index: QModelIndex) -> None:
        key = self.model.key_at(index.row()) if index.isValid() else None
        if key is not None:
            self.sig_activated.emit(key)


class AgendaView(QWidget):
    """The current user's day; double-click (or Enter) opens a task, appointment or file."""

    sig_open_customer = Signal(object)  # customer id
    sig_changed = Signal()  # a task or appointment was changed from here

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self._store = store
        self.zone = local_zone_name()
        self.agenda: Agenda | None = None
        self.load_ms = 0.0  # how long the last load took (benchmarks, tests)
        self.dialog = None
        self._locale = locale_name()
        self._icons = {name: icon(name) for name in ("overdue", "tasks", "calendar")}
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.title.setFont(font)
        self.sections = {
            "overdue": AgendaSection(
                self.tr("Overdue"),
                self.tr("Nothing overdue. Well done!"),
                [self.tr("Due"), self.tr("Task"), self.tr("Customer"), self.tr("Status")],
                self,
            ),
            "today": AgendaSection(
                self.tr("Today"),
                self.tr("No tasks or appointments today."),
                [self.tr("When"), self.tr("What"), self.tr("Customer"), self.tr("Details")],
                self,
            ),
            "week": AgendaSection(
                self.tr("Rest of this week"),
                self.tr("Nothing else planned this week."),
                [self.tr("When"), self.tr("What"), self.tr("Customer"), self.tr("Details")],
                self,
            ),
            "customers": AgendaSection(
                self.tr("Customers due for contact"),
                self.tr("No customer is due for a contact this week."),
                [
                    self.tr("Next contact"),
                    self.tr("Customer"),
                    self.tr("City"),
                    self.tr("Last contact"),
                ],
                self,
            ),
        }
        for section in self.sections.values():
            section.sig_activated.connect(self.open_item)
        self.buttons = self._buttons()
        self._loaded = False
        self._build()

    def _buttons(self) -> dict[str, QPushButton]:
        buttons = {
            "new_task": QPushButton(icon("add"), self.tr("New task…"), self),
            "new_appointment": QPushButton(icon("calendar"), self.tr("New appointment…"), self),
            "refresh": QPushButton(icon("refresh"), self.tr("Refresh"), self),
        }
        buttons["new_task"].setToolTip(self.tr("Create a task"))
        buttons["new_appointment"].setToolTip(self.tr("Plan an appointment"))
        buttons["refresh"].setToolTip(self.tr("Read the day again"))
        buttons["new_task"].clicked.connect(self.new_task)
        buttons["new_appointment"].clicked.connect(self.new_appointment)
        buttons["refresh"].clicked.connect(self.refresh)
        return buttons

    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        for button in self.buttons.values():
            top.addWidget(button)
        page = QWidget(self)  # the sections one below the other, the page scrolls
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 4, 0)
        column.setSpacing(10)
        for section in self.sections.values():
            column.addWidget(section)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 4)
        layout.addLayout(top)
        layout.addSpacing(6)
        layout.addWidget(scroll, 1)

    # -- reading --------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        """Read from the store at least once (else it reads when first shown)."""
        return self._loaded

    def showEvent(self, event) -> None:  # override
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    def refresh(self, today: date | None = None) -> None:
        """Read the day from the store (one query per section)."""
        started = perf_counter()
        today = today or date.today()
        reader = self._store.reader()
        me = user_id_for_login(reader, self._store.user)
        self.agenda = agenda(reader, me, today, self.zone) if me is not None else Agenda(today)
        self._show(self.agenda)
        self._loaded = True
        self.load_ms = (perf_counter() - started) * 1000

    def _show(self, day: Agenda) -> None:
        self._locale = locale_name()
        self.title.setText(
            self.tr("My day – {date}").format(
                date=babel_date(day.today, format="full", locale=locale_name())
            )
        )
        full = AGENDA_LIMIT
        self.sections["overdue"].set_rows(
            [_lazy(("task", t.id), self._overdue_row, t) for t in day.overdue],
            len(day.overdue) >= full,
        )
        today = [
            _lazy(("appointment", a.id), self._appointment_row, a, False)
            for a in day.appointments_today
        ] + [_lazy(("task", t.id), self._task_row, t, False) for t in day.due_today]
        self.sections["today"].set_rows(today, len(day.due_today) >= full)
        tz = ZoneInfo(self.zone)
        week = sorted(
            [
                (
                    a.starts_at.astimezone(tz).date(),
                    0,
                    _lazy(("appointment", a.id), self._appointment_row, a, True),
                )
                for a in day.appointments_this_week
            ]
            + [
                (t.due_on, 1, _lazy(("task", t.id), self._task_row, t, True))
                for t in day.due_this_week
            ],
            key=lambda item: item[:2],
        )
        self.sections["week"].set_rows([item[2] for item in week], len(day.due_this_week) >= full)
        self.sections["customers"].set_rows(
            [_lazy(("customer", c.id), self._customer_row, c) for c in day.customers_due],
            len(day.customers_due) >= full,
        )

    # -- rows -------------------------------------------------------------------------------

    def _overdue_row(self, task: TaskRow) -> tuple:
        days = (self.agenda.today - task.due_on).days
        due = Cell(
            date_text(task.due_on, self._locale),
            self.tr("Overdue by {days} days").format(days=days)
            if days > 1
            else self.tr("Overdue since yesterday"),
            OVERDUE_RED,
            self._icons["overdue"],
        )
        return ("task", task.id), [
            due,
            Cell(task.title, task.title),
            _tipped(customer_label(task.customer_number, task.customer_name)),
            status_label(task.status),
        ]

    def _task_row(self, task: TaskRow, with_day: bool) -> tuple:
        when = day_label(task.due_on, self._locale) if with_day else self.tr("Today")
        details = priority_label(task.priority) if task.priority != 2 else ""
        return ("task", task.id), [
            Cell(
                when,
                self.tr("Task, due {date}").format(date=date_text(task.due_on, self._locale)),
                icon=self._icons["tasks"],
            ),
            Cell(task.title, task.title),
            _tipped(customer_label(task.customer_number, task.customer_name)),
            ", ".join(p for p in (status_label(task.status), details) if p),
        ]

    def _appointment_row(self, appointment: AppointmentRow, with_day: bool) -> tuple:
        start, end = (
            short_time(appointment.starts_at, self.zone, self._locale),
            short_time(appointment.ends_at, self.zone, self._locale),
        )
        when = f"{start}–{end}"
        if with_day:
            day = appointment.starts_at.astimezone(ZoneInfo(self.zone)).date()
            when = f"{day_label(day, self._locale)}, {when}"
        return ("appointment", appointment.id), [
            Cell(when, self.tr("Appointment"), icon=self._icons["calendar"]),
            Cell(appointment.subject, appointment.subject),
            _tipped(customer_label(appointment.customer_number, appointment.customer_name)),
            Cell(appointment.location, appointment.location or None),
        ]

    def _customer_row(self, customer: DueCustomer) -> tuple:
        late = customer.next_contact < self.agenda.today
        due = Cell(
            date_text(customer.next_contact, self._locale),
            self.tr("The contact is overdue") if late else None,
            OVERDUE_RED if late else None,
            self._icons["overdue"] if late else None,
        )
        last = customer.last_contact_at
        last = date_text(last.date(), self._locale) if last else self.tr("never")
        return ("customer", customer.id), [
            due,
            _tipped(customer_label(customer.number, customer.name)),
            customer.city,
            last,
        ]

    # -- opening ----------------------------------------------------------------------------

    def open_item(self, key: tuple[str, uuid.UUID]) -> None:
        kind, item_id = key
        if kind == "customer":
            self.sig_open_customer.emit(item_id)
            return
        from salesdesk.ui.dialogs.appointment_edit import AppointmentDialog
        from salesdesk.ui.dialogs.task_edit import TaskDialog

        try:
            dialog = (
                TaskDialog(self._store, item_id, self)
                if kind == "task"
                else AppointmentDialog(self._store, item_id, self)
            )
        except DomainError:
            self.refresh()  # gone meanwhile (a sync): the day is read again
            return
        self._open_dialog(dialog)

    def new_task(self) -> None:
        from salesdesk.ui.dialogs.task_edit import TaskDialog

        self._open_dialog(TaskDialog(self._store, None, self))

    def new_appointment(self) -> None:
        from salesdesk.ui.dialogs.appointment_edit import AppointmentDialog

        self._open_dialog(AppointmentDialog(self._store, None, self))

    def _open_dialog(self, dialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self._saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _saved(self) -> None:
        self.refresh()
        self.sig_changed.emit()
