"""The radius search view with real widgets on the demo store: type a place, search, open
a customer, export the route list, geocode addresses in the background."""

import re
import uuid

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from salesdesk.i18n import set_language
from salesdesk.services.radius import customers_near
from salesdesk.ui.views.radius_search import RadiusSearchView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
UUID_TEXT = re.compile(
    r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|"
    r"[0-9a-f]{32}"
)


@pytest.fixture
def view(qtbot, demo_store):
    widget = RadiusSearchView(demo_store)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    yield widget
    widget.cancel_and_wait()


def _cells(view) -> list[list[str]]:
    model = view.table.model()
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_empty_state_before_the_first_search(view):
    assert view.is_empty_state()
    assert "Find customers around a place" in view.empty_text()
    assert "customer number, an address, a city or coordinates" in view.empty_text()
    assert "Customer number, address, city or coordinates" in view.place_edit.placeholderText()
    assert view.radius_label.text().replace("&", "") == "Radius (km)"
    assert not view.export_button.isEnabled()


def test_type_a_place_and_search(qtbot, view, demo_store):
    qtbot.keyClicks(view.place_edit, "K-000001")
    view.radius_spin.setValue(80)
    qtbot.mouseClick(view.search_button, Qt.MouseButton.LeftButton)
    assert view.pages.currentWidget() is view.table
    cells = _cells(view)
    assert cells and cells[0][0] == "K-000001" and cells[0][5] == "0.0 km"
    distances = [float(row[5].removesuffix(" km").replace(",", "")) for row in cells]
    assert distances == sorted(distances) and max(distances) <= 80
    assert not any(UUID_TEXT.search(str(cell)) for row in cells for cell in row)
    assert re.fullmatch(r"\d+ customers within 80 km of K-000001 .+", view.count_label.text())
    expected = customers_near(demo_store.reader(), view.place.latitude, view.place.longitude, 80)
    assert [r.number for r in view.shown_rows()] == [r.number for r in expected]
    assert view.export_button.isEnabled()
    # the same through the public method, Enter in the place field too
    assert len(view.search("München", 30)) == sum(1 for _ in _cells(view))
    view.place_edit.setFocus()
    view.place_edit.setText("Berlin")
    qtbot.keyClick(view.place_edit, Qt.Key.Key_Return)
    assert view.place.label == "Berlin, DE"


def test_unknown_place_shows_the_problem_beside_the_field(view):
    assert view.search("Xyzzyhausen", 10) is None
    assert view.error_label.isVisible()
    assert view.error_label.text().startswith("No place called “Xyzzyhausen”")
    assert view.is_empty_state()  # nothing was searched
    assert view.search("K-000001", 10)
    assert not view.error_label.isVisible()


def test_nothing_found_offers_a_wider_radius(qtbot, view):
    assert view.search("0.5, -30.5", 1) == []  # the middle of the Atlantic
    assert "No customers in this area" in view.empty_text()
    assert view.count_label.text() == "No customers within 1 km of 0.5, -30.5"
    view.none_page.buttons["wider"].click()
    assert view.radius_spin.value() == 2


def test_double_click_and_enter_open_the_customer(qtbot, view):
    rows = view.search("K-000001", 50)
    index = view.table.model().index(0, 1)
    rect = view.table.visualRect(index)
    with qtbot.waitSignal(view.sig_open_customer) as opened:
        # a real double-click: press, release, then the double-click event
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [rows[0].customer_id]
    assert isinstance(opened.args[0], uuid.UUID)
    view.table.setFocus()
    view.table.selectRow(0)
    with qtbot.waitSignal(view.sig_open_customer) as entered:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert entered.args == [rows[0].customer_id]


def test_export_for_route(qtbot, view, tmp_path, monkeypatch):
    rows = view.search("K-000001", 60)
    target = tmp_path / "route"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    assert view.op is not None
    qtbot.waitUntil(lambda: view.op is None, timeout=20000)
    path = tmp_path / "route.xlsx"
    values = list(load_workbook(path).active.values)
    assert values[0][:2] == ("Customer number", "Name")
    assert [v[0] for v in values[1:]] == [r.number for r in rows]
    assert values[1][6] == 0.0
    assert f"Exported {len(rows)} customers" in view.status_label.text()
    assert not view.error_label.isVisible()


