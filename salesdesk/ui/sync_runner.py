"""Synchronisation in the background: "Synchronise now" (F9) and the automatic run every
N minutes, off the GUI thread, one at a time, and the quiet line the status bar shows.

A run has two parts, each done when it is set up: the central database, then the
Outlook/Exchange mailbox (services.calendar_sync), in the same worker. A failure of one
part does not hide the other's result. Offline is normal: a failed automatic run only
changes the status bar to "Offline"; a failed manual run reports its reason in plain
words (``sig_finished``) for the page.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import QToolButton, QWidget

from salesdesk.domain.errors import DomainError
from salesdesk.integrations.calendar_backend import CalendarError, CalendarUnreachable
from salesdesk.services import calendar_sync
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


CENTRAL, OUTLOOK = "central", "outlook"  # the parts of a run


@dataclass
class RunOutcome:
    """What a run did: each part's result, or the error it ended with (both None: the
    part did not run)."""

    central: object = None  # sync_service.SyncReport
    central_error: Exception | None = None
    mailbox: object = None  # calendar_sync.CalendarSyncResult
    mailbox_error: Exception | None = None


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
        self.parts: tuple[str, ...] = ()  # of the running (or last) run
        # the last failed Outlook run: (when, why, offline); None after a good one
        self.mailbox_failure: tuple[datetime, str, bool] | None = None
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

    def mailbox_configured(self) -> bool:
        return calendar_sync.mailbox_settings(self.store.reader()) is not None

    def planned_parts(self, manual: bool) -> tuple[str, ...]:
        """What a run does: each part that is set up; by hand with nothing set up, the
        central one (its failure says what is missing)."""
        parts = tuple(part for part, ready in ((CENTRAL, self.configured()),
                                               (OUTLOOK, self.mailbox_configured())) if ready)
        return parts or ((CENTRAL,) if manual else ())

    def run(self, manual: bool = True, parts: tuple[str, ...] | None = None) -> Op | None:
        """Start a run unless one is running (or, automatic, nothing is set up);
        ``parts`` (CENTRAL, OUTLOOK) chooses, default: what is set up."""
        if self.op is not None:
            return None
        parts = self.planned_parts(manual) if parts is None else parts
        if not parts:
            return None
        self.manual, self.parts = manual, parts
        self.op = Op(self._work(parts), self)
        self.op.sig_succeeded.connect(self._succeeded)
        self.op.sig_failed.connect(self._failed)
        self.op.sig_finished.connect(self._finished)
        self.action.setEnabled(False)
        self.sig_started.emit(manual)
        self.sig_state_changed.emit()
        return self.op.start(network_pool())

    def run_outlook(self) -> Op | None:
        """Only the Outlook calendar, now (the Sync page's own button)."""
        return self.run(manual=True, parts=(OUTLOOK,))

    def _work(self, parts: tuple[str, ...]):
        """The run, for the worker thread: each part in turn, errors kept, not raised."""
        store, say = self.store, self.sig_progress.emit
        texts = {"push": self.tr("Sending changes… {count}"),
                 "pull": self.tr("Receiving changes… {count}")}
        outlook_text = self.tr("Synchronising the Outlook calendar…")

        def work(progress, cancelled) -> RunOutcome:
            outcome = RunOutcome()
            if CENTRAL in parts:
                def report(stage: str, count: int) -> None:
                    say(texts.get(stage, "{count}").format(count=format_count(count)))

                try:
                    outcome.central = sync_service.sync_now(store, progress=report,
                                                            cancel=cancelled)
                except Exception as error:  # reported with the Outlook part's result
                    outcome.central_error = error
            if OUTLOOK in parts and not cancelled():
                def report_outlook(done: int, total: int, text: str) -> None:
                    progress(done, total)
                    say(text)

                say(outlook_text)
                try:
                    outcome.mailbox = calendar_sync.sync_mailbox(
                        store, progress=report_outlook, cancel=cancelled)
                except Exception as error:
                    log.info("Outlook sync failed: %s", error, exc_info=True)
                    outcome.mailbox_error = error
            return outcome

        return work

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

    def _succeeded(self, outcome: RunOutcome) -> None:
        if self.op is not None and self.op.cancelled:
            self._outcome = (True, self.tr(
                "Synchronisation cancelled; what was done is kept, the rest follows next "
                "time."))
            return
        results = []  # (succeeded, text) per part
        if CENTRAL in self.parts:
            results.append(self._central_result(outcome))
        if OUTLOOK in self.parts:
            results.append(self._mailbox_result(outcome, alone=CENTRAL not in self.parts))
        ok = results[0][0]  # the first part decides: the central one when both ran
        self._outcome = (ok, " ".join(text for _ok, text in results if text))

    def _central_result(self, outcome: RunOutcome) -> tuple[bool, str]:
        if outcome.central_error is not None:
            return False, self._explain(outcome.central_error)
        report = outcome.central
        text = self.tr("Synchronised: {sent} changes sent, {received} received.").format(
            sent=format_count(report.pushed), received=format_count(report.pulled))
        if report.conflicts:
            text += " " + self.tr("{count} conflicts to decide.").format(
                count=format_count(report.conflicts))
        if report.parked:
            text += " " + self.tr("{count} changes refused.").format(
                count=format_count(report.parked))
        return True, " ".join([text, *report.warnings])

    def _mailbox_result(self, outcome: RunOutcome, alone: bool) -> tuple[bool, str]:
        """The Outlook part in words; an automatic run that found the server offline
        says nothing (the Outlook group shows it quietly)."""
        error = outcome.mailbox_error
        if error is None:
            self.mailbox_failure = None
            summary = outcome.mailbox.summary()
            return True, summary if alone else self.tr("Outlook calendar: {summary}.").format(
                summary=summary)
        offline = isinstance(error, CalendarUnreachable)
        if isinstance(error, CalendarError | DomainError):
            reason = str(error)
        else:
            reason = self.tr("The Outlook synchronisation stopped because of an unexpected "
                             "error ({kind}: {detail}); the details are in the log file.").format(
                                 kind=type(error).__name__, detail=error)
        self.mailbox_failure = (datetime.now().astimezone(), reason, offline)
        if offline and not self.manual:
            return False, ""
        return False, reason if alone else self.tr(
            "Outlook calendar not synchronised: {reason}").format(reason=reason)

    def _failed(self, error: Exception) -> None:
        self._outcome = (False, self._explain(error))

    def _explain(self, error: Exception) -> str:
        """A failed central run in plain words (logged, offline or not)."""
        text, offline = sync_service.explain_failure(error)
        log.info("%s sync failed (%s): %s", "manual" if self.manual else "automatic",
                 "offline" if offline else "error", error)
        return text

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
        status = sync_service.sync_status(self.runner.store)
        text, tip = status_line(status, self.runner.running)
        if not status.configured and self.runner.mailbox_configured():
            # a rep with only an Outlook mailbox: say how that went instead
            text = tr("Synchronising…") if self.runner.running else tr("Outlook calendar")
            tip = tr("No central database is set up: your data stays on this computer. "
                     "Your Outlook calendar is synchronised.")
        self.setText(text)
        self.setToolTip(tip + "\n" + tr("Click to open the Sync page"))
