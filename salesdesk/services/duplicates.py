"""Finding probable duplicate customer files, and merging two files into one."""

import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from salesdesk.domain.duplicates import is_similar_name, name_key
from salesdesk.domain.errors import DomainError
from salesdesk.i18n import _
from salesdesk.store.models import (
    Address,
    AuditEntry,
    BankAccount,
    Consent,
    ContactPerson,
    Customer,
    CustomerSegment,
    Document,
)
from salesdesk.store.search import reindex_customers
from salesdesk.store.types import utcnow


@dataclass(frozen=True)
class DuplicateCandidate:
    customer_id: uuid.UUID
    number: str
    name: str
    city: str
    reason: str


def find_duplicates(
    session: Session,
    name: str,
    postal_code: str = "",
    vat_id: str = "",
    exclude_id: uuid.UUID | None = None,
) -> list[DuplicateCandidate]:
    """Live customers with the same VAT id, or a similar name in the same postal code."""
    conditions = []
    compact_vat = vat_id.replace(" ", "").upper()
    if compact_vat:
        conditions.append(Customer.vat_id == compact_vat)
    if postal_code.strip():
        conditions.append(Customer.main_postal_code == postal_code.strip())
    if not conditions:
        return []
    query = select(Customer.id, Customer.number, Customer.name, Customer.main_city,
                   Customer.vat_id).where(Customer.deleted_at.is_(None), or_(*conditions))
    if exclude_id is not None:
        query = query.where(Customer.id != exclude_id)
    found = []
    for cid, number, other_name, city, other_vat in session.execute(query):
        if compact_vat and other_vat == compact_vat:
            reason = _("same VAT id {vat}").format(vat=compact_vat)
        elif name_key(name) and is_similar_name(name, other_name):
            reason = _("similar name in {postal_code}").format(postal_code=postal_code.strip())
        else:
            continue
        found.append(DuplicateCandidate(cid, number, other_name, city, reason))
    return found


# Records that belong to a customer file and move with it on a merge.
_CHILDREN = (Address, ContactPerson, BankAccount, Consent, Document, CustomerSegment)


def merge_customers(session: Session, keep: Customer, other: Customer) -> Customer:
    """Move every address, contact, bank account, consent, document and segment of
    ``other`` to ``keep``; ``other`` becomes a tombstone pointing at ``keep``.

    Fields empty on ``keep`` are filled from ``other``. Later modules that reference
    customers (logbook, tasks…) register their tables in MERGE_REFERENCES.
    """
    if keep.id == other.id:
        raise DomainError(_("A customer file cannot be merged into itself."))
    if other.deleted_at is not None or keep.deleted_at is not None:
        raise DomainError(_("Deleted customer files cannot be merged."))
    session.flush()
    for model in _CHILDREN:  # through the ORM, so each move is audited like any change
        for record in session.scalars(select(model).where(model.customer_id == other.id)):
            record.customer = keep
    for table, column in MERGE_REFERENCES:
        session.execute(update(table).where(column == other.id).values({column.key: keep.id}))
    # customers whose head office or invoice recipient was ``other`` now name ``keep``
    # (``keep`` itself names no one: it cannot be its own head office or recipient)
    for attribute in (Customer.parent_id, Customer.invoice_recipient_id):
        for customer in session.scalars(select(Customer).where(attribute == other.id)):
            setattr(customer, attribute.key, None if customer.id == keep.id else keep.id)
    keep_segments = {s.segment for s in keep.segments}
    for segment in list(other.segments):
        if segment.segment in keep_segments:
            segment.deleted_at = utcnow()
    _fill_empty_fields(keep, other)
    other.merged_into_id = keep.id
    other.deleted_at = utcnow()
    session.add(AuditEntry(entity="customer", entity_id=keep.id, customer_id=keep.id,
                           action="merge", field="", old_value=other.number,
                           new_value=keep.number, changed_by=session.info.get("user", "")))
    session.flush()
    session.expire(keep)
    reindex_customers(session.connection(), [keep.id, other.id])
    _unique_defaults(session, keep.id)
    return keep


# (table, column) pairs that point at a customer and must follow a merge; extended by
# later modules (logbook entries, tasks, documents of sales).
MERGE_REFERENCES: list = []


_FILLABLE = ("name2", "legal_form", "customer_group_id", "price_group_id", "territory_id",
             "representative_id", "parent_id", "credit_limit", "payment_term_id",
             "delivery_term_id", "vat_id", "tax_number", "website", "next_contact")


def _fill_empty_fields(keep: Customer, other: Customer) -> None:
    for field in _FILLABLE:
        if getattr(keep, field) in (None, "") and getattr(other, field) not in (None, ""):
            setattr(keep, field, getattr(other, field))
    if other.notes and other.notes not in keep.notes:
        keep.notes = "\n".join(n for n in (keep.notes, other.notes) if n)
    if other.do_not_contact and not keep.do_not_contact:
        keep.do_not_contact = True
        keep.do_not_contact_reason = other.do_not_contact_reason


def _unique_defaults(session: Session, customer_id: uuid.UUID) -> None:
    """After a merge each address kind keeps exactly one default (the older one)."""
    rows = session.scalars(select(Address).where(Address.customer_id == customer_id,
                                                 Address.deleted_at.is_(None),
                                                 Address.is_default.is_(True))
                           .order_by(Address.created_at)).all()
    seen: set[str] = set()
    for address in rows:
        if address.kind in seen:
            address.is_default = False
        seen.add(address.kind)
    session.flush()
