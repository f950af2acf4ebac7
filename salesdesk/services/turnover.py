"""Customer turnover per period: the last complete period, its sum, and the import.

Turnover is imported from xlsx or csv until sales documents exist. One row per customer
and period; headers in English or German, in any order and case:

    Customer number | Period   | Amount   | Currency
    Kundennummer    | Zeitraum | Betrag   | Währung
    K-000001        | 2026-03  | 12500,00 | EUR

- Period: a month (2026-03), a quarter (2026-Q1), a half-year (2026-H1) or a year
  (2026); a date cell means its month (Excel turns 2026-03 into 1 March 2026). Instead
  of Period, From and To (Von, Bis) give any period, both days inclusive.
- Amount: the net turnover in the customer's currency, with no more decimal places than
  that currency has. Currency is optional; when given it must be the customer's, so a
  sum never mixes currencies.
- A customer's period imported again replaces its amount (the row is updated, not
  duplicated). A period that overlaps another one of the same customer with other bounds
  (stored, or in the file) is refused: the sums would count it twice.
- Every row is checked first; any error imports nothing and writes an error report
  next to the file (``NAME.errors.xlsx`` or ``.csv``) naming the row, the customer, the
  column and the problem. Otherwise all rows are written in one transaction.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.domain.money import STORAGE_PLACES, parse_amount, round_money
from salesdesk.i18n import _
from salesdesk.reports import customer_table as table
from salesdesk.services.customer_import import sentence
from salesdesk.store.engine import Store, dbapi
from salesdesk.store.models import CustomerTurnover

PERIODS = ("month", "quarter", "half_year", "year")
_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}
_ONE_DAY = timedelta(days=1)


# ---- periods ---------------------------------------------------------------------------

def _check_period(period: str) -> int:
    if period not in _MONTHS:
        raise ValidationFailed([FieldError(_("Turnover"), _("Period"), _(
            "{period} is not a period (month, quarter, half_year or year)").format(
                period=period), key="period")])
    return _MONTHS[period]


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """First and last day of the month, quarter, half-year or year that holds ``day``."""
    months = _check_period(period)
    first = (day.month - 1) // months * months + 1
    start = date(day.year, first, 1)
    after = first + months  # the month after the period, 13 for the next January
    end = date(day.year + (after - 1) // 12, (after - 1) % 12 + 1, 1) - _ONE_DAY
    return start, end


def last_complete_period(period: str, on: date) -> tuple[date, date]:
    """The last period of this kind that ended before the day ``on`` (on 2026-11-23: the
    month 2026-10, the quarter 2026-07-01..09-30, the half-year 2026-01-01..06-30, the
    year 2025)."""
    start, _end = period_bounds(period, on)
    return period_bounds(period, start - _ONE_DAY)


def _hex(customer_id: str | uuid.UUID) -> str:
    if isinstance(customer_id, uuid.UUID):
        return customer_id.hex
    return customer_id.replace("-", "").lower()


def turnover_in_period(source, customer_id_hex: str, period: str, on: date) -> Decimal:
    """The customer's turnover in the last complete period before ``on``: the sum of the
    stored periods that lie within it (months add up to quarters, and so on)."""
    start, end = last_complete_period(period, on)
    total = dbapi(source).execute(
        "SELECT coalesce(sum(amount), 0) FROM customer_turnover WHERE customer_id = ? "
        "AND deleted_at IS NULL AND period_start >= ? AND period_end <= ?",
        (_hex(customer_id_hex), start.isoformat(), end.isoformat())).fetchone()[0]
    return Decimal(total).scaleb(-STORAGE_PLACES)  # money is kept in ten-thousandths


_YEAR = re.compile(r"(\d{4})")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})|(\d{1,2})[./](\d{4})")
_PART = re.compile(r"(\d{4})\s*[-/ ]?\s*([QH])([1-4])|([QH])([1-4])\s*[-/ ]\s*(\d{4})")


def parse_period(value: object) -> tuple[date, date]:
    """A period cell as (first day, last day); ValueError when it is none of the forms."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return period_bounds("month", value)
    text = (table.cell_text(value) or "").upper()
    if match := _YEAR.fullmatch(text):
        return period_bounds("year", date(int(text), 1, 1))
    if match := _MONTH.fullmatch(text):
        year, month = (match[1], match[2]) if match[1] else (match[4], match[3])
        if 1 <= int(month) <= 12:
            return period_bounds("month", date(int(year), int(month), 1))
    elif match := _PART.fullmatch(text):
        year, kind, number = match[1] or match[6], match[2] or match[4], int(match[3] or match[5])
        if kind == "Q":
            return period_bounds("quarter", date(int(year), number * 3 - 2, 1))
        if number <= 2:
            return period_bounds("half_year", date(int(year), number * 6 - 5, 1))
    raise ValueError(_("not a period (use 2026-03, 2026-Q1, 2026-H1 or 2026)"))


