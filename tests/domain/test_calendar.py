"""Recurring follow-ups and time zones of appointments."""

from datetime import UTC, date, datetime

import pytest

from salesdesk.domain.calendar import (
    check_recurrence,
    every_weeks,
    local_to_utc,
    next_occurrence,
    recurrence_label,
)


def test_every_six_weeks_keeps_its_rhythm_when_completed_late():
    rule = every_weeks(6)
    start = date(2026, 1, 5)
    assert next_occurrence(rule, start, start) == date(2026, 2, 16)
    # completed ten days late: the next date is still on the 6-week grid from the start
    assert next_occurrence(rule, date(2026, 2, 26), start) == date(2026, 3, 30)


def test_monthly_rule_and_end_of_series():
    assert next_occurrence("FREQ=MONTHLY;BYMONTHDAY=31", date(2026, 1, 31),
                           date(2026, 1, 31)) == date(2026, 3, 31)  # February has no 31st
    assert next_occurrence("FREQ=WEEKLY;COUNT=2", date(2026, 1, 12), date(2026, 1, 5)) is None


def test_bad_rule_is_refused_with_its_text():
    with pytest.raises(ValueError, match="FREQ=FORTNIGHTLY"):
        check_recurrence("FREQ=FORTNIGHTLY")
    assert check_recurrence("  ") == ""


def test_labels():
    assert recurrence_label(every_weeks(1)) == "every week"
    assert recurrence_label(every_weeks(6)) == "every 6 weeks"
    assert recurrence_label("FREQ=MONTHLY;INTERVAL=3") == "every 3 months"
    assert recurrence_label("FREQ=WEEKLY;BYDAY=MO") == "FREQ=WEEKLY;BYDAY=MO"


def test_wall_clock_time_across_daylight_saving():
    assert local_to_utc(date(2026, 3, 28), 9, 0, "Europe/Berlin") == datetime(
        2026, 3, 28, 8, tzinfo=UTC)
    assert local_to_utc(date(2026, 3, 30), 9, 0, "Europe/Berlin") == datetime(
        2026, 3, 30, 7, tzinfo=UTC)
