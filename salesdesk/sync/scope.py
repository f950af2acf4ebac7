"""Which synced table belongs to whom: the declaration the central schema's row-level
security and the client's outbox are generated from (docs/sync.md, "Which tables").

A new synced table joins synchronisation by one entry in ``SCOPES``;
tests/sync/test_scope.py fails while a table deriving from ``Synced`` has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    CUSTOMER = "customer"  # the customer itself: visible by representative/territory/assignment
    CHILD = "child"  # a row of a customer (``column`` → customer.id)
    VIA = "via"  # a row of a parent row (``column`` → ``parent``.id) that is in scope
    OWNED = "owned"  # a row of a user (``users``: columns naming user accounts)
    SHARED = "shared"  # master data everyone reads; office and admin write
    OFFICE = "office"  # conditions: everyone reads; office and admin write


class Writers(StrEnum):
    SCOPE = "scope"  # whoever sees the row may write it
    OFFICE = "office"  # only office and admin logins write it


@dataclass(frozen=True)
class Scope:
    kind: Kind
    column: str = ""  # CHILD: the customer column; VIA: the parent's id column
    parent: str = ""  # VIA: the parent table
    # CHILD/OWNED: user-account columns that make a row visible to that user too (a task
    # without a customer is its assignee's and its creator's)
    users: tuple[str, ...] = ()
    writers: Writers = Writers.SCOPE


_CHILD = Scope(Kind.CHILD, "customer_id")
_SHARED = Scope(Kind.SHARED, writers=Writers.OFFICE)
_OFFICE = Scope(Kind.OFFICE, writers=Writers.OFFICE)

SCOPES: dict[str, Scope] = {
    # master data
    "user_account": _SHARED,
    "contact_kind": _SHARED,
    "commitment_kind": _SHARED,
    "reason_code": _SHARED,
    "customer_group": _SHARED,
    "price_group": _SHARED,
    "territory": _SHARED,
    "payment_term": _SHARED,
    "delivery_term": _SHARED,
    # the customer file
    "customer": Scope(Kind.CUSTOMER),
    "customer_segment": _CHILD,
    "address": _CHILD,
    "contact_person": _CHILD,
    "bank_account": _CHILD,
    "consent": _CHILD,
    "document": _CHILD,
    # logbook, tasks, appointments, mailing lists
    "logbook_entry": _CHILD,
    "logbook_contact": Scope(Kind.VIA, "entry_id", "logbook_entry"),
    "task": Scope(Kind.CHILD, "customer_id", users=("assignee_id", "creator_id")),
    "task_transition": Scope(Kind.VIA, "task_id", "task"),
    "appointment": Scope(Kind.CHILD, "customer_id", users=("organizer_id",)),
    "appointment_contact": Scope(Kind.VIA, "appointment_id", "appointment"),
    "distribution_list": Scope(Kind.OWNED, users=("owner_id",)),
    "distribution_list_member": _CHILD,
    "mailing": Scope(Kind.VIA, "list_id", "distribution_list"),
    # articles and conditions
    "product_group": _OFFICE,
    "article": _OFFICE,
    "price_list": _OFFICE,
    "condition_record": _OFFICE,
    "customer_turnover": Scope(Kind.CHILD, "customer_id", writers=Writers.OFFICE),
    "issued_condition_sheet": _CHILD,
    # sales documents: reps make offers and orders for their customers offline; invoices
    # and payments come from the office (ERP import) but stay the customer's rows
    "sales_document": _CHILD,
    "sales_document_line": Scope(Kind.VIA, "document_id", "sales_document"),
    "payment": _CHILD,
    # agents and their commission: the office keeps them; everyone reads
    "agent": _OFFICE,
    "commission_plan": _OFFICE,
    "commission_rate": _OFFICE,
    "agent_territory": _OFFICE,
    "agent_customer": _OFFICE,
    "commission_entry": _OFFICE,
    "commission_statement": _OFFICE,
}


def synced_tables() -> list[str]:
    """The synced tables in an order where a parent comes before the rows naming it."""
    from salesdesk.store.outbox import synced_columns

    return list(synced_columns())
