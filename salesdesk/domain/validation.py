"""Field checks for customer data, built on stdnum, schwifty and phonenumbers.

The libraries are imported inside the checks: they take ~50 ms to load, which the
desktop app's start should not pay before anyone edits a record.

Each ``check_*`` returns the normalised value or raises ``ValueError`` with a user-facing
message; callers attach the record and field name (see ``collect``).
"""

import re
from collections.abc import Callable

from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.i18n import _

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEBSITE = re.compile(r"^(https?://)?[\w.-]+\.[a-z]{2,}(/\S*)?$", re.IGNORECASE)


def check_iban(value: str) -> str:
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValueError(_("not a valid IBAN ({detail})").format(detail=exc)) from exc


def check_bic(value: str) -> str:
    from schwifty import BIC
    from schwifty.exceptions import SchwiftyException

    try:
        return str(BIC(value))
    except SchwiftyException as exc:
        raise ValueError(_("not a valid BIC ({detail})").format(detail=exc)) from exc


def check_vat_id(value: str) -> str:
    """EU VAT ids (and CH/GB/NO forms stdnum knows), checksum included."""
    from stdnum.eu import vat
    from stdnum.exceptions import ValidationError as StdnumError

    try:
        return vat.validate(value)
    except StdnumError as exc:
        raise ValueError(_("not a valid VAT id ({detail})").format(detail=exc.message)) from exc


def check_tax_number(value: str, country: str) -> str:
    """A national tax number, checked where stdnum knows the country's format."""
    from stdnum import get_cc_module
    from stdnum.exceptions import ValidationError as StdnumError

    module = get_cc_module(country.lower(), "stnr") or get_cc_module(country.lower(), "tin")
    if module is None:
        return value.strip()
    try:
        return module.validate(value)
    except StdnumError as exc:
        raise ValueError(_("not a valid tax number ({detail})").format(detail=exc.message)) from exc


def check_phone(value: str, country: str) -> str:
    """Normalise to E.164; numbers without + are read in ``country``'s dialling plan."""
    import phonenumbers

    try:
        number = phonenumbers.parse(value, country.upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(_("not a phone number")) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_("not a valid phone number for {country}").format(country=country))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Display form of a stored E.164 number (international format)."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def check_email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError(_("not an e-mail address"))
    return value


def check_website(value: str) -> str:
    value = value.strip()
    if not _WEBSITE.match(value):
        raise ValueError(_("not a web address"))
    return value


def check_required(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(_("is required"))
    return value.strip() if isinstance(value, str) else value


def required(check: Callable[[object], object]) -> Callable[[object], object]:
    """``check`` for a field that must not be empty."""

    def checked(value: object) -> object:
        return check(check_required(value))

    checked.required = True  # type: ignore[attr-defined]
    return checked


def collect(
    record: str,
    values: dict,
    checks: dict[str, Callable[[object], object]],
    labels: dict[str, str] | None = None,
    partial: bool = False,
) -> dict:
    """Run ``checks`` on ``values``; return normalised values or raise every error at once.

    Empty optional values are left alone; a check for a required field must be in
    ``checks`` as ``check_required`` (or wrap it). ``partial`` checks only the fields
    present in ``values`` (an update of some fields).
    """
    result = dict(values)
    errors = []
    for field, check in checks.items():
        if partial and field not in values:
            continue  # an update that leaves this field alone
        value = values.get(field)
        must = check is check_required or getattr(check, "required", False)
        if (value is None or value == "") and not must:
            continue
        try:
            result[field] = check(value)
        except ValueError as exc:
            label = (labels or {}).get(field, field)
            errors.append(FieldError(record, label, str(exc), key=field))
    if errors:
        raise ValidationFailed(errors)
    return result


def text(value: object, max_length: int) -> str:
    """Stripped text of at most ``max_length`` characters."""
    result = str(value).strip()
    if len(result) > max_length:
        raise ValueError(_("is too long ({length} characters, at most {max})").format(
            length=len(result), max=max_length))
    return result


def integer(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(_("is not a whole number"))
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(_("is not a whole number")) from None


def aware_datetime(value: object):
    """A point in time with its time zone (naive times are ambiguous: refused)."""
    from datetime import datetime

    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(_("is not a date and time")) from None
    if not isinstance(value, datetime):
        raise ValueError(_("is not a date and time"))
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(_("has no time zone"))
    return value


def date_value(value: object):
    from datetime import date, datetime

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(_("is not a date (YYYY-MM-DD)")) from None
