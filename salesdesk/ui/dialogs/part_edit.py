"""Addresses, contact persons and bank accounts of a customer file."""

import uuid

from PySide6.QtWidgets import QWidget

from salesdesk.domain.customer import check_address, check_bank_account, check_contact
from salesdesk.domain.validation import format_phone
from salesdesk.services.customers import (
    get_customer,
    record_name,
    save_address,
    save_bank_account,
    save_contact,
)
from salesdesk.store.engine import Store
from salesdesk.store.models import Address, BankAccount, ContactPerson
from salesdesk.ui import choices
from salesdesk.ui.dialogs.form_dialog import FormDialog
from salesdesk.ui.formatting import group_iban
from salesdesk.ui.forms import fill_combo

SALUTATIONS = ("Mr", "Ms", "Herr", "Frau", "Monsieur", "Madame")


class PartDialog(FormDialog):
    """Edit one part of a customer file; subclasses name the model, check and service."""

    MODEL: type = Address
    CHECK = staticmethod(check_address)
    SAVE = staticmethod(save_address)
    NEW_TITLE = ""

    def __init__(self, store: Store, customer_id: uuid.UUID, part_id: uuid.UUID | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.store, self.customer_id, self.part_id = store, customer_id, part_id
        self.saved_id: uuid.UUID | None = None
        with store.session() as session:
            customer = get_customer(session, customer_id)
            self._record = record_name(customer)
            self._country = customer.main_country or "DE"
            self.fill_pickers()
            values = self.defaults()
            if part_id is not None:
                part = session.get(self.MODEL, part_id)
                values = {f: getattr(part, f) for f in self.FIELDS}
        self.setWindowTitle(f"{self.title()} – {self._record}")
        self.set_values(self.shown(values))
        if part_id is not None:
            self.show_errors_for_all_fields()
        self.field(self.FIELDS[0]).setFocus()

    def title(self) -> str:
        return self.form.windowTitle()

    def fill_pickers(self) -> None:
        """Fill the combo boxes of the form."""

    def defaults(self) -> dict:
        return {}

    def shown(self, values: dict) -> dict:
        """Stored values as the form shows them."""
        return values

    def check(self, values: dict) -> None:  # override
        self.check_values(self._record, values)

    def check_values(self, record: str, values: dict) -> None:
        type(self).CHECK(record, values)

    def persist(self, values: dict) -> bool:  # override
        with self.store.session() as session:
            customer = get_customer(session, self.customer_id)
            part = session.get(self.MODEL, self.part_id) if self.part_id else None
            saved = type(self).SAVE(session, customer, values, part)
            session.commit()
            self.saved_id = saved.id
        return True


class AddressDialog(PartDialog):
    FORM = "address_edit.ui"
    FIELDS = ("kind", "is_default", "name", "street", "street2", "postal_code", "city",
              "country", "latitude", "longitude")
    REQUIRED = ("city", "country")
    TOGETHER = (("latitude", "longitude"),)
    MODEL = Address
    CHECK = staticmethod(check_address)
    SAVE = staticmethod(save_address)

    def fill_pickers(self) -> None:  # override
        fill_combo(self.field("kind"), choices.address_kind_items())
        fill_combo(self.field("country"), choices.country_items())

    def defaults(self) -> dict:  # override
        return {"kind": "main", "country": self._country}

    def shown(self, values: dict) -> dict:  # override
        # coordinates as people write them (48.137, not 48.137000000001); a pin typed
        # with a decimal comma is read too
        return values | {f: format(values[f], ".6f").rstrip("0").rstrip(".")
                         for f in ("latitude", "longitude") if values.get(f) is not None}


class ContactDialog(PartDialog):
    FORM = "contact_edit.ui"
    FIELDS = ("salutation", "title", "first_name", "last_name", "role", "department", "phone",
              "mobile", "email", "language", "birthday", "do_not_contact")
    REQUIRED = ("last_name",)
    MODEL = ContactPerson
    SAVE = staticmethod(save_contact)

    def fill_pickers(self) -> None:  # override
        fill_combo(self.field("salutation"), [(s, s) for s in SALUTATIONS])
        fill_combo(self.field("language"), choices.language_items(),
                   empty=self.tr("(as the customer)"))

    def defaults(self) -> dict:  # override
        return {"salutation": ""}

    def shown(self, values: dict) -> dict:  # override
        return values | {f: format_phone(values[f]) if values.get(f) else ""
                         for f in ("phone", "mobile")}

    def check_values(self, record: str, values: dict) -> None:  # override
        check_contact(record, values, country=self._country)

    def values(self) -> dict:  # override
        values = super().values()
        values["language"] = values["language"] or ""
        return values


class BankAccountDialog(PartDialog):
    FORM = "bank_account_edit.ui"
    FIELDS = ("iban", "bic", "holder", "bank_name", "sepa_mandate_ref", "sepa_mandate_date",
              "is_default")
    REQUIRED = ("iban",)
    MODEL = BankAccount
    CHECK = staticmethod(check_bank_account)
    SAVE = staticmethod(save_bank_account)

    def shown(self, values: dict) -> dict:  # override
        return values | {"iban": group_iban(values.get("iban") or "")}

