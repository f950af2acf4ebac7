"""The Sync page: which central database, the state (last sync, pending changes,
conflicts, refused changes), "Synchronise now" with progress and Cancel, the automatic
interval, and the conflicts and refused changes to decide; below, the Outlook calendar:
its mailbox, last run, "Synchronise Outlook now" and the conflicts with Outlook."""

from datetime import date, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError
from salesdesk.services import calendar_sync
from salesdesk.services import sync as sync_service
from salesdesk.services.settings import get_setting
from salesdesk.services.sync_review import (
    discard_parked,
    list_conflicts,
    list_parked,
    resolve_conflict,
    retry_parked,
)
from salesdesk.store.engine import Store
from salesdesk.ui.formatting import format_count, format_date, format_local_time
from salesdesk.ui.icons import icon
from salesdesk.ui.ops import Op, write_pool
from salesdesk.ui.sync_runner import CENTRAL, OUTLOOK, SyncRunner, when
from salesdesk.ui.views.file_rows import show_value
from salesdesk.ui.views.progress_panel import ProgressPanel
from salesdesk.ui.views.sync_review import ConflictsPane, RefusedPane, one_line


def _value_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class SyncView(QWidget):
    """The page behind "Sync" in the navigation."""

    sig_message = Signal(str)  # for the status bar
    sig_changed = Signal()  # a decision changed records (lists elsewhere may follow)

    def __init__(self, store: Store, runner: SyncRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.store, self.runner = store, runner
        self.op: Op | None = None  # a decision being written
        self.status: sync_service.SyncStatus | None = None
        self.dialog = None
        self.logins_dialog = None
        self.settings_dialog = None
        self._build()
        runner.sig_started.connect(self._started)
        runner.sig_progress.connect(self._progress_text)
        runner.sig_finished.connect(self._finished)
        runner.sig_state_changed.connect(self.refresh_state)
        self.refresh()

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        heading = QLabel(self.tr("Synchronisation"), self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel(self.tr(
            "Your work is saved on this computer first and exchanged with the central "
            "database when you synchronise: your changes go there, the others' come here. "
            "Working offline is normal; nothing is lost meanwhile."), self)
        intro.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self._connection_box(), 1)
        top.addWidget(self._state_box(), 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addLayout(self._run_row())
        layout.addWidget(self.message)
        layout.addWidget(self._review_tabs(), 3)
        self.outlook = OutlookBox(self)
        self.outlook.sync_button.clicked.connect(self.synchronise_outlook)
        self.outlook.setup_button.clicked.connect(self.set_up_outlook)
        self.outlook.sig_decide.connect(self.decide_outlook)
        layout.addWidget(self.outlook, 2)

    def _connection_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Central database"), self)
        self.server_label = _value_label(box)
        self.login_label = _value_label(box)
        self.password_label = _value_label(box)
        self.change_button = QPushButton(icon("settings"), self.tr("&Change connection…"), box)
        self.change_button.setToolTip(self.tr(
            "Server address, login and password of the central database"))
        self.change_button.clicked.connect(self.change_connection)
        self.logins_button = QPushButton(icon("agents"), self.tr("L&ogins…"), box)
        self.logins_button.setToolTip(self.tr(
            "Logins of the central database: add one, change a role, password, user account, "
            "territories or customers (admin logins only)"))
        self.logins_button.clicked.connect(self.manage_logins)
        form = QFormLayout(box)
        form.addRow(self.tr("Server:"), self.server_label)
        form.addRow(self.tr("Login:"), self.login_label)
        form.addRow(self.tr("Password:"), self.password_label)
        row = QHBoxLayout()
        row.addWidget(self.change_button)
        row.addWidget(self.logins_button)
        row.addStretch(1)
        form.addRow(row)
        return box

    def _state_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("State"), self)
        self.last_sync_label = _value_label(box)
        self.pending_label = _value_label(box)
        self.conflicts_label = _value_label(box)
        self.parked_label = _value_label(box)
        self.interval = QSpinBox(box)
        self.interval.setRange(0, 24 * 60)
        self.interval.setSingleStep(5)
        self.interval.setSuffix(self.tr(" minutes"))
        self.interval.setSpecialValueText(self.tr("only by hand"))
        self.interval.setKeyboardTracking(False)
        self.interval.setToolTip(self.tr(
            "How often SalesDesk synchronises by itself while the central database can be "
            "reached (0: only when you say so)"))
        self.interval.setValue(sync_service.auto_interval(self.store.reader()))
        self.interval.setMaximumWidth(self.fontMetrics().averageCharWidth() * 24)
        self.interval.valueChanged.connect(self.runner.set_interval)
        form = QFormLayout(box)
        form.addRow(self.tr("Last synchronisation:"), self.last_sync_label)
        form.addRow(self.tr("Pending changes:"), self.pending_label)
        form.addRow(self.tr("Conflicts:"), self.conflicts_label)
        form.addRow(self.tr("Refused changes:"), self.parked_label)
        form.addRow(self.tr("Automatically every:"), self.interval)
        return box

    def _run_row(self) -> QHBoxLayout:
        self.sync_button = QPushButton(icon("sync"), self.tr("&Synchronise now"), self)
        self.sync_button.setToolTip(self.runner.action.toolTip())
        self.sync_button.clicked.connect(self.synchronise)
        self.progress = ProgressPanel(self)
        self.progress.cancel_button.setToolTip(self.tr(
            "Stop synchronising; what was sent or received is kept, the rest follows next "
            "time"))
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.message.hide()  # shown while it has something to say
        row = QHBoxLayout()
        row.addWidget(self.sync_button)
        row.addWidget(self.progress)
        row.addStretch(1)
        return row

    def _review_tabs(self) -> QTabWidget:
        self.tabs = QTabWidget(self)
        self.conflicts = ConflictsPane(self.tabs)
        self.refused = RefusedPane(self.tabs)
        self.tabs.addTab(self.conflicts, "")
        self.tabs.addTab(self.refused, "")
        self.conflicts.sig_decide.connect(self.decide)
        self.refused.sig_discard.connect(lambda key: self._write(
            lambda: discard_parked(self.store, key), self.tr("Change discarded.")))
        self.refused.sig_retry.connect(lambda key: self._write(
            lambda: retry_parked(self.store, key),
            self.tr("The change is sent again with the next synchronisation.")))
        return self.tabs

    # -- showing ----------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # override
        super().showEvent(event)
        self.refresh()  # what other pages changed meanwhile (pending changes)

    def refresh(self) -> None:
        """State and both lists, read again (F5)."""
        self.refresh_state()
        self.conflicts.set_items(list_conflicts(self.store))
        self.refused.set_items(list_parked(self.store))
        with self.store.session() as session:
            self.outlook.set_conflicts(calendar_sync.mailbox_conflicts(session))

    def refresh_state(self) -> None:
        status = self.status = sync_service.sync_status(self.store)
        info = sync_service.connection_info(self.store)
        self.server_label.setText(status.target or self.tr(
            "None set up yet: your data stays on this computer."))
        self.server_label.setToolTip(status.url)
        self.login_label.setText(status.login or "–")
        self.password_label.setText({
            "keyring": self.tr("kept in the keyring"),
            "session": self.tr("kept for this session only (no keyring on this computer)"),
        }.get(info.password, self.tr("not saved") if sync_service.keyring_available()
              else self.tr("not saved: this computer has no keyring")) if status.url else "–")
        self.last_sync_label.setText(self._last_sync_text(status))
        self.pending_label.setText(format_count(status.pending))
        self.conflicts_label.setText(format_count(status.conflicts))
        self.parked_label.setText(format_count(status.parked))
        self.tabs.setTabText(0, self.tr("Conflicts ({count})").format(
            count=format_count(status.conflicts)))
        self.tabs.setTabText(1, self.tr("Refused changes ({count})").format(
            count=format_count(status.parked)))
        busy = self.runner.running or self.op is not None
        self.sync_button.setEnabled(not self.runner.running)
        self.logins_button.setEnabled(status.configured)
        self.conflicts.set_enabled_decisions(not busy)
        self.refused.set_enabled_decisions(not busy)
        self.outlook.show_state(calendar_sync.mailbox_settings(self.store.reader()),
                                get_setting(self.store.reader(), "exchange.last_sync"),
                                self.runner.mailbox_failure)
        self.outlook.set_busy(self.runner.running, busy)

    def _last_sync_text(self, status) -> str:
        text = when(status.last_sync) if status.last_sync else self.tr("never")
        if status.last_sync:
            text += " " + self.tr("({sent} sent, {received} received)").format(
                sent=format_count(status.last_pushed), received=format_count(status.last_pulled))
        if status.failed_at is not None:
            text += "\n" + (self.tr("Offline since {time}") if status.offline else
                            self.tr("Failed at {time}")).format(time=when(status.failed_at))
        return text

    # -- running ----------------------------------------------------------------------------

    def synchronise(self) -> None:
        """Synchronise now (or first set up the connection); with only a mailbox set up,
        the Outlook calendar alone."""
        if not sync_service.sync_status(self.store).configured and \
                not self.runner.mailbox_configured():
            self._say(self.tr("Set up the connection to the central database first."))
            self.change_connection()
            return
        self.runner.run(manual=True)

    def synchronise_outlook(self) -> None:
        """Only the Outlook calendar, now (or first set up the mailbox)."""
        if not self.runner.mailbox_configured():
            self.set_up_outlook()
            return
        self.runner.run_outlook()

    def _panel(self) -> ProgressPanel:
        """Where the running run shows its progress: an Outlook-only run in its group."""
        return self.outlook.progress if self.runner.parts == (OUTLOOK,) else self.progress

    def _progress_text(self, text: str) -> None:
        self._panel().label.setText(text)

    def _started(self, manual: bool) -> None:
        if self.runner.op is not None:
            self._panel().track(self.runner.op, self.tr("Synchronising…")
                                if CENTRAL in self.runner.parts else
                                self.tr("Synchronising the Outlook calendar…"))
        if manual:
            self._say("")
        self.refresh_state()

    def _finished(self, manual: bool, ok: bool, text: str) -> None:
        if manual or ok:
            self._say(text if ok else self.tr("Synchronisation failed: {reason}").format(
                reason=text))
        self.refresh()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def change_connection(self) -> None:
        from salesdesk.ui.dialogs.sync_connection import ConnectionDialog

        self.dialog = ConnectionDialog(self.store, self.runner, self)
        self.dialog.sig_saved.connect(self._connection_saved)
        self.dialog.finished.connect(self.dialog.deleteLater)
        self.dialog.open()

    def manage_logins(self) -> None:
        """The logins of the central database (admin logins only)."""
        from salesdesk.ui.dialogs.central_users import CentralUsersDialog

        self.logins_dialog = CentralUsersDialog(self.store, self)
        self.logins_dialog.finished.connect(self.logins_dialog.deleteLater)
        self.logins_dialog.open()

    def set_up_outlook(self) -> None:
        """The settings dialog, on its Outlook/Exchange tab."""
        from salesdesk.ui.dialogs.settings_dialog import SettingsDialog
        from salesdesk.ui.settings import Settings

        settings = getattr(self.window(), "settings", None)
        dialog = SettingsDialog(settings if isinstance(settings, Settings) else Settings(),
                                self.store.data_dir, self, store=self.store)
        dialog.show_outlook()
        dialog.accepted.connect(self.refresh)
        dialog.finished.connect(dialog.deleteLater)
        self.settings_dialog = dialog
        dialog.open()

    def _connection_saved(self) -> None:
        self._say(self.tr("Connection saved."))
        self.refresh_state()

    # -- decisions ----------------------------------------------------------------------------

    def decide(self, conflict_id, choice: str) -> Op | None:
        texts = {"central": self.tr("Central value kept."),
                 "accept_deletion": self.tr("Deletion accepted.")}
        return self._write(lambda: resolve_conflict(self.store, conflict_id, choice),
                           texts.get(choice, self.tr(
                               "Decided; sent with the next synchronisation.")))

    def decide_outlook(self, link_id, keep: str) -> Op | None:
        """A conflict with Outlook: keep SalesDesk's values or take Outlook's."""
        text = self.tr("SalesDesk's values kept; they go to Outlook with the next "
                       "synchronisation.") if keep == "salesdesk" else self.tr(
                           "Outlook's values taken into SalesDesk.")
        return self._write(lambda: calendar_sync.resolve_conflict(self.store, link_id, keep),
                           text)

    def _write(self, action, done_text: str) -> Op | None:
        """A decision, written on the store's write worker; the lists follow."""
        if self.op is not None:
            return None
        self.op = Op(lambda _progress, _cancel: action(), self)
        self.op.sig_succeeded.connect(lambda _result: self._decided(done_text))
        self.op.sig_failed.connect(self._decision_failed)
        self.op.sig_finished.connect(self._decision_finished)
        self.refresh_state()
        return self.op.start(write_pool())

    def _decided(self, text: str) -> None:
        self._say(text)
        self.sig_message.emit(text)
        self.sig_changed.emit()

    def _decision_failed(self, error: Exception) -> None:
        self._say(str(error) if isinstance(error, DomainError) else self.tr(
            "Something went wrong ({kind}: {detail}). The details are in the log file "
            "(Help → Open log file).").format(kind=type(error).__name__, detail=error))

    def _decision_finished(self) -> None:
        self.op = None
        self.refresh()
        self.runner.sig_state_changed.emit()


_KEY = Qt.ItemDataRole.UserRole  # a conflict row's link id


class OutlookBox(QGroupBox):
    """The Outlook calendar on the Sync page: the mailbox (never its password), the last
    run, "Synchronise Outlook now" with progress and Cancel, and the conflicts with
    Outlook, each decided by a button. It only shows and asks; the page acts."""

    sig_decide = Signal(object, str)  # link id, "salesdesk" or "outlook"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(self.tr("Outlook calendar"), parent)
        self.mailbox_label = _value_label(self)
        self.last_label = _value_label(self)
        self.sync_button = QPushButton(icon("sync"), self.tr("Synchronise Out&look now"), self)
        self.sync_button.setToolTip(self.tr(
            "Send your appointments and tasks to your Outlook calendar and take the changes "
            "made there (also part of every synchronisation)"))
        self.setup_button = QPushButton(icon("settings"), self.tr("Set &up…"), self)
        self.progress = ProgressPanel(self)
        self.progress.cancel_button.setToolTip(self.tr(
            "Stop; what was sent to Outlook is kept, the rest follows next time"))
        self.conflicts = self._conflict_tree()
        self.empty = QLabel(self.tr(
            "No conflicts with Outlook. When an appointment or task is changed in SalesDesk "
            "and in Outlook before they are synchronised, both values are shown here for "
            "you to decide."), self)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self._conflict_page())
        form = QFormLayout()
        form.addRow(self.tr("Mailbox:"), self.mailbox_label)
        form.addRow(self.tr("Last run:"), self.last_label)
        row = QHBoxLayout()
        row.addWidget(self.sync_button)
        row.addWidget(self.setup_button)
        row.addWidget(self.progress)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.stack, 1)
        self._configured = self._running = False
        self._decisions_enabled = True

    def _conflict_tree(self) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setHeaderLabels([self.tr("Appointment or task"), self.tr("Field"),
                              self.tr("In Outlook"), self.tr("In SalesDesk")])
        tree.setAccessibleName(self.tr("Conflicts with Outlook"))
        tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        tree.setAlternatingRowColors(True)
        tree.setRootIsDecorated(False)
        tree.currentItemChanged.connect(self._current_changed)
        return tree

    def _conflict_page(self) -> QWidget:
        page = QWidget(self)
        self.keep_button = QPushButton(self.tr("Keep SalesDesk's"), page)
        self.keep_button.setToolTip(self.tr(
            "SalesDesk's values stay and replace Outlook's with the next synchronisation"))
        self.take_button = QPushButton(self.tr("Take Outlook's"), page)
        self.take_button.setToolTip(self.tr("Outlook's values replace SalesDesk's now"))
        self.keep_button.clicked.connect(lambda: self._decide("salesdesk"))
        self.take_button.clicked.connect(lambda: self._decide("outlook"))
        buttons = QVBoxLayout()
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.take_button)
        buttons.addStretch(1)
        row = QHBoxLayout(page)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.conflicts, 1)
        row.addLayout(buttons)
        return page

    # -- showing ----------------------------------------------------------------------------

    def show_state(self, settings, last: dict | None, failure) -> None:
        """The mailbox, the last good run and, if the latest one failed, why."""
        configured = self._configured = settings is not None
        self.mailbox_label.setText(settings.mailbox if configured else self.tr(
            "None set up: appointments and tasks stay in SalesDesk."))
        self.mailbox_label.setToolTip(settings.endpoint if configured else "")
        self.setup_button.setText(self.tr("Outlook &settings…") if configured else
                                  self.tr("Set &up…"))
        self.setup_button.setToolTip(self.tr(
            "Mailbox, EWS address, sign-in and password (Settings → Outlook/Exchange)"))
        text = self.tr("never")
        if last:
            at = datetime.fromisoformat(last["at"])
            text = self.tr("{time} – {summary}").format(time=when(at),
                                                          summary=last["summary"])
        if failure is not None:
            at, reason, offline = failure
            text += "\n" + (self.tr("Not reached at {time}: {reason}") if offline else
                            self.tr("Failed at {time}: {reason}")).format(
                                time=when(at), reason=reason)
        self.last_label.setText(text)
        self.sync_button.setEnabled(configured and not self._running)

    def set_busy(self, running: bool, busy: bool) -> None:
        """``running``: a sync runs; ``busy``: that, or a decision being written."""
        self._running = running
        self.sync_button.setEnabled(self._configured and not running)
        self._decisions_enabled = not busy
        self._update_buttons()

    def set_conflicts(self, conflicts: list) -> None:
        chosen = self.current()
        self.conflicts.clear()
        for conflict in conflicts:
            self._add_conflict(conflict)
        for column in range(3):
            self.conflicts.resizeColumnToContents(column)
        self.stack.setCurrentIndex(1 if conflicts else 0)
        self.setTitle(self.tr("Outlook calendar – {count} conflicts").format(
            count=format_count(len(conflicts))) if conflicts else self.tr("Outlook calendar"))
        rows = [self.conflicts.topLevelItem(i) for i in range(len(conflicts))]
        again = next((r for r in rows if r.data(0, _KEY) == chosen), rows[0] if rows else None)
        if again is not None:
            self.conflicts.setCurrentItem(again)
        self._update_buttons()

    def _add_conflict(self, conflict) -> None:
        kind = self.tr("Appointment") if conflict.kind == "appointment" else self.tr("Task")
        title = conflict.title or self.tr("(deleted)")
        fields = sorted(conflict.fields.items(), key=lambda pair: pair[0] == "")
        for position, (name, values) in enumerate(fields):
            outlook, salesdesk = values.get("outlook"), values.get("salesdesk")
            if name:
                cells = [self.field_word(name), self.value_text(name, outlook),
                         self.value_text(name, salesdesk)]
            else:
                cells = [self.tr("Changed in Outlook meanwhile — decided at the next sync"),
                         outlook if isinstance(outlook, str) else "",
                         ", ".join(self.field_word(n) for n in salesdesk or ())]
            first = self.tr("{kind}: {title}").format(kind=kind, title=title) \
                if position == 0 else ""
            row = QTreeWidgetItem(self.conflicts, [first, *cells])
            row.setData(0, _KEY, conflict.link_id)
            row.setData(1, _KEY, bool(name) or isinstance(outlook, str))  # decidable now
            for column, cell in enumerate([first, *cells]):
                row.setToolTip(column, cell)

    def current(self):
        """The link id of the selected conflict, or None."""
        row = self.conflicts.currentItem()
        return row.data(0, _KEY) if row is not None else None

    def _current_changed(self, *_args) -> None:
        """A conflict is decided as a whole: all its rows are selected together."""
        key = self.current()
        for index in range(self.conflicts.topLevelItemCount()):
            row = self.conflicts.topLevelItem(index)
            row.setSelected(key is not None and row.data(0, _KEY) == key)
        self._update_buttons()

    def _update_buttons(self) -> None:
        key = self.current()
        rows = [self.conflicts.topLevelItem(i) for i in range(self.conflicts.topLevelItemCount())]
        decidable = any(r.data(1, _KEY) for r in rows if r.data(0, _KEY) == key)
        enabled = key is not None and decidable and self._decisions_enabled
        self.keep_button.setEnabled(enabled)
        self.take_button.setEnabled(enabled)

    def _decide(self, keep: str) -> None:
        key = self.current()
        if key is not None:
            self.sig_decide.emit(key, keep)

    # -- words ------------------------------------------------------------------------------

    def field_word(self, name: str) -> str:
        words = {"subject": self.tr("Subject"), "start": self.tr("Start"),
                 "end": self.tr("End"), "time_zone": self.tr("Time zone"),
                 "location": self.tr("Location"), "body": self.tr("Notes"),
                 "reminder": self.tr("Reminder"), "reminder_at": self.tr("Reminder"),
                 "due_on": self.tr("Due date"), "status": self.tr("Status")}
        return words.get(name, name.replace("_", " ").capitalize())

    def value_text(self, name: str, value) -> str:
        """A calendar field's value as the user reads it (times local, states in words)."""
        if value is None or value == "":
            return self.tr("no reminder") if name in ("reminder", "reminder_at") else \
                show_value(None)
        try:
            if name in ("start", "end", "reminder_at"):
                return format_local_time(datetime.fromisoformat(value))
            if name == "due_on":
                return format_date(date.fromisoformat(value))
        except (TypeError, ValueError):
            return one_line(value)
        if name == "reminder":
            return self.tr("{minutes} minutes before").format(minutes=format_count(value))
        if name == "status":
            return {"not_started": self.tr("Not started"), "in_progress": self.tr("In progress"),
                    "deferred": self.tr("Deferred"), "completed": self.tr("Completed")
                    }.get(value, str(value))
        return one_line(value)