# ---- import ----------------------------------------------------------------------------

# A file format: spelled out here, not in the catalog (see customer_table.COLUMNS).
_COLUMNS = {
    "customer": ("Customer number", "Kundennummer", "Kunden-Nr.", "Kundennr", "Customer no.",
                 "Customer", "Kunde", "Number", "Nummer", "Debitor", "Debitorennummer"),
    "period": ("Period", "Zeitraum", "Periode", "Month", "Monat", "Quarter", "Quartal",
               "Year", "Jahr"),
    "start": ("From", "Von", "Period start", "Periodenbeginn", "Beginn", "Start", "Ab"),
    "end": ("To", "Bis", "Period end", "Periodenende", "Ende", "End"),
    "amount": ("Amount", "Betrag", "Turnover", "Umsatz", "Net turnover", "Nettoumsatz",
               "Revenue", "Sales"),
    "currency": ("Currency", "Währung"),
}
_ALIASES = {table.header_key(name): key for key, names in _COLUMNS.items() for name in names}


@dataclass(frozen=True)
class TurnoverProblem:
    """An error or warning about one cell: row, customer and column as the user sees them."""

    row: int
    customer: str
    column: str
    value: object
    message: str

    def __str__(self) -> str:
        return _("Row {row}, {column}: {message}").format(
            row=self.row, column=self.column, message=self.message)


@dataclass
class TurnoverImportResult:
    """What an import did (or, for a dry run, would do); counts stay 0 when nothing was
    imported because of errors."""

    file: Path
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[TurnoverProblem] = field(default_factory=list)
    warnings: list[TurnoverProblem] = field(default_factory=list)
    report_path: Path | None = None
    dry_run: bool = False
    imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One sentence for the status bar or the command line."""
        values = {"file": self.file.name, "rows": self.rows, "created": self.created,
                  "updated": self.updated, "unchanged": self.unchanged,
                  "report": self.report_path, "invalid": len({p.row for p in self.errors})}
        if self.errors:
            text = _("No turnover was imported: {invalid} of {rows} rows in {file} have "
                     "errors, see {report}")
        elif self.dry_run:
            text = _("Checked {file}, nothing changed: {created} periods would be added, "
                     "{updated} replaced, {unchanged} unchanged")
        else:
            text = _("Imported the turnover of {file}: {created} periods added, {updated} "
                     "replaced, {unchanged} unchanged")
        text = text.format(**values)
        return sentence(text, self.warnings, self.report_path)


@dataclass
class _Line:
    """A valid row: the customer's period and its amount, and the stored row it replaces."""

    row: int
    customer: str  # the number, for the report
    customer_id: str
    start: date
    end: date
    amount: Decimal
    currency: str
    stored: _Stored | None = None


@dataclass(frozen=True)
class _Stored:
    id: str
    start: date
    end: date
    amount: Decimal
    currency: str
    deleted: bool


def import_turnover(store: Store, path: Path, *, dry_run: bool = False,
                    report: Path | None = None) -> TurnoverImportResult:
    """Check every row of ``path``, then add or replace every customer's period in one
    transaction; with any error nothing, and an error report (module doc). A file that
    cannot be read or lacks a needed column raises TableError."""
    path = Path(path)
    report = Path(report) if report else _default_report(path)
    table.file_kind(report)  # an unusable report name fails before any work
    if report.resolve() == path.resolve():
        raise table.TableError(_("The error report must not overwrite {file}.").format(
            file=path.name))
    sheet = table.read_table(path)
    headers = _map_headers(sheet.headers)
    _require_columns(path, headers)
    result = TurnoverImportResult(path, rows=len(sheet.rows), dry_run=dry_run)
    result.warnings += [TurnoverProblem(1, "", h, None, _("unknown column, ignored"))
                        for h in headers.unknown]
    result.warnings += [TurnoverProblem(1, "", h, None, _(
        "a second column with the same meaning, ignored")) for h in headers.repeated]
    with store.session() as session:
        lines = _check_rows(session, sheet.rows, headers, result)
        _check_overlaps(session, lines, result)
        if result.errors or result.warnings:
            result.report_path = _write_report(report, result)
        if result.errors:
            return result
        _count(result, lines)
        if not dry_run:
            _write(session, lines)
            session.commit()
            result.imported = True
    return result


