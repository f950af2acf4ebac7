"""The pricing engine (condition technique): pure rules, no database.

For one line — a customer, an article, a quantity, a date — the engine walks the
condition types in the order of their step, and for each type its access sequence
from the most specific key to the most general; the first record that is released,
valid on the date and has a value for the quantity wins, the others are recorded in the
trace with the reason they lost. Values are applied in a fixed order:

1. base price (customer price → price-group / price-list price → list price),
2. line discounts and surcharges (product-group, customer-group, promotion, surcharge),
3. group and turnover bonuses,
then, shown separately and never deducted from the net price,
4. cash discount (from the payment terms),
and document-level amounts (freight, a fee per document) that no unit price contains.

Stacking is a property of the condition type: a *cascading* percentage applies to the
running value (10 % then 5 % = 14.5 %), an *additive* one to the value the step started
with (10 % + 5 % = 15 %).

Rounding, the only places it happens: every condition's value for the line (quantity ×
rate) is rounded half-up to the currency's precision when it is applied — or, for a type
whose ``rounding`` is ``Rounding.UNIT``, its value per unit is rounded and then
multiplied by the quantity (every type shipped rounds per line); the net unit price
shown is the net line value divided by the quantity, rounded to four places
(``UNIT_PLACES``). A line is never negative: discounts that would take it below zero
stop at zero, and the trace says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum, StrEnum
from functools import cache, cached_property

from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.domain.money import round_money
from salesdesk.i18n import _

UNIT_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


class Step(IntEnum):
    """Where a condition type applies (the fixed, documented order)."""

    BASE = 10
    LINE = 20
    BONUS = 30
    CASH_DISCOUNT = 90
    DOCUMENT = 95


class Calculation(StrEnum):
    PERCENT = "percent"  # of the running line value (negative: a discount)
    PER_UNIT = "per_unit"  # an amount per unit (base prices; surcharges)
    PER_DOCUMENT = "per_document"  # an amount per document (freight, fees)


class Stacking(StrEnum):
    CASCADING = "cascading"  # on the running value
    ADDITIVE = "additive"  # on the value the step started with


class KeyKind(StrEnum):
    """What a condition record is keyed by, most specific first."""

    CUSTOMER_ARTICLE = "customer_article"
    CUSTOMER_PRODUCT_GROUP = "customer_product_group"
    PRICE_GROUP_ARTICLE = "price_group_article"
    CUSTOMER_GROUP_PRODUCT_GROUP = "customer_group_product_group"
    PRODUCT_GROUP = "product_group"
    ARTICLE = "article"
    CUSTOMER = "customer"

    @property
    def label(self) -> str:
        return {
            "customer_article": _("customer and article"),
            "customer_product_group": _("customer and product group"),
            "price_group_article": _("price group and article"),
            "customer_group_product_group": _("customer group and product group"),
            "product_group": _("product group"),
            "article": _("article"),
            "customer": _("customer"),
        }[self.value]


class Rounding(StrEnum):
    """Where a condition's value is rounded to the currency's minor unit (half-up)."""

    LINE = "line"  # its value for the whole line (quantity × rate), once
    UNIT = "unit"  # its value per unit, then times the quantity (a per-piece price list)


class ScaleBasis(StrEnum):
    QUANTITY = "quantity"  # thresholds in units of the article
    LINE_VALUE = "line_value"  # thresholds in money, the line's value before this step
    TURNOVER = "turnover"  # thresholds in money, the customer's turnover in the period


@dataclass(frozen=True)
class ConditionType:
    code: str
    step: Step
    calculation: Calculation
    access: tuple[KeyKind, ...]
    stacking: Stacking = Stacking.CASCADING
    scale_basis: ScaleBasis = ScaleBasis.QUANTITY
    sequence: int = 0  # order within the step
    name: str = ""
    rounding: Rounding = Rounding.LINE

    @property
    def in_money(self) -> bool:
        """Its values or thresholds are amounts of money: a record in another currency
        than the line's cannot apply (percentages by quantity can, in any currency)."""
        return (self.calculation is not Calculation.PERCENT
                or self.scale_basis is not ScaleBasis.QUANTITY)


@dataclass(frozen=True)
class Scale:
    """From ``threshold`` on (inclusive), ``value`` applies."""

    threshold: Decimal
    value: Decimal


