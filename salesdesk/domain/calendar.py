"""Appointments and recurring follow-ups: time zones, field checks, recurrence rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from salesdesk.domain import validation as v
from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.i18n import _

DEFAULT_TIME_ZONE = "Europe/Berlin"
MAX_LENGTH = timedelta(days=14)  # a trade fair; longer is a typo (and keeps lists indexed)


def appointment_labels() -> dict[str, str]:
    return {
        "subject": _("Subject"),
        "starts_at": _("Start"),
        "ends_at": _("End"),
        "time_zone": _("Time zone"),
        "location": _("Location"),
        "remind_at": _("Reminder"),
        "notes": _("Notes"),
    }


def check_time_zone(value: object) -> str:
    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(_("“{zone}” is not a known time zone").format(zone=name)) from None
    return name


def check_appointment(record: str, values: dict, partial: bool = False) -> dict:
    checks = {
        "subject": v.required(lambda x: v.text(x, 200)),
        "starts_at": v.required(v.aware_datetime),
        "ends_at": v.required(v.aware_datetime),
        "time_zone": v.required(check_time_zone),
        "location": lambda x: v.text(x, 300),
        "remind_at": v.aware_datetime,
        "notes": lambda x: v.text(x, 100_000),
    }
    clean = v.collect(record, values, checks, appointment_labels(), partial=partial)
    starts, ends = clean.get("starts_at"), clean.get("ends_at")
    if starts is not None and ends is not None:
        if ends <= starts:
            raise ValidationFailed([FieldError(record, _("End"), _("must be after the start"),
                                               key="ends_at")])
        if ends - starts > MAX_LENGTH:
            raise ValidationFailed([FieldError(
                record, _("End"), _("is more than {days} days after the start").format(
                    days=MAX_LENGTH.days), key="ends_at")])
    return clean


def local_to_utc(day: date, hour: int, minute: int, zone: str) -> datetime:
    """A wall-clock time in a zone as an aware UTC datetime (DST handled by zoneinfo)."""
    from datetime import UTC

    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


# -- recurring follow-ups ---------------------------------------------------------------

def every_weeks(weeks: int) -> str:
    """The RRULE of "every N weeks" (what the task form offers)."""
    return f"FREQ=WEEKLY;INTERVAL={int(weeks)}"


def check_recurrence(rule: str) -> str:
    """A valid RFC 5545 RRULE (python-dateutil parses it), or ValueError."""
    from dateutil.rrule import rrulestr

    rule = rule.strip()
    if not rule:
        return ""
    try:
        rrulestr(rule, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError):
        raise ValueError(_("“{rule}” is not a recurrence rule").format(rule=rule)) from None
    return rule


def next_occurrence(rule: str, after: date, start: date | None = None) -> date | None:
    """The first date of the series strictly after ``after`` (None when the rule ended).

    The series starts at ``start`` (the first due date) so "every 6 weeks" keeps its rhythm
    even when a task was completed late.
    """
    from dateutil.rrule import rrulestr

    anchor = start or after
    series = rrulestr(rule, dtstart=datetime(anchor.year, anchor.month, anchor.day))
    found = series.after(datetime(after.year, after.month, after.day) + timedelta(hours=23,
                                                                                    minutes=59))
    return found.date() if found is not None else None


def recurrence_label(rule: str) -> str:
    """A short human text for the rules the form makes; the raw rule otherwise."""
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    interval = int(parts.get("INTERVAL", "1"))
    freq = parts.get("FREQ")
    if set(parts) <= {"FREQ", "INTERVAL"}:
        if freq == "WEEKLY":
            return _("every week") if interval == 1 else _("every {n} weeks").format(n=interval)
        if freq == "MONTHLY":
            return _("every month") if interval == 1 else \
                _("every {n} months").format(n=interval)
        if freq == "DAILY":
            return _("every day") if interval == 1 else _("every {n} days").format(n=interval)
    return rule
