"""Synchronisation in the background: "Synchronise now" (F9) and the automatic run every
N minutes, off the GUI thread, one at a time, and the quiet line the status bar shows.

Offline is normal: a failed automatic run only changes the status bar to "Offline"; a
failed manual run reports its reason in plain words (``sig_finished``) for the page.
"""

import logging
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import QToolButton, QWidget

from salesdesk.services import sync as sync_service
from salesdesk.store.engine import Store
from salesdesk.ui.formatting import format_count, format_local_time
from salesdesk.ui.icons import icon
from salesdesk.ui.ops import Op

log = logging.getLogger(__name__)
SHORTCUT = "F9"  # Outlook's "Send/Receive": what office staff already press
FIRST_RUN_DELAY_MS = 20_000  # after start: once the window is usable
STATUS_TICK_MS = 30_000  # the status bar's pending count follows edits made meanwhile

_pools: dict[str, QThreadPool] = {}


def network_pool() -> QThreadPool:
    """Workers that wait on the network (sync runs, connection tests): never the GUI
    thread, and not the store's write worker either (a run can take minutes)."""
    if "network" not in _pools:
        pool = QThreadPool()
        pool.setMaxThreadCount(2)
        _pools["network"] = pool
    return _pools["network"]


class SyncRunner(QObject):
    """Runs synchronisation for one store: by hand or on a timer, never two at once."""

    sig_started = Signal(bool)  # manual
    sig_progress = Signal(str)  # what it is doing, for the progress line
    sig_finished = Signal(bool, bool, str)  # manual, succeeded, message in plain words
    sig_state_changed = Signal()  # pending/conflict counts or the last sync may differ

    def __init__(self, store: Store, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.op: Op | None = None
        self.manual = False
        self._outcome: tuple[bool, str] = (False, "")
        self._automatic = False  # the timer runs (not in tests and screenshots)
        self.action = QAction(icon("sync"), self.tr("Synchronise &now"), self)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setToolTip(self.tr("Send your changes to the central database and "
                                       "receive the others' ({key})").format(key=SHORTCUT))
        self.action.triggered.connect(lambda: self.run(manual=True))
        self.timer = QTimer(self)
        self.timer.timeout.connect(lambda: self.run(manual=False))
        self.tick = QTimer(self)
        self.tick.setInterval(STATUS_TICK_MS)
        self.tick.timeout.connect(self.sig_state_changed)

    # -- running ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.op is not None

    def start_automatic(self, first_delay_ms: int = FIRST_RUN_DELAY_MS) -> None:
        """Run every N minutes (the store's setting), the first time after a short pause."""
        self._automatic = True
        self.tick.start()
        minutes = sync_service.auto_interval(self.store.reader())
        self.timer.stop()
        if minutes > 0:
            self.timer.start(minutes * 60_000)
            QTimer.singleShot(first_delay_ms, self, lambda: self.run(manual=False))

    def set_interval(self, minutes: int) -> None:
        """A new pause between automatic runs (0: only by hand), from now on."""
        sync_service.set_auto_interval(self.store, minutes)
        self.timer.stop()
        if minutes > 0 and self._automatic:
            self.timer.start(minutes * 60_000)

    def configured(self) -> bool:
        return bool(sync_service.sync_status(self.store).url)

    def run(self, manual: bool = True) -> Op | None:
        """Start a run unless one is running (or, automatic, nothing is set up)."""
        if self.op is not None:
            return None
        if not manual and not self.configured():
            return None
        store, progress = self.store, self.sig_progress
        texts = {"push": self.tr("Sending changes… {count}"),
                 "pull": self.tr("Receiving changes… {count}")}

        def work(_progress, cancelled):
            def report(stage: str, count: int) -> None:
                progress.emit(texts.get(stage, "{count}").format(count=format_count(count)))

            return sync_service.sync_now(store, progress=report, cancel=cancelled)

        self.manual = manual
        self.op = Op(work, self)
        self.op.sig_succeeded.connect(self._succeeded)
        self.op.sig_failed.connect(self._failed)
        self.op.sig_finished.connect(self._finished)
        self.action.setEnabled(False)
        self.sig_started.emit(manual)
        self.sig_state_changed.emit()
        return self.op.start(network_pool())

    def cancel(self) -> None:
        if self.op is not None:
            self.op.cancel()

    def cancel_and_wait(self, msecs: int = 15000) -> None:
        """Before closing: stop a running run and let it end (the outbox stays)."""
        self.timer.stop()
        self.tick.stop()
        if self.op is not None:
            self.op.cancel()
            network_pool().waitForDone(msecs)

    def _succeeded(self, report) -> None:
        if self.op is not None and self.op.cancelled:
            text = self.tr("Synchronisation cancelled; what was done is kept, the rest "
                           "follows next time.")
        else:
            text = self.tr("Synchronised: {sent} changes sent, {received} received.").format(
                sent=format_count(report.pushed), received=format_count(report.pulled))
            if report.conflicts:
                text += " " + self.tr("{count} conflicts to decide.").format(
                    count=format_count(report.conflicts))
            if report.parked:
                text += " " + self.tr("{count} changes refused.").format(
                    count=format_count(report.parked))
            text = " ".join([text, *report.warnings])
        self._outcome = (True, text)

    def _failed(self, error: Exception) -> None:
        text, offline = sync_service.explain_failure(error)
        log.info("%s sync failed (%s): %s", "manual" if self.manual else "automatic",
                 "offline" if offline else "error", error)
        self._outcome = (False, text)

    def _finished(self) -> None:
        """After the run: idle again, then say how it went (listeners see the new state)."""
        self.op = None
        self.action.setEnabled(True)
        self.sig_state_changed.emit()
        ok, text = self._outcome
        self.sig_finished.emit(self.manual, ok, text)

    # -- connection tests -------------------------------------------------------------------

    def check_connection(self, url: str, password: str | None) -> Op:
        """Connect and check in the background (``password`` None: the saved one);
        ``sig_succeeded`` gets the sentence to show, ``sig_failed`` the error."""
        def work(_progress, _cancel) -> str:  # the keyring may take a moment: here too
            return sync_service.check_connection(
                url, password or sync_service.stored_password(url))

        return Op(work, self).start(network_pool())


def when(value: datetime | None) -> str:
    """A time of today as "10:42", of another day with its date."""
    if value is None:
        return ""
    local = value.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M")
    return format_local_time(value)


def tr(text: str) -> str:
    return QCoreApplication.translate("SyncRunner", text)


def status_line(status, running: bool) -> tuple[str, str]:
    """(the status bar's quiet text, its tooltip) for a SyncStatus."""
    pending = tr("{count} pending").format(count=format_count(status.pending)) \
        if status.pending else ""
    tip = tr("Changes waiting to be sent: {count}").format(count=format_count(status.pending))
    if not status.configured:
        parts = [tr("Sync not set up"), pending]
        tip = tr("No central database is set up: your data stays on this computer. Set it "
                "up on the Sync page.")
    elif running:
        parts = [tr("Synchronising…"), pending]
    elif status.failed_at is not None:
        parts = [tr("Offline") if status.offline else tr("Sync failed"), pending]
        if status.last_sync is not None:
            parts.append(tr("last sync {time}").format(time=when(status.last_sync)))
        tip = status.problem
    elif status.last_sync is None:
        parts = [tr("Never synchronised"), pending]
    elif pending:
        parts = [pending, tr("last sync {time}").format(time=when(status.last_sync))]
    else:
        parts = [tr("Synchronised {time}").format(time=when(status.last_sync))]
    if status.conflicts:
        parts.append(tr("{count} conflicts").format(count=format_count(status.conflicts))
                     if status.conflicts != 1 else tr("1 conflict"))
    return " · ".join(p for p in parts if p), tip


class SyncStatusButton(QToolButton):
    """The status bar's quiet line ("Offline · 3 pending · last sync 10:42"); a click
    opens the Sync page."""

    def __init__(self, runner: SyncRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.setAutoRaise(True)
        quiet = self.palette()  # the colour of the status bar's other quiet texts
        quiet.setColor(QPalette.ColorRole.ButtonText, quiet.color(
            QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText))
        self.setPalette(quiet)
        runner.sig_state_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        text, tip = status_line(sync_service.sync_status(self.runner.store),
                                self.runner.running)
        self.setText(text)
        self.setToolTip(tip + "\n" + tr("Click to open the Sync page"))