@dataclass(frozen=True)
class ConditionRecord:
    id: str
    type_code: str
    key_kind: KeyKind
    key: tuple[str, ...]
    valid_from: date
    valid_to: date | None  # inclusive; None: open-ended
    scales: tuple[Scale, ...]  # one scale with threshold 0 for a plain value
    released: bool = True
    period: str = ""  # turnover bonus: whose period's turnover counts (month, quarter, …)
    currency: str = ""  # of its amounts ("": not stated; taken to be the line's)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def value_for(self, basis: Decimal) -> Decimal | None:
        """The value of the highest threshold reached by ``basis`` (None: none reached)."""
        found = None
        for scale in self.scales:
            if basis >= scale.threshold:
                found = scale.value
        return found


@dataclass(frozen=True)
class PaymentTerms:
    """Net days and cash discount stages: (percent, within days), best first."""

    net_days: int
    cash_discounts: tuple[tuple[Decimal, int], ...] = ()


@dataclass(frozen=True)
class PriceRequest:
    customer: str
    article: str
    quantity: Decimal
    on: date
    currency: str = "EUR"
    customer_group: str = ""
    price_group: str = ""
    product_groups: tuple[str, ...] = ()  # the article's group, then its parents
    # the customer's turnover: one amount, or per period of a bonus record ("month",
    # "quarter", "half_year", "year"; a Mapping read only when a bonus record asks)
    turnover: Decimal | Mapping[str, Decimal] = ZERO
    payment_terms: PaymentTerms | None = None

    @cached_property
    def keys(self) -> dict[KeyKind, list[tuple[str, ...]]]:
        """The keys to look up, per key kind (worked out once per line)."""
        return _keys(self)

    def turnover_for(self, period: str) -> Decimal:
        if isinstance(self.turnover, Decimal):
            return self.turnover
        return self.turnover.get(period, ZERO)


@dataclass(frozen=True)
class Applied:
    """A condition that changed the line: which record, at what rate, by how much."""

    type_code: str
    record_id: str
    key_kind: KeyKind
    rate: Decimal  # percent, or amount per unit / per document
    value: Decimal  # its effect on the line (negative: a discount), rounded


@dataclass(frozen=True)
class TraceEntry:
    """One decision. The reason is a code and its details, put into words (in the
    current language) only when someone reads it: pricing a sheet writes thousands."""

    type_code: str
    key_kind: KeyKind | None
    record_id: str
    verdict: str  # won / lost / none
    why: str  # a code of _REASONS
    key: tuple[str, ...] = ()
    detail: tuple = ()

    @property
    def reason(self) -> str:
        return _REASONS[self.why]().format(*self.detail)


_REASONS = {
    "draft": lambda: _("not released (draft)"),
    "not_valid": lambda: _("not valid on {0} (valid {1} to {2})"),
    "scale": lambda: _("its first scale starts above {0}"),
    "currency": lambda: _("in {0}, the line is in {1}"),
    "won": lambda: _("most specific valid record"),
    "none": lambda: _("no valid record"),
    "base_found": lambda: _("a base price was found already"),
    "capped": lambda: _("capped: the line would go below zero"),
    "no_base": lambda: _("no base price: the article has no price for this customer"),
}


@dataclass
class PriceResult:
    request: PriceRequest
    base_value: Decimal = ZERO  # the line's value at the base price
    net_value: Decimal = ZERO  # after line discounts and bonuses
    applied: list[Applied] = field(default_factory=list)
    document: list[Applied] = field(default_factory=list)  # freight, fees: not in the price
    cash_discount: tuple[Decimal, int, Decimal] | None = None  # percent, days, amount
    trace: list[TraceEntry] = field(default_factory=list)

    @property
    def net_unit_price(self) -> Decimal:
        return (self.net_value / self.request.quantity).quantize(UNIT_PLACES, ROUND_HALF_UP)

    @property
    def base_unit_price(self) -> Decimal:
        return (self.base_value / self.request.quantity).quantize(UNIT_PLACES, ROUND_HALF_UP)

    def explain(self, name: Callable[[str], str] = str) -> list[str]:
        """The trace as lines a person reads (``salesdesk price --explain``); ``name``
        turns a key part (an id) into what people call it (a number or code)."""
        lines = []
        for entry in self.trace:
            where = entry.key_kind.label if entry.key_kind else "–"
            if entry.key:
                where += " " + " / ".join(name(part) for part in entry.key)
            record = f" {entry.record_id}" if entry.record_id else ""
            lines.append(f"{entry.type_code:<16} {where:<44} {entry.verdict:<5}{record}: "
                         f"{entry.reason}")
        return lines


