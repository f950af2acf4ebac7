"""Background work: results by signal, never on the GUI thread; import/export from the GUI."""

import threading
import time

import pytest
from PySide6.QtWidgets import QMessageBox

from salesdesk.domain.errors import DomainError
from salesdesk.services.customer_list import CustomerFilter
from salesdesk.ui.ops import Op
from salesdesk.ui.views.progress_panel import ProgressPanel

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_op_runs_off_the_gui_thread_and_reports_by_signal(qtbot):
    seen = {}

    def work(progress, cancel):
        seen["thread"] = threading.current_thread()
        progress(1, 2)
        progress(2, 2)
        return 42

    op = Op(work)
    reports = []
    op.sig_progress.connect(lambda done, total: reports.append((done, total)))
    with qtbot.waitSignal(op.sig_succeeded, timeout=5000) as done:
        op.start()
    assert done.args == [42]
    assert seen["thread"] is not threading.main_thread()
    qtbot.waitUntil(lambda: reports == [(1, 2), (2, 2)], timeout=2000)


def test_op_reports_its_exception(qtbot):
    def work(progress, cancel):
        raise DomainError("the file is broken")

    op = Op(work)
    with qtbot.waitSignal(op.sig_failed, timeout=5000) as failed:
        op.start()
    assert str(failed.args[0]) == "the file is broken"


def test_cancel_button_in_the_panel_stops_the_work(qtbot):
    def work(progress, cancel):
        deadline = time.monotonic() + 10
        while not cancel():
            if time.monotonic() > deadline:
                return "never cancelled"
            time.sleep(0.01)
        raise DomainError("cancelled")

    panel = ProgressPanel()
    qtbot.addWidget(panel)
    op = Op(work)
    panel.track(op, "Working…")
    assert panel.isVisibleTo(panel.parentWidget() or panel)
    with qtbot.waitSignal(op.sig_failed, timeout=5000):
        op.start()
        panel.cancel_button.click()
    assert op.cancelled
    qtbot.waitUntil(lambda: panel.isHidden(), timeout=2000)


@pytest.fixture
def transfer(qtbot, window):
    return window.transfer


def _csv(path, rows):
    lines = ["Name;Postal code;City;Country;VAT id"] + [";".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def test_import_runs_in_the_background_and_shows_the_summary(qtbot, tmp_path, window,
                                                             transfer):
    path = _csv(tmp_path / "new.csv", [("Import Eins GmbH", "89073", "Ulm", "DE", ""),
                                       ("Import Zwei GmbH", "80331", "München", "DE", "")])
    with qtbot.waitSignal(transfer.sig_imported, timeout=20000):
        op = transfer.start_import(path)
        assert transfer.busy and window.progress.isVisibleTo(window)
        assert not window.actions["import"].isEnabled()
    qtbot.waitUntil(lambda: not transfer.busy, timeout=5000)
    assert "2 created" in transfer.result_box.text()
    assert op.running is False
    assert window.list_view.model.total() == 502
    assert window.actions["import"].isEnabled()


def test_import_with_errors_offers_the_error_report(qtbot, tmp_path, transfer):
    path = _csv(tmp_path / "bad.csv", [("Gut GmbH", "89073", "Ulm", "DE", ""),
                                       ("Schlecht GmbH", "89073", "Ulm", "DE", "DE123")])
    with qtbot.waitSignal(transfer.sig_message, timeout=20000):
        transfer.start_import(path)
    qtbot.waitUntil(lambda: transfer.result_box is not None, timeout=5000)
    box = transfer.result_box
    buttons = [b.text() for b in box.buttons()]
    assert "Open error report" in buttons
    assert "Import the valid rows only" in buttons
    assert "Nothing was imported" in box.text()
    assert box.icon() == QMessageBox.Icon.Warning


def test_export_writes_what_the_list_shows(qtbot, tmp_path, window, transfer):
    window.list_view.filters.combos["status"].setCurrentIndex(
        window.list_view.filters.combos["status"].findData("blocked"))
    assert transfer._shown_filter() == window.list_view.model.customer_filter
    assert transfer._shown_filter() != CustomerFilter()
    target = tmp_path / "out.csv"
    with qtbot.waitSignal(transfer.sig_message, timeout=20000) as message:
        transfer.start_export(target)
    assert str(target) in message.args[0]
    lines = target.read_text(encoding="utf-8-sig").strip().splitlines()
    assert 1 < len(lines) < 500
