"""The distribution lists page driven like a user: a list made in the dialog, its
recipients and the excluded shown, customers added, exported and a mailing recorded."""

from datetime import date

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QInputDialog, QMessageBox
from sqlalchemy import func, select

from salesdesk.services import customers as cs
from salesdesk.services import distribution_lists as dl
from salesdesk.store.models import LogbookEntry
from salesdesk.ui.dialogs.distribution_list_edit import DistributionListDialog
from salesdesk.ui.dialogs.distribution_list_members import AddMembersDialog
from salesdesk.ui.views.distribution_lists import DistributionListsView

# shown windows and the picker's pop-up: the offscreen platform notes what it cannot do
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "This plugin does not support")


@pytest.fixture
def people(store):
    """Three customers in Munich, one of them marked "do not contact"; e-mail consent."""
    made = {}
    with store.session() as session:
        for name, postal_code, status, blocked in (
            ("Huber Elektro", "80331", "active", False),
            ("Maier Bau", "81541", "active", True),
            ("Nürnberger Licht", "90402", "prospect", False),
        ):
            customer = cs.create_customer(
                session,
                {
                    "name": name,
                    "status": status,
                    "do_not_contact": blocked,
                    "do_not_contact_reason": "Objection" if blocked else "",
                },
                addresses=[
                    {
                        "street": "Hauptstr. 1",
                        "postal_code": postal_code,
                        "city": "Stadt",
                        "country": "DE",
                    }
                ],
                contacts=[
                    {
                        "first_name": "Eva",
                        "last_name": name.split()[0],
                        "email": f"eva@{postal_code}.de",
                        "role": "Einkauf",
                    }
                ],
            )
            cs.record_consent(
                session,
                customer,
                "email",
                True,
                date(2026, 1, 1),
                "Form",
                contact=customer.contacts[0],
            )
            made[name] = customer.id
        session.commit()
    return made


@pytest.fixture
def view(qtbot, store, people):
    page = DistributionListsView(store)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.load()
    return page


