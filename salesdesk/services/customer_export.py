"""Customer export to xlsx or csv, in the columns the import understands.

Pages through the list in number order (never all customers in memory) and streams
each page into a write-only workbook. One row per customer: master data, the default
main address, the first contact person, the default bank account and lookup codes.
"""

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

from sqlalchemy import String, func, literal_column, select, type_coerce
from sqlalchemy.orm import Session, aliased

from salesdesk.domain.errors import DomainError
from salesdesk.i18n import _, current_language
from salesdesk.reports.customer_table import COLUMN_BY_KEY, COLUMNS, file_kind, write_table
from salesdesk.services.customer_list import CustomerFilter, count_customers, list_customers
from salesdesk.store.models import (
    Address,
    BankAccount,
    ContactPerson,
    Customer,
    CustomerGroup,
    DeliveryTerm,
    PaymentTerm,
    PriceGroup,
    Territory,
    UserAccount,
)

PAGE = 5000  # customers read per round trip: big pages, few queries, bounded memory
STEP = 500  # rows between progress reports and cancel checks
_CENT = Decimal("0.01")


class ExportCancelled(DomainError):
    """The user cancelled the export; no file was written."""


def export_customers(
    session: Session,
    path: Path,
    flt: CustomerFilter | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> int:
    """Write the live customers matching ``flt`` (default: all) sorted by number; returns
    how many. Headers are German when the app speaks German, else English.

    The file appears only when complete; ``cancel()`` returning True raises
    ExportCancelled and leaves no file.
    """
    path = Path(path)
    file_kind(path)  # an unsupported name fails before the database is read
    flt = flt or CustomerFilter()
    language = current_language()
    rows = _rows(session, flt, progress, cancel)
    return write_table(path, [c.header(language) for c in COLUMNS], rows,
                       kinds=[c.kind for c in COLUMNS], widths=[c.width for c in COLUMNS],
                       title=_("Customers"))


def _rows(session: Session, flt: CustomerFilter, progress, cancel) -> Iterator[list]:
    total, done = count_customers(session, flt), 0
    while True:
        page = list_customers(session, flt, sort="number", offset=done, limit=PAGE)
        records = _records(session, [row.id.hex for row in page])
        for row in page:
            if done % STEP == 0:
                _step(done, total, progress, cancel)
            record = records[row.id.hex]
            yield [record.get(column.key) for column in COLUMNS]
            done += 1
        if len(page) < PAGE:
            break
    _step(done, done, progress, cancel)


def _step(done: int, total: int, progress, cancel) -> None:
    if cancel is not None and cancel():
        raise ExportCancelled(_("The export was cancelled; no file was written."))
    if progress is not None:
        progress(done, max(total, done))


_LOOKUPS = {"group": CustomerGroup, "price_group": PriceGroup, "territory": Territory,
            "payment_term": PaymentTerm, "delivery_term": DeliveryTerm}
_MASTER = ("number", "name", "name2", "legal_form", "status", "vat_id", "tax_number",
           "credit_limit", "currency", "language", "website", "next_contact", "do_not_contact",
           "do_not_contact_reason", "notes", "collection_discount", "return_conditions")


def _records(session: Session, ids: list[str]) -> dict[str, dict]:
    """Every column's value for these customers (ids in hex), by column key."""
    if not ids:
        return {}
    page = json.dumps(ids)
    records = _master(session, page)
    for part in (_main_addresses, _first_contacts, _default_accounts):
        for customer_id, values in part(session, page).items():
            records[customer_id].update(values)
    return records


def _in_page(column, page: str):
    """``column`` names one of the page's customers: one JSON parameter, not 5000 (the
    store keeps ids as hex text, which is what ``_raw`` reads back without parsing)."""
    return column.in_(select(literal_column("value")).select_from(func.json_each(page)))


def _raw(column):
    return type_coerce(column, String)


def _master(session: Session, page: str) -> dict[str, dict]:
    lookups = {key: aliased(model) for key, model in _LOOKUPS.items()}
    rep, recipient = aliased(UserAccount), aliased(Customer)
    query = select(_raw(Customer.id), *(getattr(Customer, f) for f in _MASTER),
                   *(table.code for table in lookups.values()), rep.login, recipient.number)
    for key, table in lookups.items():
        column = getattr(Customer, COLUMN_BY_KEY[key].field)
        query = query.outerjoin(table, column == table.id)
    query = query.outerjoin(rep, Customer.representative_id == rep.id).outerjoin(
        recipient, Customer.invoice_recipient_id == recipient.id).where(
        _in_page(Customer.id, page))
    keys = (*_MASTER, *lookups, "representative", "invoice_recipient")
    records = {}
    for row in session.connection().execute(query):  # plain rows: no ORM loading
        record = dict(zip(keys, row[1:], strict=True))
        record["credit_limit"] = _money(record["credit_limit"])
        record["collection_discount"] = _percent(record["collection_discount"])
        records[row[0]] = record
    return records


def _money(value: Decimal | None) -> Decimal | None:
    """Two places where that loses nothing (the store keeps four: 5000.0000)."""
    if value is None:
        return None
    cents = value.quantize(_CENT)
    return cents if cents == value else value.normalize()


def _percent(value: Decimal | None) -> Decimal | None:
    """1.5 rather than the stored 1.5000; 10, not 1E+1."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else \
        value.normalize()


def _first_of_each(session: Session, query, columns: tuple[str, ...]) -> dict:
    first: dict[str, dict] = {}
    for row in session.connection().execute(query):  # plain rows: no ORM loading
        if row[0] not in first:
            first[row[0]] = dict(zip(columns, row[1:], strict=True))
    return first


def _main_addresses(session: Session, page: str) -> dict:
    """The default main address; the same choice as customer_table.main_address."""
    query = (select(_raw(Address.customer_id), Address.street, Address.street2, Address.postal_code,
                    Address.city, Address.country)
             .where(_in_page(Address.customer_id, page), Address.kind == "main",
                    Address.deleted_at.is_(None))
             .order_by(Address.customer_id, Address.is_default.desc(), Address.created_at,
                       Address.id))
    return _first_of_each(session, query, ("street", "street2", "postal_code", "city",
                                           "country"))


def _first_contacts(session: Session, page: str) -> dict:
    """The first contact person created; the same choice as customer_table.first_contact."""
    query = (select(_raw(ContactPerson.customer_id), ContactPerson.salutation,
                    ContactPerson.first_name, ContactPerson.last_name, ContactPerson.role,
                    ContactPerson.phone, ContactPerson.mobile, ContactPerson.email)
             .where(_in_page(ContactPerson.customer_id, page), ContactPerson.deleted_at.is_(None))
             .order_by(ContactPerson.customer_id, ContactPerson.created_at, ContactPerson.id))
    return _first_of_each(session, query, ("contact_salutation", "contact_first_name",
                                           "contact_last_name", "contact_role", "phone",
                                           "mobile", "email"))


def _default_accounts(session: Session, page: str) -> dict:
    query = (select(_raw(BankAccount.customer_id), BankAccount.iban, BankAccount.bic,
                    BankAccount.holder)
             .where(_in_page(BankAccount.customer_id, page), BankAccount.deleted_at.is_(None))
             .order_by(BankAccount.customer_id, BankAccount.is_default.desc(),
                       BankAccount.created_at, BankAccount.id))
    return _first_of_each(session, query, ("iban", "bic", "account_holder"))
