"""The Sync page without a central database (the runs against a real one are in
tests/sync/test_sync_view.py): it replaces the placeholder, renders for --screenshot,
asks for a connection first, and the status bar says the state quietly."""

from datetime import UTC, datetime, timedelta

import pytest

from salesdesk.services.sync import SyncStatus
from salesdesk.ui.sync_runner import status_line

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def status(**values) -> SyncStatus:
    base = dict(url="postgresql://rita@db/salesdesk", target="salesdesk (rita@db)",
                login="rita", last_sync=None, last_pull=None, last_pushed=0, last_pulled=0,
                failed_at=None, problem="", offline=False, warnings=(), pending=0,
                conflicts=0, parked=0)
    return SyncStatus(**{**base, **values})


def test_the_status_bar_says_the_state_in_a_few_words():
    now = datetime.now(UTC)
    at = now.astimezone().strftime("%H:%M")
    assert status_line(status(url=""), False)[0] == "Sync not set up"
    assert status_line(status(last_sync=now), False)[0] == f"Synchronised {at}"
    assert status_line(status(last_sync=now, pending=3), False)[0] == \
        f"3 pending · last sync {at}"
    offline = status(last_sync=now - timedelta(minutes=1), failed_at=now, offline=True,
                     pending=3, problem="cannot be reached")
    text, tip = status_line(offline, False)
    assert text.startswith("Offline · 3 pending · last sync ") and tip == "cannot be reached"
    assert status_line(status(failed_at=now, problem="login"), False)[0] == "Sync failed"
    assert status_line(status(conflicts=2, last_sync=now), True)[0] == \
        "Synchronising… · 2 conflicts"


def test_the_sync_page_replaces_the_placeholder(window):
    window.show_view("sync")
    page = window.pages.currentWidget()
    assert type(page).__name__ == "SyncView"
    assert page.server_label.text().startswith("None set up yet")
    assert (page.pending_label.text(), page.conflicts_label.text()) == ("0", "0")
    assert page.tabs.tabText(0) == "Conflicts (0)" and page.tabs.tabText(1) == \
        "Refused changes (0)"
    assert window.sync_state.text() == "Sync not set up"
    assert window.sync.action.shortcut().toString() == "F9"


def test_synchronising_without_a_connection_asks_for_one(window):
    window.show_view("sync")
    page = window.pages.currentWidget()
    page.sync_button.click()
    assert not window.sync.running
    assert page.message.text() == "Set up the connection to the central database first."
    assert page.dialog is not None and page.dialog.isVisible()
    assert not page.dialog.buttons.button(page.dialog.buttons.StandardButton.Save).isEnabled()
    page.dialog.reject()


def test_an_automatic_run_without_a_connection_does_nothing(window):
    assert window.sync.run(manual=False) is None and not window.sync.running


def test_screenshot_of_the_sync_page(demo_dir, tmp_path):
    from PySide6.QtGui import QImage

    from salesdesk.ui.main import run_app

    target = tmp_path / "sync.png"
    assert run_app(demo_dir, screenshot=target, view="sync") == 0
    assert not QImage(str(target)).isNull()


def test_a_running_sync_shows_progress_and_cancel_stops_it(window, qtbot, monkeypatch):
    import threading

    from salesdesk.services import sync as service
    from salesdesk.sync.session import SyncReport

    service.save_connection(window.store, "host=db.example.com dbname=salesdesk user=rita")
    started = threading.Event()

    # a long pull, until cancelled
    def slow_run(store, url, *, progress=None, cancel=None, **_options):
        progress("pull", 2000)
        started.set()
        while not cancel():
            threading.Event().wait(0.01)
        return SyncReport(pulled=2000)

    monkeypatch.setattr(service, "run_sync", slow_run)
    window.show_view("sync")
    page = window.pages.currentWidget()
    page.sync_button.click()
    assert window.sync.running and not page.progress.isHidden()
    assert window.sync_state.text().startswith("Synchronising…")
    qtbot.waitUntil(started.is_set)
    qtbot.waitUntil(lambda: page.progress.label.text() == "Receiving changes… 2,000")
    with qtbot.waitSignal(window.sync.sig_finished, timeout=10_000) as finished:
        page.progress.cancel_button.click()
    assert finished.args[1] and "cancelled" in finished.args[2]
    assert page.progress.isHidden() and page.sync_button.isEnabled()
    assert page.last_sync_label.text() == "never"  # a cancelled run is no sync
