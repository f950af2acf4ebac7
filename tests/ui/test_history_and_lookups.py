"""The services the desktop app reads: picker lists and the readable change history."""

from decimal import Decimal

from salesdesk.services.customers import get_customer, save_contact, update_customer
from salesdesk.services.history import customer_history, record_label
from salesdesk.services.lookups import all_lookups, lookup_entry, representatives


def test_lookups_fill_every_picker_of_the_customer_form(demo_store):
    with demo_store.session() as session:
        lists = all_lookups(session)
        assert set(lists) == {"customer_group_id", "price_group_id", "territory_id",
                              "payment_term_id", "delivery_term_id", "representative_id"}
        groups = lists["customer_group_id"]
        assert [g.code for g in groups] == sorted(g.code for g in groups)
        assert groups[0].label.endswith(f"({groups[0].code})")
        rep = representatives(session)[0]
        assert lookup_entry(session, "representative_id", rep.id) == rep


def test_history_speaks_in_labels_names_and_types(demo_store):
    with demo_store.session() as session:
        customer = get_customer(session, "K-000001")
        group = all_lookups(session)["customer_group_id"][-1]
        update_customer(session, customer, {"credit_limit": "2500", "do_not_contact": True,
                                            "do_not_contact_reason": "Asked by phone",
                                            "customer_group_id": group.id})
        save_contact(session, customer, {"last_name": "Weber", "first_name": "Anna"})
        session.commit()
        entries = customer_history(session, customer.id)
    by_field = {e.field: e for e in entries if e.action == "update"}
    assert by_field["Credit limit"].new == Decimal("2500")
    assert by_field["Do not contact"].old is False and by_field["Do not contact"].new is True
    assert by_field["Customer group"].new == group.name  # a name, never the id
    created = [e for e in entries if e.action == "insert"]
    assert created and created[0].record == "Contact person Anna Weber"
    assert all(e.changed_by == "tester" for e in entries)
    assert entries == sorted(entries, key=lambda e: e.changed_at, reverse=True)


def test_record_label_of_a_vanished_record():
    assert record_label("address", None) == "(no longer present)"
    assert record_label("customer", None) == "Customer file"
