"""Numbers, money, dates and sizes as the chosen language writes them (babel)."""

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_currency, format_decimal

from salesdesk.i18n import _, current_language

_LOCALES = {"de": "de_DE", "en": "en_GB"}


def locale_name(language: str | None = None) -> str:
    """The babel/Qt locale for ``language`` (default: the current one)."""
    return _LOCALES.get(language or current_language(), "en_GB")


def format_count(value: int) -> str:
    """12345 → "12,345" (en) or "12.345" (de)."""
    return format_decimal(value, locale=locale_name())


def customers_count(value: int) -> str:
    """The status bar's record count, e.g. "12,345 customers"."""
    text = _("{count} customer") if value == 1 else _("{count} customers")
    return text.format(count=format_count(value))


def records_count(value: int, kind: str) -> str:
    """The status bar's count on other pages: "1,204 entries", "87 tasks"."""
    texts = {
        "logbook": (_("{count} entry"), _("{count} entries")),
        "tasks": (_("{count} task"), _("{count} tasks")),
    }
    if kind not in texts:
        return customers_count(value)
    one, many = texts[kind]
    return (one if value == 1 else many).format(count=format_count(value))


def format_money(amount: Decimal | None, currency: str = "EUR") -> str:
    if amount is None:
        return ""
    return format_currency(amount, currency or "EUR", locale=locale_name())


def format_amount(amount: Decimal | None) -> str:
    """An amount for an input field, without currency sign: 5000 → "5,000.00"."""
    if amount is None:
        return ""
    return format_decimal(amount, format="#,##0.00", locale=locale_name())


def format_date(value: date | None) -> str:
    if value is None:
        return ""
    return _babel_date(value, format="medium", locale=locale_name())


def format_local_time(value: datetime | None) -> str:
    """A stored UTC time shown in the computer's time zone."""
    if value is None:
        return ""
    return _babel_datetime(value.astimezone(), format="short", locale=locale_name())


def format_size(size: int) -> str:
    """A file size: 512 bytes, 12.3 kB, 4.5 MB."""
    if size < 1000:
        return _("{size} bytes").format(size=format_count(size))
    for unit in ("kB", "MB", "GB"):
        size /= 1000
        if size < 1000 or unit == "GB":
            break
    return f"{format_decimal(round(size, 1), format='#,##0.#', locale=locale_name())} {unit}"


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def group_iban(iban: str) -> str:
    """DE89370400440532013000 → DE89 3704 0044 0532 0130 00 (how people read an IBAN)."""
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
