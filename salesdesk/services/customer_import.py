"""Customer import from xlsx or csv: every row is checked first, then one transaction.

Rules (DESIGN.md "Bad input"):
- Every row is checked (domain checks, lookup codes) before anything is written. With
  any error nothing is imported, unless ``only_valid``; either way an error report lists
  row, column, value and problem (written before the import, next to the file).
- A row with a known customer number updates that customer: only fields that differ
  are set, so the audit trail records real changes only; its main address, first
  contact and default bank account are updated, not duplicated. A row with a new
  number creates that customer; a row without one gets the next number and a warning
  when it looks like an existing customer (same VAT id, or similar name + postal code).
- A column in the file sets its field and an empty cell clears it (status, language and
  currency keep their value); fields without a column are left alone, and so is an
  address, contact or bank account whose cells are all empty. No country means the
  stored one, else DE. Values equal to the stored ones are neither checked nor written.
- All rows go in through one transaction committed once at the end, so an error, a
  kill or a cancel leaves the store as it was. Cancelling raises ImportCancelled.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from salesdesk.domain.customer import (
    CUSTOMER_PREFIX,
    check_address,
    check_bank_account,
    check_contact,
    check_customer,
)
from salesdesk.domain.duplicates import is_similar_name
from salesdesk.domain.errors import DomainError, ValidationFailed
from salesdesk.domain.ids import new_id
from salesdesk.domain.money import round_money
from salesdesk.i18n import _
from salesdesk.reports import customer_table as table
from salesdesk.services.customers import invoice_recipient_problem
from salesdesk.store.engine import Store
from salesdesk.store.models import (
    Address,
    BankAccount,
    ContactPerson,
    Customer,
    CustomerGroup,
    DeliveryTerm,
    PaymentTerm,
    PriceGroup,
    Territory,
    UserAccount,
)
from salesdesk.store.numbering import bump_past, take_numbers

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]

BATCH = 500  # rows per flush, per progress report and per cancel check
NUMBER_LENGTH = Customer.__table__.c.number.type.length
PARTS = ("address", "contact", "bank")
_MODELS = {"address": Address, "contact": ContactPerson, "bank": BankAccount}
_COLLECTIONS = {"address": "addresses", "contact": "contacts", "bank": "bank_accounts"}
_LOOKUPS = {"customer_group_id": CustomerGroup, "price_group_id": PriceGroup,
            "territory_id": Territory, "payment_term_id": PaymentTerm,
            "delivery_term_id": DeliveryTerm}
_KEY_OF = {(c.part, c.field): c.key for c in table.COLUMNS}
# German and English words people type for a status, besides the stored values
_STATUS_WORDS = {"interessent": "prospect", "aktiv": "active", "passiv": "passive",
                 "gesperrt": "blocked", "inaktiv": "passive", "inactive": "passive"}


class ImportCancelled(DomainError):
    """The user cancelled the import; nothing was changed."""


@dataclass(frozen=True)
class ImportProblem:
    """An error or warning about one cell: the row and column as the user sees them."""

    row: int
    column: str
    value: object
    message: str

    def __str__(self) -> str:
        return _("Row {row}, {column}: {message}").format(
            row=self.row, column=self.column, message=self.message)


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do).

    ``ok``: the file was acceptable as asked (without errors, or ``only_valid``);
    ``imported``: rows were written. Counts stay 0 when nothing was imported.
    """

    file: Path
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    report_path: Path | None = None
    ok: bool = True
    dry_run: bool = False
    imported: bool = False

    def summary(self) -> str:
        """One sentence for the status bar or the command line."""
        values = {"file": self.file.name, "rows": self.rows, "created": self.created,
                  "updated": self.updated, "unchanged": self.unchanged,
                  "invalid": self.invalid, "valid": self.rows - self.invalid,
                  "report": self.report_path}
        if self.dry_run and self.invalid:
            text = _("Checked {file}, nothing changed: {invalid} of {rows} rows have errors, "
                     "see {report}")
        elif self.dry_run:
            text = _("Checked {file}, nothing changed: all {rows} rows are valid ({created} "
                     "would be created, {updated} updated, {unchanged} unchanged)")
        elif not self.imported:
            text = _("Nothing was imported: {invalid} of {rows} rows in {file} have errors, "
                     "see {report}")
        elif self.invalid:
            text = _("Imported the {valid} valid rows of {file} ({created} created, {updated} "
                     "updated, {unchanged} unchanged); {invalid} rows with errors were "
                     "skipped, see {report}")
        else:
            text = _("Imported {rows} rows of {file}: {created} created, {updated} updated, "
                     "{unchanged} unchanged")
        text = text.format(**values)
        return sentence(text, self.warnings, self.report_path)


