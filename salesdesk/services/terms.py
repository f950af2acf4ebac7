"""Payment and delivery terms kept by the office: list, add, change, delete unused ones.

Customers point at terms (``Customer.payment_term_id`` / ``delivery_term_id``) and
condition sheets print them. A term in use can be renamed and changed — the next sheet
prints the new text, issued sheets keep theirs — but not deleted: terms have no
"retired" flag, and a tombstone would silently drop them from those customers' sheets.
An unused term is deleted as a tombstone; adding its code again brings it back.

Each ``save_*`` checks everything first and raises ValidationFailed naming the record,
the field and the problem; nothing is written then. The caller commits.
"""

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesdesk.domain import validation as v
from salesdesk.domain.errors import DomainError, FieldError, NotFound, ValidationFailed
from salesdesk.domain.money import parse_amount
from salesdesk.domain.pricing import (
    INCOTERMS_2020,
    PaymentTerms,
    check_payment_terms,
    payment_terms_text,
)
from salesdesk.i18n import _, current_language
from salesdesk.store.models import Customer, DeliveryTerm, PaymentTerm
from salesdesk.store.types import utcnow

CODE_LENGTH = PaymentTerm.__table__.c.code.type.length
NAME_LENGTH = PaymentTerm.__table__.c.name.type.length
PLACE_LENGTH = DeliveryTerm.__table__.c.incoterm_place.type.length
MAX_DAYS = 365
_PLACES = Decimal("0.01")
_CODE = re.compile(r"^\S+$")
Stages = tuple[tuple[Decimal, int], ...]
Taken = Mapping[str, tuple[str, str]]  # codes in use: casefolded → (code, name)


class TermInUse(DomainError):
    """Terms that customers use cannot be deleted."""


# -- what the office sees -----------------------------------------------------------------

@dataclass(frozen=True)
class PaymentTermEntry:
    id: uuid.UUID
    code: str
    name: str
    net_days: int
    cash_discounts: Stages
    customers: int  # live customers with these terms

    @property
    def terms(self) -> PaymentTerms:
        return PaymentTerms(self.net_days, self.cash_discounts)

    @property
    def text(self) -> str:
        """"30 days net; 2 % within 14 days" (the picker's tooltip, the list's column)."""
        return payment_terms_text(self.terms)


@dataclass(frozen=True)
class DeliveryTermEntry:
    id: uuid.UUID
    code: str
    name: str
    incoterm: str
    incoterm_place: str
    free_freight_threshold: Decimal | None
    minimum_order: Decimal | None
    customers: int

    def text(self, money: Callable[[Decimal], str] | None = None) -> str:
        return delivery_terms_text(self, money)


def payment_term_labels() -> dict[str, str]:
    return {"code": _("Code"), "name": _("Name"), "net_days": _("Net days"),
            "cash_discounts": _("Cash discount")}


def delivery_term_labels() -> dict[str, str]:
    return {"code": _("Code"), "name": _("Name"), "incoterm": _("Incoterms rule"),
            "incoterm_place": _("Named place"),
            "free_freight_threshold": _("Free freight from"),
            "minimum_order": _("Minimum order")}


def payment_record(code: str | None = None) -> str:
    """How messages name payment terms: "Payment terms S14", "New payment terms"."""
    code = (code or "").strip()
    return _("Payment terms {code}").format(code=code) if code else _("New payment terms")


def delivery_record(code: str | None = None) -> str:
    code = (code or "").strip()
    return _("Delivery terms {code}").format(code=code) if code else _("New delivery terms")


def stages_of(text: str | None) -> Stages:
    """The stored cash-discount stages: '[["2", 14]]' → ((Decimal("2"), 14),)."""
    return tuple((Decimal(str(percent)), int(days)) for percent, days in json.loads(text or "[]"))


def stages_json(stages: Stages) -> str:
    """The stages as stored: percent as Decimal text ("1.5", never a float), days."""
    return json.dumps([[f"{percent.normalize():f}", days] for percent, days in stages])


def incoterm_name(rule: str, language: str | None = None) -> str:
    """"Delivered at Place" for DAP in the user's language ("" for an unknown rule)."""
    from salesdesk.services.condition_sheets import INCOTERM_NAMES

    names = INCOTERM_NAMES.get(language or current_language(), INCOTERM_NAMES["en"])
    return names.get(rule, "")


