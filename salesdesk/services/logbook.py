"""Logbook use cases: write an entry (with its follow-ups in one step), correct it within
the author's window, tombstone it with a reason, and list entries fast.

Writing functions take the caller's Session and leave the commit to it, so an entry and
the task, appointment and next-contact date derived from it commit together or not at
all. Listing functions use plain SQL on a Session or ``Store.reader()`` (GUI thread).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from salesdesk.domain.errors import FieldError, NotFound, ValidationFailed
from salesdesk.domain.logbook import check_entry, check_may_edit
from salesdesk.i18n import _
from salesdesk.services import lookups
from salesdesk.services.settings import get_setting
from salesdesk.services.users import current_user
from salesdesk.store.engine import dbapi, named_marks
from salesdesk.store.logbook_index import LOGBOOK_FTS
from salesdesk.store.models import ContactPerson, Customer, LogbookContact, LogbookEntry
from salesdesk.store.search import _id_chunks, match_expression
from salesdesk.store.types import stored_time, utcnow

ENTRY_FIELDS = ("occurred_at", "duration_minutes", "kind", "subject", "notes", "outcome",
                "reason_code", "follow_up_on")


@dataclass
class FollowUps:
    """What an entry sets in motion, made in the same transaction as the entry."""

    task: dict | None = None  # values for services.tasks.create_task (title, due_on, …)
    appointment: dict | None = None  # values for services.appointments.create_appointment
    appointment_contact_ids: list[uuid.UUID] = field(default_factory=list)
    next_contact: date | None = None  # the customer's next contact date


@dataclass
class Written:
    entry: LogbookEntry
    task: object | None = None
    appointment: object | None = None


def entry_record(entry: LogbookEntry | None, customer: Customer | None = None) -> str:
    """How messages name an entry: "Logbook entry 2026-11-23 Visit at K-000001"."""
    if entry is None or entry.occurred_at is None:
        return _("New logbook entry")
    number = customer.number if customer is not None else ""
    return _("Logbook entry of {date} {subject} {number}").format(
        date=entry.occurred_at.date().isoformat(), subject=entry.subject, number=number
    ).strip()


def _check(session: Session, record: str, values: dict, partial: bool = False) -> dict:
    kinds = {e.code for e in lookups.contact_kinds(session, with_inactive=partial)}
    reasons = {e.code for e in lookups.reason_codes(session, with_inactive=partial)}
    return check_entry(record, values, kinds=kinds, reasons=reasons, partial=partial)


def _contacts(session: Session, record: str, customer: Customer,
              contact_ids) -> list[uuid.UUID]:
    ids = list(dict.fromkeys(contact_ids or ()))
    if not ids:
        return []
    found = set(session.scalars(select(ContactPerson.id).where(
        ContactPerson.id.in_(ids), ContactPerson.customer_id == customer.id,
        ContactPerson.deleted_at.is_(None))))
    if len(found) != len(ids):
        raise ValidationFailed([FieldError(record, _("Contact persons"),
                                           _("must be contact persons of this customer"),
                                           key="contact_ids")])
    return ids


def _customer(session: Session, customer_id: uuid.UUID) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound(_("There is no customer with this key."))
    return customer


def create_entry(session: Session, customer_id: uuid.UUID, values: dict, *,
                 contact_ids=(), follow_ups: FollowUps | None = None,
                 user_id: uuid.UUID | None = None) -> Written:
    """A new logbook entry and what follows from it, all in the caller's transaction."""
    customer = _customer(session, customer_id)
    record = _("New logbook entry for {customer}").format(customer=customer.record_label())
    clean = _check(session, record, values)
    contacts = _contacts(session, record, customer, contact_ids)
    me = current_user(session)
    entry = LogbookEntry(customer_id=customer.id, user_id=user_id or me.id, author=me.login)
    for name in ENTRY_FIELDS:
        if name in clean:
            setattr(entry, name, clean[name])
    entry.contacts = [LogbookContact(contact_id=c) for c in contacts]
    session.add(entry)
    written = Written(entry)
    follow_ups = follow_ups or FollowUps()
    next_contact = follow_ups.next_contact or clean.get("follow_up_on")
    if next_contact is not None:
        entry.follow_up_on = next_contact
        customer.next_contact = next_contact
    session.flush()
    if follow_ups.task is not None:
        from salesdesk.services.tasks import create_task

        task_values = {"customer_id": customer.id, **follow_ups.task}
        if contacts and "contact_id" not in task_values:
            task_values["contact_id"] = contacts[0]
        written.task = create_task(session, task_values, logbook_entry_id=entry.id)
    if follow_ups.appointment is not None:
        from salesdesk.services.appointments import create_appointment

        written.appointment = create_appointment(
            session, {"customer_id": customer.id, **follow_ups.appointment},
            contact_ids=follow_ups.appointment_contact_ids or contacts,
            logbook_entry_id=entry.id)
    refresh_last_contact(session, [customer.id])
    return written


