"""`salesdesk print condition-sheet CUSTOMER -o FILE.pdf [--date D] [--lang L]`."""

from datetime import date
from decimal import Decimal as D

from pypdf import PdfReader

from salesdesk.app import main
from salesdesk.domain.pricing import KeyKind, Scale
from salesdesk.services.customers import create_customer
from salesdesk.services.pricing import save_condition
from salesdesk.store.engine import open_store
from salesdesk.store.models import Article, IssuedConditionSheet


def _store(tmp_path) -> str:
    data = tmp_path / "d"
    store = open_store(data, user="tester")
    with store.session() as session:
        article = Article(number="A-100", name="Arbeitshandschuhe Größe 9",
                          names='{"fr": "Gants de travail taille 9"}')
        session.add(article)
        create_customer(session, {"name": "Müller Bau GmbH", "language": "de"})
        session.flush()
        for start, end, value in ((date(2026, 1, 1), date(2026, 6, 30), "12.50"),
                                  (date(2026, 7, 1), None, "13.20")):
            save_condition(session, {"type_code": "PRICE", "key_kind": KeyKind.ARTICLE,
                                     "key": [article.id.hex], "scales": [Scale(D(0), D(value))],
                                     "valid_from": start, "valid_to": end})
        session.commit()
    store.close()
    return str(data)


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_prints_the_sheet_of_a_day_in_the_language_asked_for(tmp_path, capsys):
    data = _store(tmp_path)
    pdf = tmp_path / "sheet.pdf"
    assert main(["print", "condition-sheet", "K-000001", "-o", str(pdf), "--date",
                 "2026-05-01", "--data-dir", data]) == 0
    assert capsys.readouterr().out.strip() == (
        f"Condition sheet of K-000001 as of 2026-05-01: 1 pages written to {pdf}")
    text = _text(pdf)
    assert "Müller Bau GmbH" in text and "Arbeitshandschuhe Größe 9" in text
    assert "12,50" in text and "13,20" not in text  # German number format, May's price
    assert main(["print", "condition-sheet", "K-000001", "-o", str(pdf), "--date",
                 "2026-08-01", "--lang", "fr", "--data-dir", data]) == 0
    text = _text(pdf)
    assert "Gants de travail taille 9" in text and "13,20" in text and "12,50" not in text
    # printing is not issuing: nothing is filed on the customer
    store = open_store(tmp_path / "d", user="tester")
    with store.session() as session:
        assert session.query(IssuedConditionSheet).count() == 0
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "sheet.pdf"]


def test_an_unknown_customer_or_language_is_one_line_and_writes_no_file(tmp_path, capsys):
    data = _store(tmp_path)
    pdf = tmp_path / "sheet.pdf"
    assert main(["print", "condition-sheet", "K-999999", "-o", str(pdf), "--data-dir",
                 data]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: There is no customer K-999999."]
    assert main(["print", "condition-sheet", "K-000001", "-o", str(pdf), "--lang", "xx",
                 "--data-dir", data]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "xx" in err[0]
    assert not pdf.exists() and not (tmp_path / "sheet.pdf.part").exists()
