"""Items for pickers: statuses, address kinds, countries, languages, currencies."""

from functools import cache

from babel import Locale

from salesdesk.domain.customer import AddressKind, CustomerStatus
from salesdesk.ui.formatting import locale_name

DOCUMENT_LANGUAGES = ("de", "en", "fr", "it", "nl", "es", "pl", "cs", "da", "sv")
CURRENCIES = ("EUR", "CHF", "GBP", "USD", "PLN", "CZK", "DKK", "SEK", "NOK", "HUF")


def status_items() -> list[tuple[str, str]]:
    return [(s.label, s.value) for s in CustomerStatus]


def address_kind_items() -> list[tuple[str, str]]:
    return [(k.label, k.value) for k in AddressKind]


@cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def country_items() -> list[tuple[str, str]]:
    """Every country by its name in the current language, data: the ISO code."""
    names = _locale(locale_name()).territories
    codes = [c for c in names if len(c) == 2 and c.isalpha() and c not in ("EU", "EZ", "UN",
                                                                           "QO", "XA", "XB")]
    return sorted(((names[c], c) for c in codes), key=lambda item: item[0].casefold())


def country_name(code: str) -> str:
    return _locale(locale_name()).territories.get(code, code) if code else ""


def language_items() -> list[tuple[str, str]]:
    names = _locale(locale_name()).languages
    return [(names.get(code, code), code) for code in DOCUMENT_LANGUAGES]


def language_name(code: str) -> str:
    return _locale(locale_name()).languages.get(code, code) if code else ""
