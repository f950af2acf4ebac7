"""The conditions page's read model: a customer's records in three sections, in words;
new and changed conditions (a change is a successor, never an edit); the price check."""

import re
from datetime import date
from decimal import Decimal as D

import pytest

from salesdesk.domain.errors import NotFound, ValidationFailed
from salesdesk.domain.pricing import KeyKind, Scale
from salesdesk.services import condition_view as cv
from salesdesk.services import pricing as ps
from salesdesk.services.customers import create_customer
from salesdesk.store.models import (
    Article,
    ConditionRecord,
    CustomerGroup,
    PaymentTerm,
    PriceGroup,
    PriceList,
    ProductGroup,
)

MAY = date(2026, 5, 1)
HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")


def make_shop(session) -> dict:
    """Gloves in workwear, a dealer price list, a retail customer with a customer price
    (ending in June, a draft successor from July), a product-group discount for it, a
    customer-group discount, and another customer's price that must never show."""
    workwear = ProductGroup(code="WORKWEAR", name="Arbeitskleidung")
    session.add(workwear)
    session.flush()
    gloves = ProductGroup(code="GLOVES", name="Handschuhe", parent_id=workwear.id)
    retail, dealer = CustomerGroup(code="RET", name="Retail"), PriceGroup(code="PG2",
                                                                         name="Dealer")
    terms = PaymentTerm(code="S14", name="2 % 14 days", net_days=30,
                        cash_discounts='[["2", 14]]')
    session.add_all([gloves, retail, dealer, terms])
    session.flush()
    price_list = PriceList(code="PL-2026", name="Dealer 2026", price_group_id=dealer.id,
                           valid_from=date(2026, 1, 1))
    glove = Article(number="100234", name="Arbeitshandschuh Nitril", product_group_id=gloves.id)
    boot = Article(number="200100", name="Sicherheitsschuh S3", product_group_id=workwear.id)
    session.add_all([price_list, glove, boot])
    customer = create_customer(session, {"name": "Müller Bau GmbH",
                                         "customer_group_id": retail.id,
                                         "price_group_id": dealer.id,
                                         "payment_term_id": terms.id})
    other = create_customer(session, {"name": "Andere GmbH"})
    session.flush()

    def save(type_code, kind, key, *scales, **extra):
        return ps.save_condition(session, {
            "type_code": type_code, "key_kind": kind, "key": key,
            "scales": [Scale(D(t), D(v)) for t, v in scales],
            "valid_from": extra.pop("valid_from", date(2026, 1, 1)), **extra})

    g, c = glove.id.hex, customer.id.hex
    save("PRICE", KeyKind.ARTICLE, [g], (0, "12.50"))
    save("PRICE", KeyKind.ARTICLE, [boot.id.hex], (0, "49.90"))
    save("PRICE", KeyKind.PRICE_GROUP_ARTICLE, [dealer.id.hex, g], (0, "11.90"), (100, "11.20"),
         price_list_id=price_list.id)
    save("PRICE", KeyKind.CUSTOMER_ARTICLE, [c, g], (0, "10.00"), valid_to=date(2026, 6, 30))
    save("PRICE", KeyKind.CUSTOMER_ARTICLE, [c, g], (0, "10.50"), valid_from=date(2026, 7, 1),
         released=False, note="from summer")
    save("GROUP_DISCOUNT", KeyKind.CUSTOMER_PRODUCT_GROUP, [c, gloves.id.hex], (0, "-5"))
    save("CUSTOMER_GROUP_DISCOUNT", KeyKind.CUSTOMER_GROUP_PRODUCT_GROUP,
         [retail.id.hex, workwear.id.hex], (0, "-10"))
    save("PRICE", KeyKind.CUSTOMER_ARTICLE, [other.id.hex, g], (0, "7.77"))
    session.commit()
    return {"customer": customer, "other": other, "glove": glove, "gloves": gloves}


@pytest.fixture
def shop(session):
    return make_shop(session)


def _texts(rows):
    return [row.texts for row in rows]


