"""Payment and delivery terms kept by the office: checked, unique, changed, deleted if unused."""

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from salesdesk.domain.errors import ValidationFailed
from salesdesk.services import customers as cs
from salesdesk.services import lookups
from salesdesk.services import terms as ts
from salesdesk.store.models import AuditEntry, DeliveryTerm, PaymentTerm

SKONTO = {"code": "S14", "name": "2 % in 14 days, 1 % in 21 days, 30 days net",
          "net_days": 30, "cash_discounts": [("2", 14), ("1,5", 21)]}
DAP = {"code": "DAP500", "name": "DAP, free from 500", "incoterm": "dap",
       "incoterm_place": "Lieferanschrift des Kunden", "free_freight_threshold": "500",
       "minimum_order": Decimal("100")}


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _refused(session, save, values, term_id=None) -> ValidationFailed:
    """Saving fails, and after the caller's rollback nothing was written."""
    before = (_count(session, PaymentTerm), _count(session, DeliveryTerm),
              _count(session, AuditEntry))
    with pytest.raises(ValidationFailed) as caught:
        save(session, values, term_id)
    session.rollback()
    assert (_count(session, PaymentTerm), _count(session, DeliveryTerm),
            _count(session, AuditEntry)) == before
    return caught.value


# -- payment terms ------------------------------------------------------------------------

def test_payment_terms_with_two_stages_are_stored_as_decimal_text_and_listed(session):
    term = ts.save_payment_term(session, SKONTO)
    session.commit()
    assert json.loads(term.cash_discounts) == [["2", 14], ["1.5", 21]]
    [entry] = ts.list_payment_terms(session)
    assert entry.cash_discounts == ((Decimal("2"), 14), (Decimal("1.5"), 21))
    assert entry.text == "30 days net; 2 % within 14 days; 1.5 % within 21 days"
    assert entry.customers == 0
    assert [e.label for e in lookups.payment_terms(session)] == [f"{SKONTO['name']} (S14)"]


def test_a_bad_stage_order_names_the_terms_the_field_and_the_problem(session):
    error = _refused(session, ts.save_payment_term,
                     SKONTO | {"cash_discounts": [("1", 14), ("2", 21)]})
    [problem] = error.errors
    assert (problem.record, problem.field, problem.key) == (
        "Payment terms S14", "Cash discount", "cash_discounts")
    assert "shortest period with the highest discount" in problem.message


def test_every_problem_is_named_at_once(session):
    error = _refused(session, ts.save_payment_term,
                     {"code": "A B", "name": " ", "net_days": 10,
                      "cash_discounts": [("abc", 5), ("", 8)]})
    found = {e.key: e.message for e in error.errors}
    assert found["code"] == "must not contain spaces"
    assert found["name"] == "is required"
    assert found["cash_discounts"] == ("stage 1: “abc” is not a percentage; "
                                       "stage 2: enter the discount in percent")
    longer = _refused(session, ts.save_payment_term,
                      SKONTO | {"net_days": 10, "cash_discounts": [("2", 14)]})
    assert str(longer) == "Payment terms S14, Cash discount: 14 days are longer than the 10 " \
                          "days net"
    too_much = _refused(session, ts.save_payment_term, SKONTO | {"cash_discounts": [("100", 3)]})
    assert "100 % is not between 0 % and 100 %" in str(too_much)


def test_codes_are_unique_whatever_their_case(session):
    first = ts.save_payment_term(session, SKONTO)
    session.commit()
    error = _refused(session, ts.save_payment_term, SKONTO | {"code": "s14"})
    assert str(error) == f"Payment terms s14, Code: “S14” is already used by “{SKONTO['name']}”"
    # the same code on the same terms is no clash
    ts.save_payment_term(session, SKONTO | {"name": "Skonto"}, first.id)
    session.commit()
    assert ts.list_payment_terms(session)[0].name == "Skonto"


