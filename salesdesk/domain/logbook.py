"""Logbook rules: kinds of contact, reasons, field checks and the author's edit window."""

from __future__ import annotations

from datetime import datetime, timedelta

from salesdesk.domain import validation as v
from salesdesk.domain.errors import DomainError
from salesdesk.i18n import _

BUILTIN_CONTACT_KINDS = ("visit", "phone", "email", "letter", "fair", "video", "mailing",
                         "other")
BUILTIN_REASONS = ("regular", "complaint", "new_product", "price", "order", "other")
MAX_DURATION_MINUTES = 24 * 60


def contact_kind_label(code: str, name: str = "") -> str:
    if name:
        return name
    return {
        "visit": _("Visit"),
        "phone": _("Phone call"),
        "email": _("E-mail"),
        "letter": _("Letter"),
        "fair": _("Trade fair"),
        "video": _("Video call"),
        "mailing": _("Mailing"),
        "other": _("Other"),
    }.get(code, code)


def reason_label(code: str, name: str = "") -> str:
    if name:
        return name
    return {
        "regular": _("Regular visit"),
        "complaint": _("Complaint"),
        "new_product": _("New product"),
        "price": _("Prices and conditions"),
        "order": _("Order"),
        "other": _("Other"),
    }.get(code, code)


def entry_labels() -> dict[str, str]:
    return {
        "customer_id": _("Customer"),
        "occurred_at": _("Date and time"),
        "duration_minutes": _("Duration (minutes)"),
        "kind": _("Kind"),
        "subject": _("Subject"),
        "notes": _("Notes"),
        "outcome": _("Outcome"),
        "reason_code": _("Reason"),
        "follow_up_on": _("Next contact"),
        "delete_reason": _("Reason for deleting"),
    }


def _duration(value: object) -> int:
    number = v.integer(value)
    if not 0 <= number <= MAX_DURATION_MINUTES:
        raise ValueError(_("must be between 0 and {max} minutes").format(
            max=MAX_DURATION_MINUTES))
    return number


def check_entry(record: str, values: dict, *, kinds: set[str], reasons: set[str],
                partial: bool = False) -> dict:
    """Checked, normalised fields of a logbook entry; ValidationFailed names each problem."""

    def kind(value: object) -> str:
        code = v.text(value, 20)
        if code not in kinds:
            raise ValueError(_("“{code}” is not a kind of contact in this list").format(
                code=code))
        return code

    def reason(value: object) -> str:
        code = v.text(value, 20)
        if code and code not in reasons:
            raise ValueError(_("“{code}” is not a reason in this list").format(code=code))
        return code

    checks = {
        "occurred_at": v.required(v.aware_datetime),
        "duration_minutes": _duration,
        "kind": v.required(kind),
        "subject": v.required(lambda x: v.text(x, 200)),
        "notes": lambda x: v.text(x, 100_000),
        "outcome": lambda x: v.text(x, 10_000),
        "reason_code": reason,
        "follow_up_on": v.date_value,
    }
    return v.collect(record, values, checks, entry_labels(), partial=partial)


class EditWindowClosed(DomainError):
    pass


def check_may_edit(record: str, *, author: str, user: str, created_at: datetime,
                   now: datetime, window_hours: float) -> None:
    """Only the author edits an entry, and only within the window; then it is history."""
    if author != user:
        raise EditWindowClosed(_("{record}: only its author {author} may change it.").format(
            record=record, author=author or _("(unknown)")))
    if now - created_at > timedelta(hours=window_hours):
        raise EditWindowClosed(
            _("{record}: entries can be changed for {hours} hours after they were written; "
              "add a new entry instead.").format(record=record, hours=f"{window_hours:g}"))
