"""Condition sheets from the store: priced by the engine, issued, filed and reprinted.

Story: Müller Bau GmbH in Munich (a dealer in the retail customer group) gets its sheet.
Its head office, Müller Holding AG in Stuttgart, receives the invoices. Prices come from
the list prices, the dealer price list (with a quantity scale) and one customer price;
a product-group discount (cascading), a customer-group discount, an additive promotion
and a surcharge reduce or raise them. Every expected price below is worked out by hand
in the comment beside it. PDFs are read back with pypdf; PNGs of one German and one
French sheet are left in /tmp/sheets/ to look at.
"""

import dataclasses
import io
import json
import re
import uuid
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from salesdesk.domain.condition_sheet import ConditionSheet
from salesdesk.domain.errors import DomainError, NotFound
from salesdesk.domain.pricing import KeyKind, Scale, Stacking
from salesdesk.reports.condition_sheet import render_condition_sheet
from salesdesk.services import condition_sheets as cs
from salesdesk.services import pricing as ps
from salesdesk.services.customers import create_customer
from salesdesk.services.documents import document_path
from salesdesk.services.settings import set_setting
from salesdesk.store.models import (
    Article,
    ConditionRecord,
    Customer,
    CustomerGroup,
    DeliveryTerm,
    Document,
    IssuedConditionSheet,
    NumberSequence,
    PaymentTerm,
    PriceGroup,
    PriceList,
    ProductGroup,
)

SHEETS = Path("/tmp/sheets")
MAY = date(2026, 5, 1)


@pytest.fixture(autouse=True)
def additive_promotions(monkeypatch):
    """SalesDesk ships every line discount as cascading; this shop runs its promotions
    additive (on the price before the line's discounts), as some companies do."""
    from salesdesk.domain import pricing as dp

    def types():
        return tuple(dataclasses.replace(t, stacking=Stacking.ADDITIVE)
                     if t.code == "PROMOTION" else t for t in dp.standard_types())

    monkeypatch.setattr(ps, "standard_types", types)


