"""How SalesDesk's record lists look and select: whole rows, read-only, no grid, one line
per row, alternating colours, no row numbers."""

from PySide6.QtWidgets import QAbstractItemView, QTableView


def style_record_table(table: QTableView, *, multi: bool = True,
                       row_padding: int | None = 10) -> QTableView:
    """``multi``: Ctrl/Shift select several rows; ``row_padding``: pixels added to the
    font's height for each row (None: Qt's default height)."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multi
                           else QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setShowGrid(False)
    table.verticalHeader().hide()
    if row_padding is not None:
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + row_padding)
    table.horizontalHeader().setHighlightSections(False)
    return table
