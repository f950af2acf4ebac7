"""The main window: navigation, placeholders, keyboard commands, delete, state."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from salesdesk.services.customers import get_customer
from salesdesk.ui.main_window import FILE_PAGE, MainWindow
from salesdesk.ui.settings import Settings

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def shown(qtbot, window):
    """The window on screen and active, so keys reach its shortcuts."""
    from PySide6.QtWidgets import QApplication

    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    return window


def _press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    """A key through the window, as the keyboard sends it (so shortcuts see it)."""
    qtbot.keyClick(window.windowHandle(), key, modifier)


@pytest.mark.parametrize("page", ["agents"])
def test_placeholder_pages_say_the_feature_is_coming(window, page):
    window.show_page(page)
    shown = window.pages.currentWidget()
    assert "coming in a later version" in shown.message.text()
    assert shown.message.isVisibleTo(shown)


def test_navigation_lists_every_area(window):
    titles = [window.nav.item(r).text() for r in range(window.nav.count())]
    assert titles == ["Customers", "My day", "Calendar", "Logbook", "Tasks", "Mailing lists",
                      "Radius search", "Conditions", "Agents", "Sync"]
    window.nav.setCurrentRow(4)
    assert window.current_page() == "tasks"
    assert window.actions["go_sync"].shortcut().toString() == "Ctrl+0"


def test_menus_and_shortcuts(window):
    a = window.actions
    assert a["new_customer"].shortcut().toString() == "Ctrl+N"
    assert a["refresh"].shortcut().toString() == "F5"
    assert a["find"].shortcut().toString() == "Ctrl+F"
    assert a["delete_customer"].shortcut().toString() == "Del"
    assert a["next_record"].shortcut().toString() == "Ctrl+PgDown"
    assert a["previous_record"].shortcut().toString() == "Ctrl+PgUp"
    assert not a["print"].isEnabled()
    assert "coming with condition sheets" in a["print"].toolTip()
    menus = [m.title() for m in window.menuBar().findChildren(type(window.columns_menu))
             if m.title()]
    assert {"&File", "&Edit", "&View", "&Go", "&Help"} <= set(menus)
    assert all(action.toolTip() for name, action in a.items() if not action.icon().isNull())


def test_status_bar_counts_customers_in_the_language_of_the_user(qtbot, window):
    qtbot.waitUntil(lambda: window.count_label.text() == "500 customers", timeout=2000)


def test_opening_a_customer_shows_its_file(qtbot, window):
    row = window.list_view.model.row_at(0)
    window.list_view.sig_open_customer.emit(row.id)
    assert window.current_page() == FILE_PAGE
    assert window.file_view.header.title.text().startswith(row.number)
    assert window.current_view() == f"customer:{row.number}"
    window.actions["back"].trigger()
    assert window.current_page() == "customers"


def test_next_and_previous_record_walk_the_list(window):
    list_view = window.list_view
    list_view.table.selectRow(0)
    first, second = (list_view.model.row_at(0), list_view.model.row_at(1))
    window.open_customer(first.id)
    window.actions["next_record"].trigger()
    assert window.file_view.customer_id == second.id
    window.actions["previous_record"].trigger()
    assert window.file_view.customer_id == first.id


def test_file_view_is_built_only_when_first_needed(window):
    assert window.file_view is None
    window.show_view("customer:K-000007")
    assert window.file_view is not None
    assert "K-000007" in window.file_view.header.title.text()


def test_do_not_contact_banner_names_the_reason(demo_store, window):
    with demo_store.session() as session:
        customer = get_customer(session, "K-000003")
        customer.do_not_contact, customer.do_not_contact_reason = True, "Objection by letter"
        session.commit()
    window.show_view("customer:K-000003")
    header = window.file_view.header
    assert header.banner.isVisibleTo(window.file_view)
    assert "Objection by letter" in header.banner_text.text()


def test_history_tab_lists_changes_with_labels_and_names(demo_store, window):
    from salesdesk.services.customers import update_customer

    with demo_store.session() as session:
        update_customer(session, get_customer(session, "K-000004"),
                        {"status": "blocked", "credit_limit": "1234.5"})
        session.commit()
    window.show_view("customer:K-000004")
    view = window.file_view
    view.tabs.setCurrentWidget(view.history)
    model = view.history.model
    rows = [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]
    fields = {row[3]: row[4] for row in rows}
    assert fields["Status"].endswith("→ Blocked")
    assert "1,234.50" in fields["Credit limit"]
    assert all(row[1] == "tester" for row in rows)


def test_delete_asks_naming_the_customer_then_tombstones(demo_store, window, answer):
    asked = answer(QMessageBox.StandardButton.Yes)
    row = window.list_view.model.row_at(0)
    window.list_view.table.selectRow(0)
    window.actions["delete_customer"].trigger()
    assert row.number in asked[0] and row.name in asked[0]
    with demo_store.session() as session:
        assert get_customer(session, row.id).deleted_at is not None
    assert window.list_view.model.row_at(0).id != row.id


def test_delete_cancelled_changes_nothing(demo_store, window, answer):
    answer(QMessageBox.StandardButton.Cancel)
    row = window.list_view.model.row_at(0)
    window.list_view.table.selectRow(0)
    window.actions["delete_customer"].trigger()
    with demo_store.session() as session:
        assert get_customer(session, row.id).deleted_at is None


def test_find_focuses_the_search_field(qtbot, shown):
    window = shown
    window.show_page("agents")  # a page without its own search: the customer search
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "customers"
    qtbot.waitUntil(lambda: window.list_view.filters.search.hasFocus(), timeout=1000)


def test_find_on_the_logbook_searches_the_logbook(qtbot, shown):
    window = shown
    window.show_page("logbook")
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "logbook"
    qtbot.waitUntil(lambda: window.page("logbook").search.hasFocus(), timeout=1000)


def test_new_customer_opens_a_dialog_and_then_the_new_file(qtbot, window, monkeypatch):
    from salesdesk.ui.dialogs import duplicates

    monkeypatch.setattr(duplicates, "ask_about_duplicates",
                        lambda *a: (duplicates.CREATE_ANYWAY, None))
    window.actions["new_customer"].trigger()
    dialog = window.dialog
    dialog.field("name").setText("Neukunde Testfirma GmbH")
    assert dialog.save()
    assert window.current_page() == FILE_PAGE
    assert "Neukunde Testfirma GmbH" in window.file_view.header.title.text()


def test_window_state_last_view_and_filters_come_back(qtbot, demo_store, user_settings):
    first = MainWindow(demo_store, Settings())
    qtbot.addWidget(first)
    first.restore()
    first.list_view.filters.search.setText("gmbh")
    first.show_view("customer:K-000009")
    first.close()

    second = MainWindow(demo_store, Settings())
    qtbot.addWidget(second)
    second.restore()
    assert second.current_view() == "customer:K-000009"
    assert second.list_view.filters.search.text() == "gmbh"


def test_unknown_view_is_refused(window):
    with pytest.raises(ValueError):
        window.show_view("nonsense")


def test_ctrl_c_copies_the_selected_rows_from_the_list(qtbot, shown):
    from PySide6.QtGui import QGuiApplication

    window = shown
    table = window.list_view.table
    table.setFocus()
    table.selectRow(0)
    table.selectionModel().select(window.list_view.model.index(1, 0),
                                  table.selectionModel().SelectionFlag.Select
                                  | table.selectionModel().SelectionFlag.Rows)
    QGuiApplication.clipboard().clear()
    _press(qtbot, window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert len(lines) == 2 and all("\t" in line for line in lines)


def test_del_key_asks_before_deleting(qtbot, shown, answer):
    asked = answer(QMessageBox.StandardButton.Cancel)
    window = shown
    window.list_view.table.setFocus()
    window.list_view.table.selectRow(0)
    _press(qtbot, window, Qt.Key.Key_Delete)
    assert len(asked) == 1 and "Delete the customer file" in asked[0]


def test_del_in_the_search_field_edits_the_text(qtbot, shown, answer):
    asked = answer(QMessageBox.StandardButton.Yes)
    window = shown
    search = window.list_view.filters.search
    search.setFocus()
    search.setText("abc")
    search.setCursorPosition(0)
    window.list_view.table.selectRow(0)
    search.setFocus()
    _press(qtbot, window, Qt.Key.Key_Delete)
    assert asked == [] and search.text() == "bc"


def test_f5_refreshes_and_enter_opens(qtbot, shown):
    window = shown
    window.list_view.table.setFocus()
    window.list_view.table.selectRow(2)
    with qtbot.waitSignal(window.list_view.model.sig_reloaded):
        _press(qtbot, window, Qt.Key.Key_F5)
    window.list_view.table.setFocus()
    window.list_view.table.selectRow(2)
    _press(qtbot, window, Qt.Key.Key_Return)
    assert window.current_page() == FILE_PAGE
    assert window.file_view.customer_id == window.list_view.model.row_at(2).id


def test_edit_dialogs_follow_the_designer_tab_order(qtbot, demo_store):
    from salesdesk.ui.dialogs.part_edit import BankAccountDialog

    with demo_store.session() as session:
        customer_id = get_customer(session, "K-000001").id
    dialog = BankAccountDialog(demo_store, customer_id)
    qtbot.addWidget(dialog)
    order, widget = [], dialog.field("iban")
    for _ in range(6):
        order.append(widget.objectName())
        widget = widget.nextInFocusChain()
        while not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            widget = widget.nextInFocusChain()
    assert order == ["iban", "bic", "holder", "bank_name", "sepa_mandate_ref",
                     "sepa_mandate_date_set"]


def test_new_logbook_entry_from_the_list_is_for_the_selected_customer(qtbot, window):
    window.show_page("customers")
    window.list_view.table.selectRow(0)
    selected = window.list_view.current_customer_id()
    window.actions["new_entry"].trigger()
    assert window.dialog.customer_id == selected
    window.dialog.reject()


def test_pages_are_built_when_first_shown(window):
    assert "agenda" not in window._page_widgets
    window.show_view("agenda")
    assert window.current_page() == "agenda"
    window.show_view("radius")  # an alias
    assert window.current_page() == "nearby"


def test_due_reminders_show_in_the_status_bar_and_the_panel(qtbot, window, demo_store):
    from datetime import UTC, datetime, timedelta

    from salesdesk.services.tasks import create_task

    with demo_store.session() as session:
        create_task(session, {"title": "Angebot nachfassen",
                              "remind_at": datetime.now(UTC) - timedelta(minutes=1)})
        session.commit()
    from salesdesk.services.agenda import due_reminders
    from salesdesk.services.users import user_id_for_login

    due = len(due_reminders(demo_store.reader(),
                            user_id_for_login(demo_store.reader(), demo_store.user)))
    assert due >= 1
    window.start_reminders()
    qtbot.waitUntil(lambda: window.reminder_button.isVisibleTo(window), timeout=3000)
    expected = "1 reminder" if due == 1 else f"{due} reminders"
    assert window.actions["reminders"].iconText() == expected
    window.actions["reminders"].trigger()
    assert window.reminders_panel.isVisibleTo(window)


def test_new_task_and_appointment_are_for_the_customer_in_view(qtbot, window):
    window.show_page("customers")
    window.list_view.table.selectRow(0)
    selected = window.list_view.current_customer_id()
    window.actions["new_task"].trigger()
    assert window.dialog.field("customer_id").field_value() == selected
    window.dialog.reject()
    window.actions["new_appointment"].trigger()
    assert window.dialog.windowTitle()
    window.dialog.reject()
