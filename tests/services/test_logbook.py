"""The logbook's use cases: write with follow-ups in one step, correct within the window,
tombstone with a reason, search, and the customer's last contact."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from salesdesk.domain.errors import NotFound, ValidationFailed
from salesdesk.domain.logbook import EditWindowClosed
from salesdesk.services import customers as cs
from salesdesk.services.logbook import (
    FollowUps,
    LogbookFilter,
    count_entries,
    create_entry,
    delete_entry,
    get_entry,
    list_entries,
    may_edit,
    update_entry,
)
from salesdesk.services.settings import set_setting
from salesdesk.services.users import user_id_for_login
from salesdesk.store.models import Appointment, AuditEntry, Customer, LogbookEntry, Task

VISIT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def customer(session):
    customer = cs.create_customer(
        session,
        {"name": "Huber Elektro GmbH"},
        addresses=[
            {
                "street": "Sendlinger Str. 1",
                "postal_code": "80331",
                "city": "München",
                "country": "DE",
            }
        ],
        contacts=[
            {"first_name": "Anna", "last_name": "Huber"},
            {"first_name": "Max", "last_name": "Moser"},
        ],
    )
    session.commit()
    return customer


def _write(session, customer, **values):
    values = {"occurred_at": VISIT, "kind": "visit", "subject": "Spring collection", **values}
    written = create_entry(session, customer.id, values)
    session.commit()
    return written.entry


def _other_user(store):
    session = store.session()
    session.info["user"] = "someone-else"
    return session


def test_an_entry_with_task_appointment_and_next_contact_is_written_at_once(session, customer):
    start = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    anna = customer.contacts[0]
    written = create_entry(
        session,
        customer.id,
        {
            "occurred_at": VISIT,
            "kind": "visit",
            "subject": "Spring collection",
            "notes": "Liked the catalogue.",
            "duration_minutes": 45,
            "reason_code": "regular",
        },
        contact_ids=[anna.id],
        follow_ups=FollowUps(
            task={"title": "Send offer", "due_on": date(2026, 3, 9), "kind": "send_offer"},
            appointment={
                "subject": "Demo",
                "starts_at": start,
                "ends_at": start + timedelta(hours=1),
            },
            next_contact=date(2026, 4, 1),
        ),
    )
    session.commit()
    entry = get_entry(session, written.entry.id)
    assert [link.contact_id for link in entry.contacts] == [anna.id]
    assert entry.author == "tester" and entry.follow_up_on == date(2026, 4, 1)
    task = session.scalar(select(Task).where(Task.logbook_entry_id == entry.id))
    assert (task.title, task.customer_id, task.contact_id) == ("Send offer", customer.id, anna.id)
    appointment = session.scalar(
        select(Appointment).where(Appointment.logbook_entry_id == entry.id)
    )
    assert appointment.location == "Sendlinger Str. 1, 80331 München"  # the customer's
    assert [link.contact_id for link in appointment.contacts] == [anna.id]
    refreshed = session.get(Customer, customer.id)
    assert refreshed.next_contact == date(2026, 4, 1)
    assert refreshed.last_contact_at == VISIT


def test_an_invalid_follow_up_task_writes_nothing_of_the_entry(store, session, customer):
    with pytest.raises(ValidationFailed) as caught:
        create_entry(
            session,
            customer.id,
            {"occurred_at": VISIT, "kind": "visit", "subject": "Spring collection"},
            follow_ups=FollowUps(task={"title": ""}, next_contact=date(2026, 4, 1)),
        )
    assert caught.value.for_field("title")
    session.rollback()  # the caller's transaction: nothing was committed
    with store.session() as fresh:
        assert count_entries(fresh, LogbookFilter()) == 0
        assert fresh.scalar(select(Task.id)) is None
        stored = fresh.get(Customer, customer.id)
        assert stored.next_contact is None and stored.last_contact_at is None


def test_entry_fields_are_checked_and_named(session, customer):
    with pytest.raises(ValidationFailed) as caught:
        create_entry(
            session,
            customer.id,
            {
                "occurred_at": datetime(2026, 3, 2, 9, 30),
                "kind": "carrier pigeon",
                "subject": "",
                "duration_minutes": 5000,
            },
        )
    keys = {e.key for e in caught.value.errors}
    assert keys == {"occurred_at", "kind", "subject", "duration_minutes"}


def test_contacts_of_another_customer_are_refused(session, customer):
    other = cs.create_customer(session, {"name": "Andere AG"}, contacts=[{"last_name": "Fremd"}])
    with pytest.raises(ValidationFailed) as caught:
        create_entry(
            session,
            customer.id,
            {"occurred_at": VISIT, "kind": "phone", "subject": "Call"},
            contact_ids=[other.contacts[0].id],
        )
    assert caught.value.for_field("contact_ids")


def test_the_author_may_correct_within_the_window_and_every_change_is_audited(session, customer):
    entry = _write(session, customer, notes="Liked it.")
    assert may_edit(session, entry) is None
    update_entry(
        session,
        entry.id,
        {"subject": "Spring collection and prices", "notes": "Liked it; wants 3 %."},
    )
    session.commit()
    changes = {
        (a.field, a.old_value, a.new_value)
        for a in session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_id == entry.id, AuditEntry.action == "update"
            )
        )
    }
    assert ("subject", "Spring collection", "Spring collection and prices") in changes
    assert ("notes", "Liked it.", "Liked it; wants 3 %.") in changes
    audit = session.scalar(
        select(AuditEntry).where(AuditEntry.entity_id == entry.id, AuditEntry.field == "subject")
    )
    assert audit.changed_by == "tester" and audit.customer_id == customer.id


def test_after_the_window_the_entry_is_history(session, customer):
    entry = _write(session, customer)
    later = entry.created_at + timedelta(hours=73)  # the default window is 72 hours
    assert "72 hours" in may_edit(session, entry, now=later)
    with pytest.raises(EditWindowClosed):
        update_entry(session, entry.id, {"subject": "Too late"}, now=later)
    with pytest.raises(EditWindowClosed):
        delete_entry(session, entry.id, "typo", now=later)


def test_the_window_is_a_setting(session, customer):
    set_setting(session, "logbook.edit_window_hours", 1)
    session.commit()
    entry = _write(session, customer)
    assert may_edit(session, entry, now=entry.created_at + timedelta(minutes=50)) is None
    assert "1 hours" in may_edit(session, entry, now=entry.created_at + timedelta(hours=2))


def test_only_the_author_may_change_an_entry(store, session, customer):
    entry = _write(session, customer)
    with _other_user(store) as other:
        theirs = get_entry(other, entry.id)
        assert "only its author tester" in may_edit(other, theirs)
        with pytest.raises(EditWindowClosed):
            update_entry(other, entry.id, {"subject": "Mine now"})
        with pytest.raises(EditWindowClosed):
            delete_entry(other, entry.id, "not mine")


def test_delete_needs_a_reason_and_leaves_lists_and_search(session, customer):
    entry = _write(session, customer, notes="Musterkoffer gezeigt")
    with pytest.raises(ValidationFailed) as caught:
        delete_entry(session, entry.id, "   ")
    assert caught.value.for_field("delete_reason")
    delete_entry(session, entry.id, "written for the wrong customer")
    session.commit()
    stored = session.get(LogbookEntry, entry.id)
    assert stored.deleted_at is not None
    assert stored.delete_reason == "written for the wrong customer"
    assert list_entries(session, LogbookFilter(customer_id=customer.id)) == []
    assert count_entries(session, LogbookFilter(text="Musterkoffer")) == 0
    with pytest.raises(NotFound):
        get_entry(session, entry.id)


def test_search_ignores_umlauts_and_sharp_s(session, customer):
    street = _write(
        session,
        customer,
        subject="Baustelle gesperrt",
        notes="Die Straße vor dem Lager ist bis Mai gesperrt.",
    )
    _write(session, customer, subject="Müller-Preise", notes="Neue Preisliste")
    found = list_entries(session, LogbookFilter(text="strasse"))
    assert [row.id for row in found] == [street.id]
    assert [r.subject for r in list_entries(session, LogbookFilter(text="muller"))] == [
        "Müller-Preise"
    ]
    assert count_entries(session, LogbookFilter(text="straße lager")) == 1
    assert count_entries(session, LogbookFilter(text="strasse preisliste")) == 0


def test_corrected_text_is_searched_by_its_new_words(session, customer):
    entry = _write(session, customer, notes="Katalog dagelassen")
    update_entry(session, entry.id, {"notes": "Musterkoffer gezeigt"})
    session.commit()
    assert count_entries(session, LogbookFilter(text="katalog")) == 0
    assert count_entries(session, LogbookFilter(text="musterkoffer")) == 1


def test_last_contact_follows_the_newest_live_entry(session, customer):
    older = _write(session, customer, occurred_at=VISIT - timedelta(days=10))
    newer = _write(session, customer, occurred_at=VISIT)
    assert session.get(Customer, customer.id).last_contact_at == VISIT
    delete_entry(session, newer.id, "double")
    session.commit()
    assert session.get(Customer, customer.id).last_contact_at == older.occurred_at
    update_entry(session, older.id, {"occurred_at": VISIT + timedelta(days=1)})
    session.commit()
    assert session.get(Customer, customer.id).last_contact_at == VISIT + timedelta(days=1)
    delete_entry(session, older.id, "wrong customer")
    session.commit()
    assert session.get(Customer, customer.id).last_contact_at is None


def test_lists_are_newest_first_and_filter_by_kind_user_and_period(store, session, customer):
    _write(
        session, customer, occurred_at=VISIT - timedelta(days=40), kind="phone", subject="Old call"
    )
    _write(session, customer, occurred_at=VISIT, subject="Visit")
    with _other_user(store) as other:
        create_entry(
            other,
            customer.id,
            {"occurred_at": VISIT - timedelta(days=1), "kind": "email", "subject": "Their mail"},
        )
        other.commit()
    rows = list_entries(session, LogbookFilter(customer_id=customer.id))
    assert [r.subject for r in rows] == ["Visit", "Their mail", "Old call"]
    assert rows[0].customer_number == customer.number and rows[0].user_name == "tester"
    assert [r.subject for r in list_entries(session, LogbookFilter(kinds=("phone",)))] == [
        "Old call"
    ]
    mine = list_entries(session, LogbookFilter(user_id=user_id_for_login(session, "tester")))
    assert {r.subject for r in mine} == {"Visit", "Old call"}
    recent = LogbookFilter(start=VISIT - timedelta(days=30), end=VISIT)
    assert [r.subject for r in list_entries(session, recent)] == ["Their mail"]
    assert count_entries(session, LogbookFilter(customer_id=customer.id)) == 3


def test_unticked_contact_links_become_tombstones_and_come_back(session, customer):
    anna, max_ = (c.id for c in customer.contacts)
    written = create_entry(session, customer.id, {"occurred_at": VISIT, "kind": "visit",
                                                  "subject": "Both came"},
                           contact_ids=[anna, max_])
    session.commit()
    entry_id = written.entry.id
    update_entry(session, entry_id, {}, contact_ids=[anna])
    session.commit()
    links = {link.contact_id: link.deleted_at for link in get_entry(session, entry_id).contacts}
    assert links[anna] is None and links[max_] is not None  # kept, as a tombstone
    [row] = list_entries(session, LogbookFilter(customer_id=customer.id))
    assert row.contacts == "Anna Huber"
    update_entry(session, entry_id, {}, contact_ids=[anna, max_])
    session.commit()
    assert all(link.deleted_at is None for link in get_entry(session, entry_id).contacts)
