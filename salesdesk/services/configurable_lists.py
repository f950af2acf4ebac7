"""The lists the office configures: kinds of contact, reasons, kinds of commitment.

Entries are never deleted (old logbook entries and tasks keep their code): they are
deactivated, and then no longer offered for new records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesdesk.domain.errors import FieldError, NotFound, ValidationFailed
from salesdesk.domain.logbook import contact_kind_label, reason_label
from salesdesk.domain.tasks import commitment_label
from salesdesk.i18n import _
from salesdesk.store.models import CommitmentKind, ContactKind, ReasonCode

LISTS = {"contact_kind": ContactKind, "reason_code": ReasonCode,
         "commitment_kind": CommitmentKind}
_LABELS = {"contact_kind": contact_kind_label, "reason_code": reason_label,
           "commitment_kind": commitment_label}
_CODE = re.compile(r"^[a-z0-9_]{1,20}$")


def list_title(name: str) -> str:
    return {"contact_kind": _("Kinds of contact"), "reason_code": _("Reasons for contact"),
            "commitment_kind": _("Kinds of commitment")}[name]


@dataclass(frozen=True)
class Entry:
    code: str
    name: str  # the office's own name ("" for a built-in entry shown in the user's language)
    label: str
    active: bool
    sort_order: int


def entries(session: Session, name: str) -> list[Entry]:
    model = LISTS[name]
    rows = session.scalars(select(model).where(model.deleted_at.is_(None))
                           .order_by(model.sort_order, model.code))
    return [Entry(r.code, r.name, _LABELS[name](r.code, r.name), r.active, r.sort_order)
            for r in rows]


def code_for(label: str) -> str:
    """A code made from a label: "Ausstellung Köln" → "ausstellung_koln"."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", label.lower()).encode("ascii", "ignore").decode()
    return "_".join(re.findall(r"[a-z0-9]+", folded))[:20] or "entry"


def add_entry(session: Session, name: str, label: str) -> Entry:
    model = LISTS[name]
    record = list_title(name)
    label = (label or "").strip()
    if not label:
        raise ValidationFailed([FieldError(record, _("Name"), _("is required"), key="name")])
    if len(label) > 120:
        raise ValidationFailed([FieldError(record, _("Name"), _("is too long"), key="name")])
    known = {e.label.casefold() for e in entries(session, name)}
    if label.casefold() in known:
        raise ValidationFailed([FieldError(record, _("Name"),
                                           _("“{name}” is already in the list").format(
                                               name=label), key="name")])
    code, n = code_for(label), 2
    taken = set(session.scalars(select(model.code)))
    base = code
    while code in taken:
        code = f"{base[:17]}_{n}"
        n += 1
    last = session.scalar(select(func.max(model.sort_order))) or 0
    session.add(model(code=code, name=label, sort_order=last + 10, active=True))
    session.flush()
    return next(e for e in entries(session, name) if e.code == code)


def _row(session: Session, name: str, code: str):
    model = LISTS[name]
    row = session.scalar(select(model).where(model.code == code))
    if row is None:
        raise NotFound(_("There is no entry {code} in {list}.").format(code=code,
                                                                       list=list_title(name)))
    return row


def rename_entry(session: Session, name: str, code: str, label: str) -> None:
    label = (label or "").strip()
    if not label:
        raise ValidationFailed([FieldError(list_title(name), _("Name"), _("is required"),
                                           key="name")])
    _row(session, name, code).name = label[:120]
    session.flush()


def set_active(session: Session, name: str, code: str, active: bool) -> None:
    row = _row(session, name, code)
    if not active and code in ("other", "mailing"):
        raise ValidationFailed([FieldError(list_title(name), _contact_or_label(name, code),
                                           _("is needed by SalesDesk and stays active"),
                                           key="active")])
    row.active = active
    session.flush()


def _contact_or_label(name: str, code: str) -> str:
    return _LABELS[name](code, "")


def move_entry(session: Session, name: str, code: str, step: int) -> None:
    """Move an entry up (-1) or down (+1) in the list's order."""
    rows = [_row(session, name, e.code) for e in entries(session, name)]
    index = next(i for i, r in enumerate(rows) if r.code == code)
    target = max(0, min(len(rows) - 1, index + step))
    rows.insert(target, rows.pop(index))
    for n, row in enumerate(rows):
        row.sort_order = n * 10
    session.flush()
