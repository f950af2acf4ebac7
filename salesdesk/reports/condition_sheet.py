"""The printed condition sheet: a frozen ``ConditionSheet`` rendered to an A4 PDF.

Layout (reportlab platypus): letterhead (logo or company name, address block right),
the customer's address with the sheet's numbers and date, the title with the validity,
the article price table grouped by product group (header row repeated on every page,
zebra rows, prices right-aligned), terms, notes and the signature line. Every page has a
footer with the company's legal line and "Page x of y"; pages after the first have a small
running header. The total page count is known because the canvas keeps each page until
``save()`` and only then draws the footers (one layout pass).

Everything printed comes from the sheet itself, so printing a snapshot read back with
``ConditionSheet.from_json`` gives the same content; the PDF is written with reportlab's
``invariant`` mode (fixed creation date and document id), so it is even the same bytes.

Texts: the sheet's own printed labels (title, column heads, "Page x of y", ...) are kept
in ``LABELS`` below, per document language (de, en, fr). They are texts of the printed
document in the *customer's* language, not UI strings in the user's language, which is
why they are not in the gettext catalogues (there is no French one). Numbers, money and
dates are written with babel in the document's locale: "1.234,50 €" (de), "€1,234.50"
(en), "1 234,50 €" (fr). Prices are printed with the digits the engine gave them (at
least the currency's); rounding happens in the engine at its documented steps, not here.

Speed: table cells are plain strings wrapped here with the font's metrics (``simpleSplit``)
instead of Paragraphs, and the table is a ``LongTable``; 500 lines take well under 1 s
(benchmarks/condition_sheet.py).
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    Image,
    KeepTogether,
    LongTable,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from salesdesk.domain.condition_sheet import ConditionSheet, SheetLine

# -- printed texts per document language -------------------------------------------------

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Konditionsblatt",
        "valid_from_to": "Gültig vom {start} bis {end}",
        "valid_from": "Gültig ab {start} bis auf Weiteres",
        "price_note": "Alle Preise in {currency} je Einheit.",
        "sheet_number": "Blatt-Nr.",
        "customer_number": "Kunden-Nr.",
        "issued_on": "Datum",
        "attention": "z. Hd. {name}",
        "col_number": "Art.-Nr.",
        "col_article": "Artikel",
        "col_unit": "Einheit",
        "col_list": "Listenpreis",
        "col_net": "Ihr Preis",
        "col_discount": "Rabatt",
        "col_scales": "Staffelpreise",
        "pack": "VE {size}",
        "scale": "ab {quantity}: {price}",
        "articles": "{count} Artikel",
        "terms": "Zahlungs- und Lieferbedingungen",
        "payment": "Zahlung",
        "delivery": "Lieferung",
        "invoice_recipient": "Rechnungsempfänger",
        "returns": "Rücksendungen",
        "notes": "Bemerkungen",
        "place_date": "Ort, Datum",
        "signature": "Unterschrift",
        "page": "Seite {page} von {total}",
        "phone": "Tel.",
        "email": "E-Mail",
        "vat_id": "USt-IdNr.",
    },
    "en": {
        "title": "Condition sheet",
        "valid_from_to": "Valid from {start} to {end}",
        "valid_from": "Valid from {start} until further notice",
        "price_note": "All prices in {currency} per unit.",
        "sheet_number": "Sheet no.",
        "customer_number": "Customer no.",
        "issued_on": "Date",
        "attention": "Attn. {name}",
        "col_number": "Art. no.",
        "col_article": "Article",
        "col_unit": "Unit",
        "col_list": "List price",
        "col_net": "Your price",
        "col_discount": "Discount",
        "col_scales": "Quantity scales",
        "pack": "pack {size}",
        "scale": "from {quantity}: {price}",
        "articles": "{count} articles",
        "terms": "Terms of payment and delivery",
        "payment": "Payment",
        "delivery": "Delivery",
        "invoice_recipient": "Invoice recipient",
        "returns": "Returns",
        "notes": "Notes",
        "place_date": "Place, date",
        "signature": "Signature",
        "page": "Page {page} of {total}",
        "phone": "Phone",
        "email": "E-mail",
        "vat_id": "VAT ID",
    },
    "fr": {
        "title": "Fiche de conditions",
        "valid_from_to": "Valable du {start} au {end}",
        "valid_from": "Valable à partir du {start} jusqu’à nouvel ordre",
        "price_note": "Tous les prix en {currency} par unité.",
        "sheet_number": "N° de fiche",
        "customer_number": "N° client",
        "issued_on": "Date",
        "attention": "À l’attention de {name}",
        "col_number": "Réf.",
        "col_article": "Article",
        "col_unit": "Unité",
        "col_list": "Prix catalogue",
        "col_net": "Votre prix",
        "col_discount": "Remise",
        "col_scales": "Prix dégressifs",
        "pack": "colis {size}",
        "scale": "dès {quantity}\u202f: {price}",  # narrow no-break space before ":"
        "articles": "{count} articles",
        "terms": "Conditions de paiement et de livraison",
        "payment": "Paiement",
        "delivery": "Livraison",
        "invoice_recipient": "Destinataire de la facture",
        "returns": "Retours",
        "notes": "Remarques",
        "place_date": "Lieu, date",
        "signature": "Signature",
        "page": "Page {page} sur {total}",
        "phone": "Tél.",
        "email": "E-mail",
        "vat_id": "N° TVA",
    },
}
LOCALES = {"de": "de_DE", "en": "en_GB", "fr": "fr_FR"}

# -- look ---------------------------------------------------------------------------------

FONT, BOLD = "SalesDeskSans", "SalesDeskSans-Bold"
ACCENT = colors.HexColor("#1F4E79")  # the one colour accent: dark blue
ACCENT_TINT = colors.HexColor("#E4ECF5")  # group heading rows
ZEBRA = colors.HexColor("#F4F6F9")
RULE = colors.HexColor("#C9D2DE")
GREY = colors.HexColor("#5F6B7A")
TEXT = colors.HexColor("#1B1F24")

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 22 * mm  # room for the running header on pages 2+
MARGIN_BOTTOM = 22 * mm  # room for the footer
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

TABLE_SIZE, TABLE_LEADING = 8, 9.6
PAD_X, PAD_Y = 3, 2.4
# article no., article, unit, list price, your price, discount, scales (sum: FRAME_WIDTH)
# the unit column holds "colis 100" / "pack 100" on one line
COLUMNS = (17 * mm, 42 * mm, 17 * mm, 20 * mm, 20 * mm, 26 * mm, 32 * mm)
KEEP_TERMS_ROWS = 16  # one kind of terms up to this many lines is never split across pages

_fonts_registered = False


def register_fonts() -> None:
    """DejaVu Sans (regular and bold) from the package resources: €, umlauts, accents."""
    global _fonts_registered
    if _fonts_registered:
        return
    folder = resources.files("salesdesk.resources") / "fonts"
    for name, file in ((FONT, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        pdfmetrics.registerFont(TTFont(name, io.BytesIO((folder / file).read_bytes())))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
    _fonts_registered = True


# -- formatting in the document's language ------------------------------------------------


@dataclass(frozen=True)
class _Format:
    language: str
    currency: str

    @property
    def locale(self) -> str:
        if self.language in LOCALES:
            return LOCALES[self.language]
        try:
            return str(Locale.parse(self.language))
        except (ValueError, UnknownLocaleError):
            return LOCALES["en"]

    @property
    def labels(self) -> dict[str, str]:
        return LABELS.get(self.language, LABELS["en"])

    def money(self, amount: Decimal | None) -> str:
        if amount is None:
            return ""
        # at least the currency's digits, and more if the engine gave more (0,0345 €)
        return format_currency(
            amount, self.currency, locale=self.locale, decimal_quantization=False
        )

    def number(self, value: Decimal) -> str:
        return format_decimal(value, locale=self.locale, decimal_quantization=False)

    def date(self, value: date) -> str:
        return format_date(value, format="long", locale=self.locale)


# -- text helpers -------------------------------------------------------------------------


def wrap(text: str, width: float, font: str = FONT, size: float = TABLE_SIZE) -> str:
    """``text`` broken at spaces into lines that fit ``width``.

    Only plain spaces break a line: babel's no-break spaces keep "9,20 €" together. A word
    wider than the column is cut by letters rather than drawn over the next column.
    """
    measure = pdfmetrics.stringWidth
    space = measure(" ", font, size)
    lines = []
    for part in str(text).splitlines() or [""]:
        line, line_width = "", 0.0
        for word in part.split(" "):
            word_width = measure(word, font, size)
            if line and line_width + space + word_width <= width:
                line, line_width = f"{line} {word}", line_width + space + word_width
                continue
            if line:
                lines.append(line)
            while word_width > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and measure(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                word_width = measure(word, font, size)
            line, line_width = word, word_width
        lines.append(line)
    return "\n".join(lines)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12, textColor=TEXT)
    return {
        "base": base,
        "small": ParagraphStyle("small", base, fontSize=8, leading=10.5, textColor=GREY),
        "sender": ParagraphStyle("sender", base, fontSize=6.5, leading=8, textColor=GREY),
        "address": ParagraphStyle("address", base, fontSize=10, leading=13),
        "letterhead": ParagraphStyle(
            "letterhead", base, fontSize=8, leading=10.5, textColor=GREY, alignment=TA_RIGHT
        ),
        "company": ParagraphStyle(
            "company", base, fontName=BOLD, fontSize=17, leading=21, textColor=ACCENT
        ),
        "title": ParagraphStyle(
            "title", base, fontName=BOLD, fontSize=16, leading=20, textColor=ACCENT
        ),
        "heading": ParagraphStyle(
            "heading",
            base,
            fontName=BOLD,
            fontSize=10.5,
            leading=14,
            textColor=ACCENT,
            spaceBefore=4,
            spaceAfter=4,
        ),
        "label": ParagraphStyle("label", base, fontName=BOLD, fontSize=8.5, leading=11.5),
        "term": ParagraphStyle("term", base, fontSize=8.5, leading=11.5),
    }


def _lines(items: Iterable[str]) -> str:
    return "<br/>".join(escape(item) for item in items)


# -- the parts of the sheet ---------------------------------------------------------------


def _letterhead(sheet: ConditionSheet, fmt: _Format, styles) -> list:
    company, labels = sheet.company, fmt.labels
    contact = [*company.address_lines]
    if company.phone:
        contact.append(f"{labels['phone']} {company.phone}")
    if company.email:
        contact.append(company.email)
    if company.website:
        contact.append(company.website)
    block = Paragraph(
        f'<font name="{BOLD}" color="{ACCENT.hexval().replace("0x", "#")}">'
        f"{escape(company.name)}</font><br/>{_lines(contact)}",
        styles["letterhead"],
    )
    if company.logo:
        reader = ImageReader(io.BytesIO(company.logo))
        width, height = reader.getSize()
        scale = min(55 * mm / width, 20 * mm / height)
        left = Image(io.BytesIO(company.logo), width * scale, height * scale)
        left.hAlign = "LEFT"
    else:
        left = Paragraph(escape(company.name), styles["company"])
    head = Table([[left, block]], colWidths=(FRAME_WIDTH * 0.55, FRAME_WIDTH * 0.45))
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, ACCENT),
            ]
        )
    )
    return [head, Spacer(1, 9 * mm)]


def _address(sheet: ConditionSheet, fmt: _Format, styles) -> list:
    company, customer, labels = sheet.company, sheet.customer, fmt.labels
    sender = " · ".join([company.name, *company.address_lines])
    lines = [f'<font name="{BOLD}">{escape(customer.name)}</font>']
    if customer.contact_person:
        lines.append(escape(labels["attention"].format(name=customer.contact_person)))
    lines.extend(escape(line) for line in customer.address_lines)
    address = [
        Paragraph(f"<u>{escape(sender)}</u>", styles["sender"]),
        Spacer(1, 2 * mm),
        Paragraph("<br/>".join(lines), styles["address"]),
    ]
    facts = [
        (labels["sheet_number"], sheet.number),
        (labels["customer_number"], customer.number),
        (labels["issued_on"], fmt.date(sheet.issued_on)),
    ]
    if not sheet.number:  # printed, not issued: no sheet number
        facts.pop(0)
    info = Table(
        [
            [Paragraph(escape(k), styles["small"]), Paragraph(escape(v), styles["term"])]
            for k, v in facts
        ],
        colWidths=(25 * mm, 40 * mm),
    )
    info.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    info.hAlign = "RIGHT"
    block = Table([[address, info]], colWidths=(FRAME_WIDTH - 65 * mm, 65 * mm))
    block.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [block, Spacer(1, 10 * mm)]


def _title(sheet: ConditionSheet, fmt: _Format, styles) -> list:
    labels = fmt.labels
    if sheet.valid_to:
        validity = labels["valid_from_to"].format(
            start=fmt.date(sheet.valid_from), end=fmt.date(sheet.valid_to)
        )
    else:
        validity = labels["valid_from"].format(start=fmt.date(sheet.valid_from))
    note = labels["price_note"].format(currency=sheet.currency)
    return [
        Paragraph(escape(labels["title"]), styles["title"]),
        Spacer(1, 1.5 * mm),
        Paragraph(f'<font name="{BOLD}">{escape(validity)}</font>', styles["base"]),
        Paragraph(escape(note), styles["small"]),
        Spacer(1, 5 * mm),
    ]


def _line_cells(line: SheetLine, fmt: _Format, widths: tuple[float, ...]) -> list[str]:
    labels = fmt.labels
    unit = line.unit
    if line.pack_size is not None and line.pack_size != 1:
        unit = f"{unit}\n{labels['pack'].format(size=fmt.number(line.pack_size))}"
    scales = "\n".join(
        labels["scale"].format(quantity=fmt.number(quantity), price=fmt.money(price))
        for quantity, price in line.scales
    )
    texts = (
        line.article_number,
        line.article_name,
        unit,
        fmt.money(line.list_price),
        fmt.money(line.net_price),
        line.discount_text.replace(" %", "\u00a0%"),  # "10 %" never breaks before the %
        scales,
    )
    return [wrap(text, width) for text, width in zip(texts, widths, strict=True)]


def _price_table(sheet: ConditionSheet, fmt: _Format) -> list:
    labels = fmt.labels
    inner = tuple(width - 2 * PAD_X for width in COLUMNS)
    inner = (*inner[:5], inner[5] - 5, inner[6])
    header = [
        "\n".join(simpleSplit(labels[key], BOLD, TABLE_SIZE, width))
        for key, width in zip(
            (
                "col_number",
                "col_article",
                "col_unit",
                "col_list",
                "col_net",
                "col_discount",
                "col_scales",
            ),
            inner,
            strict=True,
        )
    ]
    rows: list[list[str]] = [header]
    commands = [
        ("FONT", (0, 0), (-1, -1), FONT, TABLE_SIZE, TABLE_LEADING),
        ("TEXTCOLOR", (0, 0), (-1, -1), TEXT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (3, 0), (4, -1), "RIGHT"),
        ("ALIGN", (6, 0), (6, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), PAD_Y),
        ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_Y + 0.6),
        ("FONT", (0, 0), (-1, 0), BOLD, TABLE_SIZE, TABLE_LEADING),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("TOPPADDING", (0, 0), (-1, 0), 4),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 4),
        ("LEFTPADDING", (5, 0), (5, -1), PAD_X + 5),  # keeps "your price" apart from it
        ("FONT", (4, 1), (4, -1), BOLD, TABLE_SIZE, TABLE_LEADING),
    ]
    group = None
    zebra = False
    for line in sheet.lines:
        if line.product_group != group:
            group = line.product_group
            r = len(rows)
            rows.append([wrap(group, FRAME_WIDTH - 2 * PAD_X, BOLD), "", "", "", "", "", ""])
            commands += [
                ("SPAN", (0, r), (-1, r)),
                ("BACKGROUND", (0, r), (-1, r), ACCENT_TINT),
                ("FONT", (0, r), (-1, r), BOLD, TABLE_SIZE, TABLE_LEADING),
                ("TEXTCOLOR", (0, r), (-1, r), ACCENT),
                ("ALIGN", (0, r), (-1, r), "LEFT"),
                ("TOPPADDING", (0, r), (-1, r), 4),
                ("NOSPLIT", (0, r), (-1, r + 1)),  # a group heading never ends a page
            ]
            zebra = False
        r = len(rows)
        rows.append(_line_cells(line, fmt, inner))
        if zebra:
            commands.append(("BACKGROUND", (0, r), (-1, r), ZEBRA))
        zebra = not zebra
    commands.append(("LINEBELOW", (0, 1), (-1, len(rows) - 1), 0.3, RULE))
    if len(rows) > 1:
        r = len(rows)
        count = labels["articles"].format(count=fmt.number(Decimal(len(sheet.lines))))
        rows.append([count, "", "", "", "", "", ""])
        commands += [
            ("SPAN", (0, r), (-1, r)),
            ("FONT", (0, r), (-1, r), FONT, 7.5, TABLE_LEADING),
            ("TEXTCOLOR", (0, r), (-1, r), GREY),
            ("ALIGN", (0, r), (-1, r), "RIGHT"),
            ("LINEABOVE", (0, r), (-1, r), 0.8, ACCENT),
        ]
    table = LongTable(rows, colWidths=COLUMNS, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return [table, Spacer(1, 8 * mm)]


def _terms(sheet: ConditionSheet, fmt: _Format, styles) -> list:
    """Terms as label/text rows, one table per kind of terms (payment, delivery, …) and one
    row per text line. A kind stays on one page unless it is longer than
    ``KEEP_TERMS_ROWS`` lines (then it splits between lines); the page may turn between
    two kinds, and the heading stays with the first."""
    labels, terms = fmt.labels, sheet.terms
    kinds = [
        (key, items)
        for key, items in (
            ("payment", terms.payment),
            ("delivery", terms.delivery),
            ("invoice_recipient", terms.invoice_recipient),
            ("returns", terms.returns),
        )
        if items
    ]
    parts: list = []
    if kinds:
        # the label column as wide as the longest label of this language needs (within reason)
        widest = max(
            pdfmetrics.stringWidth(labels[key], BOLD, styles["label"].fontSize)
            for key, _items in kinds
        )
        label_width = min(max(widest + 4 * mm, 30 * mm), 48 * mm)
        heading = Paragraph(escape(labels["terms"]), styles["heading"])
        for n, (key, items) in enumerate(kinds):
            rows = [
                [
                    Paragraph(escape(labels[key]), styles["label"]) if i == 0 else "",
                    Paragraph(escape(item), styles["term"]),
                ]
                for i, item in enumerate(items)
            ]
            commands = [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                ("TOPPADDING", (0, 0), (-1, 0), 3.5),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 4),
            ]
            if n:  # a rule between two kinds of terms
                commands.append(("LINEABOVE", (0, 0), (-1, 0), 0.3, RULE))
            table = Table(rows, colWidths=(label_width, FRAME_WIDTH - label_width), hAlign="LEFT")
            table.setStyle(TableStyle(commands))
            block = [heading, table] if n == 0 else [table]
            if len(rows) <= KEEP_TERMS_ROWS:  # the usual few lines: on one page together
                parts.append(KeepTogether(block))
            else:  # long terms start right here and split between lines
                heading.keepWithNext = 1
                parts += block
    if sheet.notes:
        parts.append(
            KeepTogether(
                [
                    Spacer(1, 4 * mm),
                    Paragraph(escape(labels["notes"]), styles["heading"]),
                    *(Paragraph(escape(note), styles["term"]) for note in sheet.notes),
                ]
            )
        )
    return parts


def _signature(fmt: _Format, styles) -> list:
    labels = fmt.labels
    gap = 12 * mm
    half = (FRAME_WIDTH - gap) / 2
    table = Table(
        [["", "", ""], [labels["place_date"], "", labels["signature"]]],
        colWidths=(half, gap, half),
        rowHeights=[16 * mm, None],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 7.5),
                ("TEXTCOLOR", (0, 0), (-1, -1), GREY),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (0, 0), 0.6, TEXT),
                ("LINEBELOW", (2, 0), (2, 0), 0.6, TEXT),
            ]
        )
    )
    return [KeepTogether([Spacer(1, 10 * mm), table])]


# -- pages: running header, footer with "Page x of y" ---------------------------------------


def _legal_line(sheet: ConditionSheet, fmt: _Format) -> str:
    company, labels = sheet.company, fmt.labels
    parts = [company.name, *company.address_lines]
    if company.phone:
        parts.append(f"{labels['phone']} {company.phone}")
    if company.email:
        parts.append(company.email)
    if company.website:
        parts.append(company.website)
    if company.vat_id:
        parts.append(f"{labels['vat_id']} {company.vat_id}")
    return " · ".join(parts)


def _canvas_maker(sheet: ConditionSheet, fmt: _Format, pages: list[int]):
    """A Canvas class that draws the header/footer of every page once the total is known."""
    labels = fmt.labels
    legal = _legal_line(sheet, fmt)
    title = f"{labels['title']} {sheet.number}".strip()
    running = f"{title} · {sheet.customer.name} ({sheet.customer.number})"

    class SheetCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            pages.append(total)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._decorate(number, total)
                super().showPage()
            super().save()

        def _decorate(self, number: int, total: int):
            self.saveState()
            right = PAGE_WIDTH - MARGIN_X
            if number > 1:
                y = PAGE_HEIGHT - 13 * mm
                self.setFont(BOLD, 8)
                self.setFillColor(ACCENT)
                self.drawString(MARGIN_X, y, sheet.company.name)
                self.setFont(FONT, 8)
                self.setFillColor(GREY)
                self.drawRightString(right, y, running)
                self.setStrokeColor(RULE)
                self.setLineWidth(0.5)
                self.line(MARGIN_X, y - 2.5 * mm, right, y - 2.5 * mm)
            y = 14 * mm
            self.setStrokeColor(ACCENT)
            self.setLineWidth(0.8)
            self.line(MARGIN_X, y, right, y)
            page_text = labels["page"].format(page=number, total=total)
            self.setFont(BOLD, 7.5)
            self.setFillColor(TEXT)
            self.drawRightString(right, y - 4.5 * mm, page_text)
            room = FRAME_WIDTH - pdfmetrics.stringWidth(page_text, BOLD, 7.5) - 8 * mm
            self.setFont(FONT, 6.8)
            self.setFillColor(GREY)
            for n, text in enumerate(simpleSplit(legal, FONT, 6.8, room)[:3]):
                self.drawString(MARGIN_X, y - 4.5 * mm - n * 8.5, text)
            self.restoreState()

    return SheetCanvas


def render_condition_sheet(sheet: ConditionSheet, path_or_file: str | Path | BinaryIO) -> int:
    """Write ``sheet`` as an A4 PDF to a path or a binary file; the number of pages."""
    register_fonts()
    fmt = _Format(sheet.language, sheet.currency)
    styles = _styles()
    target = str(path_or_file) if isinstance(path_or_file, Path) else path_or_file
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        FRAME_WIDTH,
        PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc = BaseDocTemplate(
        target,
        pagesize=A4,
        pageTemplates=[PageTemplate("sheet", [frame])],
        title=f"{' '.join(filter(None, (fmt.labels['title'], sheet.number)))} – "
        f"{sheet.customer.name}",
        author=sheet.company.name,
        subject=sheet.customer.number,
        creator="SalesDesk",
        lang=sheet.language,
        invariant=True,
    )
    story = [
        *_letterhead(sheet, fmt, styles),
        *_address(sheet, fmt, styles),
        *_title(sheet, fmt, styles),
        *_price_table(sheet, fmt),
        *_terms(sheet, fmt, styles),
        *_signature(fmt, styles),
    ]
    pages: list[int] = []
    doc.build(story, canvasmaker=_canvas_maker(sheet, fmt, pages))
    return pages[-1]