def test_geocode_addresses_in_the_background(qtbot, view, demo_store, answer):
    reader = demo_store.reader()
    with demo_store.session() as session:
        session.connection().exec_driver_sql(
            "UPDATE address SET latitude = NULL, longitude = NULL WHERE rowid % 3 = 0"
        )
        session.commit()
    missing = reader.execute("SELECT count(*) FROM address WHERE latitude IS NULL").fetchone()[0]
    assert missing > 50
    view.search("K-000001", 100)
    before = len(view.model.rows)
    asked = answer(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(view.geocode_button, Qt.MouseButton.LeftButton)
    assert f"{missing} addresses have no coordinates yet" in asked[0]
    assert not view.geocode_button.isEnabled() and view.progress.isVisible()
    qtbot.waitUntil(lambda: view.op is None, timeout=60000)
    assert view.geocode_button.isEnabled() and not view.progress.isVisible()
    assert (
        reader.execute("SELECT count(*) FROM address WHERE latitude IS NULL").fetchone()[0]
        < missing
    )
    assert view.status_label.text().startswith("Geocoded 0 addresses online, ")
    assert (
        reader.execute("SELECT count(*) FROM address WHERE geo_source = 'offline'").fetchone()[0]
        > 0
    )
    assert len(view.model.rows) >= before  # searched again with the new coordinates


def test_geocoding_can_be_cancelled(qtbot, view, demo_store):
    with demo_store.session() as session:
        session.connection().exec_driver_sql("UPDATE address SET latitude = NULL")
        session.commit()
    op = view.start_geocoding()
    view.progress.cancel_button.click()
    qtbot.waitUntil(lambda: view.op is None, timeout=60000)
    assert op.cancelled
    text = view.status_label.text()
    assert "Cancelled after" in text and "the finished ones are kept" in text


def test_distances_in_german(view):
    set_language("de")
    view.search("K-000001", 200)
    cells = _cells(view)
    assert cells[0][5] == "0,0 km"
    assert any("," in row[5] for row in cells)


def test_manual_pin_in_the_address_dialog(qtbot, demo_store):
    from salesdesk.services.customers import get_customer
    from salesdesk.store.models import Address
    from salesdesk.ui.dialogs.part_edit import AddressDialog

    with demo_store.session() as session:
        address = next(a for a in get_customer(session, "K-000001").addresses if a.kind == "main")
        stored = (address.latitude, address.longitude)
    dialog = AddressDialog(demo_store, address.customer_id, address.id)
    qtbot.addWidget(dialog)
    assert dialog.field("latitude").text() == f"{stored[0]:.6f}".rstrip("0").rstrip(".")
    assert not dialog.is_dirty()
    dialog.field("latitude").setText("91")
    assert "out of range" in dialog.error_label("latitude").text()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Save).isEnabled()
    dialog.field("longitude").clear()
    assert dialog.error_label("longitude").text() == "is required"
    dialog.field("latitude").setText("48,1372")
    dialog.field("longitude").setText("11.5755")
    assert dialog.save()
    with demo_store.session() as session:
        pinned = session.get(Address, address.id)
        assert (pinned.latitude, pinned.longitude) == (48.1372, 11.5755)
        assert (pinned.geo_precision, pinned.geo_source) == ("manual", "manual")
    # the pinned customer is found right there
    view = RadiusSearchView(demo_store)
    qtbot.addWidget(view)
    assert view.search("48.1372, 11.5755", 0.1)[0].number == "K-000001"
    # both cleared: geocoding may place it again
    again = AddressDialog(demo_store, address.customer_id, address.id)
    qtbot.addWidget(again)
    again.field("latitude").clear()
    again.field("longitude").clear()
    assert again.save()
    with demo_store.session() as session:
        cleared = session.get(Address, address.id)
        assert (cleared.latitude, cleared.geo_precision, cleared.geo_source) == (None, "", "")
