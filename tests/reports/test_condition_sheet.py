"""The printed condition sheet, read back: text with pypdf, pictures with pypdfium2.

Story: Vertrieb Süd GmbH issues sheets to Müller Größenhandel in Straße-town (German),
to Élodie Dubois in Créteil (French) and to a British buyer (English). The prices come
out in each language's format, the terms and the umlauts are intact, a long sheet repeats
its table header and counts its pages, and an archived snapshot reprints the same sheet.
PNGs of the first and the last page are kept in /tmp/sheets/ to look at.
"""

import dataclasses
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from salesdesk.domain.condition_sheet import (
    ConditionSheet,
    SheetCompany,
    SheetCustomer,
    SheetLine,
    SheetTerms,
)
from salesdesk.reports.condition_sheet import LABELS, render_condition_sheet

SHEETS = Path("/tmp/sheets")

TERMS = {
    "de": SheetTerms(
        payment=("30 Tage netto; 2 % Skonto innerhalb von 14 Tagen",),
        delivery=("DAP Incoterms 2020, frei Haus ab 500,00 € Warenwert",),
        invoice_recipient=("Müller Größenhandel GmbH, Buchhaltung, Hauptstraße 5, 80331 München",),
        returns=("Rückgabe originalverpackter Ware innerhalb von 30 Tagen",),
    ),
    "en": SheetTerms(
        payment=("30 days net; 2 % cash discount within 14 days",),
        delivery=("DAP Incoterms 2020, free freight from €500.00 order value",),
        invoice_recipient=("Harbour Supplies Ltd, Accounts, 1 Dock Road, Bristol",),
        returns=("Returns of unopened goods within 30 days",),
    ),
    "fr": SheetTerms(
        payment=("30 jours net ; escompte de 2 % sous 14 jours",),
        delivery=("DAP Incoterms 2020, franco de port à partir de 500,00 €",),
        invoice_recipient=("Dubois Élodie SARL, 12 rue de Paris, 94000 Créteil",),
        returns=("Retours de marchandise non ouverte sous 30 jours",),
    ),
}
CUSTOMERS = {
    "de": SheetCustomer(
        "K-000123", "Müller Größenhandel GmbH", ("Hauptstraße 5", "80331 München"), "Jörg Müller"
    ),
    "en": SheetCustomer(
        "K-000456", "Harbour Supplies Ltd", ("1 Dock Road", "Bristol BS1 5TY"), "Amy Lee"
    ),
    "fr": SheetCustomer(
        "K-000789", "Dubois Élodie SARL", ("12 rue de Paris", "94000 Créteil"), "Élodie Dubois"
    ),
}
DISCOUNT = {
    "de": "−10 % + −5 % (kaskadierend)",
    "en": "−10 % + −5 % (cascading)",
    "fr": "−10 % + −5 % (en cascade)",
}
GROUPS = ("Befestigung & Dübel", "Größenverstellbare Regale", "Werkzeug – Straßenbau")


def company(logo: bytes | None = None) -> SheetCompany:
    return SheetCompany(
        name="Vertrieb Süd GmbH",
        address_lines=("Bahnhofstraße 12", "70173 Stuttgart"),
        phone="+49 711 123456",
        email="info@vertrieb-sued.example",
        website="www.vertrieb-sued.example",
        vat_id="DE123456789",
        logo=logo,
    )