def sentence(text: str, warnings: list, report_path) -> str:
    """An import's summary: the sentence, and the warnings' count if there are any."""
    if warnings:
        text += "; " + _("{count} warnings, see {report}").format(count=len(warnings),
                                                                  report=report_path)
    return text + "."


@dataclass
class _Plan:
    """One valid row: the customer to create or change and what to set."""

    row: int
    number: str | None
    customer_id: uuid.UUID | None
    customer: dict
    parts: dict[str, tuple[uuid.UUID | None, dict]] = field(default_factory=dict)
    new_id: uuid.UUID | None = None  # of a new customer whose number the file gives
    # a new customer of the file this row's invoice recipient is: (number, column, value)
    recipient: tuple[str, str, object] | None = None

    @property
    def changed(self) -> bool:
        return self.customer_id is None or bool(self.customer) or any(
            values for _id, values in self.parts.values())


def import_customers(
    store: Store,
    path: Path,
    *,
    dry_run: bool = False,
    only_valid: bool = False,
    report_path: Path | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportResult:
    """Check every row of ``path``, then import all of them (or, with ``only_valid``,
    the valid ones) in one transaction; ``dry_run`` checks and reports only.

    ``progress(done, total)`` counts each row once when checked and once when written
    (total is twice the rows, or the rows for a dry run). ``cancel()`` is asked as often;
    True rolls everything back and raises ImportCancelled. A file that cannot be read
    or has no name column raises TableError.
    """
    path = Path(path)
    report = Path(report_path) if report_path else _default_report(path)
    table.file_kind(report)  # an unusable report name fails before any work
    if report.resolve() == path.resolve():
        raise table.TableError(_("The error report must not overwrite {file}.").format(
            file=path.name))
    sheet = table.read_table(path)
    headers = table.map_headers(sheet.headers)
    if "name" not in headers.index:
        raise table.TableError(_("{file} has no column for the customer name (Name, Firma "
                                 "or Company); nothing was imported.").format(file=path.name))
    result = ImportResult(file=path, rows=len(sheet.rows), dry_run=dry_run)
    steps = _Steps(len(sheet.rows) * (1 if dry_run else 2), progress, cancel)
    result.warnings.extend(_header_warnings(headers))
    with store.session() as session:
        plans = _check_rows(session, sheet.rows, headers, result, steps)
        result.ok = not result.errors or only_valid
        _count(result, plans if result.ok or dry_run else [])  # counts say what was done
        if result.errors or result.warnings:
            result.report_path = _write_report(report, result)
        if dry_run or not result.ok:
            steps.finish()
            return result
        _write(session, plans, steps)
        steps.check()
        session.commit()
    result.imported = True
    steps.finish()
    return result


def _default_report(path: Path) -> Path:
    suffix = ".xlsx" if table.file_kind(path) == "xlsx" else ".csv"
    return path.with_name(f"{path.stem}.errors{suffix}")


def _header_warnings(headers: table.HeaderMap) -> list[ImportProblem]:
    found = [ImportProblem(1, h, None, _("unknown column, ignored")) for h in headers.unknown]
    found += [ImportProblem(1, h, None, _("a second column with the same meaning, ignored"))
              for h in headers.repeated]
    return found


def _count(result: ImportResult, plans: list[_Plan]) -> None:
    result.invalid = len({problem.row for problem in result.errors})
    result.created = sum(1 for p in plans if p.customer_id is None)
    result.updated = sum(1 for p in plans if p.customer_id is not None and p.changed)
    result.unchanged = len(plans) - result.created - result.updated


class _Steps:
    """Progress reports and cancel checks, once per batch."""

    def __init__(self, total: int, progress: Progress | None, cancel: Cancel | None):
        self.total, self.progress, self.cancel, self.done = total, progress, cancel, 0

    def check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ImportCancelled(_("The import was cancelled; nothing was changed."))

    def advance(self, rows: int) -> None:
        self.check()
        self.done += rows
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total)


