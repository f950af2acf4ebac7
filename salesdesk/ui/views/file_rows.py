"""The rows of the tables in a customer file: addresses, contacts, bank, documents, history."""

from datetime import date, datetime
from decimal import Decimal

from PySide6.QtCore import QCoreApplication

from salesdesk.domain.customer import AddressKind, ConsentChannel
from salesdesk.domain.validation import format_phone
from salesdesk.services.customers import live
from salesdesk.services.history import HistoryEntry
from salesdesk.store.models import Customer
from salesdesk.ui import choices
from salesdesk.ui.formatting import (
    format_amount,
    format_date,
    format_local_time,
    format_size,
    group_iban,
    yes_no,
)
from salesdesk.ui.icons import icon
from salesdesk.ui.models.customer_table import DO_NOT_CONTACT_RED
from salesdesk.ui.models.record_table import Cell

Rows = list[tuple[object, list]]


def tr(text: str) -> str:
    return QCoreApplication.translate("CustomerFile", text)


def address_headers() -> list[str]:
    return [tr("Type"), tr("Default"), tr("Name on the address"), tr("Street"),
            tr("Postal code"), tr("City"), tr("Country")]


def address_rows(customer: Customer) -> Rows:
    return [(a.id, [_kind(a.kind), _tick(a.is_default), a.name,
                    ", ".join(p for p in (a.street, a.street2) if p), a.postal_code, a.city,
                    choices.country_name(a.country)])
            for a in live(customer.addresses)]


def _kind(kind: str) -> str:
    try:
        return AddressKind(kind).label
    except ValueError:
        return kind


def _tick(value: bool) -> str:
    return "✓" if value else ""


def contact_headers() -> list[str]:
    return [tr("Name"), tr("Role"), tr("Department"), tr("Phone"), tr("Mobile"), tr("E-mail"),
            tr("Contact")]


def contact_rows(customer: Customer) -> Rows:
    return [(c.id, [" ".join(p for p in (c.salutation, c.full_name) if p), c.role,
                    c.department, format_phone(c.phone) if c.phone else "",
                    format_phone(c.mobile) if c.mobile else "", c.email, _contact_cell(c)])
            for c in live(customer.contacts)]


def _contact_cell(contact) -> Cell | str:
    if not contact.do_not_contact:
        return ""
    return Cell(tr("Do not contact"), tooltip=tr("This person must not be contacted."),
                colour=DO_NOT_CONTACT_RED, icon=icon("do-not-contact"))


def bank_headers() -> list[str]:
    return [tr("IBAN"), tr("BIC"), tr("Account holder"), tr("Bank"), tr("SEPA mandate"),
            tr("Default")]


def bank_rows(customer: Customer) -> Rows:
    return [(b.id, [group_iban(b.iban), b.bic, b.holder, b.bank_name, _mandate(b),
                    _tick(b.is_default)])
            for b in live(customer.bank_accounts)]


def _mandate(account) -> str:
    if not account.sepa_mandate_ref:
        return ""
    if account.sepa_mandate_date is None:
        return account.sepa_mandate_ref
    return tr("{reference} of {date}").format(reference=account.sepa_mandate_ref,
                                              date=format_date(account.sepa_mandate_date))


def consent_headers() -> list[str]:
    return [tr("Channel"), tr("Consent"), tr("Date"), tr("Source"), tr("Contact person")]


def consent_rows(customer: Customer) -> Rows:
    """Newest first: the first row per channel is the one that counts."""
    people = {c.id: c for c in customer.contacts}  # removed people too: history stays
    consents = sorted(live(customer.consents), key=lambda c: (c.recorded_on, c.created_at),
                      reverse=True)
    return [(c.id, [_channel(c.channel), _consent_cell(c.granted), format_date(c.recorded_on),
                    c.source, _person(people.get(c.contact_id))])
            for c in consents]


def _channel(channel: str) -> str:
    try:
        return ConsentChannel(channel).label
    except ValueError:
        return channel


def _consent_cell(granted: bool) -> Cell | str:
    if granted:
        return tr("given")
    return Cell(tr("withdrawn"), colour=DO_NOT_CONTACT_RED)


def _person(contact) -> str:
    if contact is None:
        return ""
    if contact.deleted_at is not None:
        return tr("{name} (removed)").format(name=contact.full_name)
    return contact.full_name


def document_headers() -> list[str]:
    return [tr("Name"), tr("Type"), tr("Added"), tr("Size")]


def document_rows(customer: Customer) -> Rows:
    return [(d.id, [Cell(d.name, icon=icon("document")), d.doc_type,
                    format_local_time(d.added_at), Cell(format_size(d.size), right=True)])
            for d in reversed(live(customer.documents))]


def history_headers() -> list[str]:
    return [tr("When"), tr("Who"), tr("Record"), tr("Field"), tr("Change")]


def history_rows(entries: list[HistoryEntry]) -> Rows:
    return [(n, [format_local_time(e.changed_at), e.changed_by, e.record, e.field,
                 _change(e)]) for n, e in enumerate(entries)]


def _change(entry: HistoryEntry) -> str:
    if entry.action == "insert":
        return tr("created")
    if entry.action == "delete":
        return tr("deleted")
    if entry.action == "purge":
        return tr("removed for good")
    if entry.action == "merge":
        return tr("{other} merged into {this}").format(other=entry.old, this=entry.new)
    return f"{show_value(entry.old)} → {show_value(entry.new)}"


def show_value(value: object) -> str:
    """A history value as text: dates, amounts and yes/no in the user's language."""
    if value is None or value == "":
        return tr("(empty)")
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, datetime):
        return format_local_time(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, Decimal):
        return format_amount(value)
    return str(value)
