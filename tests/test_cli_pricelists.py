"""`salesdesk pricelists list|show|import|export|update-article` and `salesdesk turnover
import`: exit codes, output, and one-line errors on stderr."""

import csv
import json
from datetime import date
from decimal import Decimal as D

import openpyxl

from salesdesk.app import main
from salesdesk.domain.pricing import KeyKind, Scale
from salesdesk.services.customers import create_customer
from salesdesk.services.pricing import save_condition
from salesdesk.store.engine import open_store
from salesdesk.store.models import Article, PriceGroup, PriceList


def _store(tmp_path):
    data = tmp_path / "d"
    store = open_store(data, user="tester")
    with store.session() as session:
        group = PriceGroup(code="PG2", name="Händler")
        article = Article(number="A-100", name="Handschuhe", unit="pair")
        session.add_all([group, article, Article(number="A-200", name="Brille")])
        session.flush()
        general = PriceList(code="LIST", name="Listenpreise", valid_from=date(2026, 1, 1))
        dealers = PriceList(code="DEALER", name="Händler", price_group_id=group.id,
                            valid_from=date(2026, 1, 1))
        session.add_all([general, dealers])
        session.flush()
        for plist, kind, key, scales in (
                (general, KeyKind.ARTICLE, [article.id.hex], [(0, "12.50"), (100, "11.20")]),
                (dealers, KeyKind.PRICE_GROUP_ARTICLE, [group.id.hex, article.id.hex],
                 [(0, "11.90")])):
            save_condition(session, {"type_code": "PRICE", "key_kind": kind, "key": key,
                                     "scales": [Scale(D(t), D(v)) for t, v in scales],
                                     "valid_from": date(2026, 1, 1),
                                     "price_list_id": plist.id})
        create_customer(session, {"name": "Müller Bau GmbH"})
        session.commit()
    store.close()
    return str(data)