# ---- checking ---------------------------------------------------------------------------

class _Known:
    """What the store holds, read once: numbers, lookup codes, logins, duplicate keys."""

    def __init__(self, session: Session):
        self.session = session
        self.numbers = {number: (cid, deleted is not None) for number, cid, deleted in
                        session.execute(select(Customer.number, Customer.id,
                                               Customer.deleted_at))}
        self.codes = {name: {code.casefold(): rid for code, rid in
                             session.execute(select(model.code, model.id))}
                      for name, model in _LOOKUPS.items()}
        self.codes["representative_id"] = {login.casefold(): uid for login, uid in
                                           session.execute(select(UserAccount.login,
                                                                  UserAccount.id))}
        self._vat: dict[str, tuple[str, str]] | None = None
        self._postal: dict[str, list[tuple[str, str]]] = defaultdict(list)
        # numbers of customers the file creates, with the ids they will get: a branch's
        # invoice recipient may be a head office further down the file
        self.planned: dict[str, uuid.UUID] = {}

    def plan_numbers(self, rows: list, headers: table.HeaderMap) -> None:
        position = headers.index.get("number")
        if position is None:
            return
        for _row, cells in rows:
            number = table.cell_text(cells[position] if position < len(cells) else None)
            number = (number or "").upper()
            if number and len(number) <= NUMBER_LENGTH and number not in self.numbers:
                self.planned.setdefault(number, new_id())

    def similar(self, name: str, postal_code: str, vat_id: str) -> tuple[str, str, str] | None:
        """(number, name, reason) of a live customer that is probably the same one."""
        if self._vat is None:
            self._load_similar()
        if vat_id and vat_id in self._vat:
            number, other = self._vat[vat_id]
            return number, other, _("same VAT id {vat}").format(vat=vat_id)
        for number, other in self._postal.get(postal_code, []):
            if postal_code and is_similar_name(name, other):
                reason = _("similar name in {postal_code}").format(postal_code=postal_code)
                return number, other, reason
        return None

    def _load_similar(self) -> None:
        self._vat = {}
        query = select(Customer.number, Customer.name, Customer.vat_id,
                       Customer.main_postal_code).where(Customer.deleted_at.is_(None))
        for number, name, vat_id, postal_code in self.session.execute(query):
            if vat_id:
                self._vat.setdefault(vat_id, (number, name))
            if postal_code:
                self._postal[postal_code].append((number, name))


def _check_rows(session: Session, rows: list, headers: table.HeaderMap, result: ImportResult,
                steps: _Steps) -> list[_Plan]:
    known = _Known(session)
    known.plan_numbers(rows, headers)
    seen: dict[str, int] = {}
    plans = []
    for start in range(0, len(rows), BATCH):
        batch = [_Row(number, cells, headers) for number, cells in rows[start:start + BATCH]]
        existing = _load(session, [cid for row in batch
                                   if (cid := _existing_id(row, known, seen)) is not None])
        for row in batch:
            plan = _check_row(row, known, existing)
            result.errors.extend(row.problems)
            result.warnings.extend(row.warnings)
            if plan is not None and not row.problems:
                plans.append(plan)
        steps.advance(len(batch))
    return _without_missing_recipients(plans, result)


def _without_missing_recipients(plans: list[_Plan], result: ImportResult) -> list[_Plan]:
    """Rows whose invoice recipient is a new customer of a row with errors cannot be
    imported either (and so on down a chain of them)."""
    coming = {p.number for p in plans if p.customer_id is None and p.number}
    while broken := [p for p in plans if p.recipient and p.recipient[0] not in coming]:
        for plan in broken:
            number, column, value = plan.recipient
            result.errors.append(ImportProblem(plan.row, column, value, _(
                "customer {number} is not imported: its row has errors").format(number=number)))
            plans.remove(plan)
            coming.discard(plan.number)
    return plans