def _plain_amount(amount: Decimal) -> str:
    from babel.numbers import format_decimal

    return format_decimal(amount, format="#,##0.00", locale=current_language())


def delivery_terms_text(term, money: Callable[[Decimal], str] | None = None) -> str:
    """"DAP Lieferanschrift (Delivered at Place); free freight from 500.00; minimum order
    100.00" for a DeliveryTerm or DeliveryTermEntry; ``money`` formats the amounts (they
    are in the customer's currency, which only the caller may know)."""
    money = money or _plain_amount
    parts = []
    rule = (term.incoterm or "").strip().upper()
    if rule:
        named = f"{rule} {term.incoterm_place.strip()}".strip()
        name = incoterm_name(rule)
        parts.append(f"{named} ({name})" if name else named)
    if term.free_freight_threshold:
        parts.append(_("free freight from {amount}").format(
            amount=money(term.free_freight_threshold)))
    if term.minimum_order:
        parts.append(_("minimum order {amount}").format(amount=money(term.minimum_order)))
    return "; ".join(parts)


def _usage(session: Session, column) -> dict[uuid.UUID, int]:
    rows = session.execute(select(column, func.count()).where(
        Customer.deleted_at.is_(None), column.is_not(None)).group_by(column))
    return {key: count for key, count in rows}


def list_payment_terms(session: Session, *, usage: bool = True) -> list[PaymentTermEntry]:
    """Every live payment term by code; ``usage`` counts the customers of each."""
    used = _usage(session, Customer.payment_term_id) if usage else {}
    rows = session.scalars(select(PaymentTerm).where(PaymentTerm.deleted_at.is_(None))
                           .order_by(PaymentTerm.code))
    return [PaymentTermEntry(t.id, t.code, t.name, t.net_days, stages_of(t.cash_discounts),
                             used.get(t.id, 0)) for t in rows]


def list_delivery_terms(session: Session, *, usage: bool = True) -> list[DeliveryTermEntry]:
    used = _usage(session, Customer.delivery_term_id) if usage else {}
    rows = session.scalars(select(DeliveryTerm).where(DeliveryTerm.deleted_at.is_(None))
                           .order_by(DeliveryTerm.code))
    return [DeliveryTermEntry(t.id, t.code, t.name, t.incoterm, t.incoterm_place,
                              t.free_freight_threshold, t.minimum_order, used.get(t.id, 0))
            for t in rows]


def get_payment_term(session: Session, term_id: uuid.UUID) -> PaymentTermEntry:
    term = _get(session, PaymentTerm, term_id)
    return PaymentTermEntry(term.id, term.code, term.name, term.net_days,
                            stages_of(term.cash_discounts), 0)


def get_delivery_term(session: Session, term_id: uuid.UUID) -> DeliveryTermEntry:
    t = _get(session, DeliveryTerm, term_id)
    return DeliveryTermEntry(t.id, t.code, t.name, t.incoterm, t.incoterm_place,
                             t.free_freight_threshold, t.minimum_order, 0)


# -- checks (no database) -----------------------------------------------------------------

def _check_code(value: object) -> str:
    code = v.text(value, CODE_LENGTH)
    if not _CODE.match(code):
        raise ValueError(_("must not contain spaces"))
    return code


def _check_days(value: object, lowest: int = 0) -> int:
    days = v.integer(value)
    if not lowest <= days <= MAX_DAYS:
        raise ValueError(_("must be between {low} and {high} days").format(
            low=lowest, high=MAX_DAYS))
    return days


_NAME = v.required(partial(v.text, max_length=NAME_LENGTH))
_REQUIRED_CODE = v.required(_check_code)


def _collect(record: str, values: dict, checks: dict, labels: dict,
             errors: list[FieldError]) -> dict:
    """``validation.collect`` field by field: the clean values of the fields that pass,
    the problems of the others added to ``errors``."""
    clean = dict(values)
    for field, check in checks.items():
        try:
            clean.update(v.collect(record, {field: values.get(field)}, {field: check}, labels))
        except ValidationFailed as exc:
            errors += exc.errors
            clean.pop(field, None)
    return clean


