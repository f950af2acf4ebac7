"""Distribution lists: the lists on the left, the chosen list's recipients on the right.

A dynamic list is evaluated afresh whenever it is shown, so what the table shows is
what an export or a mailing gets. The excluded (do not contact, no consent, no address)
have their own tab with the reason. Export and "Record mailing" run off the GUI thread.
"""

import uuid
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, QStandardPaths, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.customer import ConsentChannel
from salesdesk.domain.errors import DomainError
from salesdesk.domain.mailing import Evaluation, ListKind, Recipient
from salesdesk.services import distribution_lists as dl
from salesdesk.store.engine import Store
from salesdesk.ui.clipboard import copy_selection
from salesdesk.ui.formatting import format_count
from salesdesk.ui.icons import icon
from salesdesk.ui.models.record_table import Cell, RecordTableModel
from salesdesk.ui.ops import Op, read_pool, write_pool
from salesdesk.ui.shortcuts import local_shortcut
from salesdesk.ui.tables import style_record_table


def _table(
    parent: QWidget, model: RecordTableModel, multi: bool = False, sortable: bool = False
) -> QTableView:
    table = QTableView(parent)
    if sortable:  # sorted by a click on a header; at first in the list's own order
        proxy = QSortFilterProxyModel(table)
        proxy.setSourceModel(model)
        proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        proxy.setSortLocaleAware(True)
        table.setModel(proxy)
        table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
    else:
        table.setModel(model)
    style_record_table(table, multi=multi, row_padding=None)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _key(table: QTableView, index: QModelIndex) -> object:
    """The record behind a row of ``table`` (through its sorting proxy, if any)."""
    model = table.model()
    if isinstance(model, QSortFilterProxyModel):
        index = model.mapToSource(index)
        model = model.sourceModel()
    return model.key_at(index.row()) if index.isValid() else None


def _fit(table: QTableView) -> None:
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    for column in range(table.model().columnCount()):
        header.resizeSection(column, min(header.sectionSize(column) + 16, 320))
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)


# from this many customers a list is evaluated off the GUI thread (a dynamic list over
# 100,000 customers takes 0.2–0.7 s); below, at once
BACKGROUND_FROM_CUSTOMERS = 20_000


