"""What synchronisation left for a person to decide: conflicts (the same field changed here
and centrally; the central value stayed) and refused changes (parked: the central database
would not take them). Each decision is one local transaction; what it queues is sent by
the next synchronisation.

Deciding for this device's value writes it through an ordinary session (audited, the
outbox trigger queues it) and makes the central value the change's base, so the push
applies it cleanly unless someone changed the field centrally again meanwhile.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Session

from salesdesk.domain.errors import DomainError, NotFound
from salesdesk.i18n import _
from salesdesk.services.history import _coded, _reference_name, field_labels
from salesdesk.store.engine import Store, dbapi
from salesdesk.store.models import Customer, SyncConflict, SyncParked
from salesdesk.store.outbox import STAMP_COLUMNS
from salesdesk.store.outbox import quote as _quote
from salesdesk.sync.codec import codec

# decisions
CENTRAL, MINE, BOTH = "central", "mine", "both"  # a field changed on both sides
ACCEPT_DELETION, RESTORE = "accept_deletion", "restore"  # deleted centrally, changed here
_NOT_COMPARED = frozenset({"id", "version", "created_at", "deleted_at", *STAMP_COLUMNS})
_NAME_COLUMNS = ("number", "name", "subject", "title", "full_name", "display_name", "login",
                 "code", "segment", "iban", "channel")
REFETCH_KEY = "refetch"  # sync_state: rows whose refused change was discarded
# a refusal reason with one of these is PostgreSQL's wording, not a sentence for people
_TECHNICAL = ("violates", "error", "relation", "column", "syntax", "constraint", '"')


def table_titles() -> dict[str, str]:
    """What a synced table holds, in words."""
    return {
        "customer": _("Customer"), "address": _("Address"),
        "contact_person": _("Contact person"), "bank_account": _("Bank account"),
        "consent": _("Consent"), "document": _("Document"),
        "customer_segment": _("Segment"), "logbook_entry": _("Logbook entry"),
        "logbook_contact": _("Logbook participant"), "task": _("Task"),
        "task_transition": _("Task step"), "appointment": _("Appointment"),
        "appointment_contact": _("Appointment participant"),
        "distribution_list": _("Mailing list"),
        "distribution_list_member": _("Mailing list member"), "mailing": _("Mailing"),
        "article": _("Article"), "product_group": _("Product group"),
        "price_list": _("Price list"), "condition_record": _("Condition"),
        "customer_turnover": _("Turnover figure"),
        "issued_condition_sheet": _("Issued condition sheet"),
        "user_account": _("User"), "customer_group": _("Customer group"),
        "price_group": _("Price group"), "territory": _("Territory"),
        "payment_term": _("Payment terms"), "delivery_term": _("Delivery terms"),
        "contact_kind": _("Contact type"), "commitment_kind": _("Commitment type"),
        "reason_code": _("Reason code"),
    }


def _model(table: str) -> type:
    from salesdesk.store.base import Base

    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_
    raise KeyError(table)


def _record(session: Session, table: str, row_id: str):
    try:
        return session.get(_model(table), uuid.UUID(row_id))
    except (KeyError, ValueError):
        return None


def record_label(session: Session, table: str, record) -> str:
    """"Customer K-000123 Müller Bau GmbH", "Contact person Anna Weber – K-000123 Müller Bau
    GmbH": a record as people know it, never its id."""
    title = table_titles().get(table, table.replace("_", " ").capitalize())
    if record is None:
        return _("{record} (not on this computer)").format(record=title)
    if isinstance(record, Customer):
        return f"{title} {record.record_label()}"
    name = next((str(getattr(record, c)) for c in _NAME_COLUMNS
                 if getattr(record, c, None) not in (None, "")), "")
    label = f"{title} {name}".strip()
    customer_id = getattr(record, "customer_id", None)
    customer = session.get(Customer, customer_id) if customer_id else None
    return f"{label} – {customer.record_label()}" if customer is not None else label


def field_label(field: str) -> str:
    labels = field_labels()
    return labels.get(field) or field.removesuffix("_id").replace("_", " ").capitalize()


def _value(session: Session, table: str, field: str, stored) -> object:
    """A stored value as people read it: typed, references by name, codes by label."""
    if stored is None:
        return None
    try:
        value = codec(table).load(field, stored)
    except KeyError:
        return stored
    column = _model(table).__table__.c.get(field)
    if column is not None and column.foreign_keys and value is not None:
        target = next(iter(column.foreign_keys)).column.table.name
        return _reference_name(session, target, str(value))
    return _coded(field, value) if isinstance(value, str) else value


