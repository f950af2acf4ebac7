"""`salesdesk price CUSTOMER ARTICLE [--qty] [--date] [--explain] [--format json]`."""

import json
from datetime import date
from decimal import Decimal as D

from salesdesk.app import main
from salesdesk.domain.pricing import KeyKind, Scale
from salesdesk.services.customers import create_customer
from salesdesk.services.pricing import save_condition
from salesdesk.store.engine import open_store
from salesdesk.store.models import Article


def _store(tmp_path):
    data = tmp_path / "d"
    store = open_store(data, user="tester")
    with store.session() as session:
        article = Article(number="A-100", name="Handschuhe")
        session.add(article)
        customer = create_customer(session, {"name": "Müller Bau GmbH"})
        session.flush()
        for kind, key, value in ((KeyKind.ARTICLE, [article.id.hex], "12.50"),
                                 (KeyKind.CUSTOMER_ARTICLE, [customer.id.hex, article.id.hex],
                                  "10.00")):
            save_condition(session, {"type_code": "PRICE", "key_kind": kind, "key": key,
                                     "scales": [Scale(D(0), D(value))],
                                     "valid_from": date(2026, 1, 1),
                                     "valid_to": date(2026, 6, 30)
                                     if kind is KeyKind.CUSTOMER_ARTICLE else None})
        session.commit()
    store.close()
    return str(data)


def test_price_as_json_and_explained(tmp_path, capsys):
    data = _store(tmp_path)
    assert main(["price", "K-000001", "A-100", "--qty", "3", "--date", "2026-05-01",
                 "--format", "json", "--explain", "--data-dir", data]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["net_value"], out["net_unit_price"]) == ("30.00", "10.0000")
    assert any("customer and article K-000001 / A-100" in line and "won" in line
               for line in out["explain"])
    assert main(["price", "K-000001", "A-100", "--date", "2026-07-01", "--explain",
                 "--data-dir", data]) == 0
    text = capsys.readouterr().out
    assert "net 12.50 EUR = 12.5000 EUR per unit" in text
    assert "not valid on 2026-07-01" in text


def test_unknown_article_is_one_line(tmp_path, capsys):
    data = _store(tmp_path)
    assert main(["price", "K-000001", "X-9", "--data-dir", data]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: There is no article X-9."]


def test_articles_list_searches_and_speaks_json(tmp_path, capsys):
    data = _store(tmp_path)
    store = open_store(tmp_path / "d", user="tester")
    with store.session() as session:
        session.add(Article(number="B-200", name="Schutzbrille", names='{"en": "Safety '
                            'goggles"}', ean="4006381333931"))
        session.commit()
    store.close()
    assert main(["articles", "list", "--format", "json", "--data-dir", data]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["number"] for r in rows] == ["A-100", "B-200"]
    assert rows[1]["name"] == "Safety goggles"  # the English name, tests run in English
    assert main(["articles", "list", "--search", "4006381", "--data-dir", data]) == 0
    out = capsys.readouterr().out
    assert "B-200" in out and "A-100" not in out
