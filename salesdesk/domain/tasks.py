"""Tasks and commitments: statuses, the transition table, priorities, kinds.

The workflow is an explicit table, not scattered ifs: ``TRANSITIONS[from]`` lists every
status a task may move to. Anything else is refused with a message naming the task and
both statuses.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from salesdesk.domain.errors import DomainError
from salesdesk.i18n import _


class TaskStatus(StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    CONFIRMED = "confirmed"  # completed, the customer agreed
    REJECTED = "rejected"  # completed, the customer refused
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "assigned": _("Assigned"),
            "in_progress": _("In progress"),
            "on_hold": _("On hold"),
            "confirmed": _("Completed – confirmed"),
            "rejected": _("Completed – rejected"),
            "cancelled": _("Cancelled"),
        }[self.value]

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.ON_HOLD})
DONE_STATUSES = frozenset({TaskStatus.CONFIRMED, TaskStatus.REJECTED})

S = TaskStatus
TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.CONFIRMED, S.REJECTED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.CONFIRMED, S.REJECTED, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.CONFIRMED: frozenset(),  # final: a done task is reopened by a new task, not undone
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}
del S


class TransitionRefused(DomainError):
    pass


def check_transition(task_label: str, current: str, target: str) -> TaskStatus:
    """The target status if the table allows the step, else TransitionRefused."""
    try:
        old, new = TaskStatus(current), TaskStatus(target)
    except ValueError as exc:
        raise TransitionRefused(_("{task}: there is no task status {status}.").format(
            task=task_label, status=str(exc).split("'")[1] if "'" in str(exc) else target)
        ) from None
    if new not in TRANSITIONS[old]:
        allowed = ", ".join(s.label for s in TaskStatus if s in TRANSITIONS[old])
        raise TransitionRefused(
            _("{task}: cannot change status from “{old}” to “{new}”. {allowed}").format(
                task=task_label, old=old.label, new=new.label,
                allowed=(_("Possible next: {statuses}.").format(statuses=allowed) if allowed
                         else _("The task is closed."))))
    return new


class Priority(IntEnum):
    HIGH = 1
    NORMAL = 2
    LOW = 3

    @property
    def label(self) -> str:
        return {1: _("High"), 2: _("Normal"), 3: _("Low")}[int(self)]


BUILTIN_COMMITMENT_KINDS = ("call_back", "send_offer", "conclude_contract", "provide_sample",
                            "develop_test_product", "issue_invoice", "other")


def commitment_label(code: str, name: str = "") -> str:
    """The label of a commitment kind: the office's own name, else the built-in label."""
    if name:
        return name
    return {
        "call_back": _("Call back"),
        "send_offer": _("Send offer"),
        "conclude_contract": _("Conclude contract"),
        "provide_sample": _("Provide sample"),
        "develop_test_product": _("Develop test product"),
        "issue_invoice": _("Issue invoice"),
        "other": _("Other"),
    }.get(code, code)
