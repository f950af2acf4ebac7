"""The Conditions page, driven like a user: pick a customer, read the current, upcoming
and past records in words, add a condition, be refused an overlapping one beside the
field, change a price as a successor, check a price to the cent, preview, save, issue and
reprint the condition sheet."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

from salesdesk.domain.pricing import KeyKind, Scale
from salesdesk.services import pricing as ps
from salesdesk.services.customers import create_customer
from salesdesk.store.models import (
    Article,
    ConditionRecord,
    CustomerGroup,
    Document,
    PaymentTerm,
    PriceGroup,
    ProductGroup,
)
from salesdesk.ui.dialogs.condition_dialog import ConditionDialog
from salesdesk.ui.views.conditions_view import ConditionsView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "This plugin does not support")
MAY = date(2026, 5, 1)
HEX_ID = re.compile(r"[0-9a-fA-F]{32}")
WAIT_MS = 30000


@pytest.fixture
def shop(store) -> dict:
    """Gloves in workwear; a dealer price group; Müller Bau (K-000001) in it with a
    customer price until June, a product-group discount and a customer-group discount."""
    with store.session() as session:
        workwear = ProductGroup(code="WORKWEAR", name="Arbeitskleidung")
        session.add(workwear)
        session.flush()
        gloves = ProductGroup(code="GLOVES", name="Handschuhe", parent_id=workwear.id)
        retail, dealer = CustomerGroup(code="RET", name="Retail"), PriceGroup(code="FH",
                                                                             name="Fachhandel")
        terms = PaymentTerm(code="S14", name="2 % 14 days", net_days=30,
                            cash_discounts='[["2", 14]]')
        session.add_all([gloves, retail, dealer, terms])
        session.flush()
        glove = Article(number="100234", name="Arbeitshandschuh Nitril",
                        product_group_id=gloves.id)
        session.add(glove)
        customer = create_customer(session, {
            "name": "Müller Bau GmbH", "customer_group_id": retail.id,
            "price_group_id": dealer.id, "payment_term_id": terms.id, "language": "en"})
        session.flush()

        def save(type_code, kind, key, value, **extra):
            ps.save_condition(session, {
                "type_code": type_code, "key_kind": kind, "key": key,
                "scales": [Scale(D(0), D(value))],
                "valid_from": extra.pop("valid_from", date(2026, 1, 1)), **extra})

        g = glove.id.hex
        save("PRICE", KeyKind.ARTICLE, [g], "12.50")
        save("PRICE", KeyKind.PRICE_GROUP_ARTICLE, [dealer.id.hex, g], "11.90")
        save("PRICE", KeyKind.CUSTOMER_ARTICLE, [customer.id.hex, g], "10.00",
             valid_to=date(2026, 6, 30))
        save("GROUP_DISCOUNT", KeyKind.CUSTOMER_PRODUCT_GROUP, [customer.id.hex,
                                                                gloves.id.hex], "-5")
        save("CUSTOMER_GROUP_DISCOUNT", KeyKind.CUSTOMER_GROUP_PRODUCT_GROUP,
             [retail.id.hex, workwear.id.hex], "-10")
        session.commit()
        return {"customer": customer.id, "number": customer.number}


@pytest.fixture
def view(qtbot, store, shop):
    widget = ConditionsView(store)
    qtbot.addWidget(widget)
    widget.resize(1140, 720)
    widget.as_of.setDate(QDate(MAY))
    return widget


def wait(qtbot, view) -> None:
    qtbot.waitUntil(lambda: not view.busy and not view._timer.isActive(), timeout=WAIT_MS)


def rows(view, section: str) -> list[tuple[str, ...]]:
    return [row.texts for row in view.sections[section].model.rows]


def cells(model) -> list[str]:
    return [str(model.index(r, c).data(role) or "") for r in range(model.rowCount())
            for c in range(model.columnCount())
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)]


def shown_texts(view) -> str:
    texts = [text for section in view.sections.values() for text in cells(section.proxy)]
    texts += cells(view.issued_model) + cells(view.price_check.applied)
    texts += [view.title.text(), view.facts.text(), view.price_check.trace.toPlainText(),
              view.price_check.summary.text(), view.picker.text()]
    return "\n".join(texts)


def record_count(store) -> int:
    with store.session() as session:
        return session.query(ConditionRecord).count()


def test_pick_a_customer_and_read_the_sections_in_words(qtbot, qtmodeltester, view, shop):
    assert view._pages.currentWidget() is view.empty  # nothing chosen yet: says what to do
    qtbot.keyClicks(view.picker, "Bau GmbH")  # ASCII: QTest types no umlauts
    view.picker.search()
    view.picker.choose_row(0)
    wait(qtbot, view)
    assert view.title.text() == f"{shop['number']}   Müller Bau GmbH"
    assert "Price group: FH Fachhandel" in view.facts.text()
    assert "30 days net; 2 % within 14 days" in view.facts.text()
    number = shop["number"]
    assert [r[:4] for r in rows(view, "current")] == [
        ("Base price", "Article 100234 Arbeitshandschuh Nitril", f"Customer {number}",
         "€10.00"),
        ("Product-group discount", "Product group GLOVES Handschuhe", f"Customer {number}",
         "-5 %"),
        ("Base price", "Article 100234 Arbeitshandschuh Nitril", "Price group FH Fachhandel",
         "€11.90"),
        ("Customer-group discount", "Product group WORKWEAR Arbeitskleidung",
         "Customer group RET Retail", "-10 %"),
        ("Base price", "Article 100234 Arbeitshandschuh Nitril", "All customers", "€12.50"),
    ]
    assert view.tabs.tabText(0) == "Current (5)"
    assert view.sections["upcoming"].empty.text() == \
        "Nothing starts after 1 May 2026, and there are no drafts."
    qtmodeltester.check(view.sections["current"].model)
    # the first record is chosen, so the price check shows its article's price at once
    assert view.price_check.net_price_text() == "Net price: €8.55 per unit"
    assert not HEX_ID.search(shown_texts(view))


def test_the_columns_sort_by_value_and_validity(qtbot, view, shop):
    view.show_customer(shop["number"])
    wait(qtbot, view)
    table = view.sections["current"].table
    table.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # Value: -10 % … €12.50
    values = [table.model().index(r, 3).data() for r in range(table.model().rowCount())]
    assert values == ["-10 %", "-5 %", "€10.00", "€11.90", "€12.50"]


def test_a_new_condition_through_the_dialog(qtbot, view, shop, store):
    view.show_customer(shop["number"])
    wait(qtbot, view)
    qtbot.mouseClick(view.buttons["new"], Qt.MouseButton.LeftButton)
    dialog: ConditionDialog = view.dialog
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()  # nothing chosen yet
    kinds = dialog.field("type_code")
    kinds.setCurrentIndex(kinds.findData("PROMOTION"))
    keys = dialog.field("key_kind")
    assert [keys.itemText(i) for i in range(keys.count())] == [
        "One article, for this customer", "One article, for all customers"]
    assert dialog.field("article").isVisibleTo(dialog)
    assert not dialog.field("product_group").isVisibleTo(dialog)
    article = dialog.field("article")
    qtbot.keyClicks(article, "nitril")
    article.search()
    article.choose_row(0)
    assert article.field_value() == "100234"
    dialog.field("scales").table.item(0, 1).setText("-3")
    dialog.field("valid_from").setDate(QDate(2026, 3, 1))
    dialog.form.findChild(type(dialog.field("released")), "valid_to_set").setChecked(True)
    dialog.field("valid_to").setDate(QDate(2026, 3, 31))
    dialog.field("note").setText("Spring promotion")
    assert save.isEnabled(), dialog.errors()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    view.as_of.setDate(QDate(2026, 3, 15))
    wait(qtbot, view)
    promotion = [r for r in rows(view, "current") if r[0] == "Promotion"]
    assert promotion == [("Promotion", "Article 100234 Arbeitshandschuh Nitril",
                          f"Customer {shop['number']}", "-3 %", "1 Mar 2026 – 31 Mar 2026",
                          "Released", "Spring promotion")]


def test_checks_as_you_type_beside_the_field(qtbot, view, shop):
    view.show_customer(shop["number"])
    wait(qtbot, view)
    view.new_condition()
    dialog = view.dialog
    kinds = dialog.field("type_code")
    kinds.setCurrentIndex(kinds.findData("PRICE"))
    dialog.field("scales").table.item(0, 1).setText("-1")
    assert dialog.error_label("scales").text() == "cannot be negative"
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    dialog.field("scales").table.item(0, 1).setText("zehn")
    assert dialog.error_label("scales").text() == "“0 / zehn” is not a number"


def test_an_overlapping_condition_is_refused_beside_the_field(qtbot, view, shop, store):
    view.show_customer(shop["number"])
    wait(qtbot, view)
    before = record_count(store)
    view.new_condition()
    dialog = view.dialog
    kinds = dialog.field("type_code")
    kinds.setCurrentIndex(kinds.findData("PRICE"))
    qtbot.keyClicks(dialog.field("article"), "100234")
    dialog.field("scales").table.item(0, 1).setText("9.00")
    dialog.field("valid_from").setDate(QDate(2026, 3, 1))
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled(), dialog.errors()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # kept open with the input
    assert dialog.error_label("valid_from").text() == \
        "overlaps the record valid 2026-01-01 to 2026-06-30; end that one first"
    assert record_count(store) == before


def test_a_changed_price_is_a_successor_and_the_old_one_becomes_history(qtbot, view, shop,
                                                                          store):
    view.show_customer(shop["number"])
    wait(qtbot, view)
    section = view.show_section("current")
    assert section.select_record(section.model.rows[0].record_id)  # the customer price
    assert view.buttons["change"].isEnabled()
    qtbot.mouseClick(view.buttons["change"], Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert dialog.windowTitle() == "Change Base price: Article 100234 Arbeitshandschuh Nitril"
    assert not dialog.field("article").isEnabled()  # a successor keeps its key
    dialog.field("valid_from").setDate(QDate(2026, 1, 1))
    assert "must be after 1 Jan 2026" in dialog.error_label("valid_from").text()
    dialog.field("valid_from").setDate(QDate(2026, 6, 1))
    dialog.field("scales").table.item(0, 1).setText("9.50")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.errors()
    wait(qtbot, view)
    assert rows(view, "history") == []  # as of May nothing has ended yet
    view.as_of.setDate(QDate(2026, 6, 15))
    wait(qtbot, view)
    number = shop["number"]
    assert [r[3:5] for r in rows(view, "history")] == [("€10.00", "1 Jan 2026 – 31 May 2026")]
    assert [r[3:5] for r in rows(view, "current") if r[2] == f"Customer {number}"
            and r[0] == "Base price"] == [("€9.50", "1 Jun 2026 – 30 Jun 2026")]
    assert view.tabs.tabText(2) == "Ended (1)"


def test_price_check_to_the_cent(qtbot, view, shop):
    view.show_customer(shop["number"])
    wait(qtbot, view)
    panel = view.price_check
    panel.article.clear()
    qtbot.keyClicks(panel.article, "100234")
    panel.quantity.clear()
    qtbot.keyClicks(panel.quantity, "10")
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    # 10 × €10.00, −5 % (GLOVES) = €95.00, −10 % (RET / WORKWEAR, cascading) = €85.50
    assert panel.net_price_text() == "Net price: €8.55 per unit"
    assert "Quantity 10: net value €85.50" in panel.summary.text()
    assert "Cash discount: 2 % within 14 days = €1.71 (not deducted)" in panel.summary.text()
    assert [panel.applied.index(r, 2).data() for r in range(3)] == [
        "€100.00", "-€5.00", "-€9.50"]
    assert f"customer and article {shop['number']} / 100234 – used" in \
        panel.trace.toPlainText()
    panel.article.clear()
    qtbot.keyClicks(panel.article, "X-1")
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    assert panel.error.text() == "There is no article X-1."
    assert not HEX_ID.search(shown_texts(view))


def test_print_preview_renders_the_pages(qtbot, view, shop, tmp_path, monkeypatch):
    from pypdf import PdfReader

    view.show_customer(shop["number"])
    wait(qtbot, view)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=WAIT_MS)  # shortcuts need an active window
    view.tabs.setFocus()
    qtbot.keyClick(view.tabs, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # Ctrl+P
    qtbot.waitUntil(lambda: view.preview is not None, timeout=WAIT_MS)
    preview = view.preview
    assert len(preview.images) >= 1
    assert len(preview.page_labels) == len(preview.images)
    assert preview.images[0].width() > 500  # an A4 page at screen resolution
    target = tmp_path / "preview.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    assert preview.save_pdf() == target
    assert len(PdfReader(target).pages) == len(preview.images)


def test_save_as_pdf(qtbot, view, shop, tmp_path, monkeypatch):
    from pypdf import PdfReader

    view.show_customer(shop["number"])
    wait(qtbot, view)
    target = tmp_path / "sheet"  # the .pdf is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    qtbot.mouseClick(view.buttons["pdf"], Qt.MouseButton.LeftButton)
    wait(qtbot, view)
    written = tmp_path / "sheet.pdf"
    text = "".join(page.extract_text() for page in PdfReader(written).pages)
    assert shop["number"] in text and "100234" in text
    assert "Saved the condition sheet" in view.status.text()


def test_print_on_the_chosen_printer(qtbot, view, shop, tmp_path, monkeypatch):
    """The printer the print dialog sets up gets every page (a PDF printer here)."""
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    from salesdesk.ui.views import sheet_commands

    target = tmp_path / "printed.pdf"

    def pdf_printer(parent, title):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        printer.setResolution(150)
        return printer

    monkeypatch.setattr(sheet_commands, "choose_printer", pdf_printer)
    view.show_customer(shop["number"])
    wait(qtbot, view)
    qtbot.mouseClick(view.buttons["print"], Qt.MouseButton.LeftButton)
    wait(qtbot, view)
    assert view.status.text().startswith("Printed the condition sheet")
    assert len(PdfReader(target).pages) >= 1


def test_no_shortcut_of_the_page_fires_window_wide(view):
    from PySide6.QtGui import QShortcut

    shortcuts = view.findChildren(QShortcut)
    assert {s.key().toString() for s in shortcuts} >= {"Return", "Enter", "Ctrl+P"}
    assert all(s.context() != Qt.ShortcutContext.WindowShortcut for s in shortcuts)


def test_issue_a_sheet_and_reprint_it(qtbot, view, shop, store, answer):
    view.show_customer(shop["number"])
    wait(qtbot, view)
    asked = answer(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(view.buttons["issue"], Qt.MouseButton.LeftButton)
    wait(qtbot, view)
    assert "filed in the customer's documents" in asked[0]
    number = view.last_issued.number
    assert view.status.text() == (f"Condition sheet {number} issued and filed in the "
                                  "customer's documents.")
    assert view.tabs.currentIndex() == view.tabs.count() - 1
    assert view.issued_model.rowCount() == 1
    assert view.issued_model.index(0, 0).data() == number
    with store.session() as session:
        assert session.query(Document).filter_by(customer_id=shop["customer"],
                                                  doc_type="condition_sheet").count() == 1
    view.issued_table.selectRow(0)
    qtbot.mouseClick(view.buttons["reprint"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.preview is not None, timeout=WAIT_MS)
    assert view.preview.windowTitle() == f"Condition sheet {number} (reprint)"
    assert len(view.preview.images) >= 1
    assert not HEX_ID.search(shown_texts(view))


def test_issuing_asks_first(qtbot, view, shop, no_blocking_dialogs):
    view.show_customer(shop["number"])
    wait(qtbot, view)
    view.issue_sheet()  # the question is answered Cancel
    assert view.op is None and view.issued_model.rowCount() == 0


# -- in the main window -----------------------------------------------------------------

def test_the_window_opens_the_page_for_a_customer(qtbot, window):
    from salesdesk.ui.views.conditions_view import ConditionsView as Page

    window.show_view("conditions:K-000001")
    page = window.pages.currentWidget()
    assert isinstance(page, Page)
    assert window.current_view() == "conditions:K-000001"
    assert window.actions["print"].isEnabled()
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    assert page.title.text().startswith("K-000001")
    assert not HEX_ID.search(shown_texts(page))
    window.actions["print"].trigger()  # Ctrl+P of the window: the sheet's print preview
    qtbot.waitUntil(lambda: page.preview is not None, timeout=WAIT_MS)
    assert len(page.preview.images) >= 1
    page.preview.close()
    window.show_view("customers")
    assert not window.actions["print"].isEnabled()


def test_the_customer_file_opens_its_conditions(qtbot, window):
    window.show_view("customer:K-000002")
    button = window.file_view.tabs.cornerWidget()
    assert button.text() == "Conditions" and button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.current_view() == "conditions:K-000002"
    qtbot.waitUntil(lambda: not window.pages.currentWidget().busy, timeout=WAIT_MS)


def test_an_unknown_customer_is_a_clear_error(window):
    from salesdesk.domain.errors import NotFound

    with pytest.raises(NotFound, match="There is no customer K-999999"):
        window.show_view("conditions:K-999999")
