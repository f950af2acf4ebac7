"""The pricing engine told as a story (Tryton's scenario style), checked to the cent by
hand; then properties that must hold for any records."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesdesk.domain.errors import ValidationFailed
from salesdesk.domain.pricing import (
    Calculation,
    ConditionRecord,
    ConditionType,
    KeyKind,
    PaymentTerms,
    PriceRequest,
    Rounding,
    Scale,
    ScaleBasis,
    Stacking,
    Step,
    check_base_price,
    check_no_overlap,
    check_scales,
    price,
)

K = KeyKind
BASE = ConditionType("PR", Step.BASE, Calculation.PER_UNIT,
                     (K.CUSTOMER_ARTICLE, K.PRICE_GROUP_ARTICLE, K.ARTICLE))
GROUP_DISCOUNT = ConditionType("PGD", Step.LINE, Calculation.PERCENT,
                               (K.CUSTOMER_PRODUCT_GROUP, K.CUSTOMER_GROUP_PRODUCT_GROUP,
                                K.PRODUCT_GROUP), sequence=1)
PROMOTION = ConditionType("PROMO", Step.LINE, Calculation.PERCENT, (K.ARTICLE,), sequence=2)
BONUS = ConditionType("BONUS", Step.BONUS, Calculation.PERCENT, (K.CUSTOMER,),
                      scale_basis=ScaleBasis.TURNOVER)
FREIGHT = ConditionType("FREIGHT", Step.DOCUMENT, Calculation.PER_DOCUMENT, (K.CUSTOMER,))
TYPES = (BASE, GROUP_DISCOUNT, PROMOTION, BONUS, FREIGHT)
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def record(rid, ctype, kind, key, *scales, valid=YEAR, released=True):
    return ConditionRecord(rid, ctype.code, kind, tuple(key), valid[0], valid[1],
                           tuple(Scale(D(t), D(v)) for t, v in scales), released)


class Book:
    """The condition records of the story, looked up like the store will."""

    def __init__(self, *records):
        self.records = list(records)

    def __call__(self, type_code, kind, key):
        return [r for r in self.records if (r.type_code, r.key_kind, r.key) ==
                (type_code, kind, key)]


GLOVES = record("list", BASE, K.ARTICLE, ["A-100"], (0, "12.50"))
DEALER = record("pg2", BASE, K.PRICE_GROUP_ARTICLE, ["PG2", "A-100"], (0, "11.90"),
                (100, "11.20"))
HUBER_UNTIL_JUNE = record("huber", BASE, K.CUSTOMER_ARTICLE, ["K-1", "A-100"], (0, "10.00"),
                          valid=(date(2026, 1, 1), date(2026, 6, 30)))
RETAIL_GLOVES = record("ret-10", GROUP_DISCOUNT, K.CUSTOMER_GROUP_PRODUCT_GROUP,
                       ["RET", "GLOVES"], (0, "-10"))
SPRING_PROMO = record("promo-5", PROMOTION, K.ARTICLE, ["A-100"], (0, "-5"))


def huber(qty, on, **extra):
    return PriceRequest(customer="K-1", article="A-100", quantity=D(qty), on=on,
                        customer_group="RET", price_group="PG2",
                        product_groups=("GLOVES", "WORKWEAR"), **extra)


BOOK = Book(GLOVES, DEALER, HUBER_UNTIL_JUNE, RETAIL_GLOVES, SPRING_PROMO)


def test_customer_price_then_group_discount_then_promotion_cascading():
    result = price(huber(10, date(2026, 5, 1)), TYPES, BOOK)
    # 10 × 10.00 = 100.00; −10 % = −10.00 → 90.00; −5 % of 90.00 = −4.50 → 85.50
    assert result.base_value == D("100.00")
    assert [(a.type_code, a.value) for a in result.applied] == [
        ("PR", D("100.00")), ("PGD", D("-10.00")), ("PROMO", D("-4.50"))]
    assert result.net_value == D("85.50")
    assert result.net_unit_price == D("8.5500")
    won = [e for e in result.trace if e.verdict == "won"]
    assert [(e.type_code, e.record_id) for e in won] == [
        ("PR", "huber"), ("PGD", "ret-10"), ("PROMO", "promo-5")]


def test_when_the_customer_price_expires_the_price_list_applies_with_its_scale():
    july = date(2026, 7, 1)
    result = price(huber(10, july), TYPES, BOOK)
    # 10 × 11.90 = 119.00; −11.90 → 107.10; −5 % = −5.355 → −5.36 (half-up) → 101.74
    assert result.net_value == D("101.74")
    assert result.net_unit_price == D("10.1740")
    lost = [e for e in result.trace if e.record_id == "huber"]
    assert lost[0].verdict == "lost" and "not valid on 2026-07-01" in lost[0].reason
    big = price(huber(100, july), TYPES, BOOK)
    # the scale from 100 pieces: 100 × 11.20 = 1,120.00; −112.00; −50.40 → 957.60
    assert big.net_value == D("957.60")


def test_cascading_against_additive_discounts():
    ten = ConditionType("D10", Step.LINE, Calculation.PERCENT, (K.ARTICLE,),
                        stacking=Stacking.ADDITIVE, sequence=1)
    five = ConditionType("D5", Step.LINE, Calculation.PERCENT, (K.ARTICLE,),
                         stacking=Stacking.ADDITIVE, sequence=2)
    book = Book(GLOVES, record("d10", ten, K.ARTICLE, ["A-100"], (0, "-10")),
                record("d5", five, K.ARTICLE, ["A-100"], (0, "-5")))
    request = PriceRequest("K-9", "A-100", D(8), date(2026, 3, 1))  # 8 × 12.50 = 100.00
    assert price(request, (BASE, ten, five), book).net_value == D("85.00")  # 15 %
    cascading = (BASE, ConditionType("D10", Step.LINE, Calculation.PERCENT, (K.ARTICLE,),
                                     sequence=1),
                 ConditionType("D5", Step.LINE, Calculation.PERCENT, (K.ARTICLE,), sequence=2))
    assert price(request, cascading, book).net_value == D("85.50")  # 14.5 %


def test_turnover_bonus_cash_discount_and_freight_stay_where_they_belong():
    tiers = record("bonus", BONUS, K.CUSTOMER, ["K-1"], (0, "0"), (50000, "-1"),
                   (100000, "-2"))
    freight = record("freight", FREIGHT, K.CUSTOMER, ["K-1"], (0, "9.90"))
    terms = PaymentTerms(30, ((D(2), 14),))
    result = price(huber(10, date(2026, 5, 1), turnover=D(60000), payment_terms=terms),
                   TYPES, Book(*BOOK.records, tiers, freight))
    # 85.50 − 1 % (−0.855 → −0.86) = 84.64; freight outside; 2 % cash discount of 84.64
    assert result.net_value == D("84.64")
    assert [(a.type_code, a.value) for a in result.document] == [("FREIGHT", D("9.90"))]
    assert result.cash_discount == (D(2), 14, D("1.69"))


def test_drafts_and_missing_prices_are_explained():
    draft = record("draft", BASE, K.CUSTOMER_ARTICLE, ["K-1", "A-100"], (0, "1.00"),
                   released=False)
    result = price(huber(1, date(2026, 8, 1)), TYPES, Book(draft, GLOVES))
    assert result.net_value == D("12.50")
    text = "\n".join(result.explain())
    assert "not released (draft)" in text and "article A-100" in text
    assert "most specific valid record" in text
    nothing = price(PriceRequest("K-2", "X-1", D(1), date(2026, 8, 1)), TYPES, Book())
    assert nothing.net_value == 0 and "no base price" in "\n".join(nothing.explain())


def test_bad_records_are_refused_naming_the_problem():
    with pytest.raises(ValidationFailed, match="thresholds must rise from row to row"):
        check_scales("Price list PG2, A-100", [Scale(D(0), D(5)), Scale(D(100), D(4)),
                                               Scale(D(50), D(3))], Calculation.PER_UNIT)
    with pytest.raises(ValidationFailed, match="Price: cannot be negative"):
        check_base_price("A-100", [Scale(D(0), D("-1"))])
    with pytest.raises(ValidationFailed, match="-120 % is not between"):
        check_scales("PGD", [Scale(D(0), D(-120))], Calculation.PERCENT)
    later = record("new", BASE, K.CUSTOMER_ARTICLE, ["K-1", "A-100"], (0, "9.50"),
                   valid=(date(2026, 6, 1), None))
    with pytest.raises(ValidationFailed, match="overlaps the record valid 2026-01-01 to "
                                               "2026-06-30"):
        check_no_overlap("Customer price K-1 / A-100", later, [HUBER_UNTIL_JUNE])
    check_no_overlap("ok", record("next", BASE, K.CUSTOMER_ARTICLE, ["K-1", "A-100"],
                                  (0, "9.50"), valid=(date(2026, 7, 1), None)),
                     [HUBER_UNTIL_JUNE])


# -- properties -------------------------------------------------------------------------

money = st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2)
percent = st.decimals(min_value=D(-100), max_value=D(0), places=2)
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


@settings(max_examples=200, deadline=None)
@given(base=money, discounts=st.lists(percent, min_size=0, max_size=4),
       qty=st.integers(min_value=1, max_value=1000))
def test_a_price_is_never_negative_and_always_in_cents(base, discounts, qty):
    types = [BASE] + [ConditionType(f"D{n}", Step.LINE, Calculation.PERCENT, (K.ARTICLE,),
                                    sequence=n) for n in range(len(discounts))]
    book = Book(record("b", BASE, K.ARTICLE, ["A"], (0, base)),
                *(record(f"d{n}", types[n + 1], K.ARTICLE, ["A"], (0, pct))
                  for n, pct in enumerate(discounts)))
    result = price(PriceRequest("C", "A", D(qty), date(2026, 1, 1)), types, book)
    assert result.net_value >= 0
    assert result.net_value == result.net_value.quantize(D("0.01"))
    assert all(a.value == a.value.quantize(D("0.01")) for a in result.applied)


@settings(max_examples=200, deadline=None)
@given(on=days, data=st.data())
def test_the_most_specific_valid_record_wins_and_invalid_ones_never_apply(on, data):
    kinds = list(BASE.access)
    keys = {K.CUSTOMER_ARTICLE: ["C", "A"], K.PRICE_GROUP_ARTICLE: ["PG", "A"],
            K.ARTICLE: ["A"]}
    records = []
    for n, kind in enumerate(kinds):
        if data.draw(st.booleans(), label=f"has {kind}"):
            start = data.draw(days, label=f"from {kind}")
            end = data.draw(st.one_of(st.none(), st.dates(min_value=start,
                                                          max_value=date(2027, 12, 31))))
            records.append(record(kind.value, BASE, kind, keys[kind], (0, f"{n + 1}.00"),
                                  valid=(start, end)))
    result = price(PriceRequest("C", "A", D(1), on, price_group="PG"), [BASE], Book(*records))
    valid = [r for r in records if r.valid_on(on)]
    if not valid:
        assert result.net_value == 0
        return
    expected = min(valid, key=lambda r: kinds.index(r.key_kind))
    assert [a.record_id for a in result.applied] == [expected.id]
    assert result.net_value == expected.scales[0].value


def test_rounding_is_half_up_to_the_currency():
    one_cent_half = record("b", BASE, K.ARTICLE, ["A"], (0, "0.005"))
    assert price(PriceRequest("C", "A", D(1), date(2026, 1, 1)), [BASE],
                 Book(one_cent_half)).net_value == D("0.01")
    yen = PriceRequest("C", "A", D(3), date(2026, 1, 1), currency="JPY")
    assert price(yen, [BASE], Book(record("y", BASE, K.ARTICLE, ["A"], (0, "33.5")))
                 ).net_value == D("101")  # 100.5 → 101 yen


def test_a_type_rounds_per_line_or_per_unit_as_it_says():
    """7 pieces at 0.333 with −3.5 %: per line 2.331 → 2.33, −0.0816 → −0.08 = 2.25;
    per unit 0.333 → 0.33 × 7 = 2.31, −3.5 % of 0.33 = −0.01155 → −0.01 × 7 = −0.07 = 2.24."""
    odd = record("odd", BASE, K.ARTICLE, ["A"], (0, "0.333"))
    request = PriceRequest("C", "A", D(7), date(2026, 1, 1))
    per_line = ConditionType("D", Step.LINE, Calculation.PERCENT, (K.ARTICLE,))
    book = Book(odd, record("d", per_line, K.ARTICLE, ["A"], (0, "-3.5")))
    assert price(request, (BASE, per_line), book).net_value == D("2.25")
    unit_base = ConditionType("PR", Step.BASE, Calculation.PER_UNIT, (K.ARTICLE,),
                              rounding=Rounding.UNIT)
    per_unit = ConditionType("D", Step.LINE, Calculation.PERCENT, (K.ARTICLE,),
                             rounding=Rounding.UNIT)
    result = price(request, (unit_base, per_unit), book)
    assert [a.value for a in result.applied] == [D("2.31"), D("-0.07")]
    assert result.net_value == D("2.24")


def test_standard_types_price_a_line_in_the_documented_order():
    from salesdesk.domain.pricing import standard_types

    types = {t.code: t for t in standard_types()}
    book = Book(record("list", types["PRICE"], K.ARTICLE, ["A-100"], (0, "20.00")),
                record("grp", types["GROUP_DISCOUNT"], K.PRODUCT_GROUP, ["GLOVES"], (0, "-10")),
                record("cust", types["CUSTOMER_GROUP_DISCOUNT"],
                       K.CUSTOMER_GROUP_PRODUCT_GROUP, ["RET", "WORKWEAR"], (0, "-5")),
                record("sur", types["SURCHARGE"], K.ARTICLE, ["A-100"], (0, "0.50")))
    result = price(huber(4, date(2026, 3, 1)), tuple(types.values()), book)
    # 80.00; −10 % = −8.00 → 72.00; −5 % of 72.00 = −3.60 → 68.40; +4 × 0.50 → 70.40
    assert [a.value for a in result.applied] == [D("80.00"), D("-8.00"), D("-3.60"),
                                                 D("2.00")]
    assert result.net_unit_price == D("17.6000")


def test_payment_terms_read_and_check():
    from salesdesk.domain.pricing import check_payment_terms, payment_terms_text

    terms = PaymentTerms(30, ((D("3"), 8), (D("2"), 14)))
    assert payment_terms_text(terms) == "30 days net; 3 % within 8 days; 2 % within 14 days"
    assert check_payment_terms("Payment term S14", terms) is terms
    with pytest.raises(ValidationFailed, match="stages must run"):
        check_payment_terms("S14", PaymentTerms(30, ((D(2), 14), (D(3), 8))))
    with pytest.raises(ValidationFailed, match="45 days are longer than the 30 days net"):
        check_payment_terms("S14", PaymentTerms(30, ((D(2), 45),)))
