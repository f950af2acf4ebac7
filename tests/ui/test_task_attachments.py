"""Files attached to a task: chosen in the task dialog, filed among the customer's documents
with the task in one transaction, listed (and opened) in the task list's details pane."""

from datetime import date

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog
from sqlalchemy import select

from salesdesk.domain.errors import DomainError
from salesdesk.services import tasks as ts
from salesdesk.services.customers import create_customer
from salesdesk.services.documents import (
    attach_to_task,
    document_path,
    task_documents,
)
from salesdesk.store.models import Document, Task
from salesdesk.ui.dialogs.task_edit import TaskDialog
from salesdesk.ui.pickers import PickedCustomer
from salesdesk.ui.views.tasks_view import DOCUMENT_LINK, TasksView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
OFFER = b"%PDF-1.4 price list 2026"


@pytest.fixture
def customer(store):
    with store.session() as session:
        huber = create_customer(session, {"name": "Huber Elektro GmbH"})
        session.commit()
        return PickedCustomer(huber.id, huber.record_label())


@pytest.fixture
def offer(tmp_path):
    path = tmp_path / "Price list 2026.pdf"
    path.write_bytes(OFFER)
    return path


@pytest.fixture
def choose(monkeypatch):
    """The file dialog answers with the given files (a native dialog cannot be driven)."""

    def answer(*paths):
        names = [str(p) for p in paths]
        monkeypatch.setattr(
            QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: (names, ""))
        )

    return answer


@pytest.fixture
def opened(monkeypatch):
    urls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(urls.append))
    return urls


def _dialog(qtbot, store, task_id=None, **kwargs):
    dialog = TaskDialog(store, task_id, **kwargs)
    qtbot.addWidget(dialog)
    return dialog


