"""An empty list says why and offers the next step: a fresh store, or filters matching nothing."""

import pytest
from PySide6.QtWidgets import QFileDialog

from salesdesk.store.engine import open_store
from salesdesk.ui.dialogs.customer_edit import CustomerDialog
from salesdesk.ui.main_window import MainWindow
from salesdesk.ui.settings import Settings
from salesdesk.ui.views import customer_list

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
SMALL_DEMO = 40


@pytest.fixture
def empty_store(tmp_path):
    store = open_store(tmp_path / "fresh", user="tester")
    yield store
    store.close()


@pytest.fixture
def fresh_window(qtbot, empty_store):
    main = MainWindow(empty_store, Settings(remember=False))
    qtbot.addWidget(main)
    main.load_list()
    yield main
    main.transfer.cancel_and_wait()


def test_an_empty_store_welcomes_with_three_ways_to_start(fresh_window):
    view = fresh_window.list_view
    assert view.empty_page() is view.welcome
    assert "No customers yet" in view.welcome.text()
    buttons = view.welcome.buttons
    assert [b.text() for b in buttons.values()] == ["New customer…", "Import…",
                                                    "Fill with demo data"]
    assert all(b.toolTip() and b.isEnabled() for b in buttons.values())


def test_new_customer_button_opens_the_dialog(fresh_window):
    fresh_window.list_view.welcome.buttons["new"].click()
    assert isinstance(fresh_window.dialog, CustomerDialog)
    fresh_window.dialog.reject()


def test_import_button_asks_for_a_file(monkeypatch, fresh_window):
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kwargs: asked.append(args) or ("", "")))
    fresh_window.list_view.welcome.buttons["import"].click()
    assert len(asked) == 1


def test_demo_button_fills_the_store_in_the_background(qtbot, monkeypatch, fresh_window):
    monkeypatch.setattr(customer_list, "DEMO_CUSTOMERS", SMALL_DEMO)
    view, transfer = fresh_window.list_view, fresh_window.transfer
    assert view.filters.combos["group"].count() == 1  # only "All groups"
    with qtbot.waitSignal(transfer.sig_imported, timeout=30000):
        view.welcome.buttons["demo"].click()
        assert transfer.busy and fresh_window.progress.isVisibleTo(fresh_window)
        assert fresh_window.progress.label.text() == "Filling with demo data…"
        assert not view.welcome.buttons["demo"].isEnabled()  # no second run meanwhile
        assert not fresh_window.actions["import"].isEnabled()
    qtbot.waitUntil(lambda: not transfer.busy, timeout=5000)
    assert view.empty_page() is None
    assert view.model.total() == SMALL_DEMO
    assert view.filters.combos["group"].count() > 1  # the demo's groups can be chosen
    qtbot.waitUntil(lambda: fresh_window.count_label.text() == f"{SMALL_DEMO} customers",
                    timeout=2000)  # counted once the page is drawn
    assert view.welcome.buttons["demo"].isEnabled()


def test_cancelling_the_demo_data_writes_nothing(qtbot, monkeypatch, fresh_window):
    monkeypatch.setattr(customer_list, "DEMO_CUSTOMERS", SMALL_DEMO)
    transfer = fresh_window.transfer
    with qtbot.waitSignal(transfer.sig_message, timeout=30000) as message:
        fresh_window.list_view.welcome.buttons["demo"].click()
        fresh_window.progress.cancel_button.click()
    assert message.args[0] == "Cancelled; nothing was changed."
    qtbot.waitUntil(lambda: not transfer.busy, timeout=5000)
    fresh_window.refresh()
    assert fresh_window.list_view.model.total() == 0
    assert fresh_window.list_view.empty_page() is fresh_window.list_view.welcome


def test_filters_on_an_empty_store_still_show_the_welcome(qtbot, fresh_window):
    view = fresh_window.list_view
    view.filters.search.setText("anything")
    qtbot.waitSignal(view.model.sig_reloaded, timeout=2000).wait()
    assert view.empty_page() is view.welcome


def test_a_search_matching_nothing_offers_reset_filters(qtbot, window):
    view = window.list_view
    with qtbot.waitSignal(view.model.sig_reloaded, timeout=2000):
        view.filters.search.setText("zzzqqqxxx")
    assert view.empty_page() is view.no_match
    assert "No customers match" in view.no_match.text()
    reset = view.no_match.buttons["reset"]
    assert reset.text() == "Reset filters"
    with qtbot.waitSignal(view.model.sig_reloaded, timeout=2000):
        reset.click()
    assert view.filters.search.text() == ""
    assert view.empty_page() is None
    assert view.model.total() == 500
