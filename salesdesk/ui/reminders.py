"""Reminders of tasks and appointments: a timer, a tray message, an in-app list.

``ReminderCenter`` reads the current user's due reminders at start (those missed while
SalesDesk was closed are simply due), again when the next one falls due
(services.agenda.next_reminder_at, re-armed after each check) and every minute as a safety
net (a sync or another window may have added one). New ones go to the system tray when
there is one, and always to the in-app list, ``RemindersPanel``.
"""

import math
import uuid
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QSystemTrayIcon,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError
from salesdesk.services import agenda as agenda_service
from salesdesk.services.agenda import Reminder
from salesdesk.services.users import user_id_for_login
from salesdesk.store.engine import Store
from salesdesk.ui.formatting import format_date, format_local_time
from salesdesk.ui.icons import app_icon, icon

SAFETY_NET_MS = 60_000
MAX_WAIT_MS = 6 * 60 * 60 * 1000  # re-read at least every few hours (clock changes, sleep)
LATE_MARGIN_MS = 50  # Qt timers may fire a little early: wake just after the reminder
SNOOZE_CHOICES = (5, 15, 60)  # minutes; "tomorrow" is computed
TOMORROW_HOUR = 8  # "remind me tomorrow" means tomorrow at 8:00 local time
_KEY = Qt.ItemDataRole.UserRole


def minutes_until_tomorrow(now: datetime | None = None) -> int:
    """Minutes from ``now`` (aware) to tomorrow at 8:00 in the computer's time zone."""
    local = (now or datetime.now(UTC)).astimezone()
    tomorrow = (local + timedelta(days=1)).replace(
        hour=TOMORROW_HOUR, minute=0, second=0, microsecond=0, tzinfo=None
    )
    return max(1, math.ceil((tomorrow.astimezone() - local).total_seconds() / 60))


class ReminderCenter(QObject):
    """Knows the due reminders of the user working now; snoozes and dismisses them."""

    sig_count_changed = Signal(int)  # due reminders (a badge in the status bar)
    sig_changed = Signal()  # the list of due reminders changed
    sig_new = Signal(list)  # reminders that fell due since the last check
    sig_open = Signal(str, object)  # "task" | "appointment", id: the user wants to see it

    def __init__(self, store: Store, parent: QObject | None = None, tray: bool = True):
        super().__init__(parent)
        self._store = store
        self.reminders: list[Reminder] = []
        self._announced: set[tuple] = set()  # (kind, id, remind_at) already shown
        self._next = QTimer(self, singleShot=True, timerType=Qt.TimerType.PreciseTimer)
        self._next.timeout.connect(self.check)
        self._safety = QTimer(self, interval=SAFETY_NET_MS)
        self._safety.timeout.connect(self.check)
        self.tray: QSystemTrayIcon | None = None
        if tray and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip("SalesDesk")
            self.tray.messageClicked.connect(self._tray_clicked)

    @property
    def store(self) -> Store:
        return self._store

    def start(self) -> None:
        """Read the due reminders now and keep watching."""
        self._safety.start()
        self.check()

    def stop(self) -> None:
        self._next.stop()
        self._safety.stop()
        if self.tray is not None:
            self.tray.hide()

    def next_due_in_ms(self) -> int | None:
        """How long the precise timer waits (None: no reminder ahead)."""
        return self._next.remainingTime() if self._next.isActive() else None

    # -- checking -------------------------------------------------------------------------

    def _user(self) -> uuid.UUID | None:
        return user_id_for_login(self._store.reader(), self._store.user)

    def check(self) -> list[Reminder]:
        """Read the due reminders, announce the new ones, arm the timer for the next."""
        user = self._user()
        reader = self._store.reader()
        due = agenda_service.due_reminders(reader, user) if user is not None else []
        fresh = [r for r in due if (r.kind, r.id, r.remind_at) not in self._announced]
        changed = [r.key for r in due] != [r.key for r in self.reminders]
        self.reminders = due
        self._announced = {(r.kind, r.id, r.remind_at) for r in due}
        if fresh:
            self._announce(fresh)
        if changed or fresh:
            self.sig_changed.emit()
            self.sig_count_changed.emit(len(due))
        self._arm(agenda_service.next_reminder_at(reader, user) if user is not None else None)
        return fresh

    def _arm(self, at: datetime | None) -> None:
        self._next.stop()
        if at is None:
            return
        wait = (at - datetime.now(UTC)).total_seconds() * 1000 + LATE_MARGIN_MS
        self._next.start(int(min(max(wait, 0), MAX_WAIT_MS)))

    def _announce(self, fresh: list[Reminder]) -> None:
        self.sig_new.emit(fresh)
        if self.tray is None:
            return
        self.tray.show()
        if len(fresh) == 1:
            title, text = self.tr("Reminder"), describe(fresh[0])
        else:
            title = self.tr("{count} reminders").format(count=len(fresh))
            text = "\n".join(describe(r) for r in fresh[:5])
        self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 15_000)

    def _tray_clicked(self) -> None:
        if self.reminders:
            first = self.reminders[0]
            self.sig_open.emit(first.kind, first.id)

    # -- acting on a reminder -------------------------------------------------------------

    def snooze(self, reminder: Reminder, minutes: int) -> datetime:
        """Remind again in ``minutes``; the reminder leaves the list until then."""
        with self._store.session() as session:
            at = agenda_service.snooze(session, reminder.kind, reminder.id, minutes)
            session.commit()
        self.check()
        return at

    def dismiss(self, reminder: Reminder) -> None:
        with self._store.session() as session:
            agenda_service.dismiss(session, reminder.kind, reminder.id)
            session.commit()
        self.check()

    def open(self, reminder: Reminder) -> None:
        self.sig_open.emit(reminder.kind, reminder.id)


