"""Import and export of customers from the File menu, run off the GUI thread."""

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from salesdesk.domain.errors import DomainError
from salesdesk.services.customer_list import CustomerFilter
from salesdesk.store.engine import Store
from salesdesk.ui.ops import Op, read_pool, write_pool
from salesdesk.ui.views.progress_panel import ProgressPanel

log = logging.getLogger(__name__)
DEMO_BATCH = 250  # demo customers per insert, progress report and cancel check


class DemoCancelled(Exception):
    """The user stopped filling in demo data; nothing was written."""


class CustomerTransfer(QObject):
    """Runs one import, export or demo fill at a time; the window shows its progress."""

    sig_imported = Signal()  # customers were created or changed
    sig_busy_changed = Signal(bool)
    sig_message = Signal(str)  # a quiet line for the status bar

    def __init__(self, store: Store, panel: ProgressPanel,
                 shown_filter: Callable[[], CustomerFilter], window: QWidget):
        super().__init__(window)
        self.store, self.panel, self.window = store, panel, window
        self._shown_filter = shown_filter
        self.op: Op | None = None
        self.result_box: QMessageBox | None = None

    @property
    def busy(self) -> bool:
        return self.op is not None

    # -- import -------------------------------------------------------------------------

    def ask_import(self) -> None:
        """File → Import…: pick a file, then import it or only check it."""
        name, _filter = QFileDialog.getOpenFileName(
            self.window, self.tr("Import customers"), _documents(),
            self.tr("Spreadsheets (*.xlsx *.csv);;All files (*)"))
        if not name:
            return
        mode = self._ask_mode(Path(name))
        if mode is not None:
            self.start_import(Path(name), dry_run=mode == "check")

    def _ask_mode(self, path: Path) -> str | None:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Import customers"),
                          self.tr("Import the customers in {file}? Every row is checked "
                                  "first; if any row has an error, nothing is imported and "
                                  "you get an error report.").format(file=path.name),
                          QMessageBox.StandardButton.Cancel, self.window)
        run = box.addButton(self.tr("Import"), QMessageBox.ButtonRole.AcceptRole)
        check = box.addButton(self.tr("Check only"), QMessageBox.ButtonRole.ActionRole)
        box.setDefaultButton(run)
        box.exec()
        return {run: "import", check: "check"}.get(box.clickedButton())

    def start_import(self, path: Path, dry_run: bool = False, only_valid: bool = False
                     ) -> Op | None:
        try:
            from salesdesk.services.customer_import import import_customers
        except ImportError:
            self._not_available()
            return None

        def work(progress, cancel):
            return import_customers(self.store, path, dry_run=dry_run, only_valid=only_valid,
                                    progress=progress, cancel=cancel)

        text = (self.tr("Checking {file}…") if dry_run else self.tr("Importing {file}…"))
        return self._start(Op(work, self), text.format(file=path.name), write_pool(),
                           lambda result: self._imported(result, path))

    def _imported(self, result, path: Path) -> None:
        if result.imported:
            self.sig_imported.emit()
        self.sig_message.emit(result.summary())
        box = QMessageBox(QMessageBox.Icon.Information if result.ok and not result.errors
                          else QMessageBox.Icon.Warning,
                          self.tr("Import customers"), result.summary(),
                          QMessageBox.StandardButton.Close, self.window)
        report = result.report_path
        if report is not None and Path(report).exists():
            button = box.addButton(self.tr("Open error report"), QMessageBox.ButtonRole.ActionRole)
            button.clicked.connect(lambda: _open_file(Path(report)))
        follow = self._follow_up(result)
        if follow is not None:
            text, only_valid = follow
            button = box.addButton(text, QMessageBox.ButtonRole.AcceptRole)
            button.clicked.connect(lambda: self.start_import(path, only_valid=only_valid))
        self._show_result(box)

    def _follow_up(self, result) -> tuple[str, bool] | None:
        """After a check or a refused import: offer the next sensible step."""
        if result.dry_run and not result.invalid:
            return self.tr("Import now"), False
        if not result.imported and 0 < result.invalid < result.rows:
            return self.tr("Import the valid rows only"), True
        return None

    # -- export -------------------------------------------------------------------------

    def ask_export(self) -> None:
        """File → Export…: the customers the list shows now, to xlsx or csv."""
        suggested = str(Path(_documents()) / f"customers-{date.today():%Y-%m-%d}.xlsx")
        name, chosen = QFileDialog.getSaveFileName(
            self.window, self.tr("Export customers"), suggested,
            self.tr("Excel workbook (*.xlsx);;CSV file (*.csv)"))
        if name:
            path = Path(name)
            if path.suffix.lower() not in (".xlsx", ".csv"):
                path = path.with_suffix(".csv" if "csv" in chosen.lower() else ".xlsx")
            self.start_export(path)

    def start_export(self, path: Path) -> Op | None:
        try:
            from salesdesk.services.customer_export import export_customers
        except ImportError:
            self._not_available()
            return None

        flt = self._shown_filter()

        def work(progress, cancel):
            with self.store.session() as session:
                return export_customers(session, path, flt, progress=progress, cancel=cancel)

        def exported(count: int) -> None:
            self.sig_message.emit(self.tr("Exported {count} customers to {file}").format(
                count=count, file=path))

        return self._start(Op(work, self), self.tr("Exporting to {file}…").format(
            file=path.name), read_pool(), exported)

    def _not_available(self) -> None:
        QMessageBox.information(self.window, self.tr("Import and export"),
                                self.tr("Import and export are not part of this version."))

    # -- demo data ----------------------------------------------------------------------

    def start_demo(self, customers: int) -> Op:
        """Fill the store with seeded demo customers (the empty list offers it)."""
        store = self.store

        def work(progress, cancel):
            from salesdesk.services.demo import make_demo_data

            def report(done: int, total: int) -> None:
                if cancel():  # leaves the session uncommitted: nothing is written
                    raise DemoCancelled
                progress(done, total)

            return make_demo_data(store, customers=customers, seed=1, progress=report,
                                  batch=DEMO_BATCH)

        def filled(counts: dict) -> None:
            self.sig_imported.emit()
            self.sig_message.emit(self.tr("Added {count} demo customers.").format(
                count=counts["customers"]))

        return self._start(Op(work, self), self.tr("Filling with demo data…"), write_pool(),
                           filled)

    # -- running ------------------------------------------------------------------------

    def _start(self, op: Op, text: str, pool, on_success) -> Op:
        self.op = op
        op.sig_succeeded.connect(on_success)
        op.sig_failed.connect(self._failed)
        op.sig_finished.connect(self._finished)
        self.panel.track(op, text)
        self.sig_busy_changed.emit(True)
        return op.start(pool)

    def _failed(self, exc: Exception) -> None:
        if self.op is not None and self.op.cancelled:
            self.sig_message.emit(self.tr("Cancelled; nothing was changed."))
            return
        if isinstance(exc, DomainError | OSError):
            text = str(exc)
        else:
            log.error("import/export failed", exc_info=exc)
            text = self.tr("Something went wrong ({kind}: {detail}). The details are in the "
                           "log file (Help → Open log file).").format(
                kind=type(exc).__name__, detail=exc)
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Import and export"), text,
                          QMessageBox.StandardButton.Close, self.window)
        self._show_result(box)

    def _finished(self) -> None:
        self.op = None
        self.sig_busy_changed.emit(False)

    def _show_result(self, box: QMessageBox) -> None:
        """Window-modal and non-blocking: the app stays usable behind it."""
        self.result_box = box
        box.finished.connect(box.deleteLater)
        box.open()

    def cancel_and_wait(self, msecs: int = 15000) -> None:
        """Before quitting: stop the running work (it rolls back) and let it end."""
        if self.op is not None:
            self.op.cancel()
        for pool in (write_pool(), read_pool()):
            pool.waitForDone(msecs)


def _documents() -> str:
    return QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())


def _open_file(path: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