def check_payment_term(record: str, values: dict, taken: Taken | None = None) -> dict:
    """Code, name, net days and cash-discount stages, every problem at once.

    ``values["cash_discounts"]`` holds (percent, days) pairs; a percent may be a Decimal
    or text as typed ("2", "1,5", "1.5 %"). ``taken``: the codes of the other terms
    (see ``taken_codes``). Returns the clean values, stages as Decimals.
    """
    errors: list[FieldError] = []
    checks = {"code": _REQUIRED_CODE, "name": _NAME,
              "net_days": v.required(_check_days)}
    clean = _collect(record, {**values, "net_days": values.get("net_days", 30)}, checks,
                     payment_term_labels(), errors)
    _check_taken(record, clean, taken, errors)
    stages = values.get("cash_discounts") or ()
    if "net_days" not in clean:  # its problem is known: the stages are only read
        _parse_stages(record, stages, errors)
    else:
        try:
            clean["cash_discounts"] = payment_conditions(record, clean["net_days"],
                                                         stages).cash_discounts
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    return clean


def payment_conditions(record: str, net_days: int, stages) -> PaymentTerms:
    """Net days and typed stages as checked PaymentTerms (the preview's text comes from
    them); ValidationFailed names the stage and the problem."""
    errors: list[FieldError] = []
    parsed = _parse_stages(record, stages, errors)
    if errors:
        raise ValidationFailed(errors)
    return check_payment_terms(record, PaymentTerms(net_days, parsed))


def taken_codes(session: Session, model, term_id: uuid.UUID | None = None
                ) -> dict[str, tuple[str, str]]:
    """The codes of the live terms other than ``term_id``: casefolded → (code, name)."""
    rows = session.execute(select(model.id, model.code, model.name)
                           .where(model.deleted_at.is_(None)))
    return {code.casefold(): (code, name) for key, code, name in rows if key != term_id}


def _taken_message(code: str, name: str) -> str:
    return _("“{code}” is already used by “{name}”").format(code=code, name=name)


def _check_taken(record: str, clean: dict, taken: Taken | None,
                 errors: list[FieldError]) -> None:
    code = clean.get("code")
    if taken and isinstance(code, str) and code.casefold() in taken:
        errors.append(FieldError(record, _("Code"), _taken_message(*taken[code.casefold()]),
                                 key="code"))


def _parse_stages(record: str, stages, errors: list[FieldError]) -> Stages:
    parsed, problems = [], []
    for number, (percent, days) in enumerate(stages, start=1):
        try:
            parsed.append((_stage_percent(percent), _check_days(days, lowest=1)))
        except ValueError as exc:
            problems.append(_("stage {stage}: {problem}").format(stage=number, problem=exc))
    if problems:
        errors.append(FieldError(record, _("Cash discount"), "; ".join(problems),
                                 key="cash_discounts"))
    return tuple(parsed)


def _stage_percent(value: object) -> Decimal:
    text = value if isinstance(value, Decimal) else str(value or "").replace("%", "").strip()
    if text == "":
        raise ValueError(_("enter the discount in percent"))
    try:
        percent = parse_amount(text)
    except ValueError:
        raise ValueError(_("“{text}” is not a percentage").format(text=text)) from None
    if percent != percent.quantize(_PLACES):
        raise ValueError(_("can have at most two decimal places"))
    return percent