def test_the_records_of_a_customer_in_three_sections_in_words(session, shop):
    overview = cv.customer_conditions(session, shop["customer"].number, MAY)
    current = {(r.type_name, r.applies_to, r.for_whom, r.value_text) for r in overview.current}
    number = shop["customer"].number
    assert current == {
        ("Base price", "Article 100234 Arbeitshandschuh Nitril", f"Customer {number}",
         "€10.00"),
        ("Product-group discount", "Product group GLOVES Handschuhe", f"Customer {number}",
         "-5 %"),
        ("Base price", "Article 100234 Arbeitshandschuh Nitril", "Price group PG2 Dealer",
         "€11.90; from 100: €11.20"),
        ("Customer-group discount", "Product group WORKWEAR Arbeitskleidung",
         "Customer group RET Retail", "-10 %"),
        ("Base price", "Article 100234 Arbeitshandschuh Nitril", "All customers", "€12.50"),
        ("Base price", "Article 200100 Sicherheitsschuh S3", "All customers", "€49.90"),
    }
    assert overview.current[0].for_whom == f"Customer {number}"  # own records first
    [draft] = overview.upcoming
    assert (draft.value_text, draft.status_text, draft.note) == ("€10.50", "Draft",
                                                                 "from summer")
    assert draft.validity_text == "from 1 Jul 2026"
    assert overview.history == []
    dealer = next(r for r in overview.current if r.scope == "price_group")
    assert dealer.note == "price list PL-2026"
    assert "7.77" not in str(_texts(overview.current + overview.upcoming))
    for row in overview.current + overview.upcoming:
        assert not any(HEX_ID.search(text) for text in row.texts)


def test_as_of_a_later_day_the_customer_price_is_history(session, shop):
    august = cv.customer_conditions(session, shop["customer"].id, date(2026, 8, 1))
    [ended] = august.history
    assert (ended.value_text, ended.validity_text) == ("€10.00", "1 Jan 2026 – 30 Jun 2026")
    # the draft successor is still not in force: it waits among the upcoming records
    assert [r.value_text for r in august.upcoming] == ["€10.50"]


def test_shared_records_are_limited_and_searchable(session, shop):
    few = cv.customer_conditions(session, shop["customer"].number, MAY, limit=2)
    assert len([r for r in few.current if r.scope != "customer"]) == 2
    assert few.hidden == {"current": 2}
    own = cv.customer_conditions(session, shop["customer"].number, MAY, include_general=False)
    assert {r.scope for r in own.current} == {"customer", "price_group", "customer_group"}
    boots = cv.customer_conditions(session, shop["customer"].number, MAY, search="schuh s3")
    assert [r.applies_to for r in boots.current] == ["Article 200100 Sicherheitsschuh S3"]


def test_german_texts(session, shop):
    from salesdesk.i18n import set_language

    set_language("de")
    overview = cv.customer_conditions(session, shop["customer"].number, date(2026, 8, 1))
    assert overview.history[0].value_text == "10,00\xa0€"
    assert "01.01.2026" in overview.history[0].validity_text


def test_a_new_condition_for_the_customer(session, shop):
    number = shop["customer"].number
    record = cv.new_condition(session, number, {
        "type_code": "PROMOTION", "key_kind": "customer_article", "article": "100234",
        "scales": [("0", "-3"), ("50", "-4,5")], "valid_from": date(2026, 3, 1),
        "valid_to": date(2026, 3, 31), "note": "spring"})
    session.commit()
    assert (record.key1, record.key2) == (shop["customer"].id.hex, shop["glove"].id.hex)
    march = cv.customer_conditions(session, number, date(2026, 3, 15))
    promo = next(r for r in march.current if r.type_code == "PROMOTION")
    assert promo.value_text == "-3 %; from 50: -4.5 %"


