"""One catalog for Qt and Python; Qt's own texts; babel formatting per language."""

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import QCoreApplication

from salesdesk.i18n import set_language
from salesdesk.ui import formatting
from salesdesk.ui.translation import CatalogTranslator, install_translation, remove_translation


@pytest.fixture
def german(qapp):
    installed = install_translation("de")
    yield installed
    remove_translation(installed)
    set_language("en")


def test_qt_tr_reads_the_po_catalog(german):
    assert QCoreApplication.translate("AnyContext", "Credit limit") == "Kreditlimit"


def test_unknown_texts_stay_english(german):
    assert QCoreApplication.translate("X", "A text nobody translated yet") == \
        "A text nobody translated yet"


def test_qt_standard_buttons_come_from_qtbase(german):
    assert len(german) == 2  # qtbase_de and the catalog
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Abbrechen"


def test_translator_is_never_empty_and_follows_the_language(qapp):
    translator = CatalogTranslator()
    assert not translator.isEmpty()
    set_language("de")
    assert translator.translate("ctx", "Credit limit") == "Kreditlimit"
    set_language("en")
    assert translator.translate("ctx", "Credit limit") is None  # Qt then shows the source


def test_designer_forms_are_translated_when_loaded(german):
    from salesdesk.ui.forms import load_form

    form = load_form("bank_account_edit.ui")
    from PySide6.QtWidgets import QLabel

    assert form.findChild(QLabel, "holder_label").text() == "Kontoinhaber"


def test_numbers_money_and_dates_follow_the_language():
    set_language("en")
    assert formatting.customers_count(12345) == "12,345 customers"
    assert formatting.format_money(Decimal("5000"), "EUR") == "€5,000.00"
    set_language("de")
    assert formatting.format_money(Decimal("5000"), "EUR") == "5.000,00\xa0€"
    assert formatting.format_date(date(2026, 1, 5)) == "05.01.2026"
    assert formatting.format_count(12345) == "12.345"
    set_language("en")
