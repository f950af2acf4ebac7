"""Money is Decimal, rounded half-up to the currency's minor unit at documented steps only."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import get_currency_precision

# Scale used to store money as an integer; every amount we keep fits in four places.
STORAGE_PLACES = 4


@cache
def minor_unit(currency: str) -> Decimal:
    """0.01 for EUR, 1 for JPY (asked of babel once per currency: pricing rounds a lot)."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def round_money(value: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's precision (EUR 2 places, JPY 0, KWD 3)."""
    return value.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def parse_amount(text: str | int | float | Decimal | None) -> Decimal | None:
    """Read an amount typed by a person or found in a file: '1.234,50', '1,234.50', '1234.5'.

    Raises ValueError for text that is not a number. Never goes through float.
    """
    if text is None:
        return None
    if isinstance(text, Decimal):
        return text
    if isinstance(text, bool):
        raise ValueError(text)
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        # spreadsheet cells arrive as float: the shortest repr is what the user saw
        return Decimal(repr(text))
    cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:
        # the later separator is the decimal one
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite():
        raise ValueError(text)
    return value
