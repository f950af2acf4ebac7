"""Distribution lists and mailings: lists kept, recipients found, exported, mailings logged.

A static list holds hand-picked customers and contact persons (DistributionListMember);
a dynamic list holds a saved filter (domain/mailing.py) and is evaluated afresh every time
it is shown, exported or mailed: there is no stored snapshot that could go stale.

Reading (``evaluate``, ``list_summaries``) is plain SQL through ``dbapi``: pass a Session
or ``Store.reader()``. Writing functions take the caller's Session and leave the commit
to it, so a mailing, its logbook entries and the customers' last contact commit together.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from salesdesk.domain import validation as v
from salesdesk.domain.customer import AddressKind
from salesdesk.domain.errors import DomainError, FieldError, NotFound, ValidationFailed
from salesdesk.domain.ids import new_id
from salesdesk.domain.mailing import (
    Criteria,
    Evaluation,
    ListKind,
    check_list,
    check_subject,
    list_record,
    parse_criteria,
)
from salesdesk.i18n import _
from salesdesk.services.logbook import refresh_last_contact
from salesdesk.services.recipients import (
    RecipientBuilder,
    matching_customers,
    static_targets,
)
from salesdesk.services.users import current_user
from salesdesk.store.engine import dbapi
from salesdesk.store.models import (
    AuditEntry,
    ContactPerson,
    DistributionList,
    DistributionListMember,
    LogbookContact,
    LogbookEntry,
    Mailing,
)
from salesdesk.store.types import utcnow

LIST_FIELDS = ("name", "description", "kind", "channel", "address_kind", "contact_role")
DEFAULTS = {
    "description": "",
    "kind": ListKind.STATIC.value,
    "channel": "letter",
    "address_kind": AddressKind.MAIN.value,
    "contact_role": "",
}
MAILING_KIND = "mailing"  # the logbook's built-in kind of contact


@dataclass(frozen=True)
class ListSummary:
    id: uuid.UUID
    name: str
    kind: str
    channel: str
    address_kind: str
    contact_role: str
    description: str


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the recipients file and, for CSV, the excluded file beside it."""

    files: tuple[Path, ...]
    recipients: int
    excluded: int


@dataclass(frozen=True)
class MailingResult:
    mailing_id: uuid.UUID
    recipients: int
    excluded: int
    entry_ids: tuple[uuid.UUID, ...] = field(default=(), repr=False)


# -- the lists -------------------------------------------------------------------------------

_SUMMARY = (
    "SELECT id, name, kind, channel, address_kind, contact_role, description FROM distribution_list"
)


def _summary(row: tuple) -> ListSummary:
    return ListSummary(uuid.UUID(hex=row[0]), *row[1:])


def list_summaries(source) -> list[ListSummary]:
    """The live lists by name."""
    rows = dbapi(source).execute(
        f"{_SUMMARY} WHERE deleted_at IS NULL ORDER BY name COLLATE NOCASE"
    )
    return [_summary(row) for row in rows]


def list_values(source, list_id: uuid.UUID, lenient: bool = False) -> dict:
    """A list's fields as a form edits them (criteria parsed). ``lenient``: a saved filter
    that breaks the rules comes as no filter plus ``problem`` (the text), to be mended."""
    row = (
        dbapi(source)
        .execute(
            "SELECT name, description, kind, channel, address_kind, contact_role, criteria "
            "FROM distribution_list WHERE id = ? AND deleted_at IS NULL",
            (list_id.hex,),
        )
        .fetchone()
    )
    if row is None:
        raise NotFound(_("This distribution list does not exist (any more)."))
    values = dict(zip((*LIST_FIELDS, "criteria"), row, strict=True))
    try:
        values["criteria"] = parse_criteria(values["name"], values["criteria"])
    except ValidationFailed as exc:
        if not lenient:
            raise
        values["criteria"], values["problem"] = Criteria(), str(exc)
    return values


def get_list(session: Session, list_id: uuid.UUID) -> DistributionList:
    found = session.get(DistributionList, list_id)
    if found is None or found.deleted_at is not None:
        raise NotFound(_("This distribution list does not exist (any more)."))
    return found


def _check(session: Session, values: dict, current: DistributionList | None) -> dict:
    clean = check_list(values)
    name = clean["name"]
    query = select(DistributionList.id).where(
        DistributionList.deleted_at.is_(None), DistributionList.name.collate("NOCASE") == name
    )
    if current is not None:
        query = query.where(DistributionList.id != current.id)
    if session.scalar(query) is not None:
        raise ValidationFailed(
            [
                FieldError(
                    list_record(name),
                    _("Name"),
                    _("another distribution list is called like this"),
                    key="name",
                )
            ]
        )
    return clean