class _Row:
    """One row of the file while it is checked: its cells and the problems found."""

    def __init__(self, number: int, cells: list, headers: table.HeaderMap):
        self.number, self.headers = number, headers
        self.cells = {key: cells[i] if i < len(cells) else None
                      for key, i in headers.index.items()}
        self.problems: list[ImportProblem] = []
        self.warnings: list[ImportProblem] = []
        self.customer_number: str | None = None
        self.customer_id: uuid.UUID | None = None

    def column(self, key: str | None, label: str = "") -> str:
        """The header as in the file; else the field's label (the column is missing)."""
        if key is None:
            return label
        return self.headers.headers.get(key) or label or table.COLUMN_BY_KEY[key].english

    def problem(self, key: str | None, message: str, label: str = "") -> None:
        self.problems.append(ImportProblem(self.number, self.column(key, label),
                                           self.cells.get(key) if key else None, message))

    def values(self, part: str) -> dict:
        """The cells of one part as typed values, by field name; bad cells become problems."""
        values = {}
        for key, raw in self.cells.items():
            column = table.COLUMN_BY_KEY[key]
            if column.part != part:
                continue
            try:
                values[column.field] = column.read(raw)
            except ValueError as exc:
                self.problem(key, str(exc))
        return values

    def failed(self, part: str, error: ValidationFailed) -> None:
        for problem in error.errors:
            self.problem(_KEY_OF.get((part, problem.key)), problem.message, problem.field)


def _existing_id(row: _Row, known: _Known, seen: dict[str, int]) -> uuid.UUID | None:
    """Note the row's customer number; the id of the customer it updates, if any."""
    number = table.cell_text(row.cells.get("number"))
    if number is None:
        return None
    number = number.upper()
    if len(number) > NUMBER_LENGTH:
        row.problem("number", _("is longer than {length} characters").format(
            length=NUMBER_LENGTH))
    elif number in seen:
        row.problem("number", _("customer number {number} appears twice (also in row "
                                "{row})").format(number=number, row=seen[number]))
    elif known.numbers.get(number, (None, False))[1]:
        row.problem("number", _("customer {number} has been deleted").format(number=number))
    else:
        seen[number] = row.number
        row.customer_number = number
        row.customer_id = known.numbers.get(number, (None, False))[0]
    return row.customer_id


def _load(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Customer]:
    if not ids:
        return {}
    query = select(Customer).where(Customer.id.in_(ids)).options(
        selectinload(Customer.addresses), selectinload(Customer.contacts),
        selectinload(Customer.bank_accounts))
    return {customer.id: customer for customer in session.scalars(query)}




def _check_row(row: _Row, known: _Known, existing: dict[uuid.UUID, Customer]) -> _Plan | None:
    customer = existing.get(row.customer_id) if row.customer_id else None
    records = {part: table.PART_RECORD[part](customer) if customer else None for part in PARTS}
    address = _check_part(row, "address", records["address"], "")
    country = (address or {}).get("country") or (customer.main_country if customer else "")
    values = _check_customer(row, customer, country or "DE") | _check_lookups(row, known)
    recipient = _check_recipient(row, known, values, customer)
    checked = {"address": address, "contact": _check_part(row, "contact", records["contact"],
                                                          country or "DE"),
               "bank": _check_part(row, "bank", records["bank"], "")}
    if row.problems:
        return None
    plan = _Plan(row.number, row.customer_number, row.customer_id,
                 _changes(customer or Customer, values, customer is not None),
                 new_id=known.planned.get(row.customer_number) if customer is None else None,
                 recipient=recipient)
    for part, clean in checked.items():
        if clean is not None:
            record = records[part]
            plan.parts[part] = (record.id if record is not None else None,
                                _changes(record or _MODELS[part], clean, record is not None))
    if customer is None and row.customer_number is None:
        _warn_if_known(row, known, plan)
    return plan


def _news(record, values: dict) -> dict:
    """The values that differ from the record: what the store already holds (even if
    today's checks would refuse it) is not written, so it is not checked either."""
    if record is None:
        return values
    return {k: v for k, v in values.items() if _stored(record, k, v) != getattr(record, k)}


def _check_customer(row: _Row, customer: Customer | None, country: str) -> dict:
    values = row.values("customer")
    if isinstance(values.get("status"), str):
        status = values["status"].casefold()
        values["status"] = _STATUS_WORDS.get(status, status)
    try:
        clean = check_customer(str(row.number), _news(customer, values), country=country,
                               only_given=True)
    except ValidationFailed as error:
        row.failed("customer", error)
        return {}
    _check_credit_limit(row, customer, clean)
    _check_do_not_contact(row, customer, clean)
    return clean