def test_terms_in_use_can_be_changed_but_not_deleted(session):
    term = ts.save_payment_term(session, SKONTO)
    cs.create_customer(session, {"name": "Huber GmbH", "payment_term_id": term.id})
    cs.create_customer(session, {"name": "Maier KG", "payment_term_id": term.id})
    session.commit()
    assert ts.list_payment_terms(session)[0].customers == 2
    ts.save_payment_term(session, SKONTO | {"code": "S14B", "net_days": 45}, term.id)
    session.commit()
    with pytest.raises(ts.TermInUse) as caught:
        ts.delete_payment_term(session, term.id)
    assert str(caught.value) == (
        "Payment terms S14B are used by 2 customers and cannot be deleted. Give those "
        "customers other terms first, or change these terms instead.")
    session.rollback()
    assert session.get(PaymentTerm, term.id).deleted_at is None


def test_unused_terms_are_deleted_and_their_code_can_come_back(session):
    term = ts.save_payment_term(session, SKONTO)
    session.commit()
    ts.delete_payment_term(session, term.id)
    session.commit()
    assert ts.list_payment_terms(session) == [] and lookups.payment_terms(session) == []
    again = ts.save_payment_term(session, SKONTO | {"name": "Skonto again", "cash_discounts": []})
    session.commit()
    assert again.id == term.id and again.deleted_at is None
    assert [(e.name, e.text) for e in ts.list_payment_terms(session)] == [
        ("Skonto again", "30 days net")]


# -- delivery terms -----------------------------------------------------------------------

def test_delivery_terms_with_incoterm_place_and_amounts(session):
    term = ts.save_delivery_term(session, DAP)
    session.commit()
    assert (term.incoterm, term.free_freight_threshold, term.minimum_order) == (
        "DAP", Decimal("500"), Decimal("100"))
    [entry] = ts.list_delivery_terms(session)
    assert entry.text() == ("DAP Lieferanschrift des Kunden (Delivered at Place); free freight "
                            "from 500.00; minimum order 100.00")
    assert entry.text(lambda amount: f"EUR {amount}").endswith("minimum order EUR 100")


def test_delivery_term_problems_are_named_beside_their_fields(session):
    error = _refused(session, ts.save_delivery_term,
                     DAP | {"incoterm": "DAT", "free_freight_threshold": "-5",
                            "minimum_order": "1,234.567"})
    found = {e.key: str(e) for e in error.errors}
    assert found["incoterm"] == ("Delivery terms DAP500, Incoterms rule: DAT is not an "
                                 "Incoterms 2020 rule")
    assert found["free_freight_threshold"].endswith(
        "Free freight from: must be more than 0 (leave the field empty for none)")
    assert found["minimum_order"].endswith("can have at most two decimal places")
    no_place = _refused(session, ts.save_delivery_term, DAP | {"incoterm_place": ""})
    assert no_place.for_field("incoterm_place")[0].message.startswith(
        "is required with an Incoterms rule")
    no_rule = _refused(session, ts.save_delivery_term, DAP | {"incoterm": ""})
    assert "goes with an Incoterms rule" in str(no_rule)


def test_a_stored_rule_from_before_2020_may_stay_but_not_come_new(session):
    old = DeliveryTerm(code="DAT", name="Delivered at terminal", incoterm="DAT",
                       incoterm_place="Hamburg")
    session.add(old)
    session.commit()
    ts.save_delivery_term(session, {"code": "DAT", "name": "DAT Hamburg", "incoterm": "DAT",
                                    "incoterm_place": "Hamburg"}, old.id)
    session.commit()
    assert session.get(DeliveryTerm, old.id).name == "DAT Hamburg"
    _refused(session, ts.save_delivery_term, DAP | {"incoterm": "DAT"})


def test_delivery_terms_in_use_are_not_deleted(session):
    term = ts.save_delivery_term(session, DAP)
    cs.create_customer(session, {"name": "Huber GmbH", "delivery_term_id": term.id})
    session.commit()
    with pytest.raises(ts.TermInUse, match="Delivery terms DAP500 are used by one customer"):
        ts.delete_delivery_term(session, term.id)
