"""Edit dialogs: checks as you type, errors beside fields, Save only while valid."""

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QMessageBox

from salesdesk.services.customers import get_customer, live
from salesdesk.ui.dialogs import customer_edit, duplicates
from salesdesk.ui.dialogs.customer_edit import CustomerDialog
from salesdesk.ui.dialogs.part_edit import AddressDialog, BankAccountDialog, ContactDialog

VALID_IBAN = "DE89 3704 0044 0532 0130 00"
# shown top-level windows make Qt's offscreen platform note that it ignores size hints
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _customer_id(store, number="K-000001"):
    with store.session() as session:
        return get_customer(session, number).id


def _save(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def _type(qtbot, widget, text):
    widget.clear()
    qtbot.keyClicks(widget, text)


@pytest.fixture
def bank_dialog(qtbot, demo_store):
    dialog = BankAccountDialog(demo_store, _customer_id(demo_store))
    qtbot.addWidget(dialog)
    return dialog


def test_form_is_loaded_from_designer_with_fields_named_after_the_model(bank_dialog):
    assert bank_dialog.form.objectName() == "BankAccountEdit"
    assert bank_dialog.field("iban").objectName() == "iban"
    assert bank_dialog.error_label("iban") is not None
    assert bank_dialog.form.findChild(QLabel, "iban_label").text() == "IBAN *"


def test_invalid_iban_shows_its_error_beside_the_field_and_disables_save(qtbot, bank_dialog):
    assert not _save(bank_dialog).isEnabled()  # IBAN is required
    _type(qtbot, bank_dialog.field("iban"), "DE89 3704 0044 0532 0130 01")
    assert "IBAN" in bank_dialog.error_label("iban").text()
    assert not _save(bank_dialog).isEnabled()
    _type(qtbot, bank_dialog.field("iban"), VALID_IBAN)
    assert bank_dialog.error_label("iban").text() == ""
    assert _save(bank_dialog).isEnabled()


def test_saving_a_bank_account_persists_it(qtbot, demo_store, bank_dialog):
    _type(qtbot, bank_dialog.field("iban"), VALID_IBAN)
    _type(qtbot, bank_dialog.field("holder"), "Test Holder")
    bank_dialog.show()
    qtbot.waitExposed(bank_dialog)
    with qtbot.waitSignal(bank_dialog.accepted, timeout=2000):  # Ctrl+S saves
        # through the window, as the keyboard does, so the shortcut map sees it
        qtbot.keyClick(bank_dialog.windowHandle(), Qt.Key.Key_S,
                       Qt.KeyboardModifier.ControlModifier)
    with demo_store.session() as session:  # a fresh session reads what was committed
        accounts = live(get_customer(session, "K-000001").bank_accounts)
        assert "DE89370400440532013000" in {a.iban for a in accounts}
        assert "Test Holder" in {a.holder for a in accounts}


def test_invalid_phone_is_shown_beside_the_phone_field(qtbot, demo_store):
    dialog = ContactDialog(demo_store, _customer_id(demo_store))
    qtbot.addWidget(dialog)
    _type(qtbot, dialog.field("last_name"), "Weber")
    assert _save(dialog).isEnabled()
    _type(qtbot, dialog.field("phone"), "12")
    assert "phone" in dialog.error_label("phone").text()
    assert dialog.error_label("email").text() == ""
    assert not _save(dialog).isEnabled()
    _type(qtbot, dialog.field("phone"), "+49 30 901820")
    assert _save(dialog).isEnabled()
    assert dialog.save()
    with demo_store.session() as session:
        phones = {c.phone for c in live(get_customer(session, "K-000001").contacts)}
    assert "+4930901820" in phones


def test_invalid_vat_id_disables_save_and_a_valid_one_is_saved(qtbot, demo_store):
    dialog = CustomerDialog(demo_store, _customer_id(demo_store))
    qtbot.addWidget(dialog)
    _type(qtbot, dialog.field("vat_id"), "DE123456789")  # wrong check digit
    assert "VAT" in dialog.error_label("vat_id").text()
    assert not _save(dialog).isEnabled()
    _type(qtbot, dialog.field("vat_id"), "DE136695976")
    _type(qtbot, dialog.field("credit_limit"), "12,500.50")
    assert dialog.errors() == {}
    assert dialog.save()
    with demo_store.session() as session:
        customer = get_customer(session, "K-000001")
        assert customer.vat_id == "DE136695976"
        assert customer.credit_limit == Decimal("12500.50")


def test_new_customer_is_created_with_its_main_address(qtbot, demo_store, monkeypatch):
    monkeypatch.setattr(duplicates, "ask_about_duplicates",
                        lambda *a: pytest.fail("no duplicate expected"))
    dialog = CustomerDialog(demo_store)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "New customer"
    assert not _save(dialog).isEnabled()  # the name is required
    assert dialog.error_label("name").text() == ""  # …but not shouted before typing
    _type(qtbot, dialog.field("name"), "Zebra Testhandel GmbH")
    _type(qtbot, dialog.field("city"), "Ulm")
    _type(qtbot, dialog.field("postal_code"), "89073")
    assert dialog.save()
    with demo_store.session() as session:
        customer = get_customer(session, dialog.saved_id)
        assert customer.name == "Zebra Testhandel GmbH"
        assert customer.main_city == "Ulm"


def test_wrong_postal_code_of_the_new_address_is_shown(qtbot, demo_store):
    dialog = CustomerDialog(demo_store)
    qtbot.addWidget(dialog)
    _type(qtbot, dialog.field("name"), "Zebra Testhandel GmbH")
    _type(qtbot, dialog.field("city"), "Ulm")
    _type(qtbot, dialog.field("postal_code"), "1234567")
    assert dialog.error_label("postal_code").text()
    assert not _save(dialog).isEnabled()


def test_do_not_contact_needs_a_reason(qtbot, demo_store):
    dialog = CustomerDialog(demo_store, _customer_id(demo_store))
    qtbot.addWidget(dialog)
    dialog.field("do_not_contact").setChecked(True)
    dialog.field("do_not_contact_reason").clear()
    assert "required" in dialog.error_label("do_not_contact_reason").text()
    assert not _save(dialog).isEnabled()


def test_duplicate_vat_id_warns_and_create_anyway_creates(qtbot, demo_store, monkeypatch):
    with demo_store.session() as session:
        existing = get_customer(session, "K-000002")
        existing.vat_id = "DE136695976"
        session.commit()
    asked = []

    def ask(parent, candidates):
        asked.append(candidates)
        return duplicates.CREATE_ANYWAY, None

    monkeypatch.setattr(duplicates, "ask_about_duplicates", ask)
    dialog = CustomerDialog(demo_store)
    qtbot.addWidget(dialog)
    _type(qtbot, dialog.field("name"), "Ganz Anders GmbH")
    _type(qtbot, dialog.field("vat_id"), "DE 136 695 976")
    assert dialog.save()
    assert [c.number for c in asked[0]] == ["K-000002"]
    assert "VAT" in asked[0][0].reason
    assert dialog.saved_id is not None


def test_duplicate_open_existing_creates_nothing_and_opens_it(qtbot, demo_store, monkeypatch):
    with demo_store.session() as session:
        existing = get_customer(session, "K-000002")
        existing.vat_id = "DE136695976"
        session.commit()
        existing_id = existing.id
    monkeypatch.setattr(duplicates, "ask_about_duplicates",
                        lambda parent, found: (duplicates.OPEN_EXISTING, found[0].customer_id))
    dialog = CustomerDialog(demo_store)
    qtbot.addWidget(dialog)
    _type(qtbot, dialog.field("name"), "Ganz Anders GmbH")
    _type(qtbot, dialog.field("vat_id"), "DE136695976")
    with qtbot.waitSignal(dialog.sig_open_customer) as opened:
        assert not dialog.save()
    assert opened.args == [existing_id]
    assert dialog.saved_id is None
    assert customer_edit.CustomerDialog is CustomerDialog


def test_duplicate_dialog_lists_candidates_and_reports_the_choice(qtbot):
    from salesdesk.services.duplicates import DuplicateCandidate

    found = [DuplicateCandidate("id-1", "K-000002", "Huber GmbH", "Ulm", "same VAT id")]
    dialog = duplicates.DuplicateDialog(found)
    qtbot.addWidget(dialog)
    assert "K-000002 Huber GmbH, Ulm" in dialog.list.item(0).text()
    dialog._done(duplicates.OPEN_EXISTING)
    assert (dialog.choice, dialog.chosen) == (duplicates.OPEN_EXISTING, "id-1")


def test_service_errors_appear_beside_fields_and_keep_the_input(qtbot, demo_store, monkeypatch):
    from salesdesk.domain.errors import FieldError, ValidationFailed

    def refuse(*args, **kwargs):
        raise ValidationFailed([FieldError("Customer", "Name", "is taken", key="name")])

    monkeypatch.setattr(customer_edit, "update_customer", refuse)
    dialog = CustomerDialog(demo_store, _customer_id(demo_store))
    qtbot.addWidget(dialog)
    _type(qtbot, dialog.field("name"), "Neuer Name GmbH")
    assert not dialog.save()
    assert dialog.error_label("name").text() == "is taken"
    assert dialog.field("name").text() == "Neuer Name GmbH"


@pytest.mark.parametrize(("button", "closed", "saved"), [
    (QMessageBox.StandardButton.Cancel, False, False),
    (QMessageBox.StandardButton.Discard, True, False),
    (QMessageBox.StandardButton.Save, True, True),
])
def test_closing_with_unsaved_changes_asks(qtbot, demo_store, answer, button, closed, saved):
    asked = answer(button)
    dialog = AddressDialog(demo_store, _customer_id(demo_store))
    qtbot.addWidget(dialog)
    dialog.show()
    _type(qtbot, dialog.field("city"), "Konstanz")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert len(asked) == 1 and "Save the changes" in asked[0]
    assert dialog.isVisible() is not closed
    with demo_store.session() as session:
        cities = {a.city for a in live(get_customer(session, "K-000001").addresses)}
    assert ("Konstanz" in cities) is saved


def test_closing_without_changes_does_not_ask(qtbot, demo_store, answer):
    asked = answer(QMessageBox.StandardButton.Cancel)
    dialog = AddressDialog(demo_store, _customer_id(demo_store))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.close()
    assert asked == [] and not dialog.isVisible()


def test_editing_an_address_shows_the_stored_values(qtbot, demo_store):
    with demo_store.session() as session:
        address = live(get_customer(session, "K-000001").addresses)[0]
    dialog = AddressDialog(demo_store, address.customer_id, address.id)
    qtbot.addWidget(dialog)
    assert dialog.field("city").text() == address.city
    assert dialog.field("country").currentData() == address.country
    assert not dialog.is_dirty()


def test_starting_an_address_shows_that_its_city_is_missing(qtbot, demo_store):
    dialog = CustomerDialog(demo_store)
    qtbot.addWidget(dialog)
    _type(qtbot, dialog.field("name"), "Zebra Testhandel GmbH")
    assert _save(dialog).isEnabled()
    _type(qtbot, dialog.field("street"), "Hauptstraße 1")
    assert dialog.error_label("city").text() == "is required"
    assert not _save(dialog).isEnabled()


def test_collection_discount_is_read_and_shown_the_way_the_language_writes_it(qtbot,
                                                                            demo_store):
    from salesdesk.i18n import set_language

    set_language("de")
    with demo_store.session() as session:
        get_customer(session, "K-000001").collection_discount = Decimal("1.5")
        session.commit()
    dialog = CustomerDialog(demo_store, _customer_id(demo_store))
    qtbot.addWidget(dialog)
    field = dialog.field("collection_discount")
    assert field.text() == "1,5"
    _type(qtbot, field, "2,25")
    assert dialog.errors() == {} and dialog.save()
    with demo_store.session() as session:
        assert get_customer(session, "K-000001").collection_discount == Decimal("2.25")


def test_a_service_refusal_of_the_invoice_recipient_is_shown_beside_it(qtbot, demo_store):
    """The picker never offers a deleted customer; one deleted while the dialog is open is
    refused on save, beside the field, and nothing is written."""
    from salesdesk.services.customers import delete_customer
    from salesdesk.ui.pickers import PickedCustomer

    gone = _customer_id(demo_store, "K-000003")
    dialog = CustomerDialog(demo_store, _customer_id(demo_store))
    qtbot.addWidget(dialog)
    dialog.field("invoice_recipient_id").set_field_value(PickedCustomer(gone, "K-000003 X"))
    with demo_store.session() as session:
        delete_customer(session, get_customer(session, "K-000003"))
        session.commit()
    assert not dialog.save()
    assert dialog.error_label("invoice_recipient_id").text() == \
        "customer K-000003 has been deleted"
    with demo_store.session() as session:
        assert get_customer(session, "K-000001").invoice_recipient_id is None
