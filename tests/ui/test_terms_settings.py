"""Settings → Terms: payment and delivery terms listed, added, changed, deleted if unused."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from salesdesk.services import terms as ts
from salesdesk.ui.dialogs.settings_dialog import SettingsDialog
from salesdesk.ui.settings import Settings

# dialogs opened on top of the settings make the offscreen platform note size hints
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _settings(qtbot, store):
    dialog = SettingsDialog(Settings(), store.data_dir, store=store)
    qtbot.addWidget(dialog)
    return dialog


def _save(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def _type(qtbot, widget, text):
    widget.clear()
    qtbot.keyClicks(widget, text)


def _codes(terms_list) -> list[str]:
    table = terms_list.table
    return [table.item(row, 0).text() for row in range(table.rowCount())]


def _select(terms_list, code: str) -> None:
    terms_list.table.selectRow(_codes(terms_list).index(code))


def test_the_terms_tab_lists_payment_and_delivery_terms_with_their_customers(qtbot, demo_store):
    dialog = _settings(qtbot, demo_store)
    tabs = [dialog.tabs.tabText(n) for n in range(dialog.tabs.count())]
    assert tabs == ["General", "Logbook and tasks", "Geocoding", "Outlook/Exchange", "Terms"]
    payment, delivery = dialog.terms.payment, dialog.terms.delivery
    assert _codes(payment) == ["N10", "N30", "PRE", "S14", "S60", "S8"]
    row = _codes(payment).index("S60")
    assert payment.table.item(row, 2).text() == \
        "60 days net; 3 % within 10 days; 2 % within 30 days"
    with demo_store.session() as session:
        used = {e.code: e.customers for e in ts.list_payment_terms(session)}
    assert int(payment.table.item(row, 3).text()) == used["S60"] > 0
    assert "DAP" in _codes(delivery) and "EXW" in _codes(delivery)
    assert not payment.buttons["edit"].isEnabled()  # nothing chosen yet


def test_a_payment_term_with_two_stages_is_added_and_a_bad_order_refused_beside_the_field(
        qtbot, store):
    dialog = _settings(qtbot, store)
    payment = dialog.terms.payment
    payment.buttons["add"].click()
    editor = payment.dialog
    assert editor.windowTitle() == "New payment terms"
    _type(qtbot, editor.field("code"), "S10")
    _type(qtbot, editor.field("name"), "3 % in 10 days, 2 % in 20 days, 45 days net")
    editor.field("net_days").setValue(45)
    stages = editor.field("cash_discounts")
    stages.add_button.click()
    qtbot.keyClicks(stages.rows[0][1], "3")
    stages.rows[0][2].setValue(10)
    stages.add_button.click()
    assert stages.rows[1][2].value() == 17  # a week after the stage before
    qtbot.keyClicks(stages.rows[1][1], "4")
    stages.rows[1][2].setValue(20)
    # the second stage gives more than the first: refused beside the stages
    assert "from the shortest period with the highest discount" in \
        editor.error_label("cash_discounts").text()
    assert not _save(editor).isEnabled()
    assert not editor.save()
    assert "correct the errors" in editor.preview.text()
    with store.session() as session:
        assert ts.list_payment_terms(session) == []
    _type(qtbot, stages.rows[1][1], "2")
    assert editor.error_label("cash_discounts").text() == ""
    assert editor.preview.text() == "45 days net; 3 % within 10 days; 2 % within 20 days"
    assert editor.save()
    assert _codes(payment) == ["S10"]
    assert payment.current_id() == editor.saved_id
    with store.session() as session:
        [entry] = ts.list_payment_terms(session)
    assert (entry.code, entry.net_days, entry.text) == (
        "S10", 45, "45 days net; 3 % within 10 days; 2 % within 20 days")


def test_a_stage_can_be_removed_and_a_taken_code_is_named_while_typing(qtbot, demo_store):
    dialog = _settings(qtbot, demo_store)
    payment = dialog.terms.payment
    _select(payment, "S60")
    qtbot.keyClick(payment.table, Qt.Key.Key_Return)  # Enter edits the chosen terms
    editor = payment.dialog
    assert editor.windowTitle() == "Payment terms S60"
    stages = editor.field("cash_discounts")
    assert [(edit.text(), spin.value()) for _row, edit, spin in stages.rows] == [("3", 10),
                                                                               ("2", 30)]
    stages.remove_stage(0)
    assert editor.preview.text() == "60 days net; 2 % within 30 days"
    _type(qtbot, editor.field("code"), "s14")
    assert editor.error_label("code").text().startswith("“S14” is already used by")
    assert not _save(editor).isEnabled()


def test_terms_in_use_are_not_deleted_unused_ones_are(qtbot, demo_store, answer,
                                                      no_blocking_dialogs):
    dialog = _settings(qtbot, demo_store)
    payment = dialog.terms.payment
    answer(QMessageBox.StandardButton.Yes)
    _select(payment, "N30")
    payment.buttons["delete"].click()
    assert any("Payment terms N30 are used by" in text and "cannot be deleted" in text
               for text in no_blocking_dialogs)
    assert "N30" in _codes(payment)
    with demo_store.session() as session:
        ts.save_payment_term(session, {"code": "UNUSED", "name": "Unused", "net_days": 14})
        session.commit()
    payment.reload()
    _select(payment, "UNUSED")
    payment.buttons["delete"].click()
    assert "UNUSED" not in _codes(payment)


def test_a_delivery_term_with_incoterm_place_and_amounts(qtbot, store):
    dialog = _settings(qtbot, store)
    delivery = dialog.terms.delivery
    delivery.buttons["add"].click()
    editor = delivery.dialog
    _type(qtbot, editor.field("code"), "DAP500")
    _type(qtbot, editor.field("name"), "DAP, free from 500")
    rule = editor.field("incoterm")
    assert rule.itemText(0) == "(none)" and rule.count() == 12
    rule.setCurrentIndex(rule.findData("DAP"))
    assert rule.currentText() == "DAP – Delivered at Place"
    assert editor.error_label("incoterm_place").text().startswith(
        "is required with an Incoterms rule")
    _type(qtbot, editor.field("incoterm_place"), "Lieferanschrift des Kunden")
    _type(qtbot, editor.field("free_freight_threshold"), "-1")
    assert "must be more than 0" in editor.error_label("free_freight_threshold").text()
    _type(qtbot, editor.field("free_freight_threshold"), "1,500.00")
    assert editor.errors() == {}
    assert editor.preview.text() == (
        "DAP Lieferanschrift des Kunden (Delivered at Place); free freight from 1,500.00")
    assert editor.save()
    row = _codes(delivery).index("DAP500")
    assert [delivery.table.item(row, c).text() for c in range(6)] == [
        "DAP500", "DAP, free from 500", "DAP Lieferanschrift des Kunden", "1,500.00", "", "0"]