Lookup = Callable[[str, KeyKind, tuple[str, ...]], Iterable[ConditionRecord]]


class PricingError(ValidationFailed):
    pass


def keys_for(request: PriceRequest, kind: KeyKind) -> list[tuple[str, ...]]:
    """The keys to look up for one key kind (a product group hierarchy gives several)."""
    return request.keys[kind]


def _keys(request: PriceRequest) -> dict[KeyKind, list[tuple[str, ...]]]:
    customer, article, groups = request.customer, request.article, request.product_groups
    return {
        _CA: [(customer, article)],
        _CPG: [(customer, g) for g in groups],
        _PGA: [(request.price_group, article)] if request.price_group else [],
        _CGPG: ([(request.customer_group, g) for g in groups] if request.customer_group
                else []),
        _PG: [(g,) for g in groups],
        _A: [(article,)],
        _C: [(customer,)],
    }


_CA, _CPG, _PGA, _CGPG, _PG, _A, _C = (
    KeyKind.CUSTOMER_ARTICLE, KeyKind.CUSTOMER_PRODUCT_GROUP, KeyKind.PRICE_GROUP_ARTICLE,
    KeyKind.CUSTOMER_GROUP_PRODUCT_GROUP, KeyKind.PRODUCT_GROUP, KeyKind.ARTICLE,
    KeyKind.CUSTOMER)


def _find(ctype: ConditionType, request: PriceRequest, lookup: Lookup, basis: Decimal,
          trace: list[TraceEntry]) -> tuple[ConditionRecord, KeyKind, Decimal] | None:
    """The winning record of a type for this line (and its value), tracing the others."""
    keys = request.keys
    for kind in ctype.access:
        for key in keys[kind]:
            found = lookup(ctype.code, kind, key)
            if len(found) > 1:  # the newest validity first (only one can be valid)
                found = sorted(found, key=lambda r: r.valid_from, reverse=True)
            for record in found:
                if not record.released:
                    trace.append(TraceEntry(ctype.code, kind, record.id, "lost", "draft", key))
                    continue
                if not record.valid_on(request.on):
                    trace.append(TraceEntry(ctype.code, kind, record.id, "lost", "not_valid",
                                            key, (request.on.isoformat(),
                                                  record.valid_from.isoformat(),
                                                  record.valid_to.isoformat()
                                                  if record.valid_to else "…")))
                    continue
                if record.currency and record.currency != request.currency and \
                        ctype.in_money:
                    trace.append(TraceEntry(ctype.code, kind, record.id, "lost", "currency",
                                            key, (record.currency, request.currency)))
                    continue
                reached = (basis if ctype.scale_basis is not ScaleBasis.TURNOVER
                           else request.turnover_for(record.period))
                value = record.value_for(reached)
                if value is None:
                    trace.append(TraceEntry(ctype.code, kind, record.id, "lost", "scale", key,
                                            (reached,)))
                    continue
                trace.append(TraceEntry(ctype.code, kind, record.id, "won", "won", key))
                return record, kind, value
    trace.append(TraceEntry(ctype.code, None, "", "none", "none"))
    return None


def _scale_basis(ctype: ConditionType, request: PriceRequest, line_value: Decimal) -> Decimal:
    if ctype.scale_basis is ScaleBasis.QUANTITY:
        return request.quantity
    if ctype.scale_basis is ScaleBasis.TURNOVER:
        return ZERO  # per record: the turnover of the record's period (_find)
    return line_value


_PLANS: dict[int, tuple] = {}  # id(types) → (types, plan): hashing 7 types costs per line


def _plan(types: tuple[ConditionType, ...]
          ) -> tuple[tuple[Step, tuple[ConditionType, ...]], ...]:
    """The types of each step (base, line, bonus, document) in the order they apply."""
    known = _PLANS.get(id(types))
    if known is not None and known[0] is types:
        return known[1]
    ordered = sorted(types, key=lambda t: (t.step, t.sequence, t.code))
    plan = tuple((step, tuple(t for t in ordered if t.step is step))
                 for step in (Step.BASE, Step.LINE, Step.BONUS, Step.DOCUMENT))
    if len(_PLANS) > 16:
        _PLANS.clear()
    _PLANS[id(types)] = (types, plan)  # holds the tuple: its id stays its own
    return plan


