"""The customer list model: a correct Qt model that reads one page at a time."""

from PySide6.QtCore import QModelIndex, Qt

from salesdesk.services.customer_list import CustomerFilter
from salesdesk.ui.models.customer_table import COLUMN_KEYS, CustomerTableModel

PAGE = 50


def _model(store, page_size=PAGE) -> CustomerTableModel:
    model = CustomerTableModel(store, page_size=page_size)
    model.ensure_loaded()
    return model


def test_model_passes_the_qt_model_tester(qtmodeltester, demo_store):
    qtmodeltester.check(_model(demo_store))


def test_model_loads_one_page_then_more_on_request(demo_store):
    model = _model(demo_store)
    assert model.rowCount() == PAGE
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 2 * PAGE


def test_default_page_is_the_service_page_size(demo_store):
    from salesdesk.services.customer_list import PAGE_SIZE

    model = _model(demo_store, page_size=PAGE_SIZE)
    assert model.rowCount() == PAGE_SIZE
    assert model.total() == 500


def test_last_page_stops_fetching(demo_store):
    model = _model(demo_store, page_size=200)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 500


def _column(model, key):
    col = COLUMN_KEYS.index(key)
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_sorting_requeries_in_the_clicked_order(demo_store):
    model = _model(demo_store)
    model.sort(COLUMN_KEYS.index("number"), Qt.SortOrder.DescendingOrder)
    numbers = _column(model, "number")
    assert numbers[0] == "K-000500"
    assert numbers == sorted(numbers, reverse=True)
    assert model.rowCount() == PAGE
    model.sort(COLUMN_KEYS.index("number"), Qt.SortOrder.AscendingOrder)
    assert _column(model, "number")[:2] == ["K-000001", "K-000002"]


def test_headers_and_cells_are_for_people(demo_store):
    model = _model(demo_store)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMN_KEYS))]
    assert "Credit limit" in headers and "Representative" in headers
    statuses = set(_column(model, "status"))
    assert statuses <= {"Prospect", "Active", "Passive", "Blocked"}
    money = [m for m in _column(model, "credit_limit") if m]
    assert money and all(any(sign in m for sign in "€£") or "CHF" in m for m in money)


def test_do_not_contact_is_marked_red_with_a_tooltip(demo_store):
    model = _model(demo_store)
    model.set_filter(CustomerFilter(do_not_contact=True))
    assert model.rowCount() > 0
    cell = model.index(0, COLUMN_KEYS.index("do_not_contact"))
    assert cell.data() == "Do not contact"
    assert cell.data(Qt.ItemDataRole.ForegroundRole).color().red() > 150
    assert "reason" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert cell.data(Qt.ItemDataRole.DecorationRole) is not None


def test_no_cell_shows_a_raw_id(demo_store):
    model = _model(demo_store)
    row = model.row_at(0)
    texts = {model.index(0, c).data() for c in range(model.columnCount())}
    assert str(row.id) not in texts and row.id.hex not in texts
