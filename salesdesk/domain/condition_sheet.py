"""An issued condition sheet as plain, frozen data: what was printed, not how it was priced.

The pricing engine and the customer's master data produce a ``ConditionSheet``; the report
(salesdesk.reports.condition_sheet) prints it. Because every value the print shows is
held here already as text, Decimal or date (prices already rounded by the engine, the
discount already written as text such as "−10 % + −5 % (cascading)"), an issued sheet is
archived as ``to_json()`` and reprinted from ``from_json()`` with the same content after
the conditions or the customer changed (DESIGN.md, "Data rules": issued documents are
frozen snapshots). The logo is kept as bytes for the same reason, not as a path.

JSON: Decimal as its exact string ("9.20" stays "9.20"), dates as ISO 8601, bytes as
base64, tuples as lists; ``FORMAT`` is written so a later layout can still read old ones.
"""

import base64
import json
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

FORMAT = 1


def _text_tuple(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value)


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("money and quantities are Decimal, never float")
    return Decimal(value)


def _date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _set(obj, name: str, value) -> None:
    object.__setattr__(obj, name, value)  # normalising in __post_init__ of a frozen class


@dataclass(frozen=True)
class SheetCompany:
    """The issuing company as the letterhead and the footer show it."""

    name: str
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    website: str = ""
    vat_id: str = ""
    logo: bytes | None = None  # PNG or JPEG bytes (kept in the snapshot, not a path)

    def __post_init__(self):
        _set(self, "address_lines", _text_tuple(self.address_lines))


@dataclass(frozen=True)
class SheetCustomer:
    number: str
    name: str
    address_lines: tuple[str, ...] = ()
    contact_person: str = ""

    def __post_init__(self):
        _set(self, "address_lines", _text_tuple(self.address_lines))


@dataclass(frozen=True)
class SheetLine:
    """One article as printed: prices per ``unit`` in the sheet's currency.

    ``scales`` are (from quantity, net unit price) pairs in rising order of quantity.
    """

    article_number: str
    article_name: str
    product_group: str
    unit: str
    net_price: Decimal
    list_price: Decimal | None = None
    pack_size: Decimal | None = None
    discount_text: str = ""
    scales: tuple[tuple[Decimal, Decimal], ...] = ()

    def __post_init__(self):
        _set(self, "net_price", _decimal(self.net_price))
        _set(self, "list_price", _decimal(self.list_price))
        _set(self, "pack_size", _decimal(self.pack_size))
        _set(self, "scales", tuple((_decimal(q), _decimal(p)) for q, p in self.scales))


@dataclass(frozen=True)
class SheetTerms:
    """Terms as text lines in the sheet's language (the engine writes them)."""

    payment: tuple[str, ...] = ()  # "30 days net; 2 % cash discount within 14 days"
    delivery: tuple[str, ...] = ()  # incl. Incoterms 2020 and the free-freight threshold
    invoice_recipient: tuple[str, ...] = ()
    returns: tuple[str, ...] = ()

    def __post_init__(self):
        for name in ("payment", "delivery", "invoice_recipient", "returns"):
            _set(self, name, _text_tuple(getattr(self, name)))


@dataclass(frozen=True)
class ConditionSheet:
    number: str
    company: SheetCompany
    customer: SheetCustomer
    language: str  # "de", "en", "fr"
    currency: str  # ISO 4217, e.g. "EUR"
    issued_on: date
    valid_from: date
    valid_to: date | None = None
    lines: tuple[SheetLine, ...] = ()
    terms: SheetTerms = field(default_factory=SheetTerms)
    notes: tuple[str, ...] = ()

    def __post_init__(self):
        _set(self, "issued_on", _date(self.issued_on))
        _set(self, "valid_from", _date(self.valid_from))
        _set(self, "valid_to", _date(self.valid_to))
        _set(self, "lines", tuple(self.lines))
        _set(self, "notes", _text_tuple(self.notes))

    # -- the snapshot -----------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "number": self.number,
            "company": _plain(self.company),
            "customer": _plain(self.customer),
            "language": self.language,
            "currency": self.currency,
            "issued_on": self.issued_on.isoformat(),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "lines": [_plain(line) for line in self.lines],
            "terms": _plain(self.terms),
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> "ConditionSheet":
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown condition sheet format {data.get('format')!r}")
        company = dict(data["company"])
        if company.get("logo") is not None:
            company["logo"] = base64.b64decode(company["logo"])
        return cls(
            number=data["number"],
            company=SheetCompany(**company),
            customer=SheetCustomer(**data["customer"]),
            language=data["language"],
            currency=data["currency"],
            issued_on=data["issued_on"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            lines=tuple(SheetLine(**line) for line in data["lines"]),
            terms=SheetTerms(**data["terms"]),
            notes=data["notes"],
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> "ConditionSheet":
        return cls.from_dict(json.loads(text))


def _plain(obj) -> dict:
    """A sheet part as JSON values: Decimal → exact string, bytes → base64, tuple → list."""
    return {f.name: _value(getattr(obj, f.name)) for f in fields(obj)}


def _value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple):
        return [_value(item) for item in value]
    return value