def _is_text(table: str, field: str) -> bool:
    column = _model(table).__table__.c.get(field)
    return column is not None and isinstance(column.type, String | Text) and \
        not column.foreign_keys and field not in ("status", "kind", "channel", "language",
                                                  "country", "currency")


# -- conflicts ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldValues:
    field: str
    label: str
    mine: object  # typed: str, bool, date, datetime, Decimal, a name; None when empty
    central: object


@dataclass(frozen=True)
class ConflictItem:
    id: uuid.UUID
    table: str
    row_id: str
    record: str  # "Customer K-000123 Müller Bau GmbH"
    field: str  # "" when the record was deleted centrally while changed here
    label: str  # the field in words ("Name"), or "Deleted centrally"
    detected_at: datetime
    values: tuple[FieldValues, ...]  # the field; or, for a deletion, where mine differs
    deleted_at: datetime | None  # when it was deleted centrally
    choices: tuple[str, ...]  # what may be decided: CENTRAL, MINE, BOTH / ACCEPT…, RESTORE

    @property
    def deleted_centrally(self) -> bool:
        return self.field == ""


def _loads(text: str | None):
    return None if text is None else json.loads(text)


def _conflict_item(session: Session, row: SyncConflict) -> ConflictItem:
    mine, central = _loads(row.local_value), _loads(row.central_value)
    record = record_label(session, row.tbl, _record(session, row.tbl, row.row_id))
    if row.field:
        values = (FieldValues(row.field, field_label(row.field),
                              _value(session, row.tbl, row.field, mine),
                              _value(session, row.tbl, row.field, central)),)
        choices = (CENTRAL, MINE, BOTH) if _is_text(row.tbl, row.field) else (CENTRAL, MINE)
        return ConflictItem(row.id, row.tbl, row.row_id, record, row.field,
                            field_label(row.field), row.detected_at, values, None, choices)
    mine, central = mine or {}, central or {}
    values = tuple(
        FieldValues(f, field_label(f), _value(session, row.tbl, f, mine[f]),
                    _value(session, row.tbl, f, central.get(f)))
        for f in mine if f not in _NOT_COMPARED and f in central and mine[f] != central[f])
    deleted = _value(session, row.tbl, "deleted_at", central.get("deleted_at"))
    return ConflictItem(row.id, row.tbl, row.row_id, record, "", _("Deleted centrally"),
                        row.detected_at, values, deleted if isinstance(deleted, datetime)
                        else None, (ACCEPT_DELETION, RESTORE))


def list_conflicts(store: Store) -> list[ConflictItem]:
    """The open conflicts, oldest first."""
    with store.session() as session:
        rows = session.query(SyncConflict).filter(SyncConflict.resolution == "") \
            .order_by(SyncConflict.detected_at).all()
        return [_conflict_item(session, row) for row in rows]


@dataclass(frozen=True)
class Decision:
    """What a decision changed: ``queued`` when a change now waits to be sent."""

    conflict_id: uuid.UUID
    choice: str
    queued: bool


def resolve_conflict(store: Store, conflict_id: uuid.UUID | str, choice: str) -> Decision:
    """Decide an open conflict (one local transaction); see CENTRAL, MINE, BOTH,
    ACCEPT_DELETION, RESTORE."""
    key = conflict_id if isinstance(conflict_id, uuid.UUID) else uuid.UUID(str(conflict_id))
    with store.session() as session:
        conflict = session.get(SyncConflict, key)
        if conflict is None:
            raise NotFound(_("This conflict no longer exists."))
        if conflict.resolution:
            raise DomainError(_("This conflict has been decided already."))
        if conflict.field:
            queued = _decide_field(session, conflict, choice)
        else:
            queued = _decide_deletion(session, conflict, choice)
        now = datetime.now(UTC)
        for row in session.query(SyncConflict).filter_by(
                tbl=conflict.tbl, row_id=conflict.row_id, field=conflict.field, resolution=""):
            row.resolution, row.resolved_at = choice, now  # older ones of the same field too
        session.commit()
    return Decision(key, choice, queued)


def _decide_field(session: Session, conflict: SyncConflict, choice: str) -> bool:
    table, field = conflict.tbl, conflict.field
    mine, central = _loads(conflict.local_value), _loads(conflict.central_value)
    if choice == CENTRAL:
        _mirror(session, table, conflict.row_id, {field: central})
        return False
    if choice == MINE:
        wanted = mine
    elif choice == BOTH and _is_text(table, field):
        wanted = _joined(table, field, central, mine)
    else:
        raise DomainError(_("“{choice}” is not a way to decide this conflict.").format(
            choice=choice))
    if wanted == central:
        _mirror(session, table, conflict.row_id, {field: central})
        return False
    record = _live_record(session, conflict)
    setattr(record, field, codec(table).load(field, wanted))
    session.flush()  # audited; the outbox trigger queues it
    _base_on_central(session, table, conflict.row_id, {field: central})
    return True