def _check_amount(value: object) -> Decimal | None:
    try:
        amount = parse_amount(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(_("not an amount")) from None
    if amount is None:
        return None
    if amount <= 0:
        raise ValueError(_("must be more than 0 (leave the field empty for none)"))
    if amount != amount.quantize(_PLACES):
        raise ValueError(_("can have at most two decimal places"))
    return amount


def check_delivery_term(record: str, values: dict, stored_incoterm: str = "",
                        taken: Taken | None = None) -> dict:
    """Code, name, Incoterms 2020 rule with its named place, and two optional amounts.

    A rule from before 2020 (DAT, …) that is already stored may stay; new ones may not.
    ``taken`` as for ``check_payment_term``.
    """
    errors: list[FieldError] = []

    def rule(value: object) -> str:
        text = str(value).strip().upper()
        if text not in INCOTERMS_2020 and text != stored_incoterm:
            raise ValueError(_("{rule} is not an Incoterms 2020 rule").format(rule=text))
        return text

    checks = {"code": _REQUIRED_CODE, "name": _NAME, "incoterm": rule,
              "incoterm_place": partial(v.text, max_length=PLACE_LENGTH),
              "free_freight_threshold": _check_amount, "minimum_order": _check_amount}
    clean = _collect(record, values, checks, delivery_term_labels(), errors)
    _check_taken(record, clean, taken, errors)
    for field in ("free_freight_threshold", "minimum_order"):
        if clean.get(field) == "":
            clean[field] = None
    clean["incoterm"] = clean.get("incoterm") or ""
    clean["incoterm_place"] = clean.get("incoterm_place") or ""
    problem = _place_problem(clean["incoterm"], clean["incoterm_place"])
    if problem and not any(e.key == "incoterm_place" for e in errors):
        errors.append(FieldError(record, _("Named place"), problem, key="incoterm_place"))
    if errors:
        raise ValidationFailed(errors)
    return clean


def _place_problem(rule: str, place: str) -> str | None:
    """Incoterms name a rule and a place ("DAP Lieferanschrift"): one without the other
    would print half a term."""
    if rule and not place:
        return _("is required with an Incoterms rule (e.g. the customer’s delivery address "
                 "or your warehouse)")
    if place and not rule:
        return _("goes with an Incoterms rule: choose one, or leave the place empty")
    return None


# -- changes ------------------------------------------------------------------------------

def _get(session: Session, model, term_id: uuid.UUID):
    term = session.get(model, term_id)
    if term is None or term.deleted_at is not None:
        raise NotFound(_("These terms no longer exist."))
    return term


def _same_code(session: Session, model, code: str, term, record: str, label: str):
    """The deleted term a new one may bring back; ValidationFailed if another has the code."""
    wanted = code.casefold()
    for other in session.scalars(select(model)):
        if other is term or other.code.casefold() != wanted:
            continue
        if other.deleted_at is not None and term is None:
            return other  # a code once deleted comes back with the new values
        message = _taken_message(other.code, other.name) if other.deleted_at is None else \
            _("“{code}” belonged to terms that were deleted; choose another code").format(
                code=other.code)
        raise ValidationFailed([FieldError(record, label, message, key="code")])
    return None


def save_payment_term(session: Session, values: dict,
                      term_id: uuid.UUID | None = None) -> PaymentTerm:
    """Add payment terms (``term_id`` None) or change them; returns the stored row."""
    term = _get(session, PaymentTerm, term_id) if term_id else None
    record = payment_record(term.code if term else values.get("code"))
    clean = check_payment_term(record, values)
    revived = _same_code(session, PaymentTerm, clean["code"], term, record, _("Code"))
    term = term or revived or PaymentTerm()
    term.code, term.name, term.net_days = clean["code"], clean["name"], clean["net_days"]
    term.cash_discounts = stages_json(clean["cash_discounts"])
    term.deleted_at = None
    session.add(term)
    session.flush()
    return term


def save_delivery_term(session: Session, values: dict,
                       term_id: uuid.UUID | None = None) -> DeliveryTerm:
    """Add delivery terms (``term_id`` None) or change them; returns the stored row."""
    term = _get(session, DeliveryTerm, term_id) if term_id else None
    record = delivery_record(term.code if term else values.get("code"))
    clean = check_delivery_term(record, values, term.incoterm if term else "")
    revived = _same_code(session, DeliveryTerm, clean["code"], term, record, _("Code"))
    term = term or revived or DeliveryTerm()
    for field in ("code", "name", "incoterm", "incoterm_place", "free_freight_threshold",
                  "minimum_order"):
        setattr(term, field, clean[field])
    term.deleted_at = None
    session.add(term)
    session.flush()
    return term


def _delete(session: Session, model, column, term_id: uuid.UUID, record) -> None:
    term = _get(session, model, term_id)
    used = session.scalar(select(func.count()).select_from(Customer).where(
        column == term.id, Customer.deleted_at.is_(None)))
    if used:
        text = _("{record} are used by one customer and cannot be deleted. Give that "
                 "customer other terms first, or change these terms instead.") if used == 1 \
            else _("{record} are used by {count} customers and cannot be deleted. Give "
                   "those customers other terms first, or change these terms instead.")
        raise TermInUse(text.format(record=record(term.code), count=used))
    term.deleted_at = utcnow()
    session.flush()


def delete_payment_term(session: Session, term_id: uuid.UUID) -> None:
    """Tombstone payment terms no live customer uses; TermInUse otherwise."""
    _delete(session, PaymentTerm, Customer.payment_term_id, term_id, payment_record)


def delete_delivery_term(session: Session, term_id: uuid.UUID) -> None:
    """Tombstone delivery terms no live customer uses; TermInUse otherwise."""
    _delete(session, DeliveryTerm, Customer.delivery_term_id, term_id, delivery_record)