@pytest.fixture
def shop(store):
    with store.session() as session:
        workwear = ProductGroup(code="WORKWEAR", name="Arbeitskleidung", sort_order=2)
        tools = ProductGroup(code="TOOLS", name="Werkzeug", sort_order=1)
        session.add_all([workwear, tools])
        session.flush()
        gloves = ProductGroup(code="GLOVES", name="Handschuhe", parent_id=workwear.id)
        retail = CustomerGroup(code="RET", name="Einzelhandel")
        dealer, other_group = PriceGroup(code="DEALER", name="Händler"), PriceGroup(
            code="BIG", name="Großkunden")
        payment = PaymentTerm(code="S10", name="10 Tage 3 %, 14 Tage 2 %, 30 Tage netto",
                              net_days=30, cash_discounts=json.dumps([["3", 10], ["2", 14]]))
        delivery = DeliveryTerm(code="DAP", name="DAP frei Haus", incoterm="DAP",
                                incoterm_place="München", free_freight_threshold=D("500"),
                                minimum_order=D("150"))
        session.add_all([gloves, retail, dealer, other_group, payment, delivery])
        session.flush()

        def article(number, name, group, **extra):
            row = Article(number=number, name=name, product_group_id=group.id if group else None,
                          **extra)
            session.add(row)
            session.flush()
            return row

        a100 = article("A-100", "Arbeitshandschuhe Größe 9", gloves, unit="pair", pack_size=12,
                       names=json.dumps({"fr": "Gants de travail taille 9",
                                         "en": "Work gloves size 9"}))
        a20 = article("A-20", "Schlosserhammer 500 g", tools,
                      names=json.dumps({"fr": "Marteau de serrurier 500 g"}))
        a300 = article("A-300", "Schraubendreher-Satz", tools, unit="set")
        a400 = article("A-400", "Ausgelaufener Hammer", tools, active=False)
        article("A-500", "Ohne Preis", tools)
        a600 = article("A-600", "Nur für Großkunden", tools)
        a700 = article("A-700", "Kabelbinder", None, pack_size=100)
        head = create_customer(
            session, {"name": "Müller Holding AG"},
            addresses=[{"kind": "main", "street": "Königstraße 1", "postal_code": "70173",
                        "city": "Stuttgart", "country": "DE"},
                       {"kind": "billing", "name": "Buchhaltung", "street": "Postfach 10 20",
                        "postal_code": "70001", "city": "Stuttgart", "country": "DE"}])
        customer = create_customer(
            session, {"name": "Müller Bau GmbH", "name2": "Niederlassung Süd", "language": "de",
                      "customer_group_id": retail.id, "price_group_id": dealer.id,
                      "payment_term_id": payment.id, "delivery_term_id": delivery.id},
            addresses=[{"kind": "main", "street": "Hauptstraße 5", "postal_code": "80331",
                        "city": "München", "country": "DE"}])
        customer.invoice_recipient_id = head.id
        customer.collection_discount = D("1.5")
        customer.return_conditions = ("Rücknahme originalverpackter Ware innerhalb von 30 "
                                      "Tagen.\nSonderanfertigungen sind vom Umtausch "
                                      "ausgeschlossen.")
        price_list = PriceList(code="PL-H", name="Händlerpreise", price_group_id=dealer.id,
                               valid_from=date(2026, 1, 1))
        session.add(price_list)
        session.flush()

        def save(type_code, kind, key, *scales, succeed=False, **extra):
            return ps.save_condition(session, {
                "type_code": type_code, "key_kind": kind, "key": key,
                "scales": [Scale(D(t), D(v)) for t, v in scales],
                "valid_from": extra.pop("valid_from", date(2026, 1, 1)), **extra},
                succeed=succeed)

        cid = customer.id.hex
        save("PRICE", KeyKind.ARTICLE, [a100.id.hex], (0, "12.50"))
        save("PRICE", KeyKind.PRICE_GROUP_ARTICLE, [dealer.id.hex, a100.id.hex], (0, "11.90"),
             (100, "11.20"), price_list_id=price_list.id)
        save("PRICE", KeyKind.ARTICLE, [a20.id.hex], (0, "20.00"))
        save("PRICE", KeyKind.CUSTOMER_ARTICLE, [cid, a20.id.hex], (0, "17.35"),
             valid_to=date(2026, 6, 30))
        save("PRICE", KeyKind.ARTICLE, [a300.id.hex], (0, "8.99"))
        save("PRICE", KeyKind.ARTICLE, [a400.id.hex], (0, "30.00"))  # inactive article
        save("PRICE", KeyKind.PRICE_GROUP_ARTICLE, [other_group.id.hex, a600.id.hex],
             (0, "5.00"))  # another price group's list
        save("PRICE", KeyKind.ARTICLE, [a700.id.hex], (0, "0.0345"))
        save("PRICE", KeyKind.ARTICLE, [a700.id.hex], (0, "0.04"),
             valid_from=date(2027, 1, 1), succeed=True)  # the next price: not on this sheet
        save("GROUP_DISCOUNT", KeyKind.CUSTOMER_PRODUCT_GROUP, [cid, workwear.id.hex],
             (0, "-10"), valid_to=date(2026, 12, 31))
        save("GROUP_DISCOUNT", KeyKind.PRODUCT_GROUP, [tools.id.hex], (0, "-2"))
        save("CUSTOMER_GROUP_DISCOUNT", KeyKind.CUSTOMER_GROUP_PRODUCT_GROUP,
             [retail.id.hex, tools.id.hex], (0, "-3"))
        save("PROMOTION", KeyKind.ARTICLE, [a100.id.hex], (0, "-5"))
        save("PROMOTION", KeyKind.ARTICLE, [a300.id.hex], (50, "-10"))  # from 50 only
        save("SURCHARGE", KeyKind.ARTICLE, [a300.id.hex], (0, "0.50"))
        save("PROMOTION", KeyKind.ARTICLE, [a20.id.hex], (0, "-50"), released=False)  # draft
        save("TURNOVER_BONUS", KeyKind.CUSTOMER, [cid], (0, "-1"), (50000, "-2"),
             (100000, "-3"), turnover_period="year")
        save("FREIGHT", KeyKind.CUSTOMER, [cid], (0, "9.50"), (500, "0"))
        session.commit()
        return {"customer": customer.number, "customer_id": customer.id, "head": head.number}