def _save(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def _type(qtbot, widget, text):
    widget.clear()
    qtbot.keyClicks(widget, text)


def _select(combo, data):
    combo.setCurrentIndex(combo.findData(data))


def _cells(model, column):
    return [model.index(row, column).data() for row in range(model.rowCount())]


def _fill_munich_newsletter(qtbot, dialog):
    _type(qtbot, dialog.field("name"), "Newsletter Munich")
    _select(dialog.field("kind"), "dynamic")
    _select(dialog.field("channel"), "email")
    dialog.field("statuses").boxes["active"].setChecked(True)
    _type(qtbot, dialog.field("postal_code_ranges"), "80000-81999")


def test_an_empty_page_invites_to_make_a_list(view):
    assert "No distribution lists yet" in view.title.text()
    assert not view.buttons["export"].isEnabled()
    assert view.buttons["new"].isEnabled()


def test_dialog_shows_errors_beside_the_fields_and_saves_only_when_valid(qtbot, store, people):
    dialog = DistributionListDialog(store)
    qtbot.addWidget(dialog)
    assert not _save(dialog).isEnabled()  # a list needs a name
    _fill_munich_newsletter(qtbot, dialog)
    assert _save(dialog).isEnabled()

    _type(qtbot, dialog.field("postal_code_ranges"), "81999-80000")
    assert "the start comes after the end" in dialog.error_label("postal_code_ranges").text()
    assert not _save(dialog).isEnabled()
    _type(qtbot, dialog.field("postal_code_ranges"), "80000-81999")

    near = dialog.field("near")
    _type(qtbot, near.place, "somewhere")  # typed but not looked up yet
    assert "missing" in dialog.error_label("near").text()
    assert not _save(dialog).isEnabled()
    _type(qtbot, near.place, "48.137, 11.575")  # coordinates need no look-up
    assert near.resolve()
    assert dialog.error_label("near").text() == ""
    near.place.clear()

    qtbot.waitUntil(
        lambda: (
            "2 customers match" in dialog.preview.text()
            or "1 customers match" in dialog.preview.text()
        ),
        timeout=2000,
    )
    assert dialog.preview.text() == "2 customers match the filter now."  # blocked ones too
    assert dialog.save()
    assert (
        dl.list_values(store.reader(), dialog.saved_id)["criteria"].postal_code_ranges[0].end
        == "81999"
    )


def test_a_static_list_ignores_the_filter_fields(qtbot, store, people):
    dialog = DistributionListDialog(store)
    qtbot.addWidget(dialog)
    _type(qtbot, dialog.field("name"), "Handpicked")
    assert not dialog.criteria_box.isEnabled()
    _select(dialog.field("kind"), "dynamic")
    assert dialog.criteria_box.isEnabled()
    _type(qtbot, dialog.field("postal_code_ranges"), "nonsense")
    assert not _save(dialog).isEnabled()
    _select(dialog.field("kind"), "static")
    assert _save(dialog).isEnabled()
    assert dialog.save()
    assert dl.list_values(store.reader(), dialog.saved_id)["criteria"].is_empty()


def test_new_list_through_the_dialog_shows_recipients_and_the_excluded(
    qtbot, monkeypatch, view, people
):
    def fill_and_save(dialog):
        assert isinstance(dialog, DistributionListDialog)
        _fill_munich_newsletter(qtbot, dialog)
        assert dialog.save()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(DistributionListDialog, "exec", fill_and_save)
    view.buttons["new"].click()

    assert _cells(view.lists_model, 0) == ["Newsletter Munich"]
    qtbot.waitUntil(lambda: _cells(view.lists_model, 2) == ["1"], timeout=5000)
    assert _cells(view.recipients_model, 1) == ["Huber Elektro"]
    assert _cells(view.excluded_model, 1) == ["Maier Bau"]
    assert _cells(view.excluded_model, 3) == ["Customer is marked “do not contact” (Objection)"]
    assert view.tabs.tabText(0) == "Recipients (1)"
    assert view.tabs.tabText(1) == "Excluded (1)"
    assert not view.buttons["add"].isEnabled()  # a dynamic list picks its own customers

    with qtbot.waitSignal(view.sig_open_customer) as opened:
        view.recipients.doubleClicked.emit(view.recipients.model().index(0, 1))
    assert opened.args == [people["Huber Elektro"]]


def test_editing_a_list_reevaluates_it(qtbot, monkeypatch, store, view, people):
    with store.session() as session:
        dl.create_list(
            session,
            {
                "name": "Alle aktiven",
                "kind": "dynamic",
                "channel": "letter",
                "criteria": {"statuses": ["active"], "tags": ["Kept"]},
            },
        )
        session.commit()
    view.load()
    assert view.recipients_model.rowCount() == 0  # nobody carries the segment "Kept" yet

    def widen(dialog):
        dialog.field("statuses").boxes["prospect"].setChecked(True)
        assert dialog.save()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(DistributionListDialog, "exec", widen)
    view.buttons["edit"].click()
    criteria = dl.list_values(store.reader(), view.current_list_id())["criteria"]
    assert criteria.statuses == ("prospect", "active")
    assert criteria.tags == ("Kept",)  # a criterion the form does not show is kept

    with store.session() as session:
        cs.set_segments(session, cs.get_customer(session, people["Nürnberger Licht"]), ["Kept"])
        session.commit()
    view.refresh()
    assert _cells(view.recipients_model, 1) == ["Nürnberger Licht"]


def test_adding_customers_to_a_static_list(qtbot, monkeypatch, store, view, people):
    with store.session() as session:
        dl.create_list(session, {"name": "Messe", "channel": "letter"})
        session.commit()
    view.load()
    assert view.buttons["add"].isEnabled()

    def pick(dialog):
        assert isinstance(dialog, AddMembersDialog)
        qtbot.keyClicks(dialog.picker, "Huber")
        dialog.picker.search()
        dialog.picker.choose_row(0)
        assert dialog.contact.count() == 2  # the rule, or Eva Huber herself
        dialog.contact.setCurrentIndex(1)
        assert dialog.add_current()
        qtbot.keyClicks(dialog.picker, "Licht")
        dialog.picker.search()
        dialog.picker.choose_row(0)
        assert dialog.add_current()
        assert len(dialog.picked()) == 2
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(AddMembersDialog, "exec", pick)
    view.buttons["add"].click()
    assert _cells(view.recipients_model, 1) == ["Huber Elektro", "Nürnberger Licht"]
    qtbot.waitUntil(lambda: _cells(view.lists_model, 2) == ["2"], timeout=5000)

    view.recipients.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # a click on "Name"
    view.recipients.selectRow(0)
    assert view.buttons["remove"].isEnabled()
    assert view.remove_selected() == 1
    assert _cells(view.recipients_model, 1) == ["Huber Elektro"]


def test_export_writes_recipients_and_excluded(qtbot, monkeypatch, store, view, tmp_path):
    with store.session() as session:
        dl.create_list(
            session,
            {
                "name": "Aktive",
                "kind": "dynamic",
                "channel": "email",
                "criteria": {"statuses": ["active"]},
            },
        )
        session.commit()
    view.load()
    target = tmp_path / "aktive.xlsx"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (str(target), ""))
    )
    with qtbot.waitSignal(view.sig_exported, timeout=10000) as exported:
        view.buttons["export"].click()
    assert exported.args[0].files == (target,)
    book = load_workbook(target, read_only=True)
    assert [row[1] for row in book["Recipients"].iter_rows(min_row=2, values_only=True)] == [
        "Huber Elektro"
    ]
    assert [row[1] for row in book["Excluded"].iter_rows(min_row=2, values_only=True)] == [
        "Maier Bau"
    ]
    book.close()
    assert "1 recipients exported to aktive.xlsx" in view.status.text()

    with qtbot.waitSignal(view.sig_exported, timeout=10000) as exported:
        view.export_to(tmp_path / "aktive.csv")
    assert [p.name for p in exported.args[0].files] == ["aktive.csv", "aktive.excluded.csv"]
    assert "aktive.excluded.csv" in view.status.text()


