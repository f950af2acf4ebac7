"""The customer list page: search as you type, filters, copy, columns, opening."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from salesdesk.services.customers import create_customer
from salesdesk.ui.models.customer_table import COLUMN_KEYS
from salesdesk.ui.settings import Settings
from salesdesk.ui.views.customer_list import CustomerListView
from salesdesk.ui.views.filter_bar import SEARCH_DELAY_MS


@pytest.fixture
def muller(demo_store):
    with demo_store.session() as session:
        customer = create_customer(session, {"name": "Müller Feinwerkzeuge GmbH"},
                                   addresses=[{"city": "Überlingen", "postal_code": "88662",
                                               "country": "DE"}])
        session.commit()
        return customer.id


@pytest.fixture
def view(qtbot, demo_store):
    widget = CustomerListView(demo_store, Settings(remember=False))
    qtbot.addWidget(widget)
    widget.load()
    return widget


def _names(view) -> list[str]:
    column = COLUMN_KEYS.index("name")
    return [view.model.index(r, column).data() for r in range(view.model.rowCount())]


def test_list_shows_one_page_of_the_500_customers(view):
    from salesdesk.services.customer_list import PAGE_SIZE

    assert view.model.rowCount() == PAGE_SIZE
    assert view.model.total() == 500


def test_typing_without_umlaut_finds_the_umlaut_name(qtbot, view, muller):
    qtbot.keyClicks(view.filters.search, "muller")
    with qtbot.waitSignal(view.model.sig_reloaded, timeout=2000):
        pass
    assert "Müller Feinwerkzeuge GmbH" in _names(view)
    assert view.model.rowCount() < 50


def test_search_waits_for_a_pause_in_typing(qtbot, view, muller):
    with qtbot.waitSignal(view.model.sig_reloaded, timeout=2000) as blocker:
        qtbot.keyClicks(view.filters.search, "uberl")
    assert blocker.signal_triggered
    assert _names(view) == ["Müller Feinwerkzeuge GmbH"]
    assert SEARCH_DELAY_MS <= 300


def test_filters_narrow_the_list_and_reset_shows_all(qtbot, view):
    status = view.filters.combos["status"]
    status.setCurrentIndex(status.findData("blocked"))
    assert view.model.rowCount() > 0
    statuses = {view.model.row_at(r).status for r in range(view.model.rowCount())}
    assert statuses == {"blocked"}
    contact = view.filters.combos["contact"]
    contact.setCurrentIndex(contact.findData("blocked"))
    assert all(view.model.row_at(r).do_not_contact for r in range(view.model.rowCount()))
    view.filters.reset()
    assert view.model.total() == 500


def test_nothing_found_says_so(qtbot, view):
    view.filters.search.setText("zzzqqqxxx")
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=2000)
    assert view.empty_page() is view.no_match
    assert "No customers match" in view.no_match.text()


def test_copy_puts_tab_separated_rows_on_the_clipboard(view):
    view.table.selectRow(0)
    view.table.selectionModel().select(
        view.model.index(1, 0), view.table.selectionModel().SelectionFlag.Select
        | view.table.selectionModel().SelectionFlag.Rows)
    assert view.copy() == 2
    lines = QGuiApplication.clipboard().text().split("\n")
    assert len(lines) == 2
    assert lines[0].split("\t")[0] == view.model.row_at(0).number
    assert "\t" + view.model.row_at(0).name + "\t" in "\t" + lines[0] + "\t"


def test_hidden_columns_and_widths_are_remembered(qtbot, demo_store, user_settings):
    first = CustomerListView(demo_store, Settings())
    qtbot.addWidget(first)
    first.load()
    header = first.table.horizontalHeader()
    city = COLUMN_KEYS.index("city")
    header.setSectionHidden(city, True)
    header.resizeSection(COLUMN_KEYS.index("number"), 140)
    first.filters.search.setText("gmbh")
    first.save_state()

    second = CustomerListView(demo_store, Settings())
    qtbot.addWidget(second)
    second.load()
    header = second.table.horizontalHeader()
    assert header.isSectionHidden(city)
    assert header.sectionSize(COLUMN_KEYS.index("number")) == 140
    assert second.filters.search.text() == "gmbh"
    assert second.model.customer_filter.search == "gmbh"


def test_column_chooser_lists_every_column_and_keeps_name(view):
    menu = view.column_menu()
    entries = {a.text(): a for a in menu.actions() if a.isCheckable()}
    assert set(entries) >= {"Number", "Name", "City", "Credit limit", "Contact"}
    assert not entries["Name"].isEnabled()
    entries["City"].setChecked(False)
    assert view.table.horizontalHeader().isSectionHidden(COLUMN_KEYS.index("city"))


def test_sorting_by_header_requeries(qtbot, view):
    view.table.sortByColumn(COLUMN_KEYS.index("number"), Qt.SortOrder.DescendingOrder)
    assert view.model.row_at(0).number == "K-000500"
    assert view.model.sort_key == ("number", True)


def test_enter_and_double_click_open_the_customer(qtbot, view):
    view.table.setCurrentIndex(view.model.index(3, 1))
    view.table.setFocus()
    with qtbot.waitSignal(view.sig_open_customer) as opened:
        view.open_current()
    assert opened.args == [view.model.row_at(3).id]
    with qtbot.waitSignal(view.sig_open_customer) as opened:
        view.table.doubleClicked.emit(view.model.index(5, 0))
    assert opened.args == [view.model.row_at(5).id]


# shown top-level windows make Qt's offscreen platform note that it ignores size hints
@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_scrolling_to_the_end_fetches_the_next_page(qtbot, view):
    from salesdesk.services.customer_list import PAGE_SIZE

    view.show()
    qtbot.waitExposed(view)
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: view.model.rowCount() > PAGE_SIZE, timeout=2000)
    assert view.model.rowCount() <= 2 * PAGE_SIZE