def test_a_new_condition_refused_names_the_field_and_writes_nothing(session, shop):
    before = session.query(ConditionRecord).count()
    values = {"type_code": "PRICE", "key_kind": "customer_article", "article": "100234",
              "scales": [("0", "9.00")], "valid_from": date(2026, 3, 1)}
    with pytest.raises(ValidationFailed) as overlap:
        cv.new_condition(session, shop["customer"].number, values)
    assert overlap.value.for_field("valid_from")
    with pytest.raises(ValidationFailed) as unknown:
        cv.new_condition(session, shop["customer"].number, values | {"article": "X-1"})
    assert unknown.value.for_field("article")[0].message == "there is no article X-1"
    with pytest.raises(ValidationFailed) as typo:
        cv.new_condition(session, shop["customer"].number,
                         values | {"scales": [("0", "zehn")], "valid_from": date(2027, 1, 1)})
    assert typo.value.for_field("scales")
    session.rollback()
    assert session.query(ConditionRecord).count() == before


def test_a_change_is_a_successor_and_the_old_record_keeps_its_values(session, shop):
    number = shop["customer"].number
    discount = next(r for r in cv.customer_conditions(session, number, MAY).current
                    if r.type_code == "GROUP_DISCOUNT")
    with pytest.raises(ValidationFailed) as early:
        cv.change_condition(session, discount.record_id, {"scales": [("0", "-8")]},
                            date(2025, 12, 1))
    assert early.value.for_field("valid_from")
    cv.change_condition(session, discount.record_id, {"scales": [("0", "-8")]},
                        date(2026, 6, 1))
    session.commit()
    june = cv.customer_conditions(session, number, date(2026, 6, 1))
    assert [r.value_text for r in june.current if r.type_code == "GROUP_DISCOUNT"] == ["-8 %"]
    assert [(r.value_text, r.valid_to) for r in june.history
            if r.type_code == "GROUP_DISCOUNT"] == [("-5 %", date(2026, 5, 31))]
    may = cv.customer_conditions(session, number, MAY)
    assert [r.value_text for r in may.current if r.type_code == "GROUP_DISCOUNT"] == ["-5 %"]


def test_the_dialog_reads_a_record_by_numbers_and_codes(session, shop):
    row = next(r for r in cv.customer_conditions(session, shop["customer"].number, MAY).current
               if r.type_code == "GROUP_DISCOUNT")
    values = cv.condition_values(session, row.record_id)
    assert (values["key_kind"], values["product_group"], values["scales"]) == (
        "customer_product_group", "GLOVES", [(D(0), D(-5))])
    with pytest.raises(NotFound):
        cv.condition_values(session, "0" * 32)


def test_price_check_to_the_cent_with_the_reasons(session, shop):
    check = cv.price_check(session, shop["customer"].number, "100234", D(10), MAY)
    # 10 × 10.00 = 100.00; −5 % GLOVES = 95.00; −10 % RET/WORKWEAR (cascading) = 85.50
    assert (check.net_value, check.net_unit_price) == (D("85.50"), D("8.5500"))
    assert [(line.type_name, line.rate, line.value) for line in check.applied] == [
        ("Base price", "€10.00", "€100.00"), ("Product-group discount", "-5 %", "-€5.00"),
        ("Customer-group discount", "-10 %", "-€9.50")]
    assert check.cash_discount == "2 % within 14 days = €1.71 (not deducted)"
    assert check.article == "100234 Arbeitshandschuh Nitril"
    assert ("Net price per unit", "€8.55") in check.rows
    text = "\n".join(check.explain)
    assert f"customer and article {shop['customer'].number} / 100234 – used" in text
    assert "not used (not released (draft))" in text  # the summer price
    assert not HEX_ID.search(text + str(check.rows))


def test_price_check_of_an_unknown_article(session, shop):
    with pytest.raises(NotFound, match="no article X-1"):
        cv.price_check(session, shop["customer"].number, "X-1", D(1), MAY)
    with pytest.raises(ValidationFailed):
        cv.price_check(session, shop["customer"].number, "100234", D(0), MAY)


def test_key_kinds_offered_for_a_customer(session, shop):
    customer = cv.find_customer(session, shop["customer"].number)
    price = ps.types_by_code()["PRICE"]
    assert [cv.key_kind_label(k, customer) for k in cv.key_kinds_for(price, customer)] == [
        "One article, for this customer", "One article, for price group PG2",
        "One article, for all customers"]
    walk_in = cv.find_customer(session, shop["other"].number)
    assert KeyKind.PRICE_GROUP_ARTICLE not in cv.key_kinds_for(price, walk_in)