def test_recording_a_mailing_asks_for_subject_and_confirmation(
    qtbot, monkeypatch, store, view, answer
):
    with store.session() as session:
        dl.create_list(
            session,
            {
                "name": "Aktive",
                "kind": "dynamic",
                "channel": "letter",
                "criteria": {"statuses": ["active", "prospect"]},
            },
        )
        session.commit()
    view.load()
    monkeypatch.setattr(
        QInputDialog, "getText", staticmethod(lambda *args, **kwargs: ("Herbstkatalog", True))
    )
    asked = answer(QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(view.sig_mailing_recorded, timeout=10000) as recorded:
        view.buttons["mailing"].click()
    assert "for 2 recipients" in asked[0] and "the 1 excluded get none" in asked[0]
    assert recorded.args[0].recipients == 2
    with store.session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(LogbookEntry)
                .where(LogbookEntry.kind == "mailing", LogbookEntry.subject == "Herbstkatalog")
            )
            == 2
        )
    assert "recorded for 2 recipients" in view.status.text()


def test_deleting_a_list_asks_first(qtbot, store, view, answer):
    with store.session() as session:
        dl.create_list(session, {"name": "Alt"})
        session.commit()
    view.load()
    asked = answer(QMessageBox.StandardButton.No)
    view.buttons["delete"].click()
    assert "Alt" in asked[0] and view.lists_model.rowCount() == 1
    answer(QMessageBox.StandardButton.Yes)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    view.lists.setFocus()
    qtbot.waitUntil(view.lists.hasFocus)
    qtbot.keyClick(view.lists, Qt.Key.Key_Delete)
    assert view.lists_model.rowCount() == 0


def test_models_pass_the_qt_model_tester(qtmodeltester, view, store):
    with store.session() as session:
        dl.create_list(session, {"name": "Alle", "kind": "dynamic", "channel": "email"})
        session.commit()
    view.load()
    for model in (view.lists_model, view.recipients_model, view.excluded_model):
        qtmodeltester.check(model)


