"""Distribution lists and mailings: the saved filter of a dynamic list and who may be mailed.

A dynamic list keeps its filter as JSON in ``DistributionList.criteria``, with exactly
these optional keys (each list means "any of these"; different keys must all hold)::

    {"statuses": ["active", ...],
     "customer_group_ids": ["<hex id>", ...], "territory_ids": [...],
     "representative_ids": [...],
     "segments": ["Newsletter", ...], "tags": [...],
     "postal_code_ranges": [["80000", "81999"], ...],
     "countries": ["DE", ...],
     "near": {"place": "München", "lat": 48.14, "lon": 11.58, "radius_km": 50},
     "last_contact_before": "YYYY-MM-DD", "last_contact_after": "YYYY-MM-DD"}

- ``tags`` are matched against the customer's segments: SalesDesk has no separate tag
  field, a customer's segments are its tags. ``segments`` and ``tags`` are two criteria
  of the same kind (a customer must carry one of each list given). Both compare without
  regard to (ASCII) case.
- A postal code range is inclusive and compares text, on the main address's postal code;
  it may name a country: ``["80000", "81999", "DE"]`` or
  ``{"from": "80000", "to": "81999", "country": "DE"}``.
- ``last_contact_before`` includes customers never contacted; ``last_contact_after`` is
  "on or after" that day (days in the computer's time zone).

Who may be mailed (``exclusion_reasons``): never a customer or contact person marked
"do not contact"; for e-mail, phone and SMS only with a granted consent for that channel
(``consent_refusal``); for e-mail only with an address, for a letter only with a postal
address. Every recipient left out carries the reasons, so nobody is dropped silently.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum

from salesdesk.domain import validation as v
from salesdesk.domain.customer import AddressKind, ConsentChannel, CustomerStatus
from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.i18n import _

MAX_NAME = 120
MAX_ROLE = 80
MAX_SUBJECT = 200
# the address kinds a list may write to (an "other" address is nobody's mailing address)
MAILING_ADDRESS_KINDS = (AddressKind.MAIN, AddressKind.DELIVERY, AddressKind.BILLING)
# channels that need a granted consent (a letter needs none, but a withdrawal excludes)
CONSENT_CHANNELS = (ConsentChannel.EMAIL, ConsentChannel.PHONE, ConsentChannel.SMS)


class ListKind(StrEnum):
    STATIC = "static"
    DYNAMIC = "dynamic"

    @property
    def label(self) -> str:
        return {"static": _("Static"), "dynamic": _("Dynamic")}[self.value]


def list_record(name: str) -> str:
    """How messages name a list: Distribution list “Newsletter Süd”."""
    return _("Distribution list “{name}”").format(name=name or _("(no name)"))


def list_labels() -> dict[str, str]:
    return {
        "name": _("Name"),
        "description": _("Description"),
        "kind": _("Kind"),
        "channel": _("Channel"),
        "address_kind": _("Address"),
        "contact_role": _("Contact person role"),
        "criteria": _("Criteria"),
    }


def criteria_labels() -> dict[str, str]:
    return {
        "statuses": _("Status"),
        "customer_group_ids": _("Customer groups"),
        "segments": _("Segments"),
        "territory_ids": _("Territories"),
        "representative_ids": _("Representatives"),
        "postal_code_ranges": _("Postal code ranges"),
        "countries": _("Countries"),
        "near": _("Near a place"),
        "last_contact_before": _("Last contact before"),
        "last_contact_after": _("Last contact after"),
        "tags": _("Tags"),
    }


# -- the criteria of a dynamic list ------------------------------------------------------


@dataclass(frozen=True)
class PostalRange:
    """Postal codes from ``start`` to ``end`` inclusive (text order), in ``country`` if set."""

    start: str
    end: str
    country: str = ""

    def to_json(self) -> list | dict:
        if self.country:
            return {"from": self.start, "to": self.end, "country": self.country}
        return [self.start, self.end]

    def text(self) -> str:
        span = self.start if self.start == self.end else f"{self.start}-{self.end}"
        return f"{self.country}:{span}" if self.country else span


@dataclass(frozen=True)
class Near:
    """Within ``radius_km`` of a place (its coordinates found when the list was saved)."""

    place: str
    lat: float
    lon: float
    radius_km: float

    def to_json(self) -> dict:
        return {"place": self.place, "lat": self.lat, "lon": self.lon, "radius_km": self.radius_km}


@dataclass(frozen=True)
class Criteria:
    """The saved filter of a dynamic list; empty fields do not filter."""

    statuses: tuple[str, ...] = ()
    customer_group_ids: tuple[uuid.UUID, ...] = ()
    segments: tuple[str, ...] = ()
    territory_ids: tuple[uuid.UUID, ...] = ()
    representative_ids: tuple[uuid.UUID, ...] = ()
    postal_code_ranges: tuple[PostalRange, ...] = ()
    countries: tuple[str, ...] = ()
    near: Near | None = None
    last_contact_before: date | None = None
    last_contact_after: date | None = None
    tags: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def to_dict(self) -> dict:
        """The JSON form (only the keys that filter), as stored in the list."""
        result: dict = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if not value:
                continue
            if item.name.endswith("_ids"):
                value = [key.hex for key in value]
            elif item.name == "postal_code_ranges":
                value = [r.to_json() for r in value]
            elif item.name == "near":
                value = value.to_json()
            elif isinstance(value, date):
                value = value.isoformat()
            else:
                value = list(value)
            result[item.name] = value
        return result

    def to_json(self) -> str:
        return (
            json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)
            if not self.is_empty()
            else ""
        )


CRITERIA_KEYS = tuple(f.name for f in fields(Criteria))


def parse_criteria(list_name: str, raw: str | dict | Criteria | None) -> Criteria:
    """The stored (or typed) criteria checked; ValidationFailed names list, field, problem."""
    if isinstance(raw, Criteria):
        return raw
    record = list_record(list_name)
    data = _load(record, raw)
    errors: list[FieldError] = []
    labels = criteria_labels()
    for key in data:
        if key not in CRITERIA_KEYS:
            errors.append(
                FieldError(
                    record,
                    _("Criteria"),
                    _("unknown criterion “{key}” (known: {known})").format(
                        key=key, known=", ".join(CRITERIA_KEYS)
                    ),
                    key="criteria",
                )
            )
    values: dict = {}
    for key, check in _CRITERIA_CHECKS.items():
        if data.get(key) in (None, "", [], {}):
            continue
        try:
            values[key] = check(data[key])
        except ValueError as exc:
            errors.append(FieldError(record, labels[key], str(exc), key=key))
    before, after = values.get("last_contact_before"), values.get("last_contact_after")
    if before is not None and after is not None and before <= after:
        errors.append(
            FieldError(
                record,
                labels["last_contact_before"],
                _(
                    "must be later than “last contact after” ({after}), or no customer can match"
                ).format(after=after.isoformat()),
                key="last_contact_before",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return Criteria(**values)


def _load(record: str, raw: str | dict | None) -> dict:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                [
                    FieldError(
                        record,
                        _("Criteria"),
                        _("not readable as JSON ({detail})").format(detail=exc.msg),
                        key="criteria",
                    )
                ]
            ) from None
    if not isinstance(raw, dict):
        raise ValidationFailed(
            [
                FieldError(
                    record,
                    _("Criteria"),
                    _("must be a JSON object such as {example}").format(
                        example='{"statuses": ["active"]}'
                    ),
                    key="criteria",
                )
            ]
        )
    return raw


def _items(value: object) -> list:
    if not isinstance(value, list | tuple):
        raise ValueError(_('must be a list such as ["a", "b"]'))
    return list(value)


def _texts(value: object) -> tuple[str, ...]:
    found: dict[str, str] = {}
    for position, item in enumerate(_items(value), start=1):
        if not isinstance(item, str) or not item.strip():
            raise ValueError(_("entry {position} is not a text").format(position=position))
        text = " ".join(item.split())
        found.setdefault(text.casefold(), text)
    return tuple(found.values())


def _statuses(value: object) -> tuple[str, ...]:
    known = [s.value for s in CustomerStatus]
    result = []
    for text in _texts(value):
        if text.lower() not in known:
            raise ValueError(
                _("“{value}” is not a status (use {allowed})").format(
                    value=text, allowed=", ".join(known)
                )
            )
        result.append(text.lower())
    return tuple(s for s in known if s in result)  # in the usual order: stable JSON


def _ids(value: object) -> tuple[uuid.UUID, ...]:
    result = []
    for position, item in enumerate(_items(value), start=1):
        try:
            result.append(item if isinstance(item, uuid.UUID) else uuid.UUID(str(item)))
        except ValueError:
            raise ValueError(
                _("entry {position} (“{value}”) is not a record id").format(
                    position=position, value=item
                )
            ) from None
    return tuple(dict.fromkeys(result))


def check_country_code(value: object) -> str:
    text = str(value).strip().upper() if isinstance(value, str) else ""
    if len(text) != 2 or not text.isalpha():
        raise ValueError(
            _("“{value}” is not a two-letter country code such as DE").format(value=value)
        )
    return text


def _countries(value: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(check_country_code(item) for item in _items(value)))


def _postal_ranges(value: object) -> tuple[PostalRange, ...]:
    return tuple(
        dict.fromkeys(
            _postal_range(position, item) for position, item in enumerate(_items(value), start=1)
        )
    )


def _postal_range(position: int, item: object) -> PostalRange:
    if isinstance(item, dict):
        parts = [item.get("from"), item.get("to"), item.get("country") or ""]
    elif isinstance(item, list | tuple) and len(item) in (2, 3):
        parts = [*item, ""][:3]
    else:
        raise ValueError(
            _('range {position} must be ["from", "to"] or ["from", "to", "country"]').format(
                position=position
            )
        )
    start, end, country = parts
    if not all(isinstance(p, str) and p.strip() for p in (start, end)):
        raise ValueError(
            _('range {position}: postal codes must be texts in quotes, such as "01067"').format(
                position=position
            )
        )
    start, end = start.strip(), end.strip()
    if start > end:
        raise ValueError(
            _("range {position} ({start}-{end}): the start comes after the end").format(
                position=position, start=start, end=end
            )
        )
    try:
        country = check_country_code(country) if country else ""
    except ValueError as exc:
        raise ValueError(
            _("range {position}: {problem}").format(position=position, problem=exc)
        ) from None
    return PostalRange(start, end, country)


def _near(value: object) -> Near:
    from salesdesk.domain.geo import check_latitude, check_longitude, check_radius_km

    if not isinstance(value, dict):
        raise ValueError(_("must be an object with place, lat, lon and radius_km"))
    missing = [key for key in ("lat", "lon", "radius_km") if value.get(key) in (None, "")]
    if missing:
        raise ValueError(
            _("{keys} missing (find the place to fill in its coordinates)").format(
                keys=", ".join(missing)
            )
        )
    checks = (("lat", check_latitude), ("lon", check_longitude), ("radius_km", check_radius_km))
    numbers = {}
    for key, check in checks:
        try:
            numbers[key] = check(value[key])
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    place = value.get("place") or ""
    if not isinstance(place, str):
        raise ValueError(_("place must be a text"))
    return Near(place.strip(), numbers["lat"], numbers["lon"], numbers["radius_km"])


def _day(value: object) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(_("is not a date (YYYY-MM-DD)"))
    return v.date_value(value)


_CRITERIA_CHECKS = {
    "statuses": _statuses,
    "customer_group_ids": _ids,
    "segments": _texts,
    "territory_ids": _ids,
    "representative_ids": _ids,
    "postal_code_ranges": _postal_ranges,
    "countries": _countries,
    "near": _near,
    "last_contact_before": _day,
    "last_contact_after": _day,
    "tags": _texts,
}


# -- the same as text fields of a form ---------------------------------------------------

# "80000-81999", "AT:1000-1999", "SW1A 1AA"; a postal code holds at least one digit
_RANGE_TEXT = re.compile(r"^(?:([A-Za-z]{2})\s*:\s*)?(\w[\w ]*?)(?:\s*-\s*(\w[\w ]*))?$")


def parse_postal_ranges_text(text: str) -> tuple[PostalRange, ...]:
    """ "80000-81999, AT:1000-1999, 90402" → ranges (ValueError naming the bad part)."""
    ranges = []
    for position, part in enumerate((p.strip() for p in re.split(r"[,;\n]", text or "")), start=1):
        if not part:
            continue
        found = _RANGE_TEXT.match(part)
        if found is None or not all(
            any(ch.isdigit() for ch in code) for code in found.groups()[1:] if code
        ):
            raise ValueError(_("“{part}” is not a range such as 80000-81999").format(part=part))
        country, start, end = found.groups()
        ranges.append(_postal_range(position, [start, end or start, country or ""]))
    return tuple(dict.fromkeys(ranges))


def format_postal_ranges(ranges: tuple[PostalRange, ...]) -> str:
    return ", ".join(r.text() for r in ranges)


def parse_countries_text(text: str) -> tuple[str, ...]:
    parts = [p for p in re.split(r"[\s,;]+", text or "") if p]
    return tuple(dict.fromkeys(check_country_code(p) for p in parts))


# -- the list itself -----------------------------------------------------------------------


def check_list(values: dict) -> dict:
    """A list's fields normalised, its criteria parsed (a static list has none), or
    ValidationFailed naming every problem."""
    name = str(values.get("name") or "")
    checks = {
        "name": v.required(lambda x: v.text(x, MAX_NAME)),
        "description": lambda x: v.text(x, 100_000),
        "kind": v.required(_choice([k.value for k in ListKind])),
        "channel": v.required(_choice([c.value for c in ConsentChannel])),
        "address_kind": v.required(_choice([k.value for k in MAILING_ADDRESS_KINDS])),
        "contact_role": lambda x: v.text(x, MAX_ROLE),
    }
    errors: list[FieldError] = []
    try:
        clean = v.collect(list_record(name), values, checks, list_labels())
    except ValidationFailed as exc:
        errors, clean = exc.errors, dict(values)
    if clean.get("kind") == ListKind.DYNAMIC:
        try:
            clean["criteria"] = parse_criteria(name, values.get("criteria"))
        except ValidationFailed as exc:
            errors += exc.errors
    else:
        clean["criteria"] = Criteria()
    if errors:
        raise ValidationFailed(errors)
    return clean


def _choice(allowed: list[str]):
    def check(value: object) -> str:
        text = str(value).strip().lower()
        if text not in allowed:
            raise ValueError(_("must be one of {allowed}").format(allowed=", ".join(allowed)))
        return text

    return check


def check_subject(record: str, subject: object) -> str:
    return v.collect(
        record,
        {"subject": subject},
        {"subject": v.required(lambda x: v.text(x, MAX_SUBJECT))},
        {"subject": _("Subject")},
    )["subject"]


# -- who may be mailed -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentRecord:
    """One consent record as the rules need it; ``order`` breaks ties of the same day."""

    granted: bool
    recorded_on: date
    order: str = ""


def newest(records) -> ConsentRecord | None:
    """The newest record (a withdrawal wins a tie: the safe side)."""
    return max(records, key=lambda r: (r.recorded_on, r.order, not r.granted), default=None)


def consent_refusal(
    channel: str, person: ConsentRecord | None, company: ConsentRecord | None
) -> str | None:
    """Why the channel may not be used, or None: the consent rule of a recipient.

    ``person`` is the newest record of the contact person for the channel, ``company``
    the newest record of the customer as a whole (no contact person). The newest of the
    two decides, except that a person's own withdrawal is never outweighed by a later
    consent of the company. E-mail, phone and SMS need a consent; a letter needs none,
    but a withdrawal (an objection) excludes it too.
    """
    label = ConsentChannel(channel).label
    if person is not None and not person.granted:
        return _("Consent for {channel} withdrawn on {date}").format(
            channel=label, date=person.recorded_on.isoformat()
        )
    deciding = newest([r for r in (person, company) if r is not None])
    if deciding is not None and not deciding.granted:
        return _("Consent for {channel} withdrawn on {date}").format(
            channel=label, date=deciding.recorded_on.isoformat()
        )
    if deciding is None and channel in CONSENT_CHANNELS:
        return _("No consent for {channel}").format(channel=label)
    return None


@dataclass
class Recipient:
    """One addressee of a list: a customer, usually one of its contact persons.

    ``member_contact_id`` is the contact person a static member names (None: the
    member is the customer); ``reasons`` say why the recipient is excluded.
    """

    customer_id: uuid.UUID
    number: str
    name: str
    name2: str = ""
    contact_id: uuid.UUID | None = None
    salutation: str = ""
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    street: str = ""
    street2: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    language: str = ""
    note: str = ""
    member_contact_id: uuid.UUID | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def contact_name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def key(self) -> tuple[uuid.UUID, uuid.UUID | None]:
        return self.customer_id, self.contact_id


@dataclass(frozen=True)
class Contactability:
    """What the exclusion rules look at for one recipient."""

    channel: str
    customer_blocked: bool = False
    customer_block_reason: str = ""
    contact_name: str = ""
    contact_blocked: bool = False
    consent: str | None = None  # consent_refusal's verdict
    has_email: bool = False
    has_phone: bool = False
    has_mobile: bool = False
    has_address: bool = False


def exclusion_reasons(facts: Contactability) -> list[str]:
    """Every reason the recipient must not be mailed on the channel (empty: may be)."""
    reasons = []
    if facts.customer_blocked:
        text = _("Customer is marked “do not contact”")
        reasons.append(
            f"{text} ({facts.customer_block_reason})" if facts.customer_block_reason else text
        )
    if facts.contact_blocked:
        reasons.append(
            _("Contact person {name} is marked “do not contact”").format(name=facts.contact_name)
        )
    if facts.consent:
        reasons.append(facts.consent)
    missing = {
        ConsentChannel.EMAIL: (facts.has_email, _("No e-mail address")),
        ConsentChannel.LETTER: (facts.has_address, _("No postal address")),
        ConsentChannel.PHONE: (facts.has_phone, _("No phone number")),
        ConsentChannel.SMS: (facts.has_mobile, _("No mobile number")),
    }
    present, text = missing[ConsentChannel(facts.channel)]
    if not present:
        reasons.append(text)
    return reasons


@dataclass
class Evaluation:
    """A list as it is now: who gets the mailing and who is left out, and why."""

    list_id: uuid.UUID
    name: str
    channel: str
    recipients: list[Recipient] = field(default_factory=list)
    excluded: list[Recipient] = field(default_factory=list)
