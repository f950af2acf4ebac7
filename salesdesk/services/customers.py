"""Customer file use cases: create, change, tombstone, and the parts of a file.

Each function takes the caller's Session, checks with the domain rules, changes the
records and returns them; the caller commits. Errors are ValidationFailed naming the
record, field and problem; nothing is written when a check fails.
"""

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from salesdesk.domain.customer import (
    CUSTOMER_PREFIX,
    AddressKind,
    ConsentChannel,
    check_address,
    check_bank_account,
    check_contact,
    check_customer,
)
from salesdesk.domain.errors import FieldError, NotFound, ValidationFailed
from salesdesk.domain.geo import PRECISION_MANUAL, SOURCE_MANUAL
from salesdesk.i18n import _
from salesdesk.store.models import (
    Address,
    BankAccount,
    Consent,
    ContactPerson,
    Customer,
    CustomerSegment,
)
from salesdesk.store.numbering import bump_past, take_numbers
from salesdesk.store.types import utcnow

CUSTOMER_FIELDS = (
    "name", "name2", "legal_form", "status", "customer_group_id", "price_group_id",
    "territory_id", "representative_id", "parent_id", "language", "currency", "credit_limit",
    "payment_term_id", "delivery_term_id", "vat_id", "tax_number", "website", "notes",
    "next_contact", "do_not_contact", "do_not_contact_reason", "invoice_recipient_id",
    "return_conditions", "collection_discount",
)
ADDRESS_FIELDS = ("kind", "is_default", "name", "street", "street2", "postal_code", "city",
                  "country", "latitude", "longitude")
CONTACT_FIELDS = ("salutation", "title", "first_name", "last_name", "role", "department",
                  "phone", "mobile", "email", "language", "birthday", "do_not_contact")
BANK_FIELDS = ("iban", "bic", "holder", "bank_name", "sepa_mandate_ref", "sepa_mandate_date",
               "is_default")


def record_name(customer: Customer | None, values: dict | None = None) -> str:
    number = customer.number if customer is not None else _("new customer")
    name = (values or {}).get("name") or (customer.name if customer is not None else "")
    return _("Customer {number} {name}").format(number=number, name=name).strip()


def get_customer(session: Session, key: str | uuid.UUID) -> Customer:
    """A customer by number (K-000123) or id, with its whole file loaded."""
    query = select(Customer).options(
        selectinload(Customer.addresses), selectinload(Customer.contacts),
        selectinload(Customer.bank_accounts), selectinload(Customer.consents),
        selectinload(Customer.documents), selectinload(Customer.segments),
    )
    if isinstance(key, uuid.UUID):
        query = query.where(Customer.id == key)
    else:
        query = query.where(Customer.number == key.strip().upper())
    customer = session.scalar(query)
    if customer is None:
        raise NotFound(_("There is no customer {key}.").format(key=key))
    return customer


def _apply(record: object, values: dict, fields: tuple[str, ...]) -> None:
    for field in fields:
        if field in values:
            value = values[field]
            setattr(record, field, "" if value is None and _is_text(record, field) else value)


def _is_text(record: object, field: str) -> bool:
    column = record.__table__.c[field]  # type: ignore[attr-defined]
    return not column.nullable and column.type.python_type is str


def _check_dnc_reason(record: str, values: dict) -> None:
    if values.get("do_not_contact") and not str(values.get("do_not_contact_reason") or "").strip():
        raise ValidationFailed([FieldError(record, _("Reason for do not contact"),
                                           _("is required when do not contact is set"),
                                           key="do_not_contact_reason")])


def create_customer(
    session: Session,
    values: dict,
    *,
    addresses: list[dict] = (),
    contacts: list[dict] = (),
    number: str | None = None,
) -> Customer:
    """A new customer file with its first addresses and contacts, numbered K-nnnnnn."""
    record = record_name(None, values)
    country = (addresses[0].get("country") if addresses else None) or "DE"
    clean = _checked(session, None, record, values, country=str(country).upper())
    _check_dnc_reason(record, clean)
    checked_addresses = [check_address(record, a) for a in addresses]
    checked_contacts = [check_contact(record, c, country=str(country).upper()) for c in contacts]
    if number:
        number = number.strip().upper()
        bump_past(session, "customer", CUSTOMER_PREFIX, number)
    else:
        number = take_numbers(session, "customer", CUSTOMER_PREFIX)[0]
    customer = Customer(number=number)
    _apply(customer, clean, CUSTOMER_FIELDS)
    for data in _with_defaults(checked_addresses):
        customer.addresses.append(_new(Address, data, ADDRESS_FIELDS))
    for data in checked_contacts:
        customer.contacts.append(_new(ContactPerson, data, CONTACT_FIELDS))
    session.add(customer)
    session.flush()
    return customer