def get_entry(session: Session, entry_id: uuid.UUID) -> LogbookEntry:
    entry = session.scalar(select(LogbookEntry).options(selectinload(LogbookEntry.contacts))
                           .where(LogbookEntry.id == entry_id))
    if entry is None or entry.deleted_at is not None:
        raise NotFound(_("This logbook entry does not exist (any more)."))
    return entry


def may_edit(session: Session, entry: LogbookEntry, now: datetime | None = None) -> str | None:
    """None if the current user may still change the entry, else the reason why not."""
    from salesdesk.domain.logbook import EditWindowClosed

    try:
        _check_window(session, entry, now)
    except EditWindowClosed as exc:
        return str(exc)
    return None


def _check_window(session: Session, entry: LogbookEntry, now: datetime | None) -> None:
    check_may_edit(entry_record(entry, entry.customer), author=entry.author,
                   user=session.info.get("user", ""), created_at=entry.created_at,
                   now=now or utcnow(),
                   window_hours=float(get_setting(session, "logbook.edit_window_hours")))


def update_entry(session: Session, entry_id: uuid.UUID, values: dict, *,
                 contact_ids=None, now: datetime | None = None) -> LogbookEntry:
    """Correct an entry: only its author, only within the edit window; audited."""
    entry = get_entry(session, entry_id)
    _check_window(session, entry, now)
    record = entry_record(entry, entry.customer)
    clean = _check(session, record, values, partial=True)
    for name in ENTRY_FIELDS:
        if name in clean:
            setattr(entry, name, clean[name])
    if contact_ids is not None:
        wanted = _contacts(session, record, entry.customer, contact_ids)
        set_links(entry.contacts, wanted, lambda c: LogbookContact(contact_id=c))
    session.flush()
    refresh_last_contact(session, [entry.customer_id])
    return entry


def delete_entry(session: Session, entry_id: uuid.UUID, reason: str, *,
                 now: datetime | None = None) -> LogbookEntry:
    """Tombstone an entry with the reason; it leaves lists and search, its history stays."""
    entry = get_entry(session, entry_id)
    _check_window(session, entry, now)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldError(entry_record(entry, entry.customer),
                                           _("Reason for deleting"), _("is required"),
                                           key="delete_reason")])
    entry.delete_reason = reason[:200]
    entry.deleted_at = utcnow()
    session.flush()
    refresh_last_contact(session, [entry.customer_id])
    return entry


def set_links(links: list, wanted: list, make) -> None:
    """Make the live links of a record exactly ``wanted`` (contact ids). Links that go are
    tombstoned, not deleted (they are synced records); a link that comes back is revived."""
    now = utcnow()
    by_contact = {link.contact_id: link for link in links}
    for contact_id, link in by_contact.items():
        if contact_id not in wanted and link.deleted_at is None:
            link.deleted_at = now
    for contact_id in wanted:
        link = by_contact.get(contact_id)
        if link is None:
            links.append(make(contact_id))
        elif link.deleted_at is not None:
            link.deleted_at = None