def _save(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def _task_with_file(store, customer, path):
    with store.session() as session:
        task = ts.create_task(session, {"title": "Send the offer", "customer_id": customer.id})
        attach_to_task(session, store, task, [path])
        session.commit()
        return task.id


def test_a_new_task_saves_its_file_among_the_customers_documents(
    qtbot, store, customer, offer, choose
):
    choose(offer)
    dialog = _dialog(qtbot, store, defaults={"customer_id": customer.id})
    assert dialog.add_attachments.isEnabled()
    assert dialog.attachments.isHidden() and not dialog.attachments_hint.isHidden()
    qtbot.keyClicks(dialog.field("title"), "Send the price list")
    dialog.add_attachments.click()
    assert dialog.attachments.count() == 1
    assert dialog.attachments.item(0).text() == "Price list 2026.pdf"
    assert not dialog.attachments.isHidden() and dialog.attachments_hint.isHidden()
    dialog.add_attachments.click()  # the same file again is listed once
    assert dialog.attachments.count() == 1
    assert dialog.is_dirty()
    assert _save(dialog).isEnabled(), dialog.errors()
    assert dialog.save()

    with store.session() as session:
        document = session.scalars(select(Document)).one()
        assert document.task_id == dialog.saved_id
        assert document.customer_id == customer.id
        assert document.logbook_entry_id is None
        assert (document.name, document.size) == ("Price list 2026.pdf", len(OFFER))
        assert document_path(store, document).read_bytes() == OFFER
    assert [d.name for d in task_documents(store.reader(), dialog.saved_id)] == [offer.name]


def test_without_a_customer_nothing_can_be_attached(qtbot, store, customer, offer, choose):
    dialog = _dialog(qtbot, store)
    assert not dialog.add_attachments.isEnabled()
    assert "Choose a customer first" in dialog.attachments_hint.text()
    assert not dialog.attachments_hint.isHidden()
    assert dialog.add_attachments.toolTip() == "Choose the customer first."

    picker = dialog.field("customer_id")
    picker.set_field_value(customer)
    picker.sig_edited.emit()
    assert dialog.add_attachments.isEnabled()
    assert "No files attached" in dialog.attachments_hint.text()
    choose(offer)
    dialog.add_attachments.click()
    qtbot.keyClicks(dialog.field("title"), "Offer")
    assert _save(dialog).isEnabled()

    picker.clear()  # the files would have no customer to be filed with
    assert not dialog.add_attachments.isEnabled()
    assert "attached files" in dialog.errors()["customer_id"]
    assert not _save(dialog).isEnabled()
    dialog.attachments.setCurrentRow(0)
    dialog.remove_attachment.click()  # taking the file off again is always possible
    assert dialog.attachments.count() == 0
    assert "customer_id" not in dialog.errors()
    assert dialog.save()
    with store.session() as session:
        assert session.get(Task, dialog.saved_id).customer_id is None
        assert session.scalars(select(Document)).all() == []


def test_the_service_refuses_files_for_a_task_without_customer(store, offer):
    with store.session() as session:
        task = ts.create_task(session, {"title": "No customer"})
        assert attach_to_task(session, store, task, []) == []
        with pytest.raises(DomainError, match="choose the customer first"):
            attach_to_task(session, store, task, [offer])


def test_an_unreadable_file_saves_neither_task_nor_file(
    qtbot, store, customer, offer, choose, tmp_path
):
    gone = tmp_path / "gone.pdf"
    gone.write_bytes(b"soon gone")
    choose(offer, gone)
    dialog = _dialog(qtbot, store, defaults={"customer_id": customer.id})
    qtbot.keyClicks(dialog.field("title"), "Two files")
    dialog.add_attachments.click()
    assert dialog.attachments.count() == 2
    gone.unlink()
    assert not dialog.save()
    assert "gone.pdf is not a readable file" in dialog.general_error.text()
    with store.session() as session:
        assert session.scalars(select(Task).where(Task.title == "Two files")).all() == []
        assert session.scalars(select(Document)).all() == []


def test_editing_shows_the_stored_files_opens_them_and_adds_more(
    qtbot, store, customer, offer, choose, opened, tmp_path
):
    task_id = _task_with_file(store, customer, offer)
    dialog = _dialog(qtbot, store, task_id)
    assert dialog.attachments.count() == 1 and not dialog.attachments.isHidden()
    stored = dialog.attachments.item(0)
    assert stored.text() == offer.name
    dialog.attachments.setCurrentRow(0)
    assert dialog.open_attachment.isEnabled()
    assert not dialog.remove_attachment.isEnabled()  # only files not saved yet
    assert not dialog.is_dirty()

    dialog.open_attachment.click()
    assert len(opened) == 1
    copy = opened[0].toLocalFile()
    assert copy.endswith(offer.name)  # a copy under its own name, for the system viewer
    with open(copy, "rb") as handle:
        assert handle.read() == OFFER

    minutes = tmp_path / "minutes.txt"
    minutes.write_text("agreed: 3 % discount")
    choose(minutes)
    dialog.add_attachments.click()
    assert dialog.attachments.count() == 2
    assert dialog.remove_attachment.isEnabled()
    dialog.open_attachment_item(dialog.attachments.item(1))  # not saved yet: opened in place
    assert opened[-1] == QUrl.fromLocalFile(str(minutes))
    assert dialog.save()
    names = [d.name for d in task_documents(store.reader(), task_id)]
    assert sorted(names) == sorted([offer.name, "minutes.txt"])


def test_the_details_pane_lists_the_files_and_opens_them(qtbot, store, customer, offer, opened):
    task_id = _task_with_file(store, customer, offer)
    with store.session() as session:
        plain = ts.create_task(session, {"title": "Nothing attached", "due_on": date.today()})
        session.commit()
        plain_id = plain.id
    view = TasksView(store)
    qtbot.addWidget(view)
    view.load()
    view.filters.choose(status="all")
    assert view.select_task(task_id)
    assert not view.attachments.isHidden()
    assert offer.name in view.attachments.text()
    assert "Attachments" in view.attachments.text()
    document = task_documents(store.reader(), task_id)[0]
    view.attachments.linkActivated.emit(f"{DOCUMENT_LINK}{document.id}")
    assert len(opened) == 1 and opened[0].toLocalFile().endswith(offer.name)

    assert view.select_task(plain_id)
    assert view.attachments.isHidden()