def _apply(target: DistributionList, clean: dict) -> None:
    for name in LIST_FIELDS:
        setattr(target, name, clean[name])
    target.criteria = clean["criteria"].to_json()


def create_list(session: Session, values: dict) -> DistributionList:
    """A new list (``criteria``: a Criteria, a dict or JSON text; only for dynamic lists)."""
    clean = _check(session, DEFAULTS | values, None)
    created = DistributionList(owner_id=current_user(session).id)
    _apply(created, clean)
    session.add(created)
    session.flush()
    return created


def update_list(session: Session, list_id: uuid.UUID, values: dict) -> DistributionList:
    """Change a list's fields; a static list keeps its members even when made dynamic."""
    target = get_list(session, list_id)
    current = {name: getattr(target, name) for name in LIST_FIELDS}
    current["criteria"] = target.criteria
    clean = _check(session, current | values, target)
    _apply(target, clean)
    session.flush()
    return target


def delete_list(session: Session, list_id: uuid.UUID) -> None:
    """A tombstone; its name is freed for a new list (the mailings logged keep their link)."""
    target = get_list(session, list_id)
    now = utcnow()
    target.deleted_at = now
    suffix = f" (deleted {now:%Y-%m-%d %H:%M} {target.id.hex[:6]})"  # stored, not shown
    target.name = target.name[: 120 - len(suffix)] + suffix
    session.flush()


# -- members of a static list ----------------------------------------------------------------


def add_members(session: Session, list_id: uuid.UUID, customer_ids=(), contact_ids=()) -> int:
    """Hand-pick customers (the list's contact rule applies) or contact persons; returns how
    many were new. Picking one twice changes nothing."""
    target = get_list(session, list_id)
    if target.kind != ListKind.STATIC:
        raise DomainError(
            _("{record} is dynamic: its filter chooses the customers.").format(
                record=list_record(target.name)
            )
        )
    wanted: dict[tuple, None] = {(cid, None): None for cid in customer_ids}
    if contact_ids:
        owners = dict(
            session.execute(
                select(ContactPerson.id, ContactPerson.customer_id).where(
                    ContactPerson.id.in_(list(contact_ids)), ContactPerson.deleted_at.is_(None)
                )
            ).all()
        )
        wanted |= {(owners[c], c): None for c in contact_ids if c in owners}
    existing = {
        (m.customer_id, m.contact_id): m
        for m in session.scalars(
            select(DistributionListMember).where(DistributionListMember.list_id == target.id)
        )
    }
    added = 0
    for customer_id, contact_id in wanted:
        member = existing.get((customer_id, contact_id))
        if member is not None and member.deleted_at is None:
            continue
        if member is not None:
            member.deleted_at = None  # picked again after being removed
        else:
            session.add(
                DistributionListMember(
                    list_id=target.id, customer_id=customer_id, contact_id=contact_id
                )
            )
        added += 1
    session.flush()
    return added


def remove_member(
    session: Session,
    list_id: uuid.UUID,
    customer_id: uuid.UUID,
    contact_id: uuid.UUID | None = None,
) -> int:
    """Take a hand-picked customer (contact_id None) or contact person off a static list."""
    target = get_list(session, list_id)
    members = session.scalars(
        select(DistributionListMember).where(
            DistributionListMember.list_id == target.id,
            DistributionListMember.customer_id == customer_id,
            DistributionListMember.contact_id.is_(None)
            if contact_id is None
            else DistributionListMember.contact_id == contact_id,
            DistributionListMember.deleted_at.is_(None),
        )
    ).all()
    for member in members:
        member.deleted_at = utcnow()
    session.flush()
    return len(members)


# -- who is on a list now ----------------------------------------------------------------------


def evaluate(source, list_id: uuid.UUID) -> Evaluation:
    """The list's recipients as the data stands now, and who is excluded with the reasons."""
    conn = dbapi(source)
    row = conn.execute(
        "SELECT name, kind, criteria, channel, address_kind, contact_role FROM "
        "distribution_list WHERE id = ? AND deleted_at IS NULL",
        (list_id.hex,),
    ).fetchone()
    if row is None:
        raise NotFound(_("This distribution list does not exist (any more)."))
    name, kind, criteria, channel, address_kind, role = row
    if kind == ListKind.DYNAMIC:
        targets = {
            cid: [None] for cid in matching_customers(source, parse_criteria(name, criteria))
        }
    else:
        targets = static_targets(conn, list_id)
    evaluation = Evaluation(list_id, name, channel)
    for recipient in RecipientBuilder(conn, targets, channel, address_kind, role).recipients():
        (evaluation.excluded if recipient.reasons else evaluation.recipients).append(recipient)
    return evaluation


