"""A small read-only table for the parts of a customer file (addresses, history…)."""

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon

_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ROOT = QModelIndex()  # the invisible root: a table has no children


@dataclass(frozen=True)
class Cell:
    text: str
    tooltip: str | None = None
    colour: QColor | None = None
    icon: QIcon | None = None
    right: bool = False  # amounts and sizes line up on the right


class RecordTableModel(QAbstractTableModel):
    """Rows of cells, each row with a key (a record id the view never shows)."""

    def __init__(self, headers: list[str], parent=None):
        super().__init__(parent)
        self._headers = headers
        self._keys: list[object] = []
        self._rows: list[list[Cell]] = []

    def set_rows(self, rows: list[tuple[object, list[Cell | str]]]) -> None:
        self.beginResetModel()
        self._keys = [key for key, _ in rows]
        self._rows = [[c if isinstance(c, Cell) else Cell(c or "") for c in cells]
                      for _, cells in rows]
        self.endResetModel()

    def key_at(self, row: int) -> object:
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def rowCount(self, parent: _Index = _ROOT) -> int:  # override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:  # override
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation, role: int = _DISPLAY):  # override
        if (orientation == Qt.Orientation.Horizontal and role == _DISPLAY
                and 0 <= section < len(self._headers)):
            return self._headers[section]
        return None

    def data(self, index: _Index, role: int = _DISPLAY):  # override
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        cell = self._rows[index.row()][index.column()]
        if role == _DISPLAY:
            return cell.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell.tooltip
        if role == Qt.ItemDataRole.ForegroundRole and cell.colour is not None:
            return QBrush(cell.colour)
        if role == Qt.ItemDataRole.DecorationRole:
            return cell.icon
        if role == Qt.ItemDataRole.TextAlignmentRole and cell.right:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None