def build(store, on=MAY, language=None, customer=None, **kwargs):
    with store.session() as session:
        return cs.build_sheet(session, customer or "K-000002", on, language, **kwargs)


def lines_by_number(sheet):
    return {line.article_number: line for line in sheet.lines}


def pdf_text(source) -> str:
    reader = PdfReader(source)
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", re.sub("[\u00a0\u202f]", " ", text))


def page_texts(source) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub("[\u00a0\u202f]", " ", page.extract_text() or ""))
            for page in PdfReader(source).pages]


def nb(text: str) -> str:
    """Texts as the sheet writes them: a no-break space before % and € (babel's too)."""
    return text.replace(" %", "\u00a0%").replace(" €", "\u00a0€")


def test_the_lines_are_priced_to_the_cent(store, shop):
    sheet = build(store, language="de", issued_on=date(2026, 4, 28))
    assert [line.article_number for line in sheet.lines] == ["A-20", "A-300", "A-100", "A-700"]
    # not on the sheet: A-400 (inactive), A-500 (no price), A-600 (another price group)
    assert [line.product_group for line in sheet.lines] == [
        "Werkzeug", "Werkzeug", "Arbeitskleidung › Handschuhe", "Sonstige Artikel"]
    lines = lines_by_number(sheet)

    hammer = lines["A-20"]  # customer price 17.35; −2 % = −0.347 → −0.35 → 17.00;
    # −3 % of 17.00 = −0.51 → 16.49 (the turnover bonus from 0 is not in a sheet price)
    assert (hammer.list_price, hammer.net_price) == (D("17.35"), D("16.49"))
    assert hammer.discount_text == nb("−2 % + −3 % (kaskadierend)")
    assert (hammer.unit, hammer.pack_size, hammer.scales) == ("Stk.", None, ())

    set_ = lines["A-300"]  # list 8.99; −2 % = −0.1798 → −0.18 → 8.81; −3 % = −0.2643 → −0.26
    # → 8.55; surcharge +0.50 → 9.05
    assert (set_.list_price, set_.net_price) == (D("8.99"), D("9.05"))
    assert set_.discount_text == nb("−2 % + −3 % (kaskadierend)\n+0,50 € Zuschlag")
    # from 50 the promotion −10 % applies (additive, on the base 449.50): 449.50 − 8.99
    # = 440.51; −3 % = −13.2153 → −13.22 → 427.29; −44.95 → 382.34; +25.00 → 407.34 / 50
    # = 8.1468 a piece, printed to the cents the list price has: 8.15
    assert set_.scales == ((D(50), D("8.15")),)
    assert set_.unit == "Satz"

    gloves = lines["A-100"]  # a pack of 12 from the dealer list: 12 × 11.90 = 142.80;
    # −10 % = −14.28 → 128.52; promotion −5 % of 142.80 (additive) = −7.14 → 121.38 / 12
    # = 10.115 a pair, printed to the list price's cents, half-up: 10.12
    assert (gloves.list_price, gloves.net_price) == (D("11.90"), D("10.12"))
    assert gloves.discount_text == nb("−10 % + −5 % (additiv)")
    assert (gloves.unit, gloves.pack_size) == ("Paar", D(12))
    # from 100 the dealer list says 11.20: 1,120.00 − 112.00 − 56.00 = 952.00 / 100
    assert gloves.scales == ((D(100), D("9.52")),)

    ties = lines["A-700"]  # 0.0345 each, priced per pack of 100: 3.45 / 100
    assert (ties.net_price, ties.list_price, ties.discount_text) == (D("0.0345"), D("0.0345"),
                                                                     "")
    # the customer price ends first; the draft promotion −50 % on A-20 is not used
    assert (sheet.valid_from, sheet.valid_to, sheet.issued_on) == (
        MAY, date(2026, 6, 30), date(2026, 4, 28))
    assert sheet.customer.name == "Müller Bau GmbH"
    assert sheet.customer.address_lines == ("Niederlassung Süd", "Hauptstraße 5",
                                            "80331 MÜNCHEN")
    assert sheet.company.name == "SalesDesk Demo GmbH" and sheet.currency == "EUR"


