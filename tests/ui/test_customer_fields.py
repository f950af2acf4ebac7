"""The customer dialog: fields that grow, the parent company picker, segment tags."""

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QGroupBox

from salesdesk.services.customers import delete_customer, get_customer, live, set_segments
from salesdesk.services.lookups import segments
from salesdesk.ui.dialogs.customer_edit import CustomerDialog
from salesdesk.ui.dialogs.part_edit import AddressDialog, BankAccountDialog, ContactDialog

# the offscreen platform notes that it cannot size, raise or grab for popups and windows
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", r"does not support raise\(\)",
                                       "does not support grabbing the keyboard")
LONG_NAME = "Elektro Hoffmann-van den Bergen GmbH & Co. KG"


def _customer(store, number):
    with store.session() as session:
        customer = get_customer(session, number)
        return customer.id, customer.record_label()


def _save(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def _dialog(qtbot, store, number="K-000001"):
    dialog = CustomerDialog(store, _customer(store, number)[0] if number else None)
    qtbot.addWidget(dialog)
    return dialog


def _pick(qtbot, picker, text):
    """Type into the picker and wait for its drop-down list of customers."""
    picker.clear()
    qtbot.keyClicks(picker, text)
    qtbot.waitUntil(lambda: picker.choices.rowCount() > 0
                    and picker.choices.item(0).isEnabled(), timeout=2000)


# -- layout ------------------------------------------------------------------------------

def test_name_fields_have_room_for_a_company_name_and_grow_with_the_dialog(qtbot, demo_store):
    dialog = _dialog(qtbot, demo_store)
    dialog.show()
    qtbot.waitExposed(dialog)
    name = dialog.field("name")
    metrics = name.fontMetrics()
    assert name.width() >= metrics.horizontalAdvance(LONG_NAME) + 8  # + frame and margins
    assert dialog.field("name2").width() == name.width()
    before = name.width()
    dialog.resize(dialog.width() + 300, dialog.height())
    qtbot.waitUntil(lambda: name.width() > before + 100, timeout=2000)
    assert dialog.field("website").width() == name.width()  # one column, one width


def test_notes_fill_their_group(qtbot, demo_store):
    dialog = _dialog(qtbot, demo_store)
    dialog.show()
    qtbot.waitExposed(dialog)
    notes = dialog.field("notes")
    group = dialog.form.findChild(QGroupBox, "notes_group")
    assert notes.width() >= group.width() - 40
    assert notes.height() >= 150


@pytest.mark.parametrize("dialog_class", [AddressDialog, ContactDialog, BankAccountDialog])
def test_part_dialog_fields_take_the_width_the_dialog_gets(qtbot, demo_store, dialog_class):
    dialog = dialog_class(demo_store, _customer(demo_store, "K-000001")[0])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    field = dialog.field("street" if dialog_class is AddressDialog else dialog.FIELDS[2])
    error = dialog.error_label(field.objectName())
    field_width, error_width = field.width(), error.width()
    assert field_width > 2 * error_width
    dialog.resize(dialog.width() + 200, dialog.height())
    qtbot.waitUntil(lambda: field.width() >= field_width + 190, timeout=2000)
    assert error.width() == error_width  # the room for errors stays as it was


# -- parent company ----------------------------------------------------------------------

def test_parent_picker_finds_by_number_and_saves_the_parent(qtbot, demo_store):
    parent_id, parent_label = _customer(demo_store, "K-000002")
    dialog = _dialog(qtbot, demo_store)
    picker = dialog.field("parent_id")
    assert picker.text() == "" and picker.field_value() is None
    _pick(qtbot, picker, "K-000002")
    # typed but not chosen: the error is beside the field and Save waits
    assert "choose a customer" in dialog.error_label("parent_id").text()
    assert not _save(dialog).isEnabled()
    qtbot.keyClick(picker.suggestions.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(picker.suggestions.popup(), Qt.Key.Key_Return)
    assert picker.text() == parent_label  # "K-000002 Name", never an id
    assert picker.field_value() == parent_id
    assert dialog.error_label("parent_id").text() == ""
    assert dialog.save()
    with demo_store.session() as session:
        assert get_customer(session, "K-000001").parent_id == parent_id
    again = _dialog(qtbot, demo_store)
    assert again.field("parent_id").text() == parent_label
    assert str(parent_id) not in again.field("parent_id").text()


def test_parent_picker_never_offers_the_customer_itself(qtbot, demo_store):
    own_id, own_label = _customer(demo_store, "K-000001")
    dialog = _dialog(qtbot, demo_store)
    picker = dialog.field("parent_id")
    picker.clear()
    qtbot.keyClicks(picker, "K-000001")
    qtbot.waitUntil(lambda: picker.choices.rowCount() > 0, timeout=2000)
    offered = [picker.choices.item(r).data(Qt.ItemDataRole.UserRole)
               for r in range(picker.choices.rowCount())]
    assert own_id not in offered
    assert "No customer matches" in picker.choices.item(0).text()


def test_parent_can_be_cleared(qtbot, demo_store):
    parent_id, _label = _customer(demo_store, "K-000003")
    with demo_store.session() as session:
        get_customer(session, "K-000001").parent_id = parent_id
        session.commit()
    dialog = _dialog(qtbot, demo_store)
    picker = dialog.field("parent_id")
    assert picker.field_value() == parent_id
    picker.clear()
    assert picker.field_value() is None and dialog.errors() == {}
    assert dialog.save()
    with demo_store.session() as session:
        assert get_customer(session, "K-000001").parent_id is None


def test_a_parent_loop_is_refused_beside_the_field(qtbot, demo_store):
    first_id, first_label = _customer(demo_store, "K-000001")
    with demo_store.session() as session:  # K-000002 already belongs to K-000001
        get_customer(session, "K-000002").parent_id = first_id
        session.commit()
    dialog = _dialog(qtbot, demo_store, "K-000001")
    picker = dialog.field("parent_id")
    _pick(qtbot, picker, "K-000002")
    picker.choose_row(0)
    assert not dialog.save()
    assert "its own parent company" in dialog.error_label("parent_id").text()
    with demo_store.session() as session:
        assert get_customer(session, "K-000001").parent_id is None


def test_the_file_shows_the_parent_company_by_number_and_name(qtbot, demo_store, window):
    parent_id, parent_label = _customer(demo_store, "K-000004")
    with demo_store.session() as session:
        get_customer(session, "K-000005").parent_id = parent_id
        session.commit()
    window.show_view("customer:K-000005")
    assert window.file_view.master.values["parent"].text() == parent_label


# -- segments ----------------------------------------------------------------------------

def test_segments_are_saved_and_shown_in_the_file(qtbot, demo_store, window):
    window.show_view("customer:K-000006")
    window.file_view.edit_customer()
    dialog = window.file_view.dialog
    field = dialog.field("segments")
    field.clear()
    # "newsletter" takes the spelling in use; the second "Fair" is the same tag
    qtbot.keyClicks(field, "newsletter, Fair North 2027,  fair north 2027")
    assert field.field_value() == ["Newsletter", "Fair North 2027"]
    assert dialog.save()
    with demo_store.session() as session:
        saved = sorted(s.segment for s in live(get_customer(session, "K-000006").segments))
    assert saved == ["Fair North 2027", "Newsletter"]
    assert window.file_view.master.values["segments"].text() == "Fair North 2027, Newsletter"
    assert "Fair North 2027" in segments(demo_store.reader())


def test_segments_complete_the_tag_after_the_last_comma(qtbot, demo_store):
    dialog = _dialog(qtbot, demo_store)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    field = dialog.field("segments")
    field.setFocus()  # a line edit uses its completer while it has the focus
    field.clear()
    qtbot.keyClicks(field, "Newsletter, key")
    completer = field.completer()
    assert completer.currentCompletion() == "Newsletter, Key account, "
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    assert field.text() == "Newsletter, Key account, "
    assert field.field_value() == ["Newsletter", "Key account"]


def test_a_too_long_segment_is_named_beside_the_field(qtbot, demo_store):
    dialog = _dialog(qtbot, demo_store)
    field = dialog.field("segments")
    field.clear()
    qtbot.keyClicks(field, "x" * 61)
    assert "at most 60 characters" in dialog.error_label("segments").text()
    assert not _save(dialog).isEnabled()


def test_new_customer_with_parent_and_segments(qtbot, demo_store):
    parent_id, _label = _customer(demo_store, "K-000007")
    dialog = _dialog(qtbot, demo_store, None)
    qtbot.keyClicks(dialog.field("name"), "Filiale Nord GmbH")
    _pick(qtbot, dialog.field("parent_id"), "K-000007")
    dialog.field("parent_id").choose_row(0)
    qtbot.keyClicks(dialog.field("segments"), "Key account")
    dialog._no_duplicates = lambda *args: True
    assert dialog.save()
    with demo_store.session() as session:
        customer = get_customer(session, dialog.saved_id)
        assert customer.parent_id == parent_id
        assert [s.segment for s in customer.segments] == ["Key account"]


def test_segments_lookup_reads_plain_sql_and_skips_deleted_customers(demo_store):
    with demo_store.session() as session:
        customer = get_customer(session, "K-000008")
        set_segments(session, customer, ["Only On A Deleted One"])
        session.commit()
        assert "Only On A Deleted One" in segments(session)
        from salesdesk.services.customers import delete_customer

        delete_customer(session, customer)
        session.commit()
    names = segments(demo_store.reader())
    assert "Only On A Deleted One" not in names
    assert names == sorted(names, key=str.casefold)


# -- invoicing and returns ---------------------------------------------------------------

def test_invoice_recipient_and_collection_discount_are_saved_and_shown_in_the_file(
        qtbot, demo_store, window):
    head_id, head_label = _customer(demo_store, "K-000010")
    window.show_view("customer:K-000011")
    window.file_view.edit_customer()
    dialog = window.file_view.dialog
    picker = dialog.field("invoice_recipient_id")
    _pick(qtbot, picker, "K-000010")
    assert "choose a customer" in dialog.error_label("invoice_recipient_id").text()
    picker.choose_row(0)
    assert picker.text() == head_label and picker.field_value() == head_id
    assert dialog.error_label("invoice_recipient_id").text() == ""
    percent = dialog.field("collection_discount")
    percent.clear()
    qtbot.keyClicks(percent, "150")
    # beside the field, and Save waits
    assert dialog.error_label("collection_discount").text() == \
        "must be more than 0 % and less than 100 %"
    assert not _save(dialog).isEnabled()
    percent.clear()
    qtbot.keyClicks(percent, "1.5")
    assert dialog.error_label("collection_discount").text() == ""
    dialog.field("return_conditions").setPlainText("Nur originalverpackt.\nBinnen 14 Tagen.")
    assert dialog.save()
    with demo_store.session() as session:
        saved = get_customer(session, "K-000011")
        assert (saved.invoice_recipient_id, saved.collection_discount) == (head_id,
                                                                           Decimal("1.5"))
    master = window.file_view.master.values
    assert master["invoice_recipient"].text() == head_label  # "K-000010 Name", never an id
    assert master["collection_discount"].text() == "1.5%"
    assert master["return_conditions"].text() == "Nur originalverpackt.\nBinnen 14 Tagen."
    again = _dialog(qtbot, demo_store, "K-000011")
    assert again.field("invoice_recipient_id").text() == head_label
    assert again.field("collection_discount").text() == "1.5"


def test_a_stored_invoice_recipient_deleted_since_is_named_beside_the_field(qtbot, demo_store):
    gone_id, gone_label = _customer(demo_store, "K-000013")
    with demo_store.session() as session:
        get_customer(session, "K-000012").invoice_recipient_id = gone_id
        delete_customer(session, get_customer(session, "K-000013"))
        session.commit()
    dialog = _dialog(qtbot, demo_store, "K-000012")
    picker = dialog.field("invoice_recipient_id")
    assert picker.text() == gone_label
    assert dialog.error_label("invoice_recipient_id").text() == \
        "customer K-000013 has been deleted"
    assert not _save(dialog).isEnabled()
    picker.clear()
    assert dialog.error_label("invoice_recipient_id").text() == ""
    assert dialog.save()
    with demo_store.session() as session:
        assert get_customer(session, "K-000012").invoice_recipient_id is None


def test_payment_and_delivery_terms_explain_themselves_in_tooltips(qtbot, demo_store):
    dialog = _dialog(qtbot, demo_store)
    tip = Qt.ItemDataRole.ToolTipRole
    payment = dialog.field("payment_term_id")
    index = payment.findText("30 days net; 3 % within 8 days, 2 % within 14 days")  # S8
    assert payment.itemData(index, tip) == "30 days net; 3 % within 8 days; 2 % within 14 days"
    payment.setCurrentIndex(index)
    assert payment.toolTip() == "30 days net; 3 % within 8 days; 2 % within 14 days"
    delivery = dialog.field("delivery_term_id")
    index = delivery.findText("DAP, free from 500 EUR")
    assert delivery.itemData(index, tip) == (
        "DAP Lieferanschrift des Kunden (Delivered at Place); free freight from 500.00; "
        "minimum order 100.00")
