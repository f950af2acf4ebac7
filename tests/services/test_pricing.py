"""Prices from the store: records saved with their checks, priced through the engine."""

from datetime import date
from decimal import Decimal as D

import pytest

from salesdesk.domain.errors import NotFound, ValidationFailed
from salesdesk.domain.pricing import KeyKind, Scale
from salesdesk.services import pricing as ps
from salesdesk.services.customers import create_customer
from salesdesk.store.models import Article, CustomerGroup, PriceGroup, ProductGroup


@pytest.fixture
def shop(session):
    workwear = ProductGroup(code="WORKWEAR", name="Arbeitskleidung")
    session.add(workwear)
    session.flush()
    gloves = ProductGroup(code="GLOVES", name="Handschuhe", parent_id=workwear.id)
    retail, dealer = CustomerGroup(code="RET", name="Retail"), PriceGroup(code="PG2",
                                                                         name="Dealer")
    session.add_all([gloves, retail, dealer])
    session.flush()
    article = Article(number="A-100", name="Arbeitshandschuhe Größe 9",
                      product_group_id=gloves.id)
    session.add(article)
    customer = create_customer(session, {"name": "Müller Bau GmbH",
                                         "customer_group_id": retail.id,
                                         "price_group_id": dealer.id})
    session.flush()

    def save(type_code, kind, key, *scales, **extra):
        return ps.save_condition(session, {
            "type_code": type_code, "key_kind": kind, "key": key,
            "scales": [Scale(D(t), D(v)) for t, v in scales],
            "valid_from": extra.pop("valid_from", date(2026, 1, 1)), **extra})

    save("PRICE", KeyKind.ARTICLE, [article.id.hex], (0, "12.50"))
    save("PRICE", KeyKind.PRICE_GROUP_ARTICLE, [dealer.id.hex, article.id.hex], (0, "11.90"),
         (100, "11.20"))
    save("PRICE", KeyKind.CUSTOMER_ARTICLE, [customer.id.hex, article.id.hex], (0, "10.00"),
         valid_to=date(2026, 6, 30))
    save("CUSTOMER_GROUP_DISCOUNT", KeyKind.CUSTOMER_GROUP_PRODUCT_GROUP,
         [retail.id.hex, workwear.id.hex], (0, "-10"))
    session.commit()
    return {"customer": customer, "article": article, "save": save, "dealer": dealer}


def test_a_line_is_priced_from_the_stored_conditions(session, shop):
    may = ps.price_line(session, shop["customer"].number, "A-100", D(10), date(2026, 5, 1))
    assert may.net_value == D("90.00")  # 10 × 10.00 − 10 % (group discount via parent group)
    july = ps.price_line(session, shop["customer"].number, "A-100", D(100), date(2026, 7, 1))
    assert july.net_value == D("1008.00")  # price list scale from 100: 11.20, −10 %
    names = ps.key_names(session, july)
    text = "\n".join(july.explain(lambda part: names.get(part, part)))
    assert "customer and article K-000001 / A-100" in text and "not valid on 2026-07-01" in text
    assert "customer group and product group RET / WORKWEAR" in text


def test_bad_records_change_nothing(session, shop):
    article = shop["article"].id.hex
    before = session.query(ps.ConditionRecord).count()
    with pytest.raises(ValidationFailed, match="overlaps the record valid 2026-01-01"):
        shop["save"]("PRICE", KeyKind.ARTICLE, [article], (0, "13.00"),
                     valid_from=date(2026, 3, 1))
    with pytest.raises(ValidationFailed, match="thresholds must rise"):
        shop["save"]("PROMOTION", KeyKind.ARTICLE, [article], (10, "-5"), (5, "-7"))
    with pytest.raises(ValidationFailed, match="Price: cannot be negative"):
        shop["save"]("PRICE", KeyKind.ARTICLE, [article], (0, "-1"),
                     valid_from=date(2027, 1, 1))
    with pytest.raises(ValidationFailed, match="PROMOTION is not keyed by product group"):
        shop["save"]("PROMOTION", KeyKind.PRODUCT_GROUP, ["X"], (0, "-5"))
    assert session.query(ps.ConditionRecord).count() == before


def test_a_new_price_follows_the_old_one_which_keeps_its_history(session, shop):
    article = shop["article"].id.hex
    new = ps.save_condition(session, {
        "type_code": "PRICE", "key_kind": KeyKind.ARTICLE, "key": [article],
        "scales": [Scale(D(0), D("13.00"))], "valid_from": date(2027, 1, 1)}, succeed=True)
    session.commit()
    old = session.query(ps.ConditionRecord).filter_by(key_kind="article", key1=article,
                                                      valid_from=date(2026, 1, 1)).one()
    assert (old.valid_to, ps.scales_from_json(old.scales)[0].value) == (
        date(2026, 12, 31), D("12.50"))
    assert new.valid_to is None
    walk_in = create_customer(session, {"name": "Laufkunde"})  # no group: the list price
    session.commit()
    assert ps.price_line(session, walk_in.number, "A-100", D(1), date(2026, 12, 31)
                         ).base_value == D("12.50")
    assert ps.price_line(session, walk_in.number, "A-100", D(1), date(2027, 1, 1)
                         ).base_value == D("13.00")