def _check_credit_limit(row: _Row, customer: Customer | None, clean: dict) -> None:
    amount = clean.get("credit_limit")
    currency = clean.get("currency") or (customer.currency if customer else "") or "EUR"
    if amount is not None and round_money(amount, currency) != amount:
        row.problem("credit_limit", _("has more decimal places than {currency} allows").format(
            currency=currency))


def _check_do_not_contact(row: _Row, customer: Customer | None, clean: dict) -> None:
    if "do_not_contact" not in clean and "do_not_contact_reason" not in clean:
        return
    current = {"do_not_contact": customer.do_not_contact if customer else False,
               "do_not_contact_reason": customer.do_not_contact_reason if customer else ""}
    merged = current | clean
    if merged["do_not_contact"] and not str(merged["do_not_contact_reason"] or "").strip():
        key = "do_not_contact_reason" if "do_not_contact_reason" in row.cells else \
            "do_not_contact"
        row.problem(key, _("is required when do not contact is set"))


def _unknown_code(name: str) -> str:
    # spelled out so the extractor finds each text (a loop over a dict would hide them)
    return {
        "customer_group_id": _("there is no customer group {code}"),
        "price_group_id": _("there is no price group {code}"),
        "territory_id": _("there is no territory {code}"),
        "payment_term_id": _("there are no payment terms {code}"),
        "delivery_term_id": _("there are no delivery terms {code}"),
        "representative_id": _("there is no user with the login {code}"),
    }[name]


def _check_lookups(row: _Row, known: _Known) -> dict:
    values = {}
    for name, code in row.values("lookup").items():
        if name == "invoice_recipient_id":
            values[name] = code  # a customer number: _check_recipient
        elif code is None:
            values[name] = None
        elif (found := known.codes[name].get(code.casefold())) is not None:
            values[name] = found
        else:
            row.problem(_KEY_OF[("lookup", name)], _unknown_code(name).format(code=code))
    return values


def _check_recipient(row: _Row, known: _Known, values: dict, customer: Customer | None
                     ) -> tuple[str, str, object] | None:
    """The invoice recipient's number as its id, checked like a form's (a live customer,
    not this one) unless it is the stored one; a new customer of the file is returned as
    (number, column, value): its row must be imported too."""
    if "invoice_recipient_id" not in values:
        return None
    number = (values.pop("invoice_recipient_id") or "").strip().upper()
    if not number:
        values["invoice_recipient_id"] = None
        return None
    key = _KEY_OF[("lookup", "invoice_recipient_id")]
    own = row.customer_id or known.planned.get(row.customer_number or "")
    recipient = known.planned.get(number) or known.numbers.get(number, (None, False))[0]
    if recipient is None:
        row.problem(key, _("there is no customer {code}").format(code=number))
        return None
    values["invoice_recipient_id"] = recipient
    if customer is not None and recipient == customer.invoice_recipient_id:
        return None
    if number in known.planned and recipient != own:
        return number, row.column(key), row.cells.get(key)
    problem = invoice_recipient_problem(known.session, own, recipient)
    if problem:
        row.problem(key, problem)
    return None


# fields a part must keep: taken from the stored part when the file has no value for them
_BASE = {"address": ("city", "country"), "contact": ("last_name",), "bank": ("iban",)}


def _check_part(row: _Row, part: str, record, country: str) -> dict | None:
    """The checked values of the row's address, contact or bank account (None: not given)."""
    values = row.values(part)
    if not any(v is not None and v != "" for v in values.values()):
        return None
    news = _news(record, values)
    if part == "address" and record is not None and "country" in news:
        news.setdefault("postal_code", record.postal_code)  # check it for the new country
    base = {name: getattr(record, name) for name in _BASE[part]} if record else {}
    values = base | news
    try:
        if part == "address":
            values["country"] = values.get("country") or base.get("country") or "DE"
            return check_address(str(row.number), values)
        if part == "contact":
            return check_contact(str(row.number), values, country=country)
        return check_bank_account(str(row.number), values)
    except ValidationFailed as error:
        row.failed(part, error)
        return None


def _stored(model, name: str, value: object) -> object:
    """The value as the column keeps it: blank text is '' in NOT NULL text columns."""
    column = model.__table__.c[name]
    if value is None and not column.nullable and column.type.python_type is str:
        return ""
    return value