def _default_report(path: Path) -> Path:
    suffix = ".xlsx" if table.file_kind(path) == "xlsx" else ".csv"
    return path.with_name(f"{path.stem}.errors{suffix}")


def _map_headers(headers: list[object]) -> table.HeaderMap:
    found = table.HeaderMap()
    for position, header in enumerate(headers):
        text = "" if header is None else str(header).strip()
        if not text:
            continue
        key = _ALIASES.get(table.header_key(text))
        if key is None:
            found.unknown.append(text)
        elif key in found.index:
            found.repeated.append(text)
        else:
            found.index[key] = position
            found.headers[key] = text
    return found


def _require_columns(path: Path, headers: table.HeaderMap) -> None:
    missing = [name for key, name in (("customer", "Customer number"), ("amount", "Amount"))
               if key not in headers.index]
    if "period" not in headers.index and not {"start", "end"} <= headers.index.keys():
        missing.append("Period")
    if missing:
        raise table.TableError(_("{file} has no column {columns}; nothing was imported.")
                               .format(file=path.name, columns=", ".join(missing)))


class _Row:
    """One row of the file while it is checked: its cells and the problems found."""

    def __init__(self, number: int, cells: list, headers: table.HeaderMap):
        self.number, self.headers, self.customer = number, headers, ""
        self.cells = {key: cells[i] if i < len(cells) else None
                      for key, i in headers.index.items()}
        self.problems: list[TurnoverProblem] = []

    def text(self, key: str) -> str | None:
        return table.cell_text(self.cells.get(key))

    def problem(self, key: str, message: str) -> None:
        column = self.headers.headers.get(key) or _COLUMNS[key][0]
        self.problems.append(TurnoverProblem(self.number, self.customer, column,
                                             self.cells.get(key), message))


def _known_customers(session: Session) -> dict[str, tuple[str, bool, str]]:
    """number → (id hex, deleted, currency)."""
    return {number: (cid, deleted is not None, currency) for number, cid, deleted, currency
            in dbapi(session).execute(
                "SELECT number, id, deleted_at, currency FROM customer")}


def _check_rows(session: Session, rows: list, headers: table.HeaderMap,
                result: TurnoverImportResult) -> list[_Line]:
    known = _known_customers(session)
    lines = []
    for number, cells in rows:
        row = _Row(number, cells, headers)
        customer = _check_customer(row, known)
        bounds = _check_bounds(row)
        amount = _check_amount(row, customer[2] if customer else "EUR")
        result.errors.extend(row.problems)
        if not row.problems:
            lines.append(_Line(number, row.customer, customer[0], *bounds, amount,
                               customer[2]))
    return lines


def _check_customer(row: _Row, known: dict) -> tuple[str, bool, str] | None:
    number = (row.text("customer") or "").upper()
    row.customer = number
    found = known.get(number)
    if not number:
        row.problem("customer", _("is required"))
    elif found is None:
        row.problem("customer", _("there is no customer {number}").format(number=number))
    elif found[1]:
        row.problem("customer", _("customer {number} has been deleted").format(number=number))
    else:
        currency = (row.text("currency") or found[2]).upper()
        if currency != found[2]:
            row.problem("currency", _("must be the customer's currency {currency}").format(
                currency=found[2]))
        return found
    return None


def _check_bounds(row: _Row) -> tuple[date, date] | None:
    period, start, end = row.cells.get("period"), row.text("start"), row.text("end")
    if table.cell_text(period) is not None:
        if start or end:
            row.problem("period", _("fill either Period or From and To, not both"))
            return None
        try:
            return parse_period(period)
        except ValueError as exc:
            row.problem("period", str(exc))
            return None
    days = []
    for key in ("start", "end"):
        try:
            days.append(table.cell_date(row.cells.get(key)))
        except ValueError as exc:
            row.problem(key, str(exc))
            return None
        if days[-1] is None:
            row.problem(key if key in row.cells else "period", _("is required"))
            return None
    if days[1] < days[0]:
        row.problem("end", _("is before the start"))
        return None
    return days[0], days[1]