def _csv(path, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    return str(path)


def _err(capsys):
    return capsys.readouterr().err.strip().splitlines()


def test_list_and_show_as_table_and_json(tmp_path, capsys):
    data = _store(tmp_path)
    assert main(["pricelists", "list", "--date", "2026-05-01", "--format", "json",
                 "--data-dir", data]) == 0
    lists = json.loads(capsys.readouterr().out)
    assert [(p["code"], p["price_group"], p["items"]) for p in lists] == [
        ("DEALER", "PG2", 1), ("LIST", "", 1)]
    assert main(["pricelists", "show", "LIST", "--date", "2026-05-01", "--format", "json",
                 "--data-dir", data]) == 0
    items = json.loads(capsys.readouterr().out)
    assert items == [{"article": "A-100", "name": "Handschuhe", "unit": "pair",
                      "price": "12.50", "scales": [["0", "12.50"], ["100", "11.20"]],
                      "currency": "EUR", "valid_from": "2026-01-01", "valid_to": None,
                      "released": True}]
    assert main(["pricelists", "show", "LIST", "--date", "2026-05-01", "--data-dir",
                 data]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["article", "name", "unit", "price", "scales", "currency",
                                "valid_from", "valid_to"]
    assert "from 100: 11.20" in lines[1] and "12.50" in lines[1]


def test_unknown_list_is_one_line_on_stderr(tmp_path, capsys):
    data = _store(tmp_path)
    assert main(["pricelists", "show", "NOPE", "--data-dir", data]) == 1
    assert _err(capsys) == ["error: There is no price list NOPE."]


def test_import_export_round_trip_and_a_bad_import(tmp_path, capsys):
    data = _store(tmp_path)
    exported = tmp_path / "list.xlsx"
    assert main(["pricelists", "export", "LIST", str(exported), "--date", "2026-05-01",
                 "--data-dir", data]) == 0
    assert "Exported 1 prices of price list LIST" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(exported).active
    assert [c.value for c in sheet[2]] == ["A-100", "Handschuhe", "pair", 12.5, 100, 11.2]
    assert main(["pricelists", "import", str(exported), "--list", "LIST", "--from",
                 "2026-05-01", "--data-dir", data]) == 0
    assert "0 new, 0 changed, 1 unchanged prices" in capsys.readouterr().out

    good = _csv(tmp_path / "neu.csv", [["Artikelnummer", "Preis"], ["A-100", "13,10"],
                                       ["A-200", "4"]])
    assert main(["pricelists", "import", good, "--list", "LIST", "--from", "2026-07-01",
                 "--dry-run", "--data-dir", data]) == 0
    assert "would get 1 new and 1 changed prices" in capsys.readouterr().out
    assert main(["pricelists", "import", good, "--list", "LIST", "--from", "2026-07-01",
                 "--data-dir", data]) == 0
    assert "1 new, 1 changed, 0 unchanged prices" in capsys.readouterr().out

    bad = _csv(tmp_path / "bad.csv", [["Artikelnummer", "Preis"], ["A-999", "1"]])
    assert main(["pricelists", "import", bad, "--list", "LIST", "--from", "2026-08-01",
                 "--data-dir", data]) == 1
    err = _err(capsys)
    assert len(err) == 1 and err[0].startswith(
        "error: Nothing was imported into price list LIST: 1 of 1 rows in bad.csv have errors")
    report = (tmp_path / "bad.errors.csv").read_text(encoding="utf-8-sig")
    assert "there is no article A-999" in report
    assert main(["pricelists", "show", "LIST", "--date", "2026-08-01", "--format", "json",
                 "--data-dir", data]) == 0
    assert [i["price"] for i in json.loads(capsys.readouterr().out)] == ["13.10", "4.00"]


def test_update_article_prints_each_list_and_refuses_unclear_requests(tmp_path, capsys):
    data = _store(tmp_path)
    assert main(["pricelists", "update-article", "A-100", "--percent", "5", "--from",
                 "2026-07-01", "--data-dir", data]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "DEALER: 11.90 → 12.50 EUR from 2026-07-01", "LIST: 12.50 → 13.13 EUR from 2026-07-01"]
    assert main(["pricelists", "update-article", "A-100", "--price", "14", "--from",
                 "2026-08-01", "--data-dir", data]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "DEALER: 12.50 → 14.00 EUR from 2026-08-01", "LIST: 13.13 → 14.00 EUR from 2026-08-01"]
    assert main(["pricelists", "update-article", "A-100", "--percent", "5", "--price", "3",
                 "--from", "2026-08-01", "--data-dir", data]) == 1
    assert _err(capsys) == ["error: Article A-100, Price: give either a new price or a "
                            "percentage, not both"]
    assert main(["pricelists", "update-article", "A-100", "--percent", "-120", "--from",
                 "2026-08-01", "--data-dir", data]) == 1
    assert _err(capsys) == ["error: Article A-100, Price: -120 % would make the price "
                            "negative"]
    assert main(["pricelists", "update-article", "A-100", "--price", "12,00", "--from",
                 "2026-07-01", "--data-dir", data]) == 1
    assert _err(capsys) == ["error: Price list DEALER, article A-100, Valid from: a price "
                            "from 2026-07-01 exists already and is not overwritten; choose a "
                            "later day"]


def test_turnover_import(tmp_path, capsys):
    data = _store(tmp_path)
    good = _csv(tmp_path / "umsatz.csv", [["Kundennummer", "Zeitraum", "Umsatz"],
                                          ["K-000001", "2026-Q1", "1.234,50"]])
    assert main(["turnover", "import", good, "--data-dir", data]) == 0
    assert "1 periods added, 0 replaced, 0 unchanged" in capsys.readouterr().out
    bad = _csv(tmp_path / "falsch.csv", [["Kundennummer", "Zeitraum", "Umsatz"],
                                         ["K-000001", "2026-Q5", "1"]])
    assert main(["turnover", "import", bad, "--data-dir", data]) == 1
    err = _err(capsys)
    assert len(err) == 1 and err[0].startswith("error: No turnover was imported: 1 of 1 rows")
    assert (tmp_path / "falsch.errors.csv").exists()
    store = open_store(tmp_path / "d", user="tester")
    try:
        assert store.reader().execute("SELECT period_start, period_end, amount FROM "
                                      "customer_turnover").fetchall() == [
            ("2026-01-01", "2026-03-31", 12345000)]
    finally:
        store.close()
