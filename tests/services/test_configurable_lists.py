"""The office extends, renames, reorders and retires entries of its lists."""

import pytest

from salesdesk.domain.errors import ValidationFailed
from salesdesk.services import configurable_lists as cl
from salesdesk.services import lookups


def test_shipped_entries_show_in_the_users_language(session):
    labels = [e.label for e in cl.entries(session, "contact_kind")]
    assert labels[:3] == ["Visit", "Phone call", "E-mail"]


def test_added_entry_is_offered_and_retired_entries_are_not(session):
    added = cl.add_entry(session, "contact_kind", "Ausstellung Köln")
    assert (added.code, added.label) == ("ausstellung_koln", "Ausstellung Köln")
    assert "Ausstellung Köln" in [e.label for e in lookups.contact_kinds(session)]
    cl.set_active(session, "contact_kind", "fair", False)
    offered = [e.code for e in lookups.contact_kinds(session)]
    assert "fair" not in offered and "fair" in [
        e.code for e in lookups.contact_kinds(session, with_inactive=True)]


def test_duplicates_and_empty_names_are_refused(session):
    with pytest.raises(ValidationFailed, match="already in the list"):
        cl.add_entry(session, "commitment_kind", "send offer")
    with pytest.raises(ValidationFailed, match="Kinds of contact, Name: is required"):
        cl.add_entry(session, "contact_kind", "  ")
    with pytest.raises(ValidationFailed, match="stays active"):
        cl.set_active(session, "contact_kind", "mailing", False)


def test_rename_and_move(session):
    cl.rename_entry(session, "reason_code", "complaint", "Reklamation")
    cl.move_entry(session, "reason_code", "complaint", -5)
    first = cl.entries(session, "reason_code")[0]
    assert (first.code, first.label) == ("complaint", "Reklamation")