def _joined(table: str, field: str, central: str | None, mine: str | None) -> str:
    """Both texts kept: multi-line fields one above the other, single-line ones side by
    side; refused when they do not fit the field together."""
    column = _model(table).__table__.c[field]
    parts = [p for p in (central or "", mine or "") if p]
    text = ("\n---\n" if isinstance(column.type, Text) else " / ").join(parts)
    limit = getattr(column.type, "length", None)
    if limit is not None and len(text) > limit:
        raise DomainError(_("Both texts together are too long for the field {field} (at most "
                            "{limit} characters). Keep one of them and edit it afterwards.")
                          .format(field=field_label(field), limit=limit))
    return text


def _live_record(session: Session, conflict: SyncConflict):
    record = _record(session, conflict.tbl, conflict.row_id)
    if record is None:
        raise NotFound(_("The record of this conflict is no longer on this computer; only "
                         "the central version can be kept."))
    return record


def _decide_deletion(session: Session, conflict: SyncConflict, choice: str) -> bool:
    table, mine, central = conflict.tbl, _loads(conflict.local_value) or {}, \
        _loads(conflict.central_value) or {}
    if choice in (ACCEPT_DELETION, CENTRAL):
        _mirror(session, table, conflict.row_id,
                {k: v for k, v in central.items() if k not in ("id", "version")})
        return False
    if choice not in (RESTORE, MINE):
        raise DomainError(_("“{choice}” is not a way to decide this conflict.").format(
            choice=choice))
    record = _live_record(session, conflict)
    coder = codec(table)
    changed = [f for f in mine if f not in _NOT_COMPARED and mine[f] != central.get(f)]
    for field in changed:
        setattr(record, field, coder.load(field, mine[field]))
    record.deleted_at = None
    session.flush()
    _base_on_central(session, table, conflict.row_id,
                     {f: central.get(f) for f in [*changed, "deleted_at"]})
    return True


def _pending_fields(conn, table: str, row_id: str) -> set[str] | None:
    """The fields of a row changed here and not sent yet (None: the whole row)."""
    fields: set[str] = set()
    for op, old in conn.execute("SELECT op, old FROM sync_outbox WHERE tbl = ? AND row_id = ?",
                                (table, row_id)):
        if op != "U":
            return None
        fields.update(json.loads(old))
    return fields


def _mirror(session: Session, table: str, row_id: str, stored: dict) -> None:
    """Give the local row the central values, as a pull would (nothing is queued); fields
    with changes of their own waiting to be sent keep them."""
    conn = dbapi(session)
    pending = _pending_fields(conn, table, row_id)
    if pending is None:
        return
    values = {k: v for k, v in stored.items() if k not in pending and k in codec(table).columns}
    if not values:
        return
    conn.execute("INSERT INTO sync_apply_guard (id) VALUES (1)")
    conn.execute(f"UPDATE {_quote(table)} SET {', '.join(f'{_quote(k)} = ?' for k in values)} "
                 f"WHERE id = ?", [*values.values(), row_id])
    conn.execute("DELETE FROM sync_apply_guard")


def _base_on_central(session: Session, table: str, row_id: str, central: dict) -> None:
    """Make the central values the base of the queued change of these fields (the user
    saw them and decided): the first queued old value of each field becomes the central
    one; a field not queued at all (this device holds the wanted value already) is
    queued by hand."""
    conn = dbapi(session)
    remaining = dict(central)
    for seq, op, old in conn.execute(
            "SELECT seq, op, old FROM sync_outbox WHERE tbl = ? AND row_id = ? AND batch IS "
            "NULL ORDER BY seq", (table, row_id)).fetchall():
        if op != "U":
            return  # a new or removed row travels whole
        values = json.loads(old)
        hit = [k for k in remaining if k in values]
        if hit:
            values.update({k: remaining.pop(k) for k in hit})
            conn.execute("UPDATE sync_outbox SET old = ? WHERE seq = ?",
                         (json.dumps(values), seq))
    if remaining:
        conn.execute("INSERT INTO sync_outbox (tbl, row_id, op, old) VALUES (?, ?, 'U', ?)",
                     (table, row_id, json.dumps(remaining)))


# -- refused changes ------------------------------------------------------------------------

@dataclass(frozen=True)
class ParkedItem:
    id: uuid.UUID
    table: str
    row_id: str
    record: str
    action: str  # "New record", "Change", "Deletion"
    reason: str  # in plain words
    detail: str  # what the central database said
    parked_at: datetime