class DistributionListsView(QWidget):
    """Lists, recipients, excluded; New/Edit/Delete, Add customers, Export, Record mailing."""

    sig_open_customer = Signal(object)  # customer id
    sig_message = Signal(str)  # a quiet line for the status bar
    sig_exported = Signal(object)  # dl.ExportResult
    sig_mailing_recorded = Signal(object)  # dl.MailingResult
    sig_failed = Signal(str)  # an export or mailing went wrong (also shown in a box)
    sig_counted = Signal()  # the lists' recipient counts arrived

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self._store = store
        self.evaluation: Evaluation | None = None
        self._summaries: dict[uuid.UUID, dl.ListSummary] = {}
        self._reloading = False
        self._counting: Op | None = None  # the background count of the lists
        self._evaluating: Op | None = None  # the chosen list, read in the background
        self._customers: int | None = None  # customers in the store, read once per load
        self.op: Op | None = None
        self.dialog: QDialog | None = None
        self.lists_model = RecordTableModel(
            [self.tr("Name"), self.tr("Kind"), self.tr("Recipients")], self
        )
        self.recipients_model = RecordTableModel(
            [
                self.tr("Customer number"),
                self.tr("Name"),
                self.tr("Contact person"),
                self.tr("E-mail"),
                self.tr("Phone"),
                self.tr("Postal code"),
                self.tr("City"),
                self.tr("Country"),
                self.tr("Note"),
            ],
            self,
        )
        self.excluded_model = RecordTableModel(
            [
                self.tr("Customer number"),
                self.tr("Name"),
                self.tr("Contact person"),
                self.tr("Reason"),
            ],
            self,
        )
        self.lists = _table(self, self.lists_model)
        self.lists.horizontalHeader().setStretchLastSection(False)
        self.recipients = _table(self, self.recipients_model, multi=True, sortable=True)
        self.excluded = _table(self, self.excluded_model, multi=True, sortable=True)
        self.buttons: dict[str, QPushButton] = {}
        self._build()
        self.lists.selectionModel().currentRowChanged.connect(self._list_chosen)
        for table in (self.recipients, self.excluded):
            table.doubleClicked.connect(lambda index, t=table: self._open_customer(t, index))
            for keys in (QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)):
                local_shortcut(
                    keys,
                    table,
                    lambda t=table: self._open_customer(t, t.currentIndex()),
                    context=Qt.ShortcutContext.WidgetShortcut,
                )
            local_shortcut(
                QKeySequence(QKeySequence.StandardKey.Copy),
                table,
                lambda t=table: copy_selection(t),
                context=Qt.ShortcutContext.WidgetShortcut,
            )
        self.recipients.selectionModel().selectionChanged.connect(self._update_buttons)
        local_shortcut(
            QKeySequence(QKeySequence.StandardKey.Delete),
            self.lists,
            self.ask_delete,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        local_shortcut(
            QKeySequence(QKeySequence.StandardKey.Refresh),
            self,
            self.refresh,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self._update_buttons()

    def _build(self) -> None:
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.lists, 1)
        row = QHBoxLayout()
        for name, text, icon_name, tip, slot in (
            (
                "new",
                self.tr("New list…"),
                "add",
                self.tr("Create a distribution list"),
                self.ask_new,
            ),
            (
                "edit",
                self.tr("Edit…"),
                "customer-edit",
                self.tr("Change the list's name, channel and filter"),
                self.ask_edit,
            ),
            (
                "delete",
                self.tr("Delete"),
                "delete",
                self.tr("Delete the list (Del)"),
                self.ask_delete,
            ),
        ):
            row.addWidget(self._button(name, text, icon_name, tip, slot))
        row.addStretch(1)
        left_layout.addLayout(row)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(right)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.problem = QLabel(right)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.hide()
        self.tabs = QTabWidget(right)
        # no recipients: a sentence that says why, not an empty grey table
        self.no_recipients = QLabel(right)
        self.no_recipients.setWordWrap(True)
        self.no_recipients.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_recipients.setMargin(24)
        self.recipients_page = QStackedWidget(right)
        self.recipients_page.addWidget(self.recipients)
        self.recipients_page.addWidget(self.no_recipients)
        self.tabs.addTab(self.recipients_page, icon("customers"), self.tr("Recipients"))
        self.tabs.addTab(self.excluded, icon("do-not-contact"), self.tr("Excluded"))
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.problem)
        right_layout.addWidget(self.tabs, 1)
        actions = QHBoxLayout()
        for name, text, icon_name, tip, slot in (
            (
                "add",
                self.tr("Add customers…"),
                "customer-new",
                self.tr("Pick customers or contact persons for this list"),
                self.ask_add_members,
            ),
            (
                "remove",
                self.tr("Remove from list"),
                "delete",
                self.tr("Take the selected recipients off this list"),
                self.remove_selected,
            ),
            (
                "export",
                self.tr("Export…"),
                "export",
                self.tr("Save the recipients (and the excluded) as Excel or CSV"),
                self.ask_export,
            ),
            (
                "mailing",
                self.tr("Record mailing…"),
                "logbook",
                self.tr("Note in each recipient's logbook that the mailing went out"),
                self.ask_record_mailing,
            ),
        ):
            actions.addWidget(self._button(name, text, icon_name, tip, slot))
        actions.addStretch(1)
        self.status = QLabel(right)
        self.status.setEnabled(False)
        actions.addWidget(self.status)
        right_layout.addLayout(actions)

        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([320, 960])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

    def _button(self, name: str, text: str, icon_name: str, tip: str, slot) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        self.buttons[name] = button
        return button

    # -- reading ---------------------------------------------------------------------------

    def load(self) -> None:
        """Read the lists (and their counts) and show the first or the current one."""
        self.reload(select=self.current_list_id())

    def refresh(self) -> None:
        """Read again: counts and recipients as the data stands now (F5)."""
        self.reload(select=self.current_list_id())

    def reload(self, select: uuid.UUID | None = None) -> None:
        """The lists at once; their recipient counts arrive from a background read (a
        dynamic list over 100,000 customers takes a moment to evaluate)."""
        reader = self._store.reader()
        self._customers = None
        self._summaries = {s.id: s for s in dl.list_summaries(reader)}
        rows = self._list_rows({})
        self.lists_model.set_rows(rows)
        header = self.lists.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        row = next((n for n, (key, _cells) in enumerate(rows) if key == select), 0)
        self._reloading = True  # the list chosen is shown once, below
        try:
            if rows:
                self.lists.selectRow(row)
                self.lists.setCurrentIndex(self.lists_model.index(row, 0))
        finally:
            self._reloading = False
        self._show_list()
        self._count_in_background()

    def _list_rows(self, counts: dict) -> list:
        rows = []
        for summary in self._summaries.values():
            count = counts.get(summary.id, "…")
            kind = _label(ListKind, summary.kind)
            rows.append((summary.id, [summary.name, kind, Cell(count, right=True)]))
        return rows

    def _count_in_background(self) -> None:
        from salesdesk.store.engine import connect

        path, ids = self._store.path, list(self._summaries)

        def work(progress, cancelled) -> dict:
            conn = connect(path)  # a connection of this worker thread
            try:
                counts = {}
                for n, list_id in enumerate(ids):
                    if cancelled():
                        break
                    try:
                        counts[list_id] = format_count(len(dl.evaluate(conn, list_id)
                                                           .recipients))
                    except (DomainError, ImportError):
                        counts[list_id] = "?"
                    progress(n + 1, len(ids))
                return counts
            finally:
                conn.close()

        if self._counting is not None:
            self._counting.cancel()
        op = Op(work, self)
        op.sig_succeeded.connect(lambda counts, op=op: self._counted(op, counts))
        self._counting = op
        op.start(read_pool())

    def _counted(self, op, counts: dict) -> None:
        if op is not self._counting:
            return  # an older count, overtaken by a reload
        self._counting = None
        current = self.current_list_id()
        self._reloading = True
        try:
            self.lists_model.set_rows(self._list_rows(counts))
            if current is not None:
                self.select_list(current)
        finally:
            self._reloading = False
        self.sig_counted.emit()

    def current_list_id(self) -> uuid.UUID | None:
        index = self.lists.currentIndex()
        return self.lists_model.key_at(index.row()) if index.isValid() else None

    def select_list(self, list_id: uuid.UUID) -> bool:
        for row in range(self.lists_model.rowCount()):
            if self.lists_model.key_at(row) == list_id:
                self.lists.selectRow(row)
                self.lists.setCurrentIndex(self.lists_model.index(row, 0))
                return True
        return False

    def _list_chosen(self, *args) -> None:
        if not self._reloading:
            self._show_list()

    def _show_list(self, evaluation: Evaluation | None = None) -> None:
        """Evaluate the current list now (unless just done) and fill both tables; in a
        large store in the background (a dynamic list over 100,000 customers takes
        0.2–0.7 s), in a small one at once."""
        list_id = self.current_list_id()
        self.evaluation, problem = evaluation, ""
        if list_id is not None and evaluation is None:
            if self._large_store():
                self._evaluate_in_background(list_id)
                return
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self.evaluation = dl.evaluate(self._store.reader(), list_id)
            except DomainError as exc:
                problem = str(exc)
            except ImportError:
                problem = self.tr("The radius search is not available in this version.")
            finally:
                QGuiApplication.restoreOverrideCursor()
        self._fill(self.evaluation, problem)

    def _large_store(self) -> bool:
        if self._customers is None:
            self._customers = self._store.reader().execute(
                "SELECT count(*) FROM customer").fetchone()[0]
        return self._customers >= BACKGROUND_FROM_CUSTOMERS

    def _evaluate_in_background(self, list_id: uuid.UUID) -> None:
        from salesdesk.store.engine import connect

        path = self._store.path

        def work(progress, cancelled) -> Evaluation:
            conn = connect(path)  # a connection of this worker thread
            try:
                return dl.evaluate(conn, list_id)
            finally:
                conn.close()

        if self._evaluating is not None:
            self._evaluating.cancel()
        op = Op(work, self)
        op.sig_succeeded.connect(lambda result, op=op: self._evaluated(op, list_id, result, ""))
        op.sig_failed.connect(lambda exc, op=op: self._evaluated(op, list_id, None, str(exc)))
        self._evaluating = op
        self._fill(None, "")
        self.title.setText(self.tr("Finding the recipients of “{name}”…").format(
            name=self._summaries[list_id].name if list_id in self._summaries else ""))
        op.start(read_pool())

    def _evaluated(self, op, list_id, evaluation: Evaluation | None, problem: str) -> None:
        if op is not self._evaluating:
            return  # another list was chosen meanwhile
        self._evaluating = None
        if list_id == self.current_list_id():
            self.evaluation = evaluation
            self._fill(evaluation, problem)

    def _fill(self, evaluation: Evaluation | None, problem: str) -> None:
        recipients = evaluation.recipients if evaluation else []
        excluded = evaluation.excluded if evaluation else []
        self.recipients_model.set_rows([(r, self._recipient_cells(r)) for r in recipients])
        self.excluded_model.set_rows(
            [
                (r, [r.number, r.name, r.contact_name, Cell(r.reason, tooltip=r.reason)])
                for r in excluded
            ]
        )
        _fit(self.recipients)
        _fit(self.excluded)
        self.tabs.setTabText(
            0, self.tr("Recipients ({count})").format(count=format_count(len(recipients)))
        )
        self.tabs.setTabText(
            1, self.tr("Excluded ({count})").format(count=format_count(len(excluded)))
        )
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.title.setText(self._title())
        self._show_empty_reason(evaluation, recipients, excluded)
        self._update_buttons()

    def _show_empty_reason(self, evaluation, recipients: list, excluded: list) -> None:
        if recipients or evaluation is None:
            self.recipients_page.setCurrentWidget(self.recipients)
            return
        if excluded:
            text = self.tr("Nobody on this list can be reached this way: all {count} are "
                           "excluded. The reasons are under “Excluded”.").format(
                               count=format_count(len(excluded)))
        elif self._summaries.get(self.current_list_id()) is not None and \
                self._summaries[self.current_list_id()].kind == ListKind.STATIC.value:
            text = self.tr("This list is empty. Add customers with “Add customers…”.")
        else:
            text = self.tr("No customer matches this list's filter now. Change the filter "
                           "with “Edit…”.")
        self.no_recipients.setText(text)
        self.recipients_page.setCurrentWidget(self.no_recipients)

    @property
    def busy(self) -> bool:
        """Still reading in the background (the lists' counts, the chosen list)."""
        return self._counting is not None or self._evaluating is not None

    def _recipient_cells(self, r: Recipient) -> list:
        phone = (
            r.mobile
            if self.evaluation and self.evaluation.channel == "sms"
            else (r.phone or r.mobile)
        )
        return [
            r.number,
            r.name,
            r.contact_name,
            r.email,
            phone,
            r.postal_code,
            r.city,
            r.country,
            Cell(r.note, tooltip=r.note or None),
        ]

    def _title(self) -> str:
        list_id = self.current_list_id()
        if list_id is None:
            return self.tr("No distribution lists yet. Create one with “New list…”.")
        summary = self._summaries.get(list_id)
        if summary is None:
            return ""
        channel = _label(ConsentChannel, summary.channel)
        kind = (
            self.tr("dynamic: evaluated now")
            if summary.kind == ListKind.DYNAMIC
            else self.tr("static")
        )
        text = self.tr("{name} – {channel}, {kind}").format(
            name=summary.name, channel=channel, kind=kind
        )
        return f"{text}\n{summary.description}" if summary.description else text

    def current_kind(self) -> str | None:
        summary = self._summaries.get(self.current_list_id())
        return summary.kind if summary else None

    def _update_buttons(self, *args) -> None:
        chosen = self.current_list_id() is not None
        static = chosen and self.current_kind() == ListKind.STATIC
        idle = self.op is None
        has_recipients = bool(self.evaluation and self.evaluation.recipients)
        self.buttons["edit"].setEnabled(chosen)
        self.buttons["delete"].setEnabled(chosen)
        self.buttons["add"].setEnabled(bool(static))
        self.buttons["remove"].setEnabled(bool(static) and bool(self._selected_recipients()))
        self.buttons["export"].setEnabled(chosen and self.evaluation is not None and idle)
        self.buttons["mailing"].setEnabled(has_recipients and idle)

    def _open_customer(self, table: QTableView, index: QModelIndex) -> None:
        recipient = _key(table, index)
        if recipient is not None:
            self.sig_open_customer.emit(recipient.customer_id)

    def _selected_recipients(self) -> list[Recipient]:
        rows = self.recipients.selectionModel().selectedRows()
        return [_key(self.recipients, index) for index in sorted(rows, key=QModelIndex.row)]

    # -- the lists -----------------------------------------------------------------------------

    def ask_new(self) -> None:
        self._edit(None)

    def ask_edit(self) -> None:
        if self.current_list_id() is not None:
            self._edit(self.current_list_id())

    def _edit(self, list_id: uuid.UUID | None) -> None:
        from salesdesk.ui.dialogs.distribution_list_edit import DistributionListDialog

        self.dialog = DistributionListDialog(self._store, list_id, self)
        if self.dialog.exec() == QDialog.DialogCode.Accepted and self.dialog.saved_id:
            self.reload(select=self.dialog.saved_id)

    def ask_delete(self) -> None:
        list_id = self.current_list_id()
        if list_id is None:
            return
        name = self.lists_model.data(self.lists.currentIndex().siblingAtColumn(0))
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            self.tr("Delete distribution list"),
            self.tr(
                "Delete the distribution list “{name}”? The customers and the mailings "
                "already logged stay."
            ).format(name=name),
            buttons.Yes | buttons.No,
            buttons.No,
        )
        if answer != buttons.Yes:
            return
        with self._store.session() as session:
            dl.delete_list(session, list_id)
            session.commit()
        self.sig_message.emit(self.tr("Distribution list “{name}” deleted.").format(name=name))
        self.reload()

    # -- members of a static list -----------------------------------------------------------------

    def ask_add_members(self) -> None:
        list_id = self.current_list_id()
        if list_id is None:
            return
        from salesdesk.ui.dialogs.distribution_list_members import AddMembersDialog

        self.dialog = AddMembersDialog(self._store, self)
        if self.dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_members(self.dialog.picked())

    def add_members(self, picked: list[tuple[uuid.UUID, uuid.UUID | None]]) -> int:
        customers = [c for c, person in picked if person is None]
        people = [person for _c, person in picked if person is not None]
        with self._store.session() as session:
            added = dl.add_members(
                session, self.current_list_id(), customer_ids=customers, contact_ids=people
            )
            session.commit()
        self.refresh()
        return added

    def remove_selected(self) -> int:
        chosen = self._selected_recipients()
        if not chosen or self.current_list_id() is None:
            return 0
        removed = 0
        with self._store.session() as session:
            for recipient in chosen:
                removed += dl.remove_member(
                    session,
                    self.current_list_id(),
                    recipient.customer_id,
                    recipient.member_contact_id,
                )
            session.commit()
        self.refresh()
        return removed

    # -- export -----------------------------------------------------------------------------------

    def ask_export(self) -> None:
        list_id = self.current_list_id()
        if list_id is None or self.evaluation is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = str(Path(folder) / f"{_file_name(self.evaluation.name)}.xlsx")
        excel, text = self.tr("Excel workbook (*.xlsx)"), self.tr("CSV, semicolon (*.csv)")
        name, chosen = QFileDialog.getSaveFileName(
            self, self.tr("Export distribution list"), suggested, f"{excel};;{text}"
        )
        if name:
            self.export_to(Path(name), "csv" if chosen == text else None)

    def export_to(self, path: Path, fmt: str | None = None) -> Op:
        """Write the list as it stands now; ``sig_exported`` (or ``sig_failed``) follows."""
        list_id, store = self.current_list_id(), self._store
        if fmt is None and path.suffix.lower() not in (".xlsx", ".csv"):
            fmt = "xlsx"

        def work(progress, cancel):
            with store.session() as session:
                return dl.export_list(session, list_id, path, fmt)

        def done(result: dl.ExportResult) -> None:
            text = self.tr("{count} recipients exported to {file}.").format(
                count=format_count(result.recipients), file=result.files[0].name
            )
            if len(result.files) > 1:
                text += " " + self.tr("{count} excluded, with the reasons, in {file}.").format(
                    count=format_count(result.excluded), file=result.files[1].name
                )
            elif result.excluded:
                text += " " + self.tr(
                    "{count} excluded, with the reasons, on the sheet “Excluded”."
                ).format(count=format_count(result.excluded))
            self._report(text)
            self.sig_exported.emit(result)

        return self._run(work, done, read_pool(), self.tr("Exporting…"))

    # -- mailings --------------------------------------------------------------------------------

    def ask_record_mailing(self) -> None:
        if not self.evaluation or not self.evaluation.recipients:
            return
        subject, ok = QInputDialog.getText(
            self,
            self.tr("Record mailing"),
            self.tr("Subject of the mailing (it goes into each recipient's logbook):"),
        )
        if not ok or not subject.strip():
            return
        count = len(self.evaluation.recipients)
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            self.tr("Record mailing"),
            self.tr(
                "Record the mailing “{subject}” for {count} recipients of “{name}”? Each "
                "gets a logbook entry; the {excluded} excluded get none."
            ).format(
                subject=subject.strip(),
                count=format_count(count),
                name=self.evaluation.name,
                excluded=format_count(len(self.evaluation.excluded)),
            ),
            buttons.Yes | buttons.No,
            buttons.Yes,
        )
        if answer == buttons.Yes:
            self.record_mailing(subject.strip(), expected=count)

    def record_mailing(
        self, subject: str, when: datetime | None = None, expected: int | None = None
    ) -> Op:
        """Log the mailing in every recipient's logbook; ``sig_mailing_recorded`` follows."""
        list_id, store = self.current_list_id(), self._store
        when = when or datetime.now(UTC)

        def work(progress, cancel):
            with store.session() as session:
                result = dl.record_mailing(session, list_id, subject, when, expected=expected)
                session.commit()
                return result

        def done(result: dl.MailingResult) -> None:
            self._report(
                self.tr("Mailing “{subject}” recorded for {count} recipients.").format(
                    subject=subject, count=format_count(result.recipients)
                )
            )
            self.refresh()
            self.sig_mailing_recorded.emit(result)

        return self._run(work, done, write_pool(), self.tr("Recording the mailing…"))

    # -- background work ---------------------------------------------------------------------------

    def _run(self, work, done, pool, busy_text: str) -> Op:
        op = Op(work, self)
        self.op = op
        op.sig_succeeded.connect(done)
        op.sig_failed.connect(self._failed)
        op.sig_finished.connect(self._finished)
        self.status.setText(busy_text)
        self._update_buttons()
        return op.start(pool)

    def _finished(self) -> None:
        self.op = None
        self._update_buttons()

    def _failed(self, exc: Exception) -> None:
        text = (
            str(exc)
            if isinstance(exc, DomainError | OSError)
            else self.tr("Something went wrong: {error}").format(error=exc)
        )
        self._report(text)
        self.sig_failed.emit(text)
        QMessageBox.warning(self, self.tr("Distribution list"), text)

    def _report(self, text: str) -> None:
        self.status.setText(text)
        self.sig_message.emit(text)


def _label(enum, value: str) -> str:
    try:
        return enum(value).label
    except ValueError:
        return value


def _file_name(name: str) -> str:
    """A list's name as a file name: characters Windows refuses replaced."""
    cleaned = "".join("_" if c in '<>:"/\\|?*' else c for c in name).strip(" .")
    return cleaned or "distribution-list"
