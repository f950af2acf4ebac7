"""Price list import from xlsx or csv (the format is in services/price_lists.py): every
row is checked first, then every new or changed price is written in one transaction.

Any error imports nothing and writes an error report next to the file naming row,
article, column and problem. A changed price becomes a new record from the import's
first day and the record in force then ends the day before; an unchanged price writes
nothing. A kill or a cancel leaves the store as it was (one transaction, committed last).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.domain.money import STORAGE_PLACES, parse_amount
from salesdesk.domain.pricing import Scale
from salesdesk.i18n import _
from salesdesk.reports import customer_table as table
from salesdesk.services.customer_import import ImportCancelled, sentence
from salesdesk.services.price_lists import (
    StoredList,
    find_price_list,
    map_price_headers,
    price_values,
    scale_header,
    stored_prices,
    why_blocked,
)
from salesdesk.services.pricing import save_condition
from salesdesk.store.engine import Store, dbapi

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]

BATCH = 500  # rows between progress reports and cancel checks
_PLACES = Decimal(1).scaleb(-STORAGE_PLACES)


@dataclass(frozen=True)
class PriceListProblem:
    """An error or warning about one cell: row, article and column as the user sees them."""

    row: int
    article: str
    column: str
    value: object
    message: str

    def __str__(self) -> str:
        return _("Row {row}, {column}: {message}").format(
            row=self.row, column=self.column, message=self.message)


@dataclass
class PriceListImportResult:
    """What an import did (or, for a dry run, would do); counts stay 0 when nothing was
    imported because of errors."""

    file: Path
    list_code: str
    valid_from: date
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[PriceListProblem] = field(default_factory=list)
    warnings: list[PriceListProblem] = field(default_factory=list)
    report_path: Path | None = None
    dry_run: bool = False
    imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One sentence for the status bar or the command line."""
        values = {"file": self.file.name, "rows": self.rows, "list": self.list_code,
                  "new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                  "day": self.valid_from.isoformat(), "report": self.report_path,
                  "invalid": len({p.row for p in self.errors})}
        if self.errors:
            text = _("Nothing was imported into price list {list}: {invalid} of {rows} rows "
                     "in {file} have errors, see {report}")
        elif self.dry_run:
            text = _("Checked {file}, nothing changed: from {day} price list {list} would get "
                     "{new} new and {changed} changed prices, {unchanged} unchanged")
        else:
            text = _("Imported {file} into price list {list} from {day}: {new} new, "
                     "{changed} changed, {unchanged} unchanged prices")
        text = text.format(**values)
        return sentence(text, self.warnings, self.report_path)


@dataclass
class _Item:
    row: int
    article: str
    article_id: str
    scales: tuple[Scale, ...]
    state: str = ""  # new, changed, unchanged


