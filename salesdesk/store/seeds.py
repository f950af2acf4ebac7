"""Entries SalesDesk ships in the configurable lists (kinds of contact, kinds of
commitment, reasons), with the same key on every device and in the central database
(``domain.ids.builtin_id``); stores made before keys were fixed get them at the next
upgrade (``engine.upgrade`` calls ``fix_builtin_ids``)."""

from __future__ import annotations

from salesdesk.domain.ids import builtin_id

BUILTIN_LISTS = {
    "contact_kind": ("visit", "phone", "email", "letter", "fair", "video", "mailing", "other"),
    "commitment_kind": ("call_back", "send_offer", "conclude_contract", "provide_sample",
                        "develop_test_product", "issue_invoice", "other"),
    "reason_code": ("regular", "complaint", "new_product", "price", "order", "other"),
}


def fix_builtin_ids(execute) -> int:
    """Give shipped entries (empty name) their fixed key; not a change to sync (the
    central database has the same rows). Returns how many rows changed."""
    changed = 0
    execute("INSERT INTO sync_apply_guard (id) VALUES (1)")
    for table, codes in BUILTIN_LISTS.items():
        for code in codes:
            wanted = builtin_id(table, code).hex
            changed += execute(f"UPDATE {table} SET id = ? WHERE code = ? AND name = '' "
                               f"AND id != ?", (wanted, code, wanted)).rowcount
    execute("DELETE FROM sync_apply_guard")
    return changed