def test_a_later_day_prints_the_conditions_of_that_day(store, shop):
    sheet = build(store, on=date(2026, 7, 1), language="en")
    hammer = lines_by_number(sheet)["A-20"]  # the customer price has ended: list 20.00;
    # −2 % = −0.40 → 19.60; −3 % = −0.588 → −0.59 → 19.01
    assert (hammer.list_price, hammer.net_price, hammer.article_name) == (
        D("20.00"), D("19.01"), "Schlosserhammer 500 g")  # no English name: the default
    assert lines_by_number(sheet)["A-100"].article_name == "Work gloves size 9"
    # the product-group discount and the cable ties' price end on 31 December
    assert sheet.valid_to == date(2026, 12, 31)
    assert build(store, on=date(2027, 1, 1)).valid_to is None
    assert lines_by_number(build(store, on=date(2027, 1, 1)))["A-700"].net_price == D("0.04")


TERMS = {
    "de": {
        "payment": ("Zahlung innerhalb von 10 Tagen: 3 % Skonto",
                    "Zahlung innerhalb von 14 Tagen: 2 % Skonto",
                    "Zahlung innerhalb von 30 Tagen: netto ohne Abzug",
                    "Inkassorabatt: 1,5 %",
                    "Umsatzbonus je Jahr (nachträglich vergütet): 1 %; 2 % ab 50.000,00 € "
                    "Umsatz; 3 % ab 100.000,00 € Umsatz"),
        "delivery": ("DAP München Incoterms® 2020 (Geliefert benannter Ort)",
                     "Frachtfrei ab 500,00 € Warenwert",
                     "Mindestbestellwert: 150,00 €",
                     "Frachtkosten je Auftrag: 9,50 €; ab 500,00 € Warenwert frachtfrei"),
        "recipient": "Müller Holding AG (Kunden-Nr. K-000001)",
    },
    "en": {
        "payment": ("Payment within 10 days: 3 % cash discount",
                    "Payment within 14 days: 2 % cash discount",
                    "Payment within 30 days: net, without deduction",
                    "Collection discount: 1.5 %",
                    "Turnover bonus per year (paid retrospectively): 1 %; 2 % from €50,000.00 "
                    "turnover; 3 % from €100,000.00 turnover"),
        "delivery": ("DAP München Incoterms® 2020 (Delivered at Place)",
                     "Free freight from €500.00 order value",
                     "Minimum order value: €150.00",
                     "Freight per order: €9.50; from €500.00 order value free"),
        "recipient": "Müller Holding AG (customer no. K-000001)",
    },
    "fr": {
        "payment": ("Paiement sous 10 jours : escompte de 3 %",
                    "Paiement sous 14 jours : escompte de 2 %",
                    "Paiement sous 30 jours : net, sans escompte",
                    "Remise d’encaissement : 1,5 %",
                    "Bonus sur chiffre d’affaires par an (versé a posteriori) : 1 % ; 2 % dès "
                    "50 000,00 € de chiffre d’affaires ; 3 % dès 100 000,00 € de chiffre "
                    "d’affaires"),
        "delivery": ("DAP München Incoterms® 2020 (Rendu au lieu de destination)",
                     "Franco de port à partir de 500,00 € de marchandises",
                     "Montant minimum de commande : 150,00 €",
                     "Frais de port par commande : 9,50 € ; dès 500,00 € de marchandises "
                     "franco"),
        "recipient": "Müller Holding AG (n° client K-000001)",
    },
}


def plain(text: str) -> str:
    return re.sub("[\u00a0\u202f]", " ", text)