def run_import(
    store: Store,
    path: Path,
    *,
    list_code: str,
    valid_from: date,
    dry_run: bool = False,
    report: Path | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> PriceListImportResult:
    """price_lists.import_price_list: check every row of ``path``, then write its new and
    changed prices into the list from ``valid_from`` in one transaction; with any error
    nothing.

    ``progress(done, total)`` counts each row when checked and each price when written;
    ``cancel()`` True rolls back and raises ImportCancelled. A file that cannot be read or
    lacks a required column raises TableError; an unknown list NotFound.
    """
    path = Path(path)
    report = Path(report) if report else _default_report(path)
    table.file_kind(report)  # an unusable report name fails before any work
    if report.resolve() == path.resolve():
        raise table.TableError(_("The error report must not overwrite {file}.").format(
            file=path.name))
    sheet = table.read_table(path)
    headers = map_price_headers(sheet.headers)
    _require_columns(path, headers)
    result = PriceListImportResult(path, list_code, valid_from, rows=len(sheet.rows),
                                   dry_run=dry_run)
    result.warnings.extend(_header_warnings(headers))
    steps = _Steps(len(sheet.rows) * (1 if dry_run else 2), progress, cancel)
    with store.session() as session:
        plist = find_price_list(session, list_code)
        result.list_code = plist.code
        _check_list_validity(plist, valid_from)
        items = _check_rows(session, sheet.rows, headers, result, steps)
        _plan(session, plist, items, valid_from, result)
        if not result.errors:
            _count(result, items)
            if not dry_run:
                _write(session, plist, items, valid_from, path, result, steps)
        if result.errors or result.warnings:
            result.report_path = _write_report(report, result)
        if result.errors:
            _count(result, [])
            return result
        if not dry_run:
            steps.check()
            session.commit()
            result.imported = True
    steps.finish()
    return result


def _default_report(path: Path) -> Path:
    suffix = ".xlsx" if table.file_kind(path) == "xlsx" else ".csv"
    return path.with_name(f"{path.stem}.errors{suffix}")


def _require_columns(path: Path, headers: table.HeaderMap) -> None:
    if "article" not in headers.index:
        raise table.TableError(_("{file} has no column for the article number (Article "
                                 "number or Artikelnummer); nothing was imported.").format(
            file=path.name))
    if "price:1" not in headers.index:
        raise table.TableError(_("{file} has no column for the price (Price or Preis); "
                                 "nothing was imported.").format(file=path.name))


def _header_warnings(headers: table.HeaderMap) -> list[PriceListProblem]:
    found = [PriceListProblem(1, "", h, None, _("unknown column, ignored"))
             for h in headers.unknown]
    found += [PriceListProblem(1, "", h, None, _("a second column with the same meaning, "
                                                 "ignored")) for h in headers.repeated]
    return found


def _check_list_validity(plist: StoredList, valid_from: date) -> None:
    if valid_from < plist.valid_from or (plist.valid_to and valid_from > plist.valid_to):
        raise ValidationFailed([FieldError(
            _("Price list {code}").format(code=plist.code), _("Valid from"),
            _("{day} is outside the list's validity ({start} to {end})").format(
                day=valid_from.isoformat(), start=plist.valid_from.isoformat(),
                end=plist.valid_to.isoformat() if plist.valid_to else "…"),
            key="valid_from")])


def _count(result: PriceListImportResult, items: list[_Item]) -> None:
    states = [item.state for item in items]
    result.new, result.changed = states.count("new"), states.count("changed")
    result.unchanged = states.count("unchanged")


class _Steps:
    """Progress reports and cancel checks, once per batch."""

    def __init__(self, total: int, progress: Progress | None, cancel: Cancel | None):
        self.total, self.progress, self.cancel, self.done = total, progress, cancel, 0

    def check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ImportCancelled(_("The import was cancelled; nothing was changed."))

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.done % BATCH == 0:
            self.check()
            if self.progress is not None:
                self.progress(min(self.done, self.total), self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total)


class _Row:
    """One row of the file while it is checked: its cells and the problems found."""

    def __init__(self, number: int, cells: list, headers: table.HeaderMap):
        self.number, self.headers, self.article = number, headers, ""
        self.cells = {key: cells[i] if i < len(cells) else None
                      for key, i in headers.index.items()}
        self.problems: list[PriceListProblem] = []

    def column(self, key: str) -> str:
        if key in self.headers.headers:
            return self.headers.headers[key]
        kind, n = key.split(":")
        return scale_header(kind, int(n), "en")

    def problem(self, key: str, message: str) -> None:
        self.problems.append(PriceListProblem(self.number, self.article, self.column(key),
                                              self.cells.get(key), message))

    def amount(self, key: str) -> Decimal | None:
        """The cell as a number: None when empty or bad (a bad one becomes a problem)."""
        raw = self.cells.get(key)
        try:
            value = parse_amount(raw)
        except ValueError:
            self.problem(key, _("is not a number"))
            return None
        if value is not None and value < 0:
            self.problem(key, _("cannot be negative"))
        elif value is not None and value != value.quantize(_PLACES):
            self.problem(key, _("has more than {places} decimal places").format(
                places=STORAGE_PLACES))
        return value


def _check_rows(session: Session, rows: list, headers: table.HeaderMap,
                result: PriceListImportResult, steps: _Steps) -> list[_Item]:
    known = {number: (rid, deleted is not None) for number, rid, deleted in dbapi(
        session).execute("SELECT number, id, deleted_at FROM article")}
    numbers = sorted({int(key.split(":")[1]) for key in headers.index if ":" in key})
    seen: dict[str, int] = {}
    items = []
    for number, cells in rows:
        row = _Row(number, cells, headers)
        article_id = _check_article(row, known, seen)
        scales = _read_scales(row, numbers)
        result.errors.extend(row.problems)
        if not row.problems:
            items.append(_Item(number, row.article, article_id, scales))
        steps.advance()
    return items


def _check_article(row: _Row, known: dict, seen: dict[str, int]) -> str:
    number = table.cell_text(row.cells.get("article"))
    row.article = number or ""
    if number is None:
        row.problem("article", _("is required"))
        return ""
    article_id, deleted = known.get(number, (None, False))
    if article_id is None:
        row.problem("article", _("there is no article {number}").format(number=number))
    elif deleted:
        row.problem("article", _("article {number} has been deleted").format(number=number))
    elif number in seen:
        row.problem("article", _("article {number} appears twice (also in row {row})").format(
            number=number, row=seen[number]))
    else:
        seen[number] = row.number
    return article_id or ""


def _read_scales(row: _Row, numbers: list[int]) -> tuple[Scale, ...]:
    """The row's (from quantity, price) pairs; problems for bad, missing or unordered ones."""
    scales: list[tuple[int, Scale]] = []
    for n in numbers:
        start, price = f"from:{n}", f"price:{n}"
        given = [table.cell_text(row.cells.get(key)) is not None for key in (start, price)]
        if n == 1 and not given[1]:
            row.problem(price, _("is required"))
            continue
        if n > 1 and given == [False, False]:
            continue
        if n > 1 and not all(given):
            missing, other = (start, price) if not given[0] else (price, start)
            row.problem(missing, _("is required when {column} is filled").format(
                column=row.column(other)))
            continue
        threshold = row.amount(start) if given[0] else Decimal(0)
        value = row.amount(price)
        if threshold is not None and value is not None:
            scales.append((n, Scale(threshold, value)))
    for (_n, before), (n, after) in zip(scales, scales[1:], strict=False):
        if after.threshold <= before.threshold:
            row.problem(f"from:{n}", _("must be more than the quantity before it ({before})")
                        .format(before=before.threshold))
    return tuple(scale for _n, scale in scales)


def _plan(session: Session, plist: StoredList, items: list[_Item], valid_from: date,
          result: PriceListImportResult) -> None:
    stored = stored_prices(session, plist)
    for item in items:
        records = stored.get(item.article_id, [])
        current = next((r for r in records if r.valid_on(valid_from)), None)
        if current is not None and current.scales == item.scales and \
                current.price_list_id == plist.id and current.currency == plist.currency:
            item.state = "unchanged"
            continue
        reason = why_blocked(records, valid_from)
        if reason is not None:
            result.errors.append(PriceListProblem(item.row, item.article, _("Valid from"),
                                                  valid_from, reason))
        item.state = "changed" if current is not None else "new"


def _write(session: Session, plist: StoredList, items: list[_Item], valid_from: date,
           path: Path, result: PriceListImportResult, steps: _Steps) -> None:
    """Every new and changed price; a record refused here rolls all back into errors."""
    note = _("Imported from {file}").format(file=path.name)[:200]
    for item in items:
        if item.state == "unchanged":
            continue
        try:
            values = price_values(plist, item.article_id, item.scales, valid_from, note)
            save_condition(session, values, succeed=True)
        except ValidationFailed as error:
            result.errors.extend(PriceListProblem(item.row, item.article, e.field, None,
                                                  e.message) for e in error.errors)
        steps.advance()
    if result.errors:
        session.rollback()


def _write_report(path: Path, result: PriceListImportResult) -> Path:
    headers = [_("Row"), _("Article"), _("Column"), _("Value"), _("Problem"), _("Severity")]
    problems = [(p, _("error")) for p in result.errors] + \
        [(p, _("warning")) for p in result.warnings]
    problems.sort(key=lambda item: item[0].row)
    rows = [(p.row, p.article, p.column, table.cell_text(p.value), p.message, kind)
            for p, kind in problems]
    table.write_table(path, headers, rows, title=_("Import problems"))
    return path

