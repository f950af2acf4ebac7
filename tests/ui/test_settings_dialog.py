"""Settings: the logbook's edit window, the office's lists and the geocoder, in one dialog."""

from salesdesk.services import lookups
from salesdesk.services.settings import get_setting, get_settings
from salesdesk.ui.dialogs.settings_dialog import SettingsDialog
from salesdesk.ui.settings import Settings


def test_edit_window_and_geocoder_are_stored(qtbot, store):
    dialog = SettingsDialog(Settings(), store.data_dir, store=store)
    qtbot.addWidget(dialog)
    assert dialog.edit_window.value() == 72  # the documented default
    dialog.edit_window.setValue(8)
    dialog.provider.setCurrentIndex(dialog.provider.findData("nominatim"))
    dialog.server.setText("geo.example.com")
    dialog.accept()
    assert get_setting(store.reader(), "logbook.edit_window_hours") == 8
    geocoder = get_settings(store.reader(), "geocoder.")
    assert (geocoder["geocoder.provider"], geocoder["geocoder.domain"]) == (
        "nominatim", "geo.example.com")


def test_list_editor_adds_and_retires_entries(qtbot, store, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    dialog = SettingsDialog(Settings(), store.data_dir, store=store)
    qtbot.addWidget(dialog)
    editor = dialog.lists["contact_kind"]
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Hausmesse", True))
    editor.buttons["add"].click()
    assert editor.items.currentItem().text() == "Hausmesse"
    assert "Hausmesse" in [e.label for e in lookups.contact_kinds(store.reader())]
    editor.buttons["active"].click()  # retire it
    assert editor.items.currentItem().text() == "Hausmesse (retired)"
    assert editor.buttons["active"].text() == "Reactivate"
    assert "Hausmesse" not in [e.label for e in lookups.contact_kinds(store.reader())]


def test_without_a_store_only_general_settings(qtbot, tmp_path):
    dialog = SettingsDialog(Settings(), tmp_path)
    qtbot.addWidget(dialog)
    assert dialog.tabs.count() == 1


def test_the_dialog_opens_wide_enough_for_the_terms_tables(qtbot, store):
    dialog = SettingsDialog(Settings(), store.data_dir, store=store)
    qtbot.addWidget(dialog)
    assert dialog.tabs.tabText(dialog.tabs.count() - 1) == "Terms"
    assert dialog.minimumWidth() >= dialog.terms.minimumWidth()
    assert dialog.width() >= dialog.minimumWidth()