def _rounded(ctype: ConditionType, line_value: Decimal, quantity: Decimal,
             currency: str) -> Decimal:
    """A condition's value for the line, rounded by the type's rule."""
    if ctype.rounding is Rounding.UNIT:
        return round_money(line_value / quantity, currency) * quantity
    return round_money(line_value, currency)


def price(request: PriceRequest, types: Sequence[ConditionType], lookup: Lookup) -> PriceResult:
    """The net price of a line, every applied condition and the trace of the decisions."""
    if request.quantity <= 0:
        raise PricingError([FieldError(_("Price"), _("Quantity"), _("must be more than 0"),
                                       key="quantity")])
    result = PriceResult(request)
    currency = request.currency
    plan = _plan(tuple(types))
    value = ZERO
    for step, step_types in plan[:3]:
        step_start = value
        for ctype in step_types:
            found = _find(ctype, request, lookup, _scale_basis(ctype, request, value),
                          result.trace)
            if found is None:
                continue
            record, kind, rate = found
            if step is Step.BASE:
                if result.base_value:  # one base price: the first base type that has one
                    result.trace[-1] = TraceEntry(ctype.code, kind, record.id, "lost",
                                                  "base_found")
                    continue
                change = _rounded(ctype, rate * request.quantity, request.quantity, currency)
                result.base_value = change
            elif ctype.calculation is Calculation.PERCENT:
                on = step_start if ctype.stacking is Stacking.ADDITIVE else value
                change = _rounded(ctype, on * rate / HUNDRED, request.quantity, currency)
            elif ctype.calculation is Calculation.PER_UNIT:
                change = _rounded(ctype, rate * request.quantity, request.quantity, currency)
            else:  # per document: outside the unit price
                result.document.append(Applied(ctype.code, record.id, kind, rate,
                                               round_money(rate, currency)))
                continue
            if value + change < 0:
                result.trace.append(TraceEntry(ctype.code, kind, record.id, "won", "capped"))
                change = -value
            value += change
            result.applied.append(Applied(ctype.code, record.id, kind, rate, change))
        if step is Step.BASE and not result.base_value:
            result.trace.append(TraceEntry("", None, "", "none", "no_base"))
    result.net_value = value
    for ctype in plan[3][1]:
        found = _find(ctype, request, lookup, value, result.trace)
        if found is not None:
            record, kind, rate = found
            result.document.append(Applied(ctype.code, record.id, kind, rate,
                                           round_money(rate, currency)))
    terms = request.payment_terms
    if terms is not None and terms.cash_discounts:
        percent, days = terms.cash_discounts[0]
        result.cash_discount = (percent, days,
                                round_money(value * percent / HUNDRED, currency))
    return result


# -- checks made when records are saved -------------------------------------------------

def check_scales(record: str, scales: Sequence[Scale], calculation: Calculation) -> None:
    """Thresholds strictly ascending, from 0 or more; prices never negative; percentages
    within ±100."""
    errors = []
    thresholds = [s.threshold for s in scales]
    if not scales:
        errors.append(FieldError(record, _("Value"), _("is required"), key="scales"))
    if any(t < 0 for t in thresholds):
        errors.append(FieldError(record, _("Scale"), _("thresholds cannot be negative"),
                                 key="scales"))
    if any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False)):
        errors.append(FieldError(record, _("Scale"), _(
            "thresholds must rise from row to row ({values})").format(
                values=", ".join(str(t) for t in thresholds)), key="scales"))
    for scale in scales:
        if calculation is Calculation.PERCENT and not -HUNDRED <= scale.value <= HUNDRED:
            errors.append(FieldError(record, _("Value"), _(
                "{value} % is not between -100 % and 100 %").format(value=scale.value),
                key="scales"))
    if errors:
        raise ValidationFailed(errors)


def check_base_price(record: str, scales: Sequence[Scale]) -> None:
    if any(s.value < 0 for s in scales):
        raise ValidationFailed([FieldError(record, _("Price"), _("cannot be negative"),
                                           key="scales")])


