"""Price lists: items on a day, all-or-nothing import with an error report, export that
imports back unchanged, and one article's new price in every list."""

import csv
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest
from sqlalchemy import func, select

from salesdesk.domain.errors import NotFound, ValidationFailed
from salesdesk.domain.pricing import KeyKind, Scale
from salesdesk.i18n import set_language
from salesdesk.reports.customer_table import TableError
from salesdesk.services import pricing as ps
from salesdesk.services.customer_import import ImportCancelled
from salesdesk.services.customers import create_customer
from salesdesk.services.price_lists import (
    export_price_list,
    import_price_list,
    list_price_lists,
    price_list_items,
    update_article_in_all_price_lists,
)
from salesdesk.store.models import (
    Article,
    AuditEntry,
    ConditionRecord,
    PriceGroup,
    PriceList,
    ProductGroup,
)

JAN, JUL = date(2026, 1, 1), date(2026, 7, 1)


@pytest.fixture
def shop(store):
    """Three articles, a general list (LIST) and a dealer list (DEALER, price group PG2)."""
    with store.session() as session:
        gloves, dealer = ProductGroup(code="GLOVES", name="Handschuhe"), PriceGroup(
            code="PG2", name="Händler")
        session.add_all([gloves, dealer])
        session.flush()
        articles = {number: Article(number=number, name=name, product_group_id=gloves.id,
                                    unit=unit)
                    for number, name, unit in (("A-100", "Arbeitshandschuhe", "pair"),
                                               ("A-200", "Schutzbrille", "pcs"),
                                               ("A-300", "Helm", "pcs"))}
        general = PriceList(code="LIST", name="Listenpreise", valid_from=JAN)
        dealers = PriceList(code="DEALER", name="Händlerpreise", price_group_id=dealer.id,
                            valid_from=JAN)
        session.add_all([*articles.values(), general, dealers])
        session.flush()
        _price(session, general, articles["A-100"], (0, "12.50"), (100, "11.20"))
        _price(session, general, articles["A-200"], (0, "8.00"))
        _price(session, dealers, articles["A-100"], (0, "11.90"))
        session.commit()
    return store


def _price(session, plist, article, *scales, valid_from=JAN, succeed=False):
    key = [plist.price_group_id.hex, article.id.hex] if plist.price_group_id else \
        [article.id.hex]
    kind = KeyKind.PRICE_GROUP_ARTICLE if plist.price_group_id else KeyKind.ARTICLE
    return ps.save_condition(session, {
        "type_code": "PRICE", "key_kind": kind, "key": key, "valid_from": valid_from,
        "scales": [Scale(D(t), D(v)) for t, v in scales], "price_list_id": plist.id},
        succeed=succeed)


def _records(store):
    """Every condition record as plain values: to see that nothing changed."""
    with store.session() as session:
        return [(r.key1, r.key2, r.valid_from, r.valid_to, r.scales, r.price_list_id)
                for r in session.scalars(select(ConditionRecord).order_by(
                    ConditionRecord.key1, ConditionRecord.key2, ConditionRecord.valid_from))]


