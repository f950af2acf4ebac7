"""The task workflow table, walked completely: every step it lists passes, every other
step is refused with a message naming the task and both statuses."""

import itertools

import pytest

from salesdesk.domain.tasks import (
    DONE_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    TaskStatus,
    TransitionRefused,
    check_transition,
)

PAIRS = list(itertools.product(TaskStatus, repeat=2))
ALLOWED = [(old, new) for old, new in PAIRS if new in TRANSITIONS[old]]
REFUSED = [(old, new) for old, new in PAIRS if new not in TRANSITIONS[old]]


def test_the_table_covers_every_status_and_only_statuses():
    assert set(TRANSITIONS) == set(TaskStatus)
    assert all(targets <= set(TaskStatus) for targets in TRANSITIONS.values())
    assert len(ALLOWED) + len(REFUSED) == len(TaskStatus) ** 2
    assert len(ALLOWED) == 11  # the workflow as designed; a change here is a decision


@pytest.mark.parametrize(("old", "new"), ALLOWED, ids=[f"{o}->{n}" for o, n in ALLOWED])
def test_every_allowed_step_passes(old, new):
    assert check_transition("Task “Call back”", old.value, new.value) is new


@pytest.mark.parametrize(("old", "new"), REFUSED, ids=[f"{o}->{n}" for o, n in REFUSED])
def test_every_other_step_is_refused_naming_task_and_both_statuses(old, new):
    with pytest.raises(TransitionRefused) as refused:
        check_transition("Task “Call back”", old.value, new.value)
    message = str(refused.value)
    assert "Task “Call back”" in message
    assert f"“{old.label}”" in message and f"“{new.label}”" in message
    if TRANSITIONS[old]:
        assert "Possible next:" in message
        assert all(s.label in message for s in TRANSITIONS[old])
    else:
        assert "The task is closed." in message


def test_no_status_moves_to_itself_and_closed_tasks_stay_closed():
    assert all(status not in TRANSITIONS[status] for status in TaskStatus)
    for closed in DONE_STATUSES | {TaskStatus.CANCELLED}:
        assert TRANSITIONS[closed] == frozenset()
    for status in OPEN_STATUSES:
        assert TaskStatus.CANCELLED in TRANSITIONS[status]  # an open task can always stop


def test_an_unknown_status_is_refused_by_name():
    with pytest.raises(TransitionRefused, match="no task status"):
        check_transition("Task “Call back”", "assigned", "archived")