def _check_amount(row: _Row, currency: str) -> Decimal | None:
    try:
        amount = parse_amount(row.cells.get("amount"))
    except ValueError:
        row.problem("amount", _("is not a number"))
        return None
    if amount is None:
        row.problem("amount", _("is required"))
    elif round_money(amount, currency) != amount:
        row.problem("amount", _("has more decimal places than {currency} allows").format(
            currency=currency))
    return amount


def _stored_periods(session: Session, customer_ids: set[str]) -> dict[str, list[_Stored]]:
    found: dict[str, list[_Stored]] = defaultdict(list)
    rows = dbapi(session).execute(
        "SELECT customer_id, id, period_start, period_end, amount, currency, deleted_at "
        "FROM customer_turnover WHERE customer_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(customer_ids)),))
    for customer_id, rid, start, end, amount, currency, deleted in rows:
        found[customer_id].append(_Stored(rid, date.fromisoformat(start),
                                          date.fromisoformat(end),
                                          Decimal(amount).scaleb(-STORAGE_PLACES), currency,
                                          deleted is not None))
    return found


def _check_overlaps(session: Session, lines: list[_Line], result: TurnoverImportResult
                    ) -> None:
    """The same period twice in the file, or overlapping periods of one customer."""
    stored = _stored_periods(session, {line.customer_id for line in lines})
    seen: dict[str, list[_Line]] = defaultdict(list)
    for line in lines:
        problem = None
        for other in seen[line.customer_id]:
            if (other.start, other.end) == (line.start, line.end):
                problem = _("this period appears twice for the customer (also in row {row})")
            elif other.start <= line.end and line.start <= other.end:
                problem = _("overlaps {start} to {end} in row {row}")
            if problem:
                problem = problem.format(row=other.row, start=other.start.isoformat(),
                                         end=other.end.isoformat())
                break
        for row in stored.get(line.customer_id, []):
            if (row.start, row.end) == (line.start, line.end):
                line.stored = row
            elif not row.deleted and row.start <= line.end and line.start <= row.end:
                problem = problem or _("overlaps the turnover stored for {start} to {end}") \
                    .format(start=row.start.isoformat(), end=row.end.isoformat())
        seen[line.customer_id].append(line)
        if problem:
            result.errors.append(TurnoverProblem(line.row, line.customer, _("Period"),
                                                 f"{line.start} – {line.end}", problem))


def _state(line: _Line) -> str:
    if line.stored is None:
        return "created"
    if line.stored.deleted or (line.stored.amount, line.stored.currency) != (
            line.amount, line.currency):
        return "updated"
    return "unchanged"


def _count(result: TurnoverImportResult, lines: list[_Line]) -> None:
    states = [_state(line) for line in lines]
    result.created, result.updated = states.count("created"), states.count("updated")
    result.unchanged = states.count("unchanged")


def _write(session: Session, lines: list[_Line]) -> None:
    changed = {uuid.UUID(line.stored.id): line for line in lines
               if line.stored is not None and _state(line) == "updated"}
    for record in session.scalars(select(CustomerTurnover).where(
            CustomerTurnover.id.in_(list(changed)))):
        line = changed[record.id]
        record.amount, record.currency, record.deleted_at = line.amount, line.currency, None
        record.source = "import"
    session.add_all(CustomerTurnover(customer_id=uuid.UUID(line.customer_id),
                                     period_start=line.start, period_end=line.end,
                                     amount=line.amount, currency=line.currency)
                    for line in lines if line.stored is None)
    session.flush()


def _write_report(path: Path, result: TurnoverImportResult) -> Path:
    headers = [_("Row"), _("Customer"), _("Column"), _("Value"), _("Problem"), _("Severity")]
    problems = [(p, _("error")) for p in result.errors] + \
        [(p, _("warning")) for p in result.warnings]
    problems.sort(key=lambda item: item[0].row)
    rows = [(p.row, p.customer, p.column, table.cell_text(p.value), p.message, kind)
            for p, kind in problems]
    table.write_table(path, headers, rows, title=_("Import problems"))
    return path