def _count(store, model):
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def _csv(path, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    return path


def _xlsx(path, rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _sheet(path):
    if path.suffix == ".xlsx":
        return [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(
            values_only=True)]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def _prices(store, code, on):
    with store.session() as session:
        return {i.article: i.scales for i in price_list_items(session, code, on)}


def test_lists_and_their_items_on_a_day(shop):
    with shop.session() as session:
        lists = list_price_lists(session, on=date(2026, 5, 1))
        items = price_list_items(session, "list", date(2026, 5, 1))
    assert [(p.code, p.price_group, p.currency, p.items) for p in lists] == [
        ("DEALER", "PG2", "EUR", 1), ("LIST", "", "EUR", 2)]
    assert [(i.article, i.name, i.unit, i.scales, i.valid_from, i.valid_to) for i in items] == [
        ("A-100", "Arbeitshandschuhe", "pair", ((D(0), D("12.50")), (D(100), D("11.20"))), JAN,
         None),
        ("A-200", "Schutzbrille", "pcs", ((D(0), D("8.00")),), JAN, None)]
    assert price_list_items(shop.reader(), "LIST", date(2025, 12, 31)) == []
    with pytest.raises(NotFound, match="There is no price list NOPE"):
        price_list_items(shop.reader(), "NOPE", JAN)


def test_a_good_import_starts_new_prices_and_ends_the_old_ones_the_day_before(shop, tmp_path):
    path = _csv(tmp_path / "preise.csv", [
        ["Artikelnummer", "Bezeichnung", "Preis", "Ab Menge 2", "Preis 2"],
        ["A-100", "ignored", "13,00", "100", "11,80"],  # changed
        ["A-200", "", "8", "", ""],  # unchanged: 8 is 8.00
        ["A-300", "", "5,2", "", ""]])  # new, kept as 5.20
    result = import_price_list(shop, path, list_code="LIST", valid_from=JUL)
    assert result.ok and result.imported and result.report_path is None
    assert (result.new, result.changed, result.unchanged) == (1, 1, 1)
    assert "1 new, 1 changed, 1 unchanged prices" in result.summary()
    assert _prices(shop, "LIST", date(2026, 6, 30)) == {
        "A-100": ((D(0), D("12.50")), (D(100), D("11.20"))), "A-200": ((D(0), D("8.00")),)}
    assert _prices(shop, "LIST", JUL) == {
        "A-100": ((D(0), D("13.00")), (D(100), D("11.80"))), "A-200": ((D(0), D("8.00")),),
        "A-300": ((D(0), D("5.20")),)}
    with shop.session() as session:
        a100 = session.scalar(select(Article.id).where(Article.number == "A-100")).hex
        history = session.execute(select(ConditionRecord.valid_from, ConditionRecord.valid_to,
                                         ConditionRecord.scales)
                                  .where(ConditionRecord.key1 == a100)
                                  .order_by(ConditionRecord.valid_from)).all()
        customer = create_customer(session, {"name": "Kunde ohne Preisgruppe"})
        session.commit()
    assert history == [(JAN, date(2026, 6, 30), '[["0", "12.50"], ["100", "11.20"]]'),
                       (JUL, None, '[["0", "13.00"], ["100", "11.80"]]')]
    assert str(_prices(shop, "LIST", JUL)["A-300"][0][1]) == "5.20"
    # the engine now prices from the new list price and its scale
    line = ps.price_line(shop.reader(), customer.number, "A-100", D(100), JUL)
    assert line.net_value == D("1180.00")


def test_a_bad_import_changes_nothing_and_reports_row_article_column_and_problem(shop,
                                                                                 tmp_path):
    before, audit = _records(shop), _count(shop, AuditEntry)
    path = _xlsx(tmp_path / "preise.xlsx", [
        ["Article number", "Price", "From qty 2", "Price 2", "From qty 3", "Price 3"],
        ["A-100", 13, None, None, None, None],  # fine on its own
        ["X-999", 4, None, None, None, None],
        ["A-200", -1, None, None, None, None],
        ["A-300", 5, 100, 4.5, 50, 4],
        ["A-300", "zwölf", None, None, None, None],
    ])
    result = import_price_list(shop, path, list_code="LIST", valid_from=JUL)
    assert not result.ok and not result.imported
    assert (result.new, result.changed, result.unchanged) == (0, 0, 0)
    assert _records(shop) == before and _count(shop, AuditEntry) == audit
    assert result.report_path == tmp_path / "preise.errors.xlsx"
    report = _sheet(result.report_path)
    assert report[0] == ["Row", "Article", "Column", "Value", "Problem", "Severity"]
    assert report[1:] == [
        [3, "X-999", "Article number", "X-999", "there is no article X-999", "error"],
        [4, "A-200", "Price", "-1", "cannot be negative", "error"],
        [5, "A-300", "From qty 3", "50", "must be more than the quantity before it (100)",
         "error"],
        [6, "A-300", "Article number", "A-300", "article A-300 appears twice (also in row 5)",
         "error"],
        [6, "A-300", "Price", "zwölf", "is not a number", "error"]]
    assert "Nothing was imported into price list LIST: 4 of 5 rows" in result.summary()


def test_a_price_that_cannot_follow_the_stored_ones_is_refused(shop, tmp_path):
    with shop.session() as session:
        dealers = session.scalar(select(PriceList).where(PriceList.code == "DEALER"))
        a100 = session.scalar(select(Article).where(Article.number == "A-100"))
        general = session.scalar(select(PriceList).where(PriceList.code == "LIST"))
        a200 = session.scalar(select(Article).where(Article.number == "A-200"))
        _price(session, dealers, a100, (0, "12.40"), valid_from=date(2026, 9, 1), succeed=True)
        _price(session, general, a200, (0, "8.50"), valid_from=JUL, succeed=True)
        session.commit()
    before = _records(shop)
    path = _csv(tmp_path / "h.csv", [["Article number", "Price"], ["A-100", "12,00"]])
    result = import_price_list(shop, path, list_code="DEALER", valid_from=JUL)
    assert [(p.row, p.article, p.column, p.message) for p in result.errors] == [
        (2, "A-100", "Valid from", "a price from 2026-09-01 on exists already; this one would "
         "overlap it")]
    path = _csv(tmp_path / "l.csv", [["Article number", "Price"], ["A-200", "8,60"]])
    result = import_price_list(shop, path, list_code="LIST", valid_from=JUL)
    assert [p.message for p in result.errors] == [
        "a price from 2026-07-01 exists already and is not overwritten; choose a later day"]
    assert _records(shop) == before
    assert _sheet(tmp_path / "l.errors.csv")[1][:3] == ["2", "A-200", "Valid from"]


def test_a_dry_run_counts_and_writes_nothing(shop, tmp_path):
    before = _records(shop)
    path = _csv(tmp_path / "p.csv", [["Artikel-Nr.", "VK-Preis", "Preis"],
                                     ["A-100", "x", "12,50"], ["A-300", "", "1"]])
    result = import_price_list(shop, path, list_code="LIST", valid_from=JUL, dry_run=True)
    assert result.ok and not result.imported and _records(shop) == before
    assert (result.new, result.changed, result.unchanged) == (1, 1, 0)  # scale 100 dropped
    assert [(w.column, w.message) for w in result.warnings] == [
        ("VK-Preis", "unknown column, ignored")]
    assert _sheet(result.report_path)[1][-1] == "warning"


@pytest.mark.parametrize(("suffix", "language"), [(".xlsx", "en"), (".csv", "de")])
def test_an_exported_list_imports_back_without_a_change(shop, tmp_path, suffix, language):
    with shop.session() as session:
        general = session.scalar(select(PriceList).where(PriceList.code == "LIST"))
        a300 = session.scalar(select(Article).where(Article.number == "A-300"))
        _price(session, general, a300, (10, "0.1234"), (1000, "0.0999"))  # starts at 10
        session.commit()
    before = _records(shop)
    path = tmp_path / f"liste{suffix}"
    set_language(language)
    assert export_price_list(shop.reader(), "LIST", path, date(2026, 5, 1)) == 3
    rows = _sheet(path)
    if language == "de":
        assert rows[0] == ["Artikelnummer", "Bezeichnung", "Einheit", "Ab Menge", "Preis",
                           "Ab Menge 2", "Preis 2"]
        assert rows[3] == ["A-300", "Helm", "pcs", "10", "0,1234", "1000", "0,0999"]
    else:
        assert rows[0] == ["Article number", "Name", "Unit", "From qty", "Price", "From qty 2",
                           "Price 2"]
        assert rows[1] == ["A-100", "Arbeitshandschuhe", "pair", 0, 12.5, 100, 11.2]
        assert rows[2] == ["A-200", "Schutzbrille", "pcs", 0, 8, None, None]
    result = import_price_list(shop, path, list_code="LIST", valid_from=date(2026, 5, 1))
    assert result.ok and (result.new, result.changed, result.unchanged) == (0, 0, 3)
    assert _records(shop) == before


def test_a_new_absolute_price_in_every_list_keeps_the_scale_in_proportion(shop):
    with shop.session() as session:
        changes = update_article_in_all_price_lists(session, "A-100", valid_from=JUL,
                                                    amount=D("14.00"))
        session.commit()
    assert [(c.list_code, c.old_price, c.new_price) for c in changes] == [
        ("DEALER", D("11.90"), D("14.00")), ("LIST", D("12.50"), D("14.00"))]
    # 11.20 × 14.00 / 12.50 = 12.544 → 12.54
    assert changes[1].new == (Scale(D(0), D("14.00")), Scale(D(100), D("12.54")))
    assert _prices(shop, "LIST", JUL)["A-100"] == ((D(0), D("14.00")), (D(100), D("12.54")))
    assert _prices(shop, "DEALER", JUL)["A-100"] == ((D(0), D("14.00")),)
    assert _prices(shop, "DEALER", date(2026, 6, 30))["A-100"] == ((D(0), D("11.90")),)


def test_a_percentage_rounds_half_up_to_the_cent_in_every_list(shop):
    with shop.session() as session:
        changes = update_article_in_all_price_lists(session, "A-100", valid_from=JUL,
                                                    percent=D(5))
        session.commit()
    # 12.50 × 1.05 = 13.125 → 13.13, 11.20 → 11.76, 11.90 × 1.05 = 12.495 → 12.50
    assert {c.list_code: c.new for c in changes} == {
        "LIST": (Scale(D(0), D("13.13")), Scale(D(100), D("11.76"))),
        "DEALER": (Scale(D(0), D("12.50")),)}
    assert _prices(shop, "LIST", JUL)["A-100"] == ((D(0), D("13.13")), (D(100), D("11.76")))
    assert _prices(shop, "LIST", date(2026, 6, 30))["A-100"][0] == (D(0), D("12.50"))
    with shop.session() as session:
        down = update_article_in_all_price_lists(session, "A-100", valid_from=date(2026, 8, 1),
                                                 percent=D("-10"))
        session.commit()
    assert [(c.list_code, c.new_price) for c in down] == [("DEALER", D("11.25")),
                                                          ("LIST", D("11.82"))]  # 11.817


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"amount": D(1), "percent": D(1)}, "give either a new price or a percentage, not both"),
    ({}, "give a new price or a percentage"),
    ({"amount": D("-0.01")}, "Price: cannot be negative"),
    ({"percent": D(-101)}, "-101 % would make the price negative"),
    ({"amount": D(9), "valid_from": JAN}, "a price from 2026-01-01 exists already"),
])
def test_refused_article_updates_write_nothing(shop, kwargs, message):
    before = _records(shop)
    kwargs.setdefault("valid_from", JUL)
    with shop.session() as session, pytest.raises(ValidationFailed, match=message):
        update_article_in_all_price_lists(session, "A-100", **kwargs)
    assert _records(shop) == before


def test_an_article_in_no_list_is_named(shop):
    with shop.session() as session, pytest.raises(NotFound, match="Article A-300 is in no "
                                                                  "price list on 2026-07-01"):
        update_article_in_all_price_lists(session, "A-300", valid_from=JUL, percent=D(3))


def test_a_cancel_rolls_back_and_a_file_without_prices_is_refused(shop, tmp_path):
    before = _records(shop)
    path = _csv(tmp_path / "p.csv", [["Article number", "Price"], ["A-300", "2"]])
    with pytest.raises(ImportCancelled):
        import_price_list(shop, path, list_code="LIST", valid_from=JUL, cancel=lambda: True)
    assert _records(shop) == before
    with pytest.raises(TableError, match="no column for the price"):
        import_price_list(shop, _csv(tmp_path / "q.csv", [["Artikelnummer", "Menge"],
                                                         ["A-300", "2"]]),
                          list_code="LIST", valid_from=JUL)
    with pytest.raises(ValidationFailed, match="2025-12-31 is outside the list's validity"):
        import_price_list(shop, path, list_code="LIST", valid_from=date(2025, 12, 31))
    assert _records(shop) == before