def _action(op: str) -> str:
    return {"I": _("New record"), "U": _("Change"), "D": _("Deletion")}.get(op, op)


def explain_refusal(reason: str) -> str:
    """The central database's reason in plain words."""
    text = reason.lower()
    if "row-level security" in text or "permission denied" in text or "not yours" in text:
        return _("You may not change this record in the central database: it is not among "
                 "your customers, or only the office may change it.")
    if "check constraint" in text:
        return _("The central database does not accept one of the values.")
    if "foreign key" in text:
        return _("The record refers to another record the central database does not have.")
    if "too long" in text:
        return _("A text is too long for the central database.")
    if "unique" in text or "duplicate key" in text:
        return _("The central database has another record with the same number or key.")
    if "not-null" in text or "null value" in text:
        return _("A required value is missing.")
    if any(mark in text for mark in _TECHNICAL):
        return _("The central database refused the change.")
    return reason  # said in words already (by this device's sync)


def list_parked(store: Store) -> list[ParkedItem]:
    """The refused changes, oldest first."""
    with store.session() as session:
        rows = session.query(SyncParked).order_by(SyncParked.parked_at).all()
        return [ParkedItem(row.id, row.tbl, row.row_id,
                           record_label(session, row.tbl, _record(session, row.tbl, row.row_id)),
                           _action(row.op), explain_refusal(row.reason), row.reason,
                           row.parked_at) for row in rows]


def _parked(session: Session, parked_id: uuid.UUID | str) -> SyncParked:
    key = parked_id if isinstance(parked_id, uuid.UUID) else uuid.UUID(str(parked_id))
    row = session.get(SyncParked, key)
    if row is None:
        raise NotFound(_("This refused change no longer exists."))
    return row


def discard_parked(store: Store, parked_id: uuid.UUID | str) -> None:
    """Give up a refused change: the next synchronisation brings back the central
    version of the record (or removes a new record the central database never took)."""
    with store.session() as session:
        row = _parked(session, parked_id)
        conn = dbapi(session)
        found = conn.execute("SELECT value FROM sync_state WHERE key = ?",
                             (REFETCH_KEY,)).fetchone()
        wanted = json.loads(found[0]) if found else []
        if [row.tbl, row.row_id] not in wanted:
            wanted.append([row.tbl, row.row_id])
        conn.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO "
                     "UPDATE SET value = excluded.value", (REFETCH_KEY, json.dumps(wanted)))
        session.delete(row)
        session.commit()


def retry_parked(store: Store, parked_id: uuid.UUID | str) -> None:
    """Queue a refused change again (after the office gave you the rights, say). A change
    goes with the values it was sent with as its base: a field the central database holds
    differently comes back as a conflict to decide, so nothing is overwritten unseen."""
    with store.session() as session:
        row = _parked(session, parked_id)
        if _record(session, row.tbl, row.row_id) is None:
            raise NotFound(_("The record of this change is no longer on this computer."))
        change = json.loads(row.change) if row.change else {}
        old = {k: v for k, v in change.items() if k not in _NOT_COMPARED} \
            if row.op == "U" else {}
        dbapi(session).execute("INSERT INTO sync_outbox (tbl, row_id, op, old) VALUES "
                               "(?, ?, ?, ?)", (row.tbl, row.row_id, row.op, json.dumps(old)))
        session.delete(row)
        session.commit()


def refetch_discarded(store: Store, central) -> int:
    """Bring back the central version of the records whose refused change was discarded
    (a record the central database does not have is removed here, as a tombstone);
    returns how many. ``central``: a psycopg connection with the user's login."""
    with store.session() as session:
        conn = dbapi(session)
        found = conn.execute("SELECT value FROM sync_state WHERE key = ?",
                             (REFETCH_KEY,)).fetchone()
        wanted = json.loads(found[0]) if found else []
        for table, row_id in wanted:
            _refetch(session, central, table, row_id)
        conn.execute("DELETE FROM sync_state WHERE key = ?", (REFETCH_KEY,))
        session.commit()
    return len(wanted)


def _refetch(session: Session, central, table: str, row_id: str) -> None:
    coder = codec(table)
    columns = [c for c in coder.columns if c != "id"]
    row = central.execute(
        f"SELECT {', '.join(_quote(c) for c in columns)} FROM {_quote(table)} WHERE id = %s",
        (coder.load("id", row_id),)).fetchone()
    if row is None:
        stored = {"deleted_at": coder.store("deleted_at", datetime.now(UTC))}
    else:
        stored = coder.store_row(dict(zip(columns, row, strict=True)))
    _mirror(session, table, row_id, stored)