def test_near_a_place_is_looked_up_and_saved_with_its_coordinates(qtbot, store, people):
    dialog = DistributionListDialog(store)
    qtbot.addWidget(dialog)
    _fill_munich_newsletter(qtbot, dialog)
    near = dialog.field("near")
    near.place.setText("Nowhereville")
    assert not near.resolve()
    assert "Nowhereville" in near.result.text()
    assert not _save(dialog).isEnabled()

    near.place.setText("München")
    near.radius.setValue(25)
    assert near.resolve()
    assert "48.1" in near.result.text()
    assert _save(dialog).isEnabled()
    assert dialog.save()
    saved = dl.list_values(store.reader(), dialog.saved_id)["criteria"].near
    assert (saved.place, saved.radius_km) == ("München", 25)
    assert saved.lat == pytest.approx(48.14, abs=0.05)

    again = DistributionListDialog(store, dialog.saved_id)  # opened again: no look-up needed
    qtbot.addWidget(again)
    assert again.field("near").field_value()["lat"] == saved.lat
    assert not again.is_dirty()


def test_a_broken_saved_filter_is_named_not_a_crash(qtbot, store, view):
    from salesdesk.store.models import DistributionList

    with store.session() as session:
        session.add(
            DistributionList(
                name="Kaputt", kind="dynamic", channel="email", criteria='{"statuses": ["gold"]}'
            )
        )
        session.commit()
    view.load()
    qtbot.waitUntil(lambda: _cells(view.lists_model, 2) == ["?"], timeout=5000)
    assert view.problem.isVisibleTo(view)
    assert "Distribution list “Kaputt”, Status: “gold” is not a status" in view.problem.text()
    assert not view.buttons["mailing"].isEnabled()
    assert view.buttons["edit"].isEnabled()  # the filter can be mended


def test_a_broken_saved_filter_can_be_mended_in_the_dialog(qtbot, store):
    from salesdesk.store.models import DistributionList

    with store.session() as session:
        broken = DistributionList(
            name="Kaputt", kind="dynamic", channel="email", criteria='{"statuses": ["gold"]}'
        )
        session.add(broken)
        session.commit()
    dialog = DistributionListDialog(store, broken.id)
    qtbot.addWidget(dialog)
    assert "“gold” is not a status" in dialog.general_error.text()
    dialog.field("statuses").boxes["active"].setChecked(True)
    assert dialog.save()
    assert dl.list_values(store.reader(), broken.id)["criteria"].statuses == ("active",)


def test_a_list_nobody_can_receive_says_why_instead_of_an_empty_table(qtbot, store, view):
    from salesdesk.services import distribution_lists as dl

    with store.session() as session:
        blocked = dl.create_list(session, {"name": "Nur gesperrte", "kind": "dynamic",
                                           "channel": "letter",
                                           "criteria": '{"postal_code_ranges": '
                                                       '[["81541", "81541"]]}'})
        empty = dl.create_list(session, {"name": "Leer", "kind": "static",
                                         "channel": "letter"})
        session.commit()
    view.load()
    qtbot.waitUntil(lambda: not view.busy, timeout=5000)
    assert view.select_list(blocked.id)
    assert view.recipients_page.currentWidget() is view.no_recipients
    assert "all 1 are excluded" in view.no_recipients.text()
    assert view.select_list(empty.id)
    assert "Add customers" in view.no_recipients.text()


def test_in_a_large_store_the_chosen_list_is_read_in_the_background(
    qtbot, store, view, monkeypatch
):
    from salesdesk.services import distribution_lists as dl
    from salesdesk.ui.views import distribution_lists as page

    with store.session() as session:
        munich = dl.create_list(session, {"name": "München", "kind": "dynamic",
                                          "channel": "letter",
                                          "criteria": '{"postal_code_ranges": '
                                                      '[["80000", "81999"]]}'})
        session.commit()
    monkeypatch.setattr(page, "BACKGROUND_FROM_CUSTOMERS", 0)  # every store is "large"
    view.load()
    assert view.select_list(munich.id)
    assert view.busy and view.evaluation is None  # nothing blocks the window meanwhile
    assert not view.buttons["export"].isEnabled()
    qtbot.waitUntil(lambda: not view.busy, timeout=5000)
    assert _cells(view.recipients_model, 1) == ["Huber Elektro"]
    assert view.buttons["export"].isEnabled()
