"""New customer and edit master data (forms/customer_edit.ui)."""

import uuid
from decimal import Decimal

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from salesdesk.domain.customer import check_address, check_customer
from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.i18n import _
from salesdesk.services.customers import (
    check_parent,
    create_customer,
    get_customer,
    invoice_recipient_problem,
    live,
    record_name,
    set_segments,
    update_customer,
)
from salesdesk.services.lookups import LOOKUPS, all_lookups, lookup_entry, segments
from salesdesk.store.engine import Store
from salesdesk.store.models import Customer
from salesdesk.ui import choices
from salesdesk.ui.dialogs import duplicates
from salesdesk.ui.dialogs.form_dialog import FormDialog
from salesdesk.ui.formatting import format_amount, locale_name
from salesdesk.ui.forms import fill_combo
from salesdesk.ui.pickers import PickedCustomer

CUSTOMER_FIELDS = (
    "name", "name2", "legal_form", "status", "customer_group_id", "price_group_id", "parent_id",
    "vat_id",
    "tax_number", "website", "representative_id", "territory_id", "payment_term_id",
    "delivery_term_id", "currency", "credit_limit", "language", "next_contact",
    "do_not_contact", "do_not_contact_reason", "notes", "invoice_recipient_id",
    "collection_discount", "return_conditions",
)
ADDRESS_FIELDS = ("street", "postal_code", "city", "country")
SEGMENT_LENGTH = 60  # customer_segment.segment
DEFAULTS = {"status": "prospect", "currency": "EUR", "language": "de", "country": "DE"}