def describe(reminder: Reminder) -> str:
    """One line: what, for whom, when ("Call back – Müller GmbH – due 24 Nov 2026")."""
    parts = [reminder.title]
    if reminder.customer_name:
        parts.append(reminder.customer_name)
    when = reminder.when
    if isinstance(when, datetime):
        parts.append(format_local_time(when))
    elif when is not None:
        parts.append(
            QApplication.translate("RemindersPanel", "due {date}").format(date=format_date(when))
        )
    return " – ".join(parts)


class RemindersPanel(QDockWidget):
    """The due reminders, with Open, Snooze and Dismiss; a dock of the main window."""

    def __init__(self, center: ReminderCenter, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reminders_panel")
        self.setWindowTitle(self.tr("Reminders"))
        self.center = center
        self.list = QTreeWidget(self)
        self.empty = QLabel(
            self.tr("No reminders due. SalesDesk tells you here when one falls due."), self
        )
        self._pages = QStackedWidget(self)
        self.buttons: dict[str, QPushButton] = {}
        self.dialog = None
        self._build()
        center.sig_changed.connect(self.refresh)
        center.sig_new.connect(self._new)
        center.sig_open.connect(self.open_item)
        self.refresh()

    def _build(self) -> None:
        tree = self.list
        tree.setColumnCount(3)
        tree.setHeaderLabels([self.tr("Reminder"), self.tr("When"), self.tr("Customer")])
        tree.setRootIsDecorated(False)
        tree.setAlternatingRowColors(True)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setAccessibleName(self.tr("Due reminders"))
        tree.itemDoubleClicked.connect(lambda *_: self.open_current())
        tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._pages.addWidget(tree)
        self._pages.addWidget(self.empty)
        specs = {
            "open": (self.tr("Open"), "open", self.tr("Open the task or appointment")),
            "snooze": (self.tr("Snooze"), "reminder", self.tr("Remind me again later")),
            "dismiss": (self.tr("Dismiss"), "delete", self.tr("No more reminders for this one")),
        }
        row = QHBoxLayout()
        for name, (text, icon_name, tip) in specs.items():
            button = QPushButton(icon(icon_name), text, self)
            button.setToolTip(tip)
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        self.buttons["open"].clicked.connect(self.open_current)
        self.buttons["dismiss"].clicked.connect(self.dismiss_current)
        self.buttons["snooze"].setMenu(self._snooze_menu())
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._pages, 1)
        layout.addLayout(row)
        self.setWidget(body)

    def _snooze_menu(self) -> QMenu:
        menu = QMenu(self)
        texts = {5: self.tr("5 minutes"), 15: self.tr("15 minutes"), 60: self.tr("1 hour")}
        for minutes in SNOOZE_CHOICES:
            menu.addAction(texts[minutes], lambda m=minutes: self.snooze_current(m))
        menu.addAction(
            self.tr("Tomorrow at 8:00"), lambda: self.snooze_current(minutes_until_tomorrow())
        )
        return menu

    # -- the list -------------------------------------------------------------------------

    def refresh(self) -> None:
        chosen = self.current()
        self.list.clear()
        for reminder in self.center.reminders:
            when = reminder.when
            when_text = (
                format_local_time(when)
                if isinstance(when, datetime)
                else (self.tr("due {date}").format(date=format_date(when)) if when else "")
            )
            item = QTreeWidgetItem([reminder.title, when_text, reminder.customer_name])
            item.setIcon(0, icon("calendar" if reminder.kind == "appointment" else "tasks"))
            item.setToolTip(0, describe(reminder))
            item.setData(0, _KEY, reminder)
            self.list.addTopLevelItem(item)
            if chosen is not None and reminder.key == chosen.key:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.topLevelItemCount():
            self.list.setCurrentItem(self.list.topLevelItem(0))
        for column in range(2):
            self.list.resizeColumnToContents(column)
        count = len(self.center.reminders)
        self.setWindowTitle(
            self.tr("Reminders ({count})").format(count=count) if count else self.tr("Reminders")
        )
        self._pages.setCurrentWidget(self.list if count else self.empty)
        self._update_buttons()

    def _new(self, fresh: list) -> None:
        """Something fell due: without a tray message the panel itself must show it."""
        if self.center.tray is None:
            self.show()
            self.raise_()

    def current(self) -> Reminder | None:
        item = self.list.currentItem()
        return item.data(0, _KEY) if item is not None else None

    def _update_buttons(self) -> None:
        chosen = self.current() is not None
        for button in self.buttons.values():
            button.setEnabled(chosen)

    # -- acting -----------------------------------------------------------------------------

    def snooze_current(self, minutes: int) -> None:
        reminder = self.current()
        if reminder is not None:
            self._act(lambda: self.center.snooze(reminder, minutes))

    def dismiss_current(self) -> None:
        reminder = self.current()
        if reminder is not None:
            self._act(lambda: self.center.dismiss(reminder))

    def _act(self, action) -> None:
        try:
            action()
        except DomainError as exc:  # the task was deleted meanwhile (a sync)
            QMessageBox.warning(self, self.tr("Reminders"), str(exc))
            self.center.check()

    def open_current(self) -> None:
        reminder = self.current()
        if reminder is not None:
            self.center.open(reminder)

    def open_item(self, kind: str, item_id: uuid.UUID) -> None:
        """Open the task or appointment dialog of a reminder."""
        from salesdesk.ui.dialogs.appointment_edit import AppointmentDialog
        from salesdesk.ui.dialogs.task_edit import TaskDialog

        parent = self.parentWidget() or self
        try:
            dialog = (
                TaskDialog(self.center.store, item_id, parent)
                if kind == "task"
                else AppointmentDialog(self.center.store, item_id, parent)
            )
        except DomainError as exc:
            QMessageBox.warning(self, self.tr("Reminders"), str(exc))
            self.center.check()
            return
        self.dialog = dialog
        dialog.accepted.connect(self.center.check)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
