"""Customer file rules: statuses, address kinds, consent channels, field checks."""

from decimal import Decimal
from enum import StrEnum
from functools import partial

from salesdesk.domain import validation as v
from salesdesk.i18n import _

CUSTOMER_PREFIX = "K"


class CustomerStatus(StrEnum):
    PROSPECT = "prospect"
    ACTIVE = "active"
    PASSIVE = "passive"
    BLOCKED = "blocked"

    @property
    def label(self) -> str:
        return {
            "prospect": _("Prospect"),
            "active": _("Active"),
            "passive": _("Passive"),
            "blocked": _("Blocked"),
        }[self.value]


class AddressKind(StrEnum):
    MAIN = "main"
    DELIVERY = "delivery"
    BILLING = "billing"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "main": _("Main address"),
            "delivery": _("Delivery address"),
            "billing": _("Billing address"),
            "other": _("Other address"),
        }[self.value]


class ConsentChannel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    SMS = "sms"

    @property
    def label(self) -> str:
        return {
            "email": _("E-mail"),
            "phone": _("Phone"),
            "letter": _("Letter"),
            "sms": _("SMS"),
        }[self.value]


def customer_labels() -> dict[str, str]:
    return {
        "number": _("Customer number"),
        "name": _("Name"),
        "name2": _("Name 2"),
        "legal_form": _("Legal form"),
        "status": _("Status"),
        "language": _("Document language"),
        "currency": _("Currency"),
        "credit_limit": _("Credit limit"),
        "vat_id": _("VAT id"),
        "tax_number": _("Tax number"),
        "website": _("Website"),
        "notes": _("Notes"),
        "next_contact": _("Next contact"),
        "do_not_contact": _("Do not contact"),
        "do_not_contact_reason": _("Reason for do not contact"),
        "invoice_recipient_id": _("Invoice recipient"),
        "return_conditions": _("Return conditions"),
        "collection_discount": _("Collection discount"),
    }


def contact_labels() -> dict[str, str]:
    return {
        "last_name": _("Last name"),
        "first_name": _("First name"),
        "email": _("E-mail"),
        "phone": _("Phone"),
        "mobile": _("Mobile"),
        "birthday": _("Birthday"),
    }


def address_labels() -> dict[str, str]:
    return {
        "street": _("Street"),
        "postal_code": _("Postal code"),
        "city": _("City"),
        "country": _("Country"),
    }


def bank_labels() -> dict[str, str]:
    return {"iban": _("IBAN"), "bic": _("BIC"), "holder": _("Account holder")}


def _check_status(value: object) -> str:
    try:
        return CustomerStatus(str(value).lower()).value
    except ValueError as exc:
        allowed = ", ".join(s.value for s in CustomerStatus)
        raise ValueError(_("must be one of {allowed}").format(allowed=allowed)) from exc


def _check_language(value: object) -> str:
    text = str(value).strip().lower()
    if len(text) != 2 or not text.isalpha():
        raise ValueError(_("must be a two-letter language code such as de or en"))
    return text


def _check_currency(value: object) -> str:
    text = str(value).strip().upper()
    if len(text) != 3 or not text.isalpha():
        raise ValueError(_("must be a three-letter currency code such as EUR"))
    return text


def _check_credit_limit(value: object) -> object:
    from salesdesk.domain.money import parse_amount

    try:
        amount = parse_amount(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(_("not an amount")) from exc
    if amount is not None and amount < 0:
        raise ValueError(_("must not be negative"))
    return amount


RETURN_CONDITIONS_LENGTH = 2000  # printed on the condition sheet: a paragraph, not a contract
_PERCENT_PLACES = Decimal("0.01")


def _check_collection_discount(value: object) -> Decimal | None:
    """A percentage above 0 and below 100 with at most two places; "2 %" reads as 2."""
    from salesdesk.domain.money import parse_amount

    text = value if isinstance(value, Decimal | int | float) else str(value).replace("%", "")
    try:
        percent = parse_amount(text)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(_("not a percentage")) from exc
    if percent is None:
        return None
    if not 0 < percent < 100:
        raise ValueError(_("must be more than 0 % and less than 100 %"))
    if percent != percent.quantize(_PERCENT_PLACES):
        raise ValueError(_("can have at most two decimal places"))
    return percent


def _check_return_conditions(value: object) -> str:
    return v.text(value, RETURN_CONDITIONS_LENGTH)


def check_customer(
    record: str, values: dict, country: str = "DE", only_given: bool = False
) -> dict:
    """Normalise and check customer fields; raises ValidationFailed naming every problem."""
    checks = {
        "name": v.check_required,
        "status": _check_status,
        "language": _check_language,
        "currency": _check_currency,
        "credit_limit": _check_credit_limit,
        "vat_id": v.check_vat_id,
        "tax_number": partial(_tax, country=country),
        "website": v.check_website,
        "collection_discount": _check_collection_discount,
        "return_conditions": _check_return_conditions,
    }
    clean = v.collect(record, values, checks, customer_labels(), partial=only_given)
    if clean.get("collection_discount") == "":
        clean["collection_discount"] = None  # an empty field: no collection discount agreed
    return clean


def _tax(value: object, country: str) -> str:
    return v.check_tax_number(str(value), country)


def check_contact(record: str, values: dict, country: str = "DE") -> dict:
    checks = {
        "last_name": v.check_required,
        "email": v.check_email,
        "phone": partial(_phone, country=country),
        "mobile": partial(_phone, country=country),
    }
    return v.collect(record, values, checks, contact_labels())


def _phone(value: object, country: str) -> str:
    return v.check_phone(str(value), country)


def check_address(record: str, values: dict) -> dict:
    from salesdesk.domain.postal import check_postal_code

    checks = {"city": v.check_required, "country": v.required(_check_country)}
    result = v.collect(record, values, checks, address_labels())
    postal = values.get("postal_code")
    if postal:
        result["postal_code"] = v.collect(
            record,
            {"postal_code": postal},
            {"postal_code": partial(check_postal_code, country=result["country"])},
            address_labels(),
        )["postal_code"]
    if "latitude" in values or "longitude" in values:  # a pin: both or neither, in range
        from salesdesk.domain.geo import check_optional_coordinates

        pin = check_optional_coordinates(record, values.get("latitude"),
                                         values.get("longitude"))
        result["latitude"], result["longitude"] = pin if pin is not None else (None, None)
    return result


def _check_country(value: object) -> str:
    import pycountry

    text = str(value or "").strip().upper()
    if not text:
        raise ValueError(_("is required"))
    if pycountry.countries.get(alpha_2=text) is None:
        raise ValueError(_("must be a two-letter country code such as DE"))
    return text


def check_bank_account(record: str, values: dict) -> dict:
    checks = {"iban": v.required(v.check_iban), "bic": v.check_bic}
    return v.collect(record, values, checks, bank_labels())