def make_lines(count: int, language: str = "de") -> tuple[SheetLine, ...]:
    lines = []
    for n in range(count):
        group = GROUPS[n * len(GROUPS) // count]
        name = f"Größe {n % 7 + 1} Schraube Straße"
        if n % 5 == 0:
            name += " mit besonders langem Artikelnamen, der in seiner Spalte umbrechen muss"
        net = Decimal("1234.50") if n == 0 else Decimal(9 + n % 40) + Decimal("0.20")
        lines.append(
            SheetLine(
                article_number=f"A-{10000 + n}",
                article_name=name,
                product_group=group,
                unit="Stk." if language == "de" else "pc",
                pack_size=Decimal(12) if n % 3 == 0 else None,
                list_price=net + Decimal("1.30"),
                net_price=net,
                discount_text=DISCOUNT[language] if n % 2 == 0 else "−8 %",
                scales=((Decimal(100), net - Decimal(1)), (Decimal(1000), net - Decimal(2)))
                if n % 4 == 0
                else (),
            )
        )
    return tuple(lines)


def make_sheet(language: str, count: int = 12, logo: bytes | None = None) -> ConditionSheet:
    return ConditionSheet(
        number="KB-2027-0042",
        company=company(logo),
        customer=CUSTOMERS[language],
        language=language,
        currency="EUR",
        issued_on=date(2027, 1, 15),
        valid_from=date(2027, 2, 1),
        valid_to=date(2027, 12, 31) if language != "fr" else None,
        lines=make_lines(count, language),
        terms=TERMS[language],
        notes=("Preise gelten für die Straße-Filiale; Größe nach Absprache.",)
        if language == "de"
        else ("Special prices for the Créteil store only.",),
    )


def render(sheet: ConditionSheet, tmp_path: Path, name: str) -> tuple[Path, int]:
    path = tmp_path / f"{name}.pdf"
    pages = render_condition_sheet(sheet, path)
    return path, pages


def page_texts(path: Path) -> list[str]:
    """Each page's text, with babel's (narrow) no-break spaces as plain spaces."""
    return [
        re.sub("[\u00a0\u202f]", " ", page.extract_text() or "") for page in PdfReader(path).pages
    ]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def save_png(path: Path, index: int, name: str) -> Path:
    """Page ``index`` as a PNG in /tmp/sheets; checked for not being blank."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        image = pdf[index].render(scale=1.5).to_pil().convert("RGB")
    finally:
        pdf.close()
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 10, "the page looks blank"
    assert len({tuple(c // 32 for c in rgb) for _, rgb in colours}) >= 4  # text, accent, tint
    SHEETS.mkdir(exist_ok=True)
    target = SHEETS / f"{name}.png"
    image.save(target)
    return target


@pytest.mark.parametrize(
    ("language", "big_price", "net_price", "scale"),
    [
        ("de", "1.234,50 €", "10,20 €", "ab 100: 1.233,50 €"),
        ("en", "€1,234.50", "€10.20", "from 100: €1,233.50"),
        ("fr", "1 234,50 €", "10,20 €", "dès 100 : 1 233,50 €"),
    ],
)
def test_a_sheet_speaks_the_customers_language(tmp_path, language, big_price, net_price, scale):
    sheet = make_sheet(language)
    path, pages = render(sheet, tmp_path, f"sheet-{language}")
    texts = page_texts(path)
    assert pages == len(texts) == 2  # the table fills page 1, terms and signature follow
    text = flat(" ".join(texts))

    labels = LABELS[language]
    assert labels["title"] in text
    assert big_price in text and net_price in text and scale in text
    for line in (*sheet.terms.payment, *sheet.terms.delivery, *sheet.terms.returns):
        assert flat(line) in text
    customer = sheet.customer
    assert customer.name in text and customer.number in text
    assert all(line in text for line in customer.address_lines)
    assert "Vertrieb Süd GmbH" in text and "Bahnhofstraße 12" in text
    assert "Größe" in text and "Straße" in text  # umlauts and ß intact
    assert labels["page"].format(page=1, total=2) in flat(texts[0])
    assert labels["page"].format(page=2, total=2) in flat(texts[1])
    assert labels["place_date"] in text and labels["signature"] in text
    assert sheet.notes[0] in text
    if language == "fr":
        assert "Élodie" in text and "Créteil" in text
        assert "Valable à partir du 1 février 2027" in text
    if language == "de":
        assert "Gültig vom 1. Februar 2027 bis 31. Dezember 2027" in text
        assert "z. Hd. Jörg Müller" in text
    save_png(path, 0, f"sheet-{language}")
    save_png(path, 1, f"sheet-{language}-2")


def test_a_long_sheet_repeats_its_header_and_counts_its_pages(tmp_path):
    sheet = make_sheet("de", count=200)
    path, pages = render(sheet, tmp_path, "sheet-long")
    texts = page_texts(path)
    assert pages == len(texts) > 2
    for number, text in enumerate(texts, start=1):
        assert f"Seite {number} von {pages}" in text
        if "A-10" in text:  # a page with article rows starts with the table header
            assert "Art.-Nr." in text and "Listenpreis" in text and "Ihr Preis" in text
        assert "USt-IdNr. DE123456789" in flat(text)  # the legal line on every page
    everything = flat(" ".join(texts))
    # every article once, and every group heading
    assert all(f"A-{10000 + n}" in everything for n in range(200))
    assert all(group in everything for group in GROUPS)
    assert "200 Artikel" in everything
    assert sum("Art.-Nr." in text for text in texts) >= pages - 1  # at most a terms-only page
    save_png(path, 0, "sheet-long-first")
    save_png(path, pages - 1, "sheet-long-last")
    save_png(path, 1, "sheet-long-second")


def test_an_english_long_sheet_says_page_x_of_y(tmp_path):
    path, pages = render(make_sheet("en", count=120), tmp_path, "sheet-en-long")
    texts = page_texts(path)
    assert pages > 1
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in text
        assert "Your price" in text or "A-10" not in text


def test_the_snapshot_round_trips_and_reprints_the_same_sheet(tmp_path):
    logo = png_logo()
    sheet = make_sheet("fr", count=30, logo=logo)
    snapshot = sheet.to_json()
    again = ConditionSheet.from_json(snapshot)
    assert again == sheet
    assert again.to_json() == snapshot
    assert again.company.logo == logo
    assert '"1234.50"' in snapshot and '"2027-02-01"' in snapshot  # exact Decimal, ISO dates

    first, _ = render(sheet, tmp_path, "original")
    second, _ = render(again, tmp_path, "reprint")
    assert page_texts(first) == page_texts(second)
    assert first.read_bytes() == second.read_bytes()  # invariant PDF: even the same bytes
    save_png(second, 0, "sheet-fr-logo")


def test_a_sheet_renders_into_a_file_object_and_empty_parts_are_left_out(tmp_path):
    sheet = ConditionSheet(
        number="KB-1",
        company=SheetCompany(name="Solo <&> Co"),
        customer=SheetCustomer("K-1", "Straßen & Wege AG"),
        language="de",
        currency="EUR",
        issued_on=date(2027, 1, 1),
        valid_from=date(2027, 1, 1),
        lines=(SheetLine("A-1", "Größe S", "Textil", "Stk.", Decimal("0.0345")),),
    )
    buffer = io.BytesIO()
    assert render_condition_sheet(sheet, buffer) == 1
    text = flat(PdfReader(buffer).pages[0].extract_text())
    assert "Solo <&> Co" in text and "Straßen & Wege AG" in text
    assert "0,0345" in text  # the engine's digits are printed, not rounded again
    assert "Zahlung" not in text and "Bemerkungen" not in text


def test_floats_are_refused_in_a_sheet():
    with pytest.raises(TypeError):
        SheetLine("A-1", "x", "g", "Stk.", 9.2)


def png_logo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 110, 120), fill=(31, 78, 121))
    draw.ellipse((20, 20, 90, 100), fill=(228, 236, 245))
    draw.rectangle((130, 40, 350, 80), fill=(95, 107, 122))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_long_terms_and_words_without_spaces_stay_on_the_page(tmp_path):
    word = "Donaudampfschifffahrtsgesellschaftskapitänsmützenhalterungsschraube"
    sheet = dataclasses.replace(
        make_sheet("de", count=3),
        lines=(SheetLine("A-1", word, "Größe XL", "Stk.", Decimal("1.00")),),
        terms=SheetTerms(payment=tuple(f"Zahlungsstufe {n}: Skonto {n} %" for n in range(120))),
    )
    path, pages = render(sheet, tmp_path, "sheet-long-terms")
    texts = page_texts(path)
    assert pages == len(texts) >= 3
    everything = flat(" ".join(texts))
    assert all(f"Zahlungsstufe {n}: Skonto {n} %" in everything for n in range(120))
    assert word in everything.replace("\n", "").replace(" ", "")  # cut by letters, all there
    assert all(f"Seite {n} von {pages}" in text for n, text in enumerate(texts, start=1))


def test_a_sheet_printed_without_a_number_shows_none(tmp_path):
    sheet = dataclasses.replace(make_sheet("de", count=60), number="")
    path, pages = render(sheet, tmp_path, "sheet-unnumbered")
    texts = page_texts(path)
    assert pages == len(texts) > 1
    assert "Blatt-Nr." not in " ".join(texts)
    assert "Konditionsblatt · Müller Größenhandel GmbH (K-000123)" in flat(texts[1])
    assert PdfReader(path).metadata.title == "Konditionsblatt – Müller Größenhandel GmbH"


def test_each_kind_of_terms_stays_on_one_page_and_the_page_turns_between_them(tmp_path):
    kinds = ("Zahlungsstufe", "Lieferweg", "Empfängerzeile", "Rückgaberegel")
    terms = SheetTerms(
        *(tuple(f"{kind} {n}" for n in range(12)) for kind in kinds)  # 48 lines
    )
    sheet = dataclasses.replace(make_sheet("de", count=4), terms=terms)
    path, pages = render(sheet, tmp_path, "sheet-terms-kinds")
    texts = [flat(text) for text in page_texts(path)]
    for kind in kinds:
        holding = {i for i, text in enumerate(texts) for n in range(12) if f"{kind} {n} " in
                   f"{text} "}
        assert len(holding) == 1, kind  # all 12 lines of a kind on one page
    first = next(i for i, text in enumerate(texts) if "Zahlungsstufe 0" in text)
    assert "Zahlungs- und Lieferbedingungen" in texts[first]  # the heading stays with it
    last = next(i for i, text in enumerate(texts) if "Rückgaberegel 11" in text)
    assert last > first  # the terms took more than one page
    assert first == 0  # and began right under the table, not on a page of their own
