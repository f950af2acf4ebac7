"""Unit-of-work hooks: audit trail, search index and list columns, in the same transaction.

Every flush of an audited record writes AuditEntry rows (who, when, field, old, new)
and re-indexes the customers it touched. Because this runs inside the flush, a crash
can never leave a change without its audit entry or its search document.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from salesdesk.domain.ids import new_id
from salesdesk.store.models import Address, AuditEntry, ContactPerson, Customer
from salesdesk.store.search import refresh_main_address, reindex_customers
from salesdesk.store.types import utcnow

_SKIP = {"version", "created_at", "updated_at", "updated_by", "main_postal_code", "main_city",
         "main_country"}
_SEARCHED = (Customer, Address, ContactPerson)


def current_user(session: Session) -> str:
    return session.info.get("user", "")


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _customer_id(obj: object):
    if isinstance(obj, Customer):
        return obj.id
    parent = getattr(obj, "customer", None)  # set before flush fills customer_id
    return getattr(obj, "customer_id", None) or getattr(parent, "id", None)


def _changed_fields(obj: object):
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key in _SKIP:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if _text(old) != _text(new):
                yield attr.key, old, new


def _entry(obj, action: str, user: str, now, field="", old=None, new=None) -> AuditEntry:
    return AuditEntry(
        entity=obj.__tablename__, entity_id=obj.id, customer_id=_customer_id(obj),
        action=action, field=field, old_value=_text(old), new_value=_text(new),
        changed_at=now, changed_by=user,
    )


def _audit(session: Session) -> None:
    user, now = current_user(session), utcnow()
    entries = []
    for obj in session.new:  # ids first: children's entries name their new customer
        if getattr(obj, "__audited__", False) and obj.id is None:
            obj.id = new_id()
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            obj.updated_by = user
            entries.append(_entry(obj, "insert", user, now))
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj):
            changes = list(_changed_fields(obj))
            if changes:
                obj.updated_by = user
            for field, old, new in changes:
                action = "delete" if field == "deleted_at" and new is not None else "update"
                entries.append(_entry(obj, action, user, now, field, old, new))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            entries.append(_entry(obj, "purge", user, now))
    session.add_all(entries)


def _remember_touched(session: Session) -> None:
    touched = session.info.setdefault("touched_customers", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _SEARCHED):
            cid = _customer_id(obj)
            if cid is not None:
                touched.add(cid)


def _before_flush(session: Session, flush_context, instances) -> None:
    _audit(session)
    _remember_touched(session)


def _after_flush_postexec(session: Session, flush_context) -> None:
    touched = session.info.pop("touched_customers", set())
    if not touched:
        return
    conn = session.connection()
    refresh_main_address(conn, touched)
    reindex_customers(conn, touched)
    for obj in session.identity_map.values():
        if isinstance(obj, Customer) and obj.id in touched:
            session.expire(obj, ["main_postal_code", "main_city", "main_country"])


def install(session_class) -> None:
    """Attach the hooks to a sessionmaker or Session class."""
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "after_flush_postexec", _after_flush_postexec)
