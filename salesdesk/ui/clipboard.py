"""Copy the selected rows of a table as tab-separated text (pastes into Excel)."""

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTableView


def selection_as_tsv(view: QTableView) -> str:
    """Selected rows, visible columns in the order the user arranged them."""
    model, header = view.model(), view.horizontalHeader()
    rows = sorted({index.row() for index in view.selectionModel().selectedIndexes()})
    columns = [header.logicalIndex(v) for v in range(header.count())]
    columns = [c for c in columns if not header.isSectionHidden(c)]
    lines = []
    for row in rows:
        cells = [str(model.index(row, c).data() or "") for c in columns]
        lines.append("\t".join(_clean(cell) for cell in cells))
    return "\n".join(lines)


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").splitlines())


def copy_selection(view: QTableView) -> int:
    """Put the selection on the clipboard; returns the number of rows copied."""
    text = selection_as_tsv(view)
    if text:
        QGuiApplication.clipboard().setText(text)
    return text.count("\n") + 1 if text else 0