@pytest.mark.parametrize("language", ["de", "en", "fr"])
def test_the_terms_speak_the_sheets_language(store, shop, language, tmp_path):
    sheet = build(store, language=language)
    terms = sheet.terms
    expected = TERMS[language]
    assert tuple(plain(line) for line in terms.payment) == expected["payment"]
    assert tuple(plain(line) for line in terms.delivery) == expected["delivery"]
    assert terms.invoice_recipient == (expected["recipient"], "Buchhaltung", "Postfach 10 20",
                                       "70001 STUTTGART")
    assert terms.returns == ("Rücknahme originalverpackter Ware innerhalb von 30 Tagen.",
                             "Sonderanfertigungen sind vom Umtausch ausgeschlossen.")

    path = tmp_path / f"sheet-{language}.pdf"
    pages = cs.print_sheet(store, shop["customer"], path, MAY, language)
    text = pdf_text(path)
    assert len(PdfReader(path).pages) == pages
    for line in (*expected["payment"], *expected["delivery"], expected["recipient"]):
        assert line in text, line  # umlauts, accents, ’, ® and ° survive in the PDF
    assert "Müller Bau GmbH" in text and "Königstraße" not in text  # the billing address
    assert "Rücknahme originalverpackter Ware" in text
    if language == "fr":
        assert "Gants de travail taille 9" in text and "paire" in text
        assert "Valable du 1 mai 2026 au 30 juin 2026" in text
    if language == "de":
        assert "Gültig vom 1. Mai 2026 bis 30. Juni 2026" in text
        assert "Arbeitskleidung › Handschuhe" in text and "ab 100: 9,52 €" in text
        assert "−10 % + −5 % (additiv)" in text and "10,12 €" in text
    SHEETS.mkdir(exist_ok=True)
    pdf = pdfium.PdfDocument(str(path))
    try:
        for index in range(len(pdf)):
            pdf[index].render(scale=1.5).to_pil().save(
                SHEETS / f"service-{language}-{index + 1}.png")
    finally:
        pdf.close()


def test_the_language_defaults_to_the_customers(store, shop):
    assert build(store).language == "de"
    with store.session() as session:
        customer = session.scalar(select(Customer).where(
            Customer.number == shop["customer"]))
        customer.language = "it"  # no sheet texts in Italian: English
        session.commit()
    sheet = build(store)
    assert sheet.language == "en"
    assert lines_by_number(sheet)["A-100"].unit == "pair"
    with pytest.raises(DomainError, match="no condition sheet texts in it"):
        build(store, language="it")
    assert build(store, language="FR").language == "fr"


def test_the_company_comes_from_the_settings(store, shop, tmp_path):
    logo = tmp_path / "logo.png"
    from PIL import Image

    Image.new("RGB", (300, 100), (31, 78, 121)).save(logo)
    with store.session() as session:
        set_setting(session, "company.name", "Werkzeug Süd GmbH")
        set_setting(session, "company.address_lines", ["Bahnhofstraße 12", "70173 Stuttgart"])
        set_setting(session, "company.vat_id", "DE123456789")
        set_setting(session, "company.logo_path", str(logo))
        session.commit()
    company = build(store).company
    assert (company.name, company.address_lines, company.vat_id) == (
        "Werkzeug Süd GmbH", ("Bahnhofstraße 12", "70173 Stuttgart"), "DE123456789")
    assert company.logo == logo.read_bytes()
    logo.unlink()  # a missing logo prints the name: the sheet still prints
    assert build(store).company.logo is None