def _has_default(model, name: str) -> bool:
    default = model.__table__.c[name].default
    return default is not None and default.is_scalar and default.arg not in ("", None, False)


def _changes(record, values: dict, existing: bool) -> dict:
    """For a new record every given value; for an existing one only those that differ."""
    changes = {}
    for name, value in values.items():
        if name not in record.__table__.c or (value is None and _has_default(record, name)):
            continue  # not a column of this record, or a blank that keeps status, currency…
        value = _stored(record, name, value)
        if not existing or getattr(record, name) != value:
            changes[name] = value
    return changes


def _warn_if_known(row: _Row, known: _Known, plan: _Plan) -> None:
    address = plan.parts.get("address", (None, {}))[1]
    found = known.similar(plan.customer.get("name", ""), address.get("postal_code") or "",
                          plan.customer.get("vat_id") or "")
    if found:
        number, name, reason = found
        row.warnings.append(ImportProblem(
            row.number, row.column("name"), row.cells.get("name"),
            _("probably the same customer as {number} {name} ({reason})").format(
                number=number, name=name, reason=reason)))


# ---- writing ----------------------------------------------------------------------------

def _write(session: Session, plans: list[_Plan], steps: _Steps) -> None:
    if any(plan.recipient for plan in plans):
        # a branch may come before its head office: references are checked at commit
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
    numbers = iter(_new_numbers(session, plans))
    for start in range(0, len(plans), BATCH):
        batch = plans[start:start + BATCH]
        existing = _load(session, [p.customer_id for p in batch
                                   if p.customer_id is not None and p.changed])
        for plan in batch:
            if plan.customer_id is None:
                session.add_all(_new_customer(plan, plan.number or next(numbers)))
            elif plan.changed:
                _update_customer(existing[plan.customer_id], plan)
        session.flush()
        steps.advance(len(batch))


def _new_numbers(session: Session, plans: list[_Plan]) -> list[str]:
    """Numbers for rows without one, after the counter has passed every number given."""
    new = [p for p in plans if p.customer_id is None]
    given = [p.number for p in new if p.number and _sequence_value(p.number) is not None]
    if given:
        bump_past(session, "customer", CUSTOMER_PREFIX, max(given, key=_sequence_value))
    count = sum(1 for p in new if not p.number)
    return take_numbers(session, "customer", CUSTOMER_PREFIX, count) if count else []


def _sequence_value(number: str) -> int | None:
    digits = number.removeprefix(f"{CUSTOMER_PREFIX}-")
    return int(digits) if digits != number and digits.isdigit() else None


def _new_customer(plan: _Plan, number: str) -> list:
    """The new customer and its parts, linked by key: cheaper than collection events."""
    customer = Customer(id=plan.new_id or new_id(), number=number, **plan.customer)
    return [customer] + [_new_part(part, values | {"customer_id": customer.id}, True)
                         for part, (_id, values) in plan.parts.items()]


def _new_part(part: str, values: dict, first: bool):
    if part == "address":
        return Address(kind="main", is_default=first, **values)
    if part == "bank":
        return BankAccount(is_default=first, **values)
    return ContactPerson(**values)


def _update_customer(customer: Customer, plan: _Plan) -> None:
    for name, value in plan.customer.items():
        setattr(customer, name, value)
    for part, (part_id, values) in plan.parts.items():
        records = getattr(customer, _COLLECTIONS[part])
        if part_id is None:
            records.append(_new_part(part, values, table.PART_RECORD[part](customer) is None))
            continue
        record = next(r for r in records if r.id == part_id)
        for name, value in values.items():
            setattr(record, name, value)


# ---- report -----------------------------------------------------------------------------

def _write_report(path: Path, result: ImportResult) -> Path:
    headers = [_("Row"), _("Column"), _("Value"), _("Problem"), _("Severity")]
    problems = [(p, _("error")) for p in result.errors] + \
        [(p, _("warning")) for p in result.warnings]
    problems.sort(key=lambda item: item[0].row)
    rows = [(p.row, p.column, table.cell_text(p.value), p.message, kind) for p, kind in problems]
    table.write_table(path, headers, rows, title=_("Import problems"))
    return path
