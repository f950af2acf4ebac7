"""A customer file told as a story: created, checked, changed, found twice, merged."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from salesdesk.domain.errors import DomainError, NotFound, ValidationFailed
from salesdesk.services import customers as cs
from salesdesk.services.customer_list import CustomerFilter, count_customers, list_customers
from salesdesk.services.documents import add_document, document_path
from salesdesk.services.duplicates import find_duplicates, merge_customers
from salesdesk.store.models import AuditEntry, Customer


def _huber(session, **extra):
    return cs.create_customer(
        session, {"name": "Huber Elektro GmbH", "vat_id": "DE136695976", **extra},
        addresses=[{"street": "Sendlinger Str. 1", "postal_code": "80331", "city": "München",
                    "country": "DE"},
                   {"kind": "delivery", "street": "Lager 3", "postal_code": "85748",
                    "city": "Garching", "country": "DE"}],
        contacts=[{"first_name": "Anna", "last_name": "Huber", "phone": "089 1234567",
                   "email": "anna@huber-elektro.de"}],
    )


def test_new_customer_gets_a_number_defaults_and_normalised_data(session):
    first = _huber(session)
    second = cs.create_customer(session, {"name": "Zweite AG"})
    session.commit()
    assert (first.number, second.number) == ("K-000001", "K-000002")
    assert first.contacts[0].phone == "+49891234567"
    assert sorted((a.kind, a.is_default) for a in first.addresses) == [("delivery", True),
                                                                       ("main", True)]
    assert (first.main_city, first.main_postal_code) == ("München", "80331")


def test_invalid_input_names_every_problem_and_writes_nothing(session):
    with pytest.raises(ValidationFailed) as caught:
        cs.create_customer(session, {"name": "Neu GmbH", "vat_id": "DE000000000"},
                           contacts=[{"last_name": "Maier", "phone": "0"}])
    text = str(caught.value)
    assert "VAT id: not a valid VAT id" in text
    session.rollback()
    assert count_customers(session, CustomerFilter()) == 0


def test_do_not_contact_needs_a_reason(session):
    customer = _huber(session)
    with pytest.raises(ValidationFailed, match="Reason for do not contact: is required"):
        cs.update_customer(session, customer, {"do_not_contact": True})
    cs.update_customer(session, customer, {"do_not_contact": True,
                                           "do_not_contact_reason": "Objection 2026-11-01"})
    session.commit()
    assert list_customers(session, CustomerFilter(do_not_contact=True))[0].do_not_contact


def test_bank_account_and_consent(session):
    customer = _huber(session)
    account = cs.save_bank_account(session, customer, {"iban": "DE89 3704 0044 0532 0130 00",
                                                       "bic": "COBADEFFXXX"})
    consent = cs.record_consent(session, customer, "email", True, date(2026, 5, 4),
                                "Trade fair form")
    session.commit()
    assert account.iban == "DE89370400440532013000"
    assert (consent.channel, consent.source) == ("email", "Trade fair form")
    with pytest.raises(ValidationFailed, match="Source: is required"):
        cs.record_consent(session, customer, "email", False, date(2026, 6, 1), " ")


def test_lookup_by_number_or_id(session):
    customer = _huber(session)
    session.commit()
    assert cs.get_customer(session, "k-000001 ").id == customer.id
    assert cs.get_customer(session, customer.id).number == "K-000001"
    with pytest.raises(NotFound, match="no customer K-999999"):
        cs.get_customer(session, "K-999999")


def test_duplicates_by_vat_id_and_by_similar_name_in_same_postal_code(session):
    existing = _huber(session)
    session.commit()
    by_vat = find_duplicates(session, "Anything", vat_id="DE 136 695 976")
    by_name = find_duplicates(session, "Elektro Huber", postal_code="80331")
    elsewhere = find_duplicates(session, "Elektro Huber", postal_code="10115")
    assert [d.number for d in by_vat] == [existing.number]
    assert "same VAT id" in by_vat[0].reason
    assert [d.number for d in by_name] == [existing.number]
    assert elsewhere == []
    assert find_duplicates(session, "Elektro Huber", "80331", exclude_id=existing.id) == []


def test_merge_keeps_everything_of_both_files(store, session, tmp_path: Path):
    keep = _huber(session)
    other = cs.create_customer(
        session, {"name": "Elektro Huber", "website": "www.huber.example", "notes": "Old file"},
        addresses=[{"street": "Altbau 2", "postal_code": "80331", "city": "München",
                    "country": "DE"}],
        contacts=[{"last_name": "Maier"}],
    )
    cs.save_bank_account(session, other, {"iban": "DE89370400440532013000"})
    cs.set_segments(session, other, ["Fashion"])
    leaflet = tmp_path / "leaflet.pdf"
    leaflet.write_bytes(b"%PDF-1.4 leaflet")
    add_document(session, store, other, leaflet)
    session.commit()

    merge_customers(session, keep, other)
    session.commit()

    with store.session() as fresh:
        merged = cs.get_customer(fresh, keep.number)
        assert sorted(c.last_name for c in merged.contacts) == ["Huber", "Maier"]
        assert len(merged.addresses) == 3
        assert sum(a.is_default for a in merged.addresses if a.kind == "main") == 1
        assert [d.name for d in merged.documents] == ["leaflet.pdf"]
        assert document_path(store, merged.documents[0]).read_bytes() == b"%PDF-1.4 leaflet"
        assert len(merged.bank_accounts) == 1 and merged.segments[0].segment == "Fashion"
        assert (merged.website, merged.notes) == ("www.huber.example", "Old file")
        gone = fresh.get(Customer, other.id)
        assert gone.deleted_at is not None and gone.merged_into_id == keep.id
        assert count_customers(fresh, CustomerFilter(search="maier")) == 1
        assert fresh.scalar(select(AuditEntry).where(AuditEntry.action == "merge")).old_value \
            == other.number


def test_who_named_the_merged_file_as_head_office_or_invoice_recipient_now_names_the_kept(
        session):
    keep = _huber(session)
    other = cs.create_customer(session, {"name": "Elektro Huber Zentrale"})
    branch = cs.create_customer(session, {"name": "Huber Filiale Nord"})
    branch.parent_id = branch.invoice_recipient_id = other.id
    keep.invoice_recipient_id = other.id  # the kept file sent its invoices to the other
    session.commit()
    merge_customers(session, keep, other)
    session.commit()
    assert (branch.parent_id, branch.invoice_recipient_id) == (keep.id, keep.id)
    assert keep.invoice_recipient_id is None  # not its own recipient


def test_merge_into_itself_is_refused(session):
    customer = _huber(session)
    with pytest.raises(DomainError, match="into itself"):
        merge_customers(session, customer, customer)


def test_same_document_twice_is_stored_once(store, session, tmp_path):
    customer = _huber(session)
    source = tmp_path / "offer.txt"
    source.write_text("offer")
    first = add_document(session, store, customer, source)
    second = add_document(session, store, customer, source)
    session.commit()
    assert first.sha256 == second.sha256 and first.size == 5
    assert len(list((store.data_dir / "documents").rglob(first.sha256))) == 1


# -- invoice recipient, return conditions, collection discount -----------------------------

def _audit_count(session) -> int:
    return len(session.scalars(select(AuditEntry)).all())


def test_collection_discount_is_a_percentage_between_0_and_100(session):
    customer = _huber(session)
    session.commit()
    before = _audit_count(session)
    for typed, problem in (("150", "must be more than 0 % and less than 100 %"),
                           ("0", "must be more than 0 % and less than 100 %"),
                           ("1,555", "can have at most two decimal places"),
                           ("viel", "not a percentage")):
        with pytest.raises(ValidationFailed) as caught:
            cs.update_customer(session, customer, {"collection_discount": typed})
        assert str(caught.value) == (
            f"Customer K-000001 Huber Elektro GmbH, Collection discount: {problem}")
        assert caught.value.errors[0].key == "collection_discount"
        session.rollback()
    assert customer.collection_discount is None and _audit_count(session) == before
    cs.update_customer(session, customer, {"collection_discount": "1,5 %"})
    session.commit()
    assert cs.get_customer(session, "K-000001").collection_discount == Decimal("1.5")
    cs.update_customer(session, customer, {"collection_discount": ""})
    session.commit()
    assert cs.get_customer(session, "K-000001").collection_discount is None


def test_return_conditions_are_trimmed_text_of_a_sensible_length(session):
    customer = _huber(session)
    cs.update_customer(session, customer, {"return_conditions": "  Nur originalverpackt.\n"
                                                                "Keine Sonderanfertigungen. "})
    session.commit()
    assert customer.return_conditions == "Nur originalverpackt.\nKeine Sonderanfertigungen."
    with pytest.raises(ValidationFailed, match="Return conditions: is too long"):
        cs.update_customer(session, customer, {"return_conditions": "x" * 2001})


def test_invoice_recipient_is_another_live_customer(session):
    head = _huber(session)
    branch = cs.create_customer(session, {"name": "Huber Filiale Nord",
                                          "invoice_recipient_id": head.id})
    session.commit()
    assert branch.invoice_recipient_id == head.id
    with pytest.raises(ValidationFailed) as caught:
        cs.update_customer(session, head, {"invoice_recipient_id": head.id})
    assert str(caught.value) == (
        "Customer K-000001 Huber Elektro GmbH, Invoice recipient: a customer cannot be its "
        "own invoice recipient; leave the field empty instead")
    assert caught.value.errors[0].key == "invoice_recipient_id"
    session.rollback()
    assert cs.get_customer(session, "K-000001").invoice_recipient_id is None


def test_a_deleted_or_merged_customer_cannot_receive_invoices(session):
    head, other, gone = _huber(session), cs.create_customer(session, {"name": "Alt GmbH"}), \
        cs.create_customer(session, {"name": "Weg AG"})
    branch = cs.create_customer(session, {"name": "Filiale"})
    cs.delete_customer(session, gone)
    merge_customers(session, head, other)
    session.commit()
    with pytest.raises(ValidationFailed, match="customer K-000002 was merged into K-000001; "
                                               "choose K-000001"):
        cs.update_customer(session, branch, {"invoice_recipient_id": other.id})
    session.rollback()
    with pytest.raises(ValidationFailed, match="customer K-000003 has been deleted"):
        cs.update_customer(session, branch, {"invoice_recipient_id": gone.id})
    session.rollback()
    assert cs.get_customer(session, "K-000004").invoice_recipient_id is None


def test_a_new_customer_with_bad_terms_is_not_written_and_every_problem_is_named(session):
    gone = cs.create_customer(session, {"name": "Weg AG"})
    cs.delete_customer(session, gone)
    session.commit()
    with pytest.raises(ValidationFailed) as caught:
        cs.create_customer(session, {"name": "Neu GmbH", "collection_discount": "100",
                                     "invoice_recipient_id": gone.id})
    assert {e.key for e in caught.value.errors} == {"collection_discount",
                                                    "invoice_recipient_id"}
    session.rollback()
    assert count_customers(session, CustomerFilter()) == 0