def _new(model, values: dict, fields: tuple[str, ...]):
    record = model()
    _apply(record, values, fields)
    return record


def _with_defaults(addresses: list[dict]) -> list[dict]:
    """The first address of each kind is its default unless one says otherwise."""
    seen = {a.get("kind", "main") for a in addresses if a.get("is_default")}
    result = []
    for data in addresses:
        kind = data.get("kind") or AddressKind.MAIN.value
        data = {**data, "kind": kind}
        if kind not in seen:
            data["is_default"] = True
            seen.add(kind)
        result.append(data)
    return result


def update_customer(session: Session, customer: Customer, values: dict) -> Customer:
    """Change master data fields; the flush hook records each change in the audit trail."""
    record = record_name(customer, values)
    country = customer.main_country or "DE"
    merged = {f: getattr(customer, f) for f in CUSTOMER_FIELDS} | values
    clean = _checked(session, customer, record, values, country=country, only_given=True)
    _check_dnc_reason(record, merged | clean)
    _apply(customer, clean, CUSTOMER_FIELDS)
    session.flush()
    return customer


def _checked(session: Session, customer: Customer | None, record: str, values: dict,
             **options) -> dict:
    """The domain's field checks and the invoice recipient's, every problem at once."""
    errors: list[FieldError] = []
    try:
        clean = check_customer(record, values, **options)
    except ValidationFailed as exc:
        errors, clean = exc.errors, {}
    try:
        check_invoice_recipient(session, customer, values.get("invoice_recipient_id"), record)
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    return clean


def invoice_recipient_problem(session: Session, customer_id: uuid.UUID | None,
                              recipient_id: uuid.UUID | None) -> str | None:
    """Why ``recipient_id`` cannot receive the invoices of ``customer_id`` (None: it can).

    The recipient is another live customer (e.g. the head office), not the customer
    itself and not a file that was deleted or merged into another one."""
    if recipient_id is None:
        return None
    if recipient_id == customer_id:
        return _("a customer cannot be its own invoice recipient; leave the field empty "
                 "instead")
    row = session.execute(select(Customer.number, Customer.deleted_at, Customer.merged_into_id)
                          .where(Customer.id == recipient_id)).first()
    if row is None:
        return _("there is no such customer")
    number, deleted_at, merged_into_id = row
    if merged_into_id is not None:
        into = session.scalar(select(Customer.number).where(Customer.id == merged_into_id))
        return _("customer {number} was merged into {into}; choose {into}").format(
            number=number, into=into or "?")
    if deleted_at is not None:
        return _("customer {number} has been deleted").format(number=number)
    return None


def check_invoice_recipient(session: Session, customer: Customer | None,
                            recipient_id: uuid.UUID | None, record: str = "") -> None:
    """Raise ValidationFailed for the invoice_recipient_id field (see
    ``invoice_recipient_problem``)."""
    problem = invoice_recipient_problem(session, customer.id if customer else None,
                                        recipient_id)
    if problem is not None:
        raise ValidationFailed([FieldError(record or record_name(customer),
                                           _("Invoice recipient"), problem,
                                           key="invoice_recipient_id")])


def check_parent(session: Session, customer: Customer | None, parent_id: uuid.UUID | None,
                 record: str = "") -> None:
    """A parent company must be a live customer and not the customer itself, directly or
    further up (A → B → A); raises ValidationFailed for the parent_id field."""
    if parent_id is None:
        return
    record = record or record_name(customer)

    def failed(message: str) -> ValidationFailed:
        return ValidationFailed([FieldError(record, _("Parent company"), message,
                                            key="parent_id")])

    parent = session.get(Customer, parent_id)
    if parent is None or parent.deleted_at is not None:
        raise failed(_("there is no such customer (any more)"))
    seen: set[uuid.UUID] = set()
    current: uuid.UUID | None = parent_id
    while current is not None and current not in seen:
        if customer is not None and current == customer.id:
            raise failed(_("would make the customer its own parent company"))
        seen.add(current)
        current = session.scalar(select(Customer.parent_id).where(Customer.id == current))


def delete_customer(session: Session, customer: Customer) -> None:
    """A tombstone: the file disappears from lists and search but stays for sync and audit."""
    customer.deleted_at = utcnow()
    session.flush()