def refresh_last_contact(session: Session, customer_ids) -> None:
    """Set customer.last_contact_at to the newest live entry (a derived list column)."""
    conn = dbapi(session)
    for marks, params in _id_chunks(customer_ids):
        conn.execute(
            "UPDATE customer SET last_contact_at = (SELECT max(e.occurred_at) FROM "
            "logbook_entry e WHERE e.customer_id = customer.id AND e.deleted_at IS NULL) "
            f"WHERE id IN ({marks})", params)
    wanted = set(customer_ids)
    for obj in session.identity_map.values():
        if isinstance(obj, Customer) and obj.id in wanted:
            session.expire(obj, ["last_contact_at"])


# -- listing ----------------------------------------------------------------------------

@dataclass
class LogbookFilter:
    customer_id: uuid.UUID | None = None
    kinds: tuple[str, ...] = ()
    user_id: uuid.UUID | None = None
    start: datetime | None = None  # occurred at or after (UTC)
    end: datetime | None = None  # occurred before (UTC)
    text: str = ""


@dataclass(frozen=True)
class LogbookRow:
    id: uuid.UUID
    occurred_at: datetime
    customer_id: uuid.UUID
    customer_number: str
    customer_name: str
    kind: str
    subject: str
    notes: str
    outcome: str
    duration_minutes: int
    user_name: str
    contacts: str
    follow_up_on: date | None


def _where(flt: LogbookFilter) -> tuple[str, dict]:
    clauses, params = ["e.deleted_at IS NULL"], {}
    if flt.customer_id is not None:
        clauses.append("e.customer_id = :customer")
        params["customer"] = flt.customer_id.hex
    if flt.kinds:
        clauses.append(f"e.kind IN ({named_marks('k', flt.kinds, params)})")
    if flt.user_id is not None:
        clauses.append("e.user_id = :user")
        params["user"] = flt.user_id.hex
    if flt.start is not None:
        clauses.append("e.occurred_at >= :start")
        params["start"] = stored_time(flt.start)
    if flt.end is not None:
        clauses.append("e.occurred_at < :end")
        params["end"] = stored_time(flt.end)
    match = match_expression(flt.text) if flt.text else None
    if match:
        clauses.append(f"e.search_key IN (SELECT rowid FROM {LOGBOOK_FTS} "
                       f"WHERE {LOGBOOK_FTS} MATCH :match)")
        params["match"] = match
    return " AND ".join(clauses), params


_ROW_SQL = """
SELECT e.id, e.occurred_at, e.customer_id, c.number, c.name, e.kind, e.subject, e.notes,
       e.outcome, e.duration_minutes, coalesce(u.display_name, e.author),
       coalesce((SELECT group_concat(trim(p.first_name || ' ' || p.last_name), ', ')
                 FROM logbook_contact l JOIN contact_person p ON p.id = l.contact_id
                 WHERE l.entry_id = e.id AND l.deleted_at IS NULL), ''),
       e.follow_up_on
FROM logbook_entry e
JOIN customer c ON c.id = e.customer_id
LEFT JOIN user_account u ON u.id = e.user_id
"""


def list_entries(source, flt: LogbookFilter, offset: int = 0,
                 limit: int = 200) -> list[LogbookRow]:
    """A page of entries, newest first (index: customer/user/time)."""
    where, params = _where(flt)
    params.update(limit=limit, offset=offset)
    rows = dbapi(source).execute(
        f"{_ROW_SQL} WHERE {where} ORDER BY e.occurred_at DESC, e.id DESC "
        "LIMIT :limit OFFSET :offset", params)
    return [_row(r) for r in rows]


def count_entries(source, flt: LogbookFilter) -> int:
    where, params = _where(flt)
    return dbapi(source).execute(
        f"SELECT count(*) FROM logbook_entry e WHERE {where}", params).fetchone()[0]


def _row(r: tuple) -> LogbookRow:
    return LogbookRow(
        id=uuid.UUID(hex=r[0]), occurred_at=datetime.fromisoformat(r[1]),
        customer_id=uuid.UUID(hex=r[2]), customer_number=r[3], customer_name=r[4], kind=r[5],
        subject=r[6], notes=r[7], outcome=r[8], duration_minutes=r[9], user_name=r[10],
        contacts=r[11], follow_up_on=date.fromisoformat(r[12]) if r[12] else None)
