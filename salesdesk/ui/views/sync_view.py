"""The Sync page: which central database, the state (last sync, pending changes,
conflicts, refused changes), "Synchronise now" with progress and Cancel, the automatic
interval, and the conflicts and refused changes to decide."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError
from salesdesk.services import sync as sync_service
from salesdesk.services.sync_review import (
    discard_parked,
    list_conflicts,
    list_parked,
    resolve_conflict,
    retry_parked,
)
from salesdesk.store.engine import Store
from salesdesk.ui.formatting import format_count
from salesdesk.ui.icons import icon
from salesdesk.ui.ops import Op, write_pool
from salesdesk.ui.sync_runner import SyncRunner, when
from salesdesk.ui.views.progress_panel import ProgressPanel
from salesdesk.ui.views.sync_review import ConflictsPane, RefusedPane


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
        self._build()
        runner.sig_started.connect(self._started)
        runner.sig_progress.connect(self.progress.label.setText)
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
        layout.addWidget(self._review_tabs(), 1)

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
        """Synchronise now (or first set up the connection)."""
        if not sync_service.sync_status(self.store).configured:
            self._say(self.tr("Set up the connection to the central database first."))
            self.change_connection()
            return
        self.runner.run(manual=True)

    def _started(self, manual: bool) -> None:
        if self.runner.op is not None:
            self.progress.track(self.runner.op, self.tr("Synchronising…"))
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
