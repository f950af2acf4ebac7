"""Money parsing and rounding; name similarity for duplicate detection."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesdesk.domain.duplicates import is_similar_name, name_key
from salesdesk.domain.money import parse_amount, round_money


@pytest.mark.parametrize(("text", "value"), [
    ("1.234,50", "1234.50"), ("1,234.50", "1234.50"), ("1234.5", "1234.5"), ("12,5", "12.5"),
    (" 7 € ", "7"), (0.1, "0.1"), (3, "3"), ("", None), (None, None),
])
def test_amounts_typed_or_imported(text, value):
    assert parse_amount(text) == (Decimal(value) if value else None)


@pytest.mark.parametrize("text", ["abc", "1,2,3x", "NaN", "inf", True])
def test_not_an_amount(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def test_round_half_up_to_currency_precision():
    assert round_money(Decimal("2.345"), "EUR") == Decimal("2.35")
    assert round_money(Decimal("-2.345"), "EUR") == Decimal("-2.35")
    assert round_money(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert round_money(Decimal("1.2345"), "KWD") == Decimal("1.235")


@given(st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False))
def test_rounding_is_within_half_a_cent(value):
    rounded = round_money(value, "EUR")
    assert abs(rounded - value) <= Decimal("0.005")
    assert rounded.as_tuple().exponent == -2


@pytest.mark.parametrize(("a", "b"), [
    ("Huber Elektro GmbH", "Elektro Huber"),
    ("Müller & Söhne KG", "Mueller & Soehne"),
    ("Bäckerei Schmitt GmbH & Co. KG", "Bäckerei Schmitt"),
])
def test_similar_names(a, b):
    assert is_similar_name(a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("Huber Elektro GmbH", "Maier Elektro GmbH"),
    ("Bäckerei Schmitt", "Metzgerei Schmitt"),
])
def test_different_names(a, b):
    assert not is_similar_name(a, b)


def test_name_key_drops_legal_forms_and_accents():
    assert name_key("Café Éclair SARL") == "cafe eclair"
    assert name_key("Müller GmbH & Co. KG") == "muller"
