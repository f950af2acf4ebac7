"""The customer file page: parts, documents, merge."""

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox

from salesdesk.services.customers import get_customer, live
from salesdesk.ui.main_window import FILE_PAGE

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def file_view(window):
    window.show_view("customer:K-000010")
    return window.file_view


def test_tabs_count_their_records_and_never_show_ids(demo_store, file_view):
    with demo_store.session() as session:
        customer = get_customer(session, "K-000010")
        contacts = live(customer.contacts)
    titles = [file_view.tabs.tabText(i) for i in range(file_view.tabs.count())]
    assert titles[0] == "Master data"
    assert f"Contact persons ({len(contacts)})" in titles
    model = file_view.parts["contacts"].model
    shown = {model.index(r, c).data() for r in range(model.rowCount())
             for c in range(model.columnCount())}
    assert not any(str(c.id) in str(text) for c in contacts for text in shown)


def test_removing_an_address_asks_and_tombstones_it(demo_store, file_view, answer):
    asked = answer(QMessageBox.StandardButton.Yes)
    tab = file_view.parts["addresses"]
    tab.table.selectRow(0)
    key = tab.current_key()
    tab.buttons["remove"].click()
    assert "K-000010" in asked[0]
    with demo_store.session() as session:
        assert key not in {a.id for a in live(get_customer(session, "K-000010").addresses)}


def test_edit_button_opens_the_dialog_of_the_selected_contact(file_view):
    tab = file_view.parts["contacts"]
    tab.table.selectRow(0)
    tab.buttons["edit"].click()
    dialog = file_view.dialog
    assert dialog.part_id == tab.current_key()
    assert dialog.field("last_name").text()
    dialog.done(0)


def test_documents_are_added_listed_and_opened(tmp_path, monkeypatch, demo_store, file_view):
    from PySide6.QtGui import QDesktopServices

    offer = tmp_path / "Angebot 2026.pdf"
    offer.write_bytes(b"%PDF-1.4 test offer")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(offer), "")))
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    tab = file_view.documents
    tab.buttons["add"].click()
    assert tab.count() == 1
    assert tab.model.index(0, 0).data() == "Angebot 2026.pdf"
    assert tab.model.index(0, 3).data().endswith("bytes")
    tab.table.selectRow(0)
    tab.buttons["open"].click()
    path = opened[0].toLocalFile()
    assert path.endswith("Angebot 2026.pdf")  # a copy with its name, for the viewer
    assert Path(path).read_bytes() == offer.read_bytes()


def test_merge_names_both_files_and_opens_the_one_kept(qtbot, demo_store, window, answer):
    asked = answer(QMessageBox.StandardButton.Yes)
    window.show_view("customer:K-000010")
    window.file_view.merge()
    dialog = window.file_view.dialog
    dialog.search.setText("K-000011")
    qtbot.waitUntil(lambda: dialog.results.count() == 1, timeout=2000)
    dialog.results.setCurrentRow(0)
    dialog.accept()
    assert "K-000010" in asked[0] and "K-000011" in asked[0]
    assert window.current_page() == FILE_PAGE
    assert window.file_view.label.startswith("K-000011")
    with demo_store.session() as session:
        assert get_customer(session, "K-000010").deleted_at is not None


def test_settings_dialog_stores_the_language(qtbot, tmp_path, user_settings):
    from salesdesk.ui.dialogs.settings_dialog import SettingsDialog
    from salesdesk.ui.settings import Settings

    dialog = SettingsDialog(Settings(), tmp_path)
    qtbot.addWidget(dialog)
    assert "restarted" in dialog.form.findChild(QLabel, "restart_note").text()
    dialog.language.setCurrentIndex(dialog.language.findData("de"))
    dialog.accept()
    assert Settings().language() == "de"