def test_issue_files_the_pdf_and_a_reprint_is_the_same_after_changes(store, shop, tmp_path):
    issued = cs.issue_sheet(store, shop["customer"], MAY)
    assert (issued.number, issued.customer_number, issued.as_of, issued.language) == (
        "KS-000001", "K-000002", MAY, "de")
    assert issued.issued_on == date.today() and issued.pages == 2  # terms on page 2
    with store.session() as session:
        row = session.get(IssuedConditionSheet, issued.id)
        document = session.get(Document, issued.document_id)
        assert (document.doc_type, document.name) == (
            "condition_sheet", "Konditionsblatt KS-000001 K-000002.pdf")
        assert document.customer_id == row.customer_id == shop["customer_id"]
        filed = document_path(store, document).read_bytes()
        snapshot = row.snapshot
    assert ConditionSheet.from_json(snapshot).number == "KS-000001"
    assert "KS-000001" in pdf_text(io.BytesIO(filed))

    # the master data, the conditions and the settings change afterwards
    with store.session() as session:
        customer = session.get(Customer, shop["customer_id"])
        customer.name = "Müller Bau & Söhne GmbH"
        customer.return_conditions = ""
        session.get(PaymentTerm, customer.payment_term_id).net_days = 60
        gloves = session.scalar(select(Article).where(Article.number == "A-100"))
        ps.save_condition(session, {
            "type_code": "PRICE", "key_kind": KeyKind.PRICE_GROUP_ARTICLE,
            "key": [customer.price_group_id.hex, gloves.id.hex],
            "scales": [Scale(D(0), D("13.90"))], "valid_from": date(2026, 4, 1)}, succeed=True)
        set_setting(session, "company.name", "Ganz Andere GmbH")
        session.commit()
    changed = build(store)
    assert lines_by_number(changed)["A-100"].list_price == D("13.90")
    assert changed.customer.name == "Müller Bau & Söhne GmbH"

    target = tmp_path / "reprint.pdf"
    assert cs.reprint_sheet(store, issued.id, target) == 2
    assert target.read_bytes() == filed  # byte for byte
    assert cs.reprint_sheet(store, issued.id.hex, io.BytesIO()) == 2
    text = pdf_text(target)
    assert "Müller Bau GmbH" in text and "SalesDesk Demo GmbH" in text
    assert "Ganz Andere" not in text and "13,90" not in text

    second = cs.issue_sheet(store, shop["customer"], MAY, language="fr")
    assert second.number == "KS-000002" and second.language == "fr"
    listed = cs.issued_sheets(store, shop["customer"])
    assert [s.number for s in listed] == ["KS-000002", "KS-000001"]
    assert listed[1] == issued  # pages counted from the filed PDF
    with store.session() as session:
        assert [s.number for s in cs.issued_sheets(session, shop["customer_id"].hex)] == [
            "KS-000002", "KS-000001"]
    assert cs.issued_sheets(store, shop["head"]) == []
    with pytest.raises(NotFound):
        cs.issued_sheets(store, "K-999999")
    with pytest.raises(NotFound):
        cs.reprint_sheet(store, uuid.uuid4(), tmp_path / "nothing.pdf")


def counts(store) -> tuple[int, int, int | None]:
    with store.session() as session:
        sequence = session.get(NumberSequence, "condition_sheet")
        return (session.query(IssuedConditionSheet).count(), session.query(Document).count(),
                sequence.next_value if sequence else None)


def test_a_failed_issue_writes_nothing(store, shop, monkeypatch):
    before = counts(store)
    assert before == (0, 0, None)
    with pytest.raises(NotFound, match="no customer K-999999"):
        cs.issue_sheet(store, "K-999999", MAY)
    assert counts(store) == before

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(cs, "render_condition_sheet", broken)  # after the number is taken
    with pytest.raises(OSError, match="disk full"):
        cs.issue_sheet(store, shop["customer"], MAY)
    assert counts(store) == before
    monkeypatch.undo()

    def refused(**values):
        raise ValueError("refused")

    # the PDF is filed (its blob written), then the snapshot row fails
    monkeypatch.setattr(cs, "IssuedConditionSheet", refused)
    with pytest.raises(ValueError, match="refused"):
        cs.issue_sheet(store, shop["customer"], MAY)
    assert counts(store) == before  # no row, no document, no number used
    blobs = [p for p in (store.data_dir / "documents").rglob("*") if p.is_file()]
    assert len(blobs) == 1  # the unreferenced blob stays behind: harmless
    monkeypatch.undo()

    assert cs.issue_sheet(store, shop["customer"], MAY).number == "KS-000001"