def test_unknown_customer_or_article(session, shop):
    with pytest.raises(NotFound, match="no article X-1"):
        ps.price_line(session, shop["customer"].number, "X-1", D(1), date(2026, 5, 1))
    with pytest.raises(NotFound, match="no customer K-999999"):
        ps.price_line(session, "K-999999", "A-100", D(1), date(2026, 5, 1))


def test_a_new_parent_group_is_seen_by_the_next_price(session, shop):
    from salesdesk.store.models import ProductGroup

    customer = shop["customer"].number
    assert ps.price_line(session, customer, "A-100", D(1), date(2026, 5, 1)).net_value == \
        D("9.00")  # 10.00 − 10 % for RET / WORKWEAR
    gloves = session.query(ProductGroup).filter_by(code="GLOVES").one()
    gloves.parent_id = None  # GLOVES no longer belongs to WORKWEAR
    session.flush()
    assert ps.price_line(session, customer, "A-100", D(1), date(2026, 5, 1)).net_value == \
        D("10.00")


def test_a_price_committed_elsewhere_is_seen_by_the_next_price_check(store, session, shop):
    """Books on the reader share what they read while the store is unchanged; a commit by
    another connection (the office saving a price) must show in the very next check."""
    reader = store.reader()
    customer = shop["customer"].number
    assert ps.price_line(reader, customer, "A-100", D(1), date(2026, 8, 1)).net_value == \
        D("10.71")  # price group 11.90 − 10 %
    assert ps.price_line(reader, customer, "A-100", D(1), date(2026, 8, 1)).net_value == \
        D("10.71")  # from what the first check read
    shop["save"]("PRICE", KeyKind.CUSTOMER_ARTICLE, [shop["customer"].id.hex,
                                                     shop["article"].id.hex], (0, "8.00"),
                 valid_from=date(2026, 7, 1))
    session.commit()
    assert ps.price_line(reader, customer, "A-100", D(1), date(2026, 8, 1)).net_value == \
        D("7.20")  # 8.00 − 10 %


def test_turnover_bonus_tiers_count_the_turnover_of_their_own_period(session, shop):
    from salesdesk.store.models import CustomerTurnover

    customer = shop["customer"]
    for month, amount in ((7, "20000"), (8, "25000"), (9, "16000"), (10, "9000")):
        end = date(2026, month + 1, 1).toordinal() - 1
        session.add(CustomerTurnover(customer_id=customer.id, period_start=date(2026, month, 1),
                                     period_end=date.fromordinal(end), amount=D(amount)))
    # quarter Q3 = 61,000 reaches the 50,000 tier; October alone (9,000) does not reach
    # the monthly 10,000 tier
    shop["save"]("TURNOVER_BONUS", KeyKind.CUSTOMER, [customer.id.hex], (0, "0"),
                 (50000, "-2"), turnover_period="quarter")
    session.commit()
    line = ps.price_line(session, customer.number, "A-100", D(10), date(2026, 11, 23))
    bonus = [a for a in line.applied if a.type_code == "TURNOVER_BONUS"]
    assert [a.rate for a in bonus] == [D("-2")]
    assert line.net_value == D("104.96")  # 10 × 11.90 = 119.00 − 10 % = 107.10 − 2 %
    with pytest.raises(ValidationFailed, match="Turnover period: must be month"):
        shop["save"]("TURNOVER_BONUS", KeyKind.CUSTOMER, [customer.id.hex], (0, "-1"),
                     valid_from=date(2030, 1, 1))


def test_a_price_read_inside_a_rolled_back_transaction_is_not_remembered(session, shop):
    customer, day = shop["customer"].number, date(2026, 8, 1)
    before = ps.price_line(session, customer, "A-100", D(1), day).net_value
    shop["save"]("PRICE", KeyKind.CUSTOMER_ARTICLE, [shop["customer"].id.hex,
                                                     shop["article"].id.hex], (0, "1.00"),
                 valid_from=date(2026, 7, 1))
    assert ps.price_line(session, customer, "A-100", D(1), day).net_value == D("0.90")
    session.rollback()
    assert ps.price_line(session, customer, "A-100", D(1), day).net_value == before


def test_an_amount_in_another_currency_never_prices_a_line(session, shop):
    """A Swiss customer is not quoted the euro list price as francs: amounts apply only in
    their own currency; percentages by quantity apply in any."""
    from salesdesk.store.models import Customer

    swiss = session.get(Customer, shop["customer"].id)
    swiss.currency, swiss.price_group_id = "CHF", None
    session.commit()
    day = date(2026, 8, 1)
    line = ps.price_line(session, swiss.number, "A-100", D(1), day)
    assert line.net_value == 0 and "PRICE" not in [a.type_code for a in line.applied]
    text = "\n".join(line.explain())
    assert "in EUR, the line is in CHF" in text and "no base price" in text
    # a franc list price for the same article and days is no overlap: it is its own price
    shop["save"]("PRICE", KeyKind.ARTICLE, [shop["article"].id.hex], (0, "13.40"),
                 currency="CHF")
    session.commit()
    line = ps.price_line(session, swiss.number, "A-100", D(1), day)
    assert line.net_value == D("12.06")  # 13.40 CHF − 10 % customer-group discount
