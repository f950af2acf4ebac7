"""Money, time, audit trail, search index and the single-instance guard of the local store."""

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from salesdesk.domain.errors import StoreError
from salesdesk.services import customers as cs
from salesdesk.services.customer_list import CustomerFilter, count_customers, list_customers
from salesdesk.store.lock import InstanceLock
from salesdesk.store.models import AuditEntry, Customer


def _customer(session, name="Müller Straßenbau GmbH", city="München", contact="Jörg",
              postal_code="80331", last_name="Éluard", email="je@firma.de"):
    customer = cs.create_customer(
        session, {"name": name, "credit_limit": Decimal("12345.6789")},
        addresses=[{"street": "Hauptstraße 5", "postal_code": postal_code, "city": city,
                    "country": "DE"}],
        contacts=[{"first_name": contact, "last_name": last_name, "email": email}],
    )
    session.commit()
    return customer


def test_money_is_stored_as_exact_scaled_integer(session):
    customer = _customer(session)
    raw = session.execute(text("SELECT credit_limit, typeof(credit_limit) FROM customer")).one()
    assert raw == (123456789, "integer")
    session.expire_all()
    assert session.get(Customer, customer.id).credit_limit == Decimal("12345.6789")


def test_money_with_more_places_than_stored_is_refused(session):
    customer = _customer(session)
    customer.credit_limit = Decimal("1.00001")
    with pytest.raises(Exception, match="more than 4 decimal places"):
        session.flush()


def test_times_are_stored_in_utc(session):
    customer = _customer(session)
    customer.deleted_at = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    session.commit()
    stored = session.execute(text("SELECT deleted_at FROM customer")).scalar_one()
    assert stored.startswith("2026-03-29T01:30:00") and stored.endswith("+00:00")
    session.expire_all()
    assert session.get(Customer, customer.id).deleted_at.tzinfo == UTC


def test_naive_times_are_refused(session):
    customer = _customer(session)
    customer.deleted_at = datetime(2026, 1, 1)
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_audit_trail_records_who_when_old_and_new(store):
    with store.session() as session:
        customer = _customer(session)
        cs.update_customer(session, customer, {"name": "Müller Bau GmbH", "status": "active"})
        cs.update_customer(session, customer, {"status": "active"})  # no real change
        session.commit()
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "customer", AuditEntry.action == "update")
            .order_by(AuditEntry.field)
        ).all()
    assert [(e.field, e.old_value, e.new_value, e.changed_by) for e in entries] == [
        ("name", "Müller Straßenbau GmbH", "Müller Bau GmbH", "tester"),
        ("status", "prospect", "active", "tester"),
    ]
    assert all(e.customer_id == customer.id and e.changed_at.tzinfo == UTC for e in entries)


def test_children_changes_are_audited_under_their_customer(session):
    customer = _customer(session)
    contact = customer.contacts[0]
    cs.save_contact(session, customer, {"last_name": "Eluard", "email": "new@firma.de"}, contact)
    session.commit()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.field == "email")).one()
    assert (entry.entity, entry.customer_id, entry.old_value, entry.new_value) == (
        "contact_person", customer.id, "je@firma.de", "new@firma.de")


@pytest.mark.parametrize("query", [
    "müller", "muller", "mueller", "MÜL", "strassenbau", "straßenbau", "munchen", "münchen",
    "muenchen", "eluard", "éluard", "joerg", "jorg", "je@firma", "80331", "K-000001", "mül straß",
])
def test_search_is_umlaut_and_accent_insensitive(session, query):
    _customer(session)
    _customer(session, name="Schmidt Elektro KG", city="Berlin", contact="Anna",
              postal_code="10115", last_name="Weber", email="anna@schmidt.de")
    hits = list_customers(session, CustomerFilter(search=query))
    assert [h.name for h in hits] == ["Müller Straßenbau GmbH"]


def test_search_index_follows_changes_and_deletes(session):
    customer = _customer(session)
    cs.update_customer(session, customer, {"name": "Özdemir Feinkost"})
    session.commit()
    assert count_customers(session, CustomerFilter(search="ozdemir")) == 1
    assert count_customers(session, CustomerFilter(search="strassenbau")) == 0
    cs.save_address(session, customer, {"city": "Köln", "postal_code": "50667", "country": "DE"},
                    customer.addresses[0])
    session.commit()
    assert count_customers(session, CustomerFilter(search="koeln")) == 1
    assert list_customers(session, CustomerFilter(search="koeln"))[0].city == "Köln"
    cs.delete_customer(session, customer)
    session.commit()
    assert count_customers(session, CustomerFilter(search="ozdemir")) == 0
    assert count_customers(session, CustomerFilter()) == 0


def test_search_with_only_punctuation_finds_nothing(session):
    _customer(session)
    assert count_customers(session, CustomerFilter(search='"*')) == 0


def test_second_instance_on_the_same_data_dir_gets_a_clear_message(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from salesdesk.store.lock import InstanceLock
            lock = InstanceLock(Path({str(tmp_path)!r})).acquire()
            print("locked", flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match=f"already working with .*process {holder.pid}"):
            InstanceLock(tmp_path).acquire()
    finally:
        holder.kill()
        holder.wait()
    InstanceLock(tmp_path).acquire().release()  # the OS released the dead process's lock