def test_500_articles_give_a_long_sheet_with_headers_and_page_numbers(store, tmp_path):
    with store.session() as session:
        groups = []
        for n in range(5):
            group = ProductGroup(code=f"G{n}", name=f"Gruppe {n} – Größe", sort_order=n)
            session.add(group)
            groups.append(group)
        session.flush()
        customer = create_customer(session, {"name": "Großabnehmer AG", "language": "de"})
        for n in range(500):
            article = Article(number=f"B-{n:04d}", name=f"Schraube Größe {n % 9 + 1}",
                              product_group_id=groups[n % 5].id)
            session.add(article)
            session.flush()
            session.add(ConditionRecord(
                type_code="PRICE", key_kind="article", key1=article.id.hex, key2="",
                valid_from=date(2026, 1, 1), released=True,
                scales=json.dumps([["0", f"{1 + n % 50}.25"]])))
        session.commit()
        number = customer.number
    path = tmp_path / "long.pdf"
    pages = cs.print_sheet(store, number, path, MAY)
    texts = page_texts(path)
    assert pages == len(texts) > 5
    for page, text in enumerate(texts, start=1):
        assert f"Seite {page} von {pages}" in text
        if "B-0" in text:  # every page with articles starts with the table header
            assert "Art.-Nr." in text and "Ihr Preis" in text and "Listenpreis" in text
    everything = " ".join(texts)
    assert all(f"B-{n:04d}" in everything for n in range(500))
    assert "500 Artikel" in everything
    sheet = build(store, customer=number)
    assert [line.article_number for line in sheet.lines[:3]] == ["B-0000", "B-0005", "B-0010"]
    assert sheet.lines[0].net_price == D("1.25")


def test_a_sheet_is_the_same_whichever_way_it_is_printed(store, shop, tmp_path):
    with store.session() as session:
        sheet = cs.build_sheet(session, shop["customer"], MAY)
    first = tmp_path / "a.pdf"
    render_condition_sheet(sheet, first)
    second = tmp_path / "b.pdf"
    cs.print_sheet(store, shop["customer"], second, MAY)
    if sheet.issued_on == date.today():  # not across midnight
        assert first.read_bytes() == second.read_bytes()
    assert counts(store) == (0, 0, None)  # printing issues nothing


def test_an_address_abroad_names_its_country_in_the_sheets_language(store):
    with store.session() as session:
        create_customer(session, {"name": "Dubois Élodie SARL", "language": "fr"},
                        addresses=[{"kind": "main", "street": "12 rue de Paris",
                                    "postal_code": "94000", "city": "Créteil",
                                    "country": "FR"}])
        session.commit()
    french = build(store, customer="K-000001")
    assert french.language == "fr" and french.lines == ()
    assert french.customer.address_lines == ("12 rue de Paris", "94000 CRÉTEIL", "FRANCE")
    assert french.terms == cs.SheetTerms() and french.valid_to is None
    german = build(store, customer="K-000001", language="de")
    assert german.customer.address_lines[-1] == "FRANKREICH"


def test_a_price_to_come_ends_the_sheet_the_day_before(store, shop):
    """A customer price agreed from September takes the gloves over: a sheet printed in
    July is valid until the end of August, not 'until further notice' past the change."""
    with store.session() as session:
        gloves = session.query(Article).filter_by(number="A-100").one()
        ps.save_condition(session, {
            "type_code": "PRICE", "key_kind": KeyKind.CUSTOMER_ARTICLE,
            "key": [shop["customer_id"].hex, gloves.id.hex], "scales": [Scale(D(0), D("9.00"))],
            "valid_from": date(2026, 9, 1)})
        session.commit()
    assert build(store, on=date(2026, 7, 1)).valid_to == date(2026, 8, 31)
    september = build(store, on=date(2026, 9, 1))
    assert lines_by_number(september)["A-100"].list_price == D("9.00")
    assert september.valid_to == date(2026, 12, 31)  # the product-group discount's end