class CustomerDialog(FormDialog):
    """Create a customer file (with its main address) or change its master data."""

    FORM = "customer_edit.ui"
    FIELDS = CUSTOMER_FIELDS + ("segments",) + ADDRESS_FIELDS
    REQUIRED = ("name", "currency")
    # "Elektro Hoffmann-van den Bergen GmbH & Co. KG"; "DDP delivered duty paid, free from…"
    WIDE = {"name": 52, "name2": 52, "payment_term_id": 52, "delivery_term_id": 52}
    PERCENT_CHARS = 8  # "12.75" and room to spare
    TOGETHER = (ADDRESS_FIELDS, ("do_not_contact", "do_not_contact_reason"))

    sig_open_customer = Signal(object)  # the user chose an existing file over a duplicate

    def __init__(self, store: Store, customer_id: uuid.UUID | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.store, self.customer_id = store, customer_id
        self.saved_id: uuid.UUID | None = None
        self._country = "DE"
        self._recipient_problem: tuple[uuid.UUID, str] | None = None  # of the stored one
        self._size_term_fields()
        with store.session() as session:
            values = self._stored(session) if customer_id else dict(DEFAULTS)
            self._fill_pickers(session, values)
        self.form.findChild(QWidget, "main_address_group").setVisible(customer_id is None)
        self.field("do_not_contact_reason").setEnabled(bool(values.get("do_not_contact")))
        self.field("do_not_contact").toggled.connect(
            self.field("do_not_contact_reason").setEnabled)
        self.set_values(values)
        if customer_id is not None:
            self.show_errors_for_all_fields()
        self.field("name").setFocus()

    def _stored(self, session) -> dict:
        customer = get_customer(session, self.customer_id)
        self._country = customer.main_country or "DE"
        self.setWindowTitle(_("Customer {number} {name}").format(
            number=customer.number, name=customer.name))
        values = {f: getattr(customer, f) for f in CUSTOMER_FIELDS}
        values["credit_limit"] = format_amount(customer.credit_limit)
        parent = customer.parent
        values["parent_id"] = PickedCustomer(parent.id, parent.record_label()) if parent else None
        values["invoice_recipient_id"] = self._stored_recipient(session, customer)
        values["collection_discount"] = format_percent_input(customer.collection_discount)
        values["segments"] = [s.segment for s in live(customer.segments)]
        for field in LOOKUPS:
            values[field] = str(values[field]) if values[field] else None
        return values

    def _stored_recipient(self, session, customer) -> PickedCustomer | None:
        """The stored invoice recipient as the picker shows it; a problem it has now (it
        was deleted or merged since) is remembered for the check."""
        if customer.invoice_recipient_id is None:
            return None
        other = session.get(Customer, customer.invoice_recipient_id)
        problem = invoice_recipient_problem(session, customer.id, customer.invoice_recipient_id)
        if problem:
            self._recipient_problem = (customer.invoice_recipient_id, problem)
        if other is None:
            return PickedCustomer(customer.invoice_recipient_id, self.tr("(no longer present)"))
        return PickedCustomer(other.id, other.record_label())

    def _size_term_fields(self) -> None:
        char = self.fontMetrics().averageCharWidth()
        percent = self.field("collection_discount")
        percent.setMinimumWidth(char * self.PERCENT_CHARS)
        percent.setMaximumWidth(char * (self.PERCENT_CHARS + 4))
        returns = self.field("return_conditions")
        lines = self.fontMetrics().lineSpacing() * 5  # room for a few conditions
        returns.setFixedHeight(lines + 2 * returns.frameWidth() + 8)

    def _fill_pickers(self, session, values: dict) -> None:
        if self.customer_id is None:
            self.setWindowTitle(self.tr("New customer"))
        fill_combo(self.field("status"), choices.status_items())
        fill_combo(self.field("language"), choices.language_items())
        fill_combo(self.field("currency"), [(c, c) for c in choices.CURRENCIES])
        fill_combo(self.field("country"), choices.country_items())
        self.field("parent_id").set_source(self.store.reader, exclude=self.customer_id)
        self.field("invoice_recipient_id").set_source(self.store.reader,
                                                      exclude=self.customer_id)
        self.field("segments").set_known(segments(session))
        for field, entries in all_lookups(session).items():
            items = [(_lookup_text(field, e, entries), str(e.id)) for e in entries]
            current = values.get(field)
            if current and current not in {data for _, data in items}:
                entry = lookup_entry(session, field, uuid.UUID(current))
                if entry is not None:
                    items.append((entry.label, current))
            fill_combo(self.field(field), items, empty=self.tr("(none)"))
        self._describe_terms(session)

    def _describe_terms(self, session) -> None:
        """Each payment and delivery term explains itself in a tooltip, and so does the
        chosen one in the field's tooltip."""
        from salesdesk.services.terms import list_delivery_terms, list_payment_terms

        texts = {str(t.id): t.text for t in list_payment_terms(session, usage=False)}
        texts |= {str(t.id): t.text(format_amount)
                  for t in list_delivery_terms(session, usage=False)}
        for name in ("payment_term_id", "delivery_term_id"):
            combo = self.field(name)
            for index in range(combo.count()):
                text = texts.get(combo.itemData(index), "")
                combo.setItemData(index, text, Qt.ItemDataRole.ToolTipRole)
            combo.currentIndexChanged.connect(
                lambda index, c=combo: c.setToolTip(c.itemData(index, Qt.ItemDataRole.ToolTipRole)
                                                   or ""))

    # -- values and checks --------------------------------------------------------------

    def values(self) -> dict:  # override
        values = super().values()
        values["credit_limit"] = _amount(values["credit_limit"])
        for field in LOOKUPS:
            values[field] = uuid.UUID(values[field]) if values[field] else None
        return values

    def _record(self) -> str:
        return record_name(None) if self.customer_id is None else self.windowTitle()

    def check(self, values: dict) -> None:  # override
        errors: list[FieldError] = []
        customer = {f: values[f] for f in CUSTOMER_FIELDS}
        country = values["country"] if self.customer_id is None else self._country
        errors += _failures(check_customer, self._record(), customer, country=country or "DE")
        if not values["currency"]:
            errors.append(FieldError(self._record(), _("Currency"), _("is required"),
                                     key="currency"))
        errors += self._parent_and_segment_errors(values)
        errors += self._recipient_errors(values)
        if values["do_not_contact"] and not values["do_not_contact_reason"]:
            errors.append(FieldError(self._record(), _("Reason for do not contact"),
                                     _("is required when do not contact is set"),
                                     key="do_not_contact_reason"))
        if self.customer_id is None and self._address(values):
            errors += _failures(check_address, self._record(), self._address(values))
        if errors:
            raise ValidationFailed(errors)

    def _parent_and_segment_errors(self, values: dict) -> list[FieldError]:
        errors = []
        if self.field("parent_id").is_pending():
            errors.append(FieldError(self._record(), _("Parent company"), self.tr(
                "choose a customer from the list, or clear the field"), key="parent_id"))
        too_long = [s for s in values["segments"] if len(s) > SEGMENT_LENGTH]
        if too_long:
            errors.append(FieldError(self._record(), _("Segments"), self.tr(
                "a segment can have at most {count} characters: {segment}").format(
                count=SEGMENT_LENGTH, segment=too_long[0]), key="segments"))
        return errors

    def _recipient_errors(self, values: dict) -> list[FieldError]:
        if self.field("invoice_recipient_id").is_pending():
            return [FieldError(self._record(), _("Invoice recipient"), self.tr(
                "choose a customer from the list, or clear the field"),
                key="invoice_recipient_id")]
        stored = self._recipient_problem
        if stored is not None and values["invoice_recipient_id"] == stored[0]:
            return [FieldError(self._record(), _("Invoice recipient"), stored[1],
                               key="invoice_recipient_id")]
        return []

    def _address(self, values: dict) -> dict | None:
        """The main address of a new customer, if any of its fields was filled in."""
        address = {f: values[f] for f in ADDRESS_FIELDS}
        if not any(address[f] for f in ("street", "postal_code", "city")):
            return None
        return address | {"kind": "main", "is_default": True}

    # -- saving -------------------------------------------------------------------------

    def persist(self, values: dict) -> bool:  # override
        if self.customer_id is None:
            return self._create(values)
        changed = {f: values[f] for f in CUSTOMER_FIELDS if values[f] != self._initial.get(f)}
        with self.store.session() as session:
            customer = get_customer(session, self.customer_id)
            if "parent_id" in changed:
                check_parent(session, customer, changed["parent_id"])
            update_customer(session, customer, changed)
            if values["segments"] != self._initial.get("segments"):
                set_segments(session, customer, values["segments"])
            session.commit()
        self.saved_id = self.customer_id
        return True

    def _create(self, values: dict) -> bool:
        address = self._address(values)
        with self.store.session() as session:
            check_parent(session, None, values["parent_id"], self._record())
            if not self._no_duplicates(session, values, address):
                return False
            customer = create_customer(session, {f: values[f] for f in CUSTOMER_FIELDS},
                                       addresses=[address] if address else [])
            if values["segments"]:
                set_segments(session, customer, values["segments"])
            session.commit()
            self.saved_id = customer.id
        return True

    def _no_duplicates(self, session, values: dict, address: dict | None) -> bool:
        """Warn about probable duplicates; False when the user does not want a new file."""
        try:
            from salesdesk.services.duplicates import find_duplicates
        except ImportError:  # duplicate detection not installed: nothing to warn about
            return True
        found = find_duplicates(session, values["name"], (address or {}).get("postal_code", ""),
                                values["vat_id"])
        if not found:
            return True
        choice, chosen = duplicates.ask_about_duplicates(self, found)
        if choice == duplicates.OPEN_EXISTING:
            self._initial = self.values()  # leaving on purpose: no "unsaved changes" prompt
            self.sig_open_customer.emit(chosen)
            self.reject()
        return choice == duplicates.CREATE_ANYWAY


def _amount(text: str) -> object:
    """A typed amount read the way the user's language writes it; "" → None."""
    if not text:
        return None
    try:
        return parse_decimal(text, locale=locale_name(), strict=False)
    except NumberFormatError:
        return text  # the domain check names the problem


TERM_FIELDS = ("payment_term_id", "delivery_term_id")


def _lookup_text(field: str, entry, entries: list) -> str:
    """Terms by their name ("14 days 2 % discount, 30 days net": their tooltip says the
    rest), with the code only where two share a name; other lookups as "Retail (RET)"."""
    if field in TERM_FIELDS and entry.name and \
            sum(1 for other in entries if other.name == entry.name) == 1:
        return entry.name
    return entry.label


def format_percent_input(value: Decimal | None) -> str:
    """A stored percentage as the user's language writes it in a field: 1.5 → "1,5" (de)."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.##", locale=locale_name())


def _failures(check, record: str, values: dict, **kwargs) -> list[FieldError]:
    try:
        check(record, values, **kwargs)
    except ValidationFailed as exc:
        return exc.errors
    return []