def check_no_overlap(record: str, new: ConditionRecord,
                     existing: Iterable[ConditionRecord]) -> None:
    """Two records of one type and key must not be valid on the same day."""
    for other in existing:
        if other.id == new.id or other.type_code != new.type_code or \
                other.key_kind != new.key_kind or other.key != new.key:
            continue
        starts_before_other_ends = other.valid_to is None or new.valid_from <= other.valid_to
        ends_after_other_starts = new.valid_to is None or other.valid_from <= new.valid_to
        if starts_before_other_ends and ends_after_other_starts:
            raise ValidationFailed([FieldError(record, _("Valid from"), _(
                "overlaps the record valid {start} to {end}; end that one first").format(
                    start=other.valid_from.isoformat(),
                    end=other.valid_to.isoformat() if other.valid_to else "…"),
                key="valid_from")])


# -- the condition types SalesDesk ships ------------------------------------------------

def standard_types() -> tuple[ConditionType, ...]:
    """The issue's condition types in their documented order. The customer price is the
    most specific access of the base price (customer + article), so a customer price
    replaces the price list, which replaces the list price."""
    from salesdesk.i18n import current_language

    return _standard_types(current_language())  # made once per language: names translated


@cache
def _standard_types(language: str) -> tuple[ConditionType, ...]:
    return (
        ConditionType("PRICE", Step.BASE, Calculation.PER_UNIT,
                      (KeyKind.CUSTOMER_ARTICLE, KeyKind.PRICE_GROUP_ARTICLE, KeyKind.ARTICLE),
                      name=_("Base price")),
        ConditionType("GROUP_DISCOUNT", Step.LINE, Calculation.PERCENT,
                      (KeyKind.CUSTOMER_PRODUCT_GROUP, KeyKind.PRODUCT_GROUP), sequence=10,
                      name=_("Product-group discount")),
        ConditionType("CUSTOMER_GROUP_DISCOUNT", Step.LINE, Calculation.PERCENT,
                      (KeyKind.CUSTOMER_GROUP_PRODUCT_GROUP,), sequence=20,
                      name=_("Customer-group discount")),
        ConditionType("PROMOTION", Step.LINE, Calculation.PERCENT,
                      (KeyKind.CUSTOMER_ARTICLE, KeyKind.ARTICLE), sequence=30,
                      name=_("Promotion")),
        ConditionType("SURCHARGE", Step.LINE, Calculation.PER_UNIT,
                      (KeyKind.CUSTOMER_ARTICLE, KeyKind.ARTICLE), sequence=40,
                      name=_("Surcharge")),
        ConditionType("TURNOVER_BONUS", Step.BONUS, Calculation.PERCENT, (KeyKind.CUSTOMER,),
                      scale_basis=ScaleBasis.TURNOVER, name=_("Turnover bonus")),
        ConditionType("FREIGHT", Step.DOCUMENT, Calculation.PER_DOCUMENT, (KeyKind.CUSTOMER,),
                      name=_("Freight")),
    )


def payment_terms_text(terms: PaymentTerms) -> str:
    """"30 days net; 2 % within 14 days, 1 % within 21 days" (for sheets and pickers)."""
    parts = [_("{days} days net").format(days=terms.net_days) if terms.net_days
             else _("due at once, net")]
    parts += [_("{percent} % within {days} days").format(percent=f"{percent.normalize():f}",
                                                         days=days)
              for percent, days in terms.cash_discounts]
    return "; ".join(parts)


def check_payment_terms(record: str, terms: PaymentTerms) -> PaymentTerms:
    """Stages ordered by days, discounts falling, all within the net days."""
    errors = []
    if terms.net_days < 0:
        errors.append(FieldError(record, _("Net days"), _("cannot be negative"), key="net_days"))
    previous_days, previous_percent = -1, HUNDRED
    for percent, days in terms.cash_discounts:
        if not ZERO < percent < HUNDRED:
            errors.append(FieldError(record, _("Cash discount"), _(
                "{percent} % is not between 0 % and 100 %").format(percent=percent),
                key="cash_discounts"))
        if days <= previous_days or percent >= previous_percent:
            errors.append(FieldError(record, _("Cash discount"), _(
                "stages must run from the shortest period with the highest discount to "
                "longer ones with less"), key="cash_discounts"))
        if days > terms.net_days:
            errors.append(FieldError(record, _("Cash discount"), _(
                "{days} days are longer than the {net} days net").format(
                    days=days, net=terms.net_days), key="cash_discounts"))
        previous_days, previous_percent = days, percent
    if errors:
        raise ValidationFailed(errors)
    return terms


INCOTERMS_2020 = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF")