# -- export ----------------------------------------------------------------------------------


def export_list(source, list_id: uuid.UUID, path: Path, fmt: str | None = None) -> ExportResult:
    """Write the recipients (and, apart, who is excluded and why) to xlsx or csv.

    xlsx: one workbook with the sheets Recipients and Excluded. csv: the recipients in
    ``path`` and the excluded in NAME.excluded.csv beside it. ``fmt`` (xlsx/csv) adds the
    suffix when the path lacks it; without ``fmt`` the suffix decides.
    """
    from salesdesk.reports.mailing_export import write_mailing

    path = Path(path)
    if fmt is not None and path.suffix.lower() != f".{fmt.lower()}":
        path = path.with_name(f"{path.name}.{fmt.lower()}")
    evaluation = evaluate(source, list_id)
    files = write_mailing(path, evaluation.recipients, evaluation.excluded)
    return ExportResult(tuple(files), len(evaluation.recipients), len(evaluation.excluded))


# -- a mailing went out -------------------------------------------------------------------------


def record_mailing(
    session: Session,
    list_id: uuid.UUID,
    subject: str,
    when: datetime,
    notes: str = "",
    expected: int | None = None,
) -> MailingResult:
    """Log that a mailing went out: one Mailing, and a logbook entry (kind "mailing") per
    recipient mailed, linked to its contact person; the excluded get none. Everything in
    the caller's transaction; the customers' last contact follows.

    The list is evaluated now, so the entries match what an export at this moment shows;
    ``expected`` (the count the user confirmed) refuses to log when the list has changed.
    """
    evaluation = evaluate(session, list_id)
    record = list_record(evaluation.name)
    subject = check_subject(record, subject)
    try:
        when = v.aware_datetime(when)
    except ValueError as exc:
        raise ValidationFailed(
            [FieldError(record, _("Date and time"), str(exc), key="when")]
        ) from None
    if not evaluation.recipients:
        raise DomainError(
            _("{record} has no recipients who may be contacted; nothing was recorded.").format(
                record=record
            )
        )
    if expected is not None and expected != len(evaluation.recipients):
        raise DomainError(
            _(
                "{record} has changed: it has {count} recipients now, not "
                "{expected}. Nothing was recorded; please check the list and "
                "record again."
            ).format(record=record, count=len(evaluation.recipients), expected=expected)
        )
    me = current_user(session)
    mailing = Mailing(
        list_id=list_id,
        subject=subject,
        channel=evaluation.channel,
        sent_at=when,
        recipients=len(evaluation.recipients),
    )
    session.add(mailing)
    session.flush()
    entry_ids = _log_entries(session, mailing, evaluation, me, notes.strip())
    refresh_last_contact(session, {r.customer_id for r in evaluation.recipients})
    return MailingResult(
        mailing.id, len(evaluation.recipients), len(evaluation.excluded), tuple(entry_ids)
    )


def _log_entries(
    session: Session, mailing: Mailing, evaluation: Evaluation, me, notes: str
) -> list[uuid.UUID]:
    """Bulk inserts on the session's connection: the logbook's search triggers run in the
    same transaction; audit rows are written as the flush hook would write them."""
    now, login = utcnow(), me.login
    entries, links, audit = [], [], []
    for recipient in evaluation.recipients:
        entry_id = new_id()
        entries.append(
            {
                "id": entry_id,
                "customer_id": recipient.customer_id,
                "user_id": me.id,
                "author": login,
                "occurred_at": mailing.sent_at,
                "kind": MAILING_KIND,
                "subject": mailing.subject,
                "notes": notes,
                "mailing_id": mailing.id,
                "created_at": now,
                "updated_at": now,
                "updated_by": login,
            }
        )
        audit.append(_audit("logbook_entry", entry_id, recipient.customer_id, login, now))
        if recipient.contact_id is not None:
            link_id = new_id()
            links.append(
                {
                    "id": link_id,
                    "entry_id": entry_id,
                    "contact_id": recipient.contact_id,
                    "created_at": now,
                    "updated_at": now,
                    "updated_by": login,
                }
            )
            audit.append(_audit("logbook_contact", link_id, recipient.customer_id, login, now))
    session.execute(insert(LogbookEntry), entries)
    if links:
        session.execute(insert(LogbookContact), links)
    session.execute(insert(AuditEntry), audit)
    return [e["id"] for e in entries]


def _audit(
    entity: str, entity_id: uuid.UUID, customer_id: uuid.UUID, login: str, now: datetime
) -> dict:
    return {
        "id": new_id(),
        "entity": entity,
        "entity_id": entity_id,
        "customer_id": customer_id,
        "action": "insert",
        "field": "",
        "changed_at": now,
        "changed_by": login,
    }