def save_address(session: Session, customer: Customer, values: dict,
                 address: Address | None = None) -> Address:
    """Create or change an address. Coordinates given that differ from the stored ones
    are a manual pin (precision and source "manual": geocoding never moves it); both
    cleared, the address is left to geocoding again."""
    clean = check_address(record_name(customer), values)
    if address is None:
        address = Address(kind=clean.get("kind") or AddressKind.MAIN.value)
        customer.addresses.append(address)
    _mark_pin(address, clean)
    _forget_moved_geocode(address, clean)
    _apply(address, clean, ADDRESS_FIELDS)
    if address.is_default or not any(
        a.is_default for a in customer.addresses if a.kind == address.kind and a is not address
        and a.deleted_at is None
    ):
        _make_default(customer, address)
    session.flush()
    return address


_LOCATION_FIELDS = ("street", "postal_code", "city", "country")


def _forget_moved_geocode(address: Address, clean: dict) -> None:
    """A geocoded address that moved (street, postal code, city, country) loses its old
    coordinates, so radius search doesn't place it where it was; geocoding finds it
    again. A manual pin stays: the user placed it on purpose."""
    if address.id is None or address.latitude is None or \
            address.geo_precision == PRECISION_MANUAL:
        return
    if clean.get("latitude") not in (None, address.latitude) or \
            clean.get("longitude") not in (None, address.longitude):
        return  # new coordinates came with the change
    moved = any(field in clean and (clean[field] or "") != (getattr(address, field) or "")
                for field in _LOCATION_FIELDS)
    if moved:
        address.latitude = address.longitude = None
        address.geo_precision = address.geo_source = ""
        address.geocoded_at = None
        clean.pop("latitude", None)
        clean.pop("longitude", None)


def _mark_pin(address: Address, clean: dict) -> None:
    if "latitude" not in clean and "longitude" not in clean:
        return
    pin = (clean.get("latitude"), clean.get("longitude"))
    if pin == (address.latitude, address.longitude):
        return  # unchanged: however they were found, they stay
    if pin == (None, None):
        address.geo_precision = address.geo_source = ""
        address.geocoded_at = None
    else:
        address.geo_precision, address.geo_source = PRECISION_MANUAL, SOURCE_MANUAL
        address.geocoded_at = utcnow()


def _make_default(customer: Customer, address: Address) -> None:
    for other in customer.addresses:
        if other.kind == address.kind and other is not address and other.is_default:
            other.is_default = False
    address.is_default = True


def save_contact(session: Session, customer: Customer, values: dict,
                 contact: ContactPerson | None = None) -> ContactPerson:
    clean = check_contact(record_name(customer), values, country=customer.main_country or "DE")
    if contact is None:
        contact = ContactPerson(last_name=clean["last_name"])
        customer.contacts.append(contact)
    _apply(contact, clean, CONTACT_FIELDS)
    session.flush()
    return contact


def save_bank_account(session: Session, customer: Customer, values: dict,
                      account: BankAccount | None = None) -> BankAccount:
    clean = check_bank_account(record_name(customer), values)
    if account is None:
        account = BankAccount(iban=clean["iban"])
        customer.bank_accounts.append(account)
    _apply(account, clean, BANK_FIELDS)
    session.flush()
    return account


def remove_part(session: Session, part: Address | ContactPerson | BankAccount) -> None:
    """Tombstone an address, contact or bank account of a customer file."""
    part.deleted_at = utcnow()
    if isinstance(part, Address) and part.is_default:
        part.is_default = False
    session.flush()


def record_consent(session: Session, customer: Customer, channel: str, granted: bool,
                   recorded_on: date, source: str, contact: ContactPerson | None = None) -> Consent:
    """A consent given or withdrawn; history is kept, the newest record per channel counts."""
    record = record_name(customer)
    try:
        channel = ConsentChannel(channel).value
    except ValueError as exc:
        raise ValidationFailed([FieldError(record, _("Channel"), _("unknown channel"))]) from exc
    if not source.strip():
        raise ValidationFailed([FieldError(record, _("Source"), _("is required"))])
    consent = Consent(channel=channel, granted=granted, recorded_on=recorded_on,
                      source=source.strip(), contact_id=contact.id if contact else None)
    customer.consents.append(consent)
    session.flush()
    return consent


def set_segments(session: Session, customer: Customer, segments: list[str]) -> None:
    wanted = {s.strip() for s in segments if s.strip()}
    for existing in list(customer.segments):
        if existing.segment not in wanted:
            customer.segments.remove(existing)
    have = {s.segment for s in customer.segments}
    for segment in sorted(wanted - have):
        customer.segments.append(CustomerSegment(segment=segment))
    session.flush()


def live(parts: list) -> list:
    """The parts of a file that are not tombstoned."""
    return [p for p in parts if p.deleted_at is None]
