"""Consent records (GDPR) in the customer file: listed newest first, recorded by a dialog."""

from datetime import date, timedelta

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from salesdesk.domain.customer import ConsentChannel
from salesdesk.services.customers import get_customer, live, record_consent
from salesdesk.ui.dialogs.consent_edit import ConsentDialog
from salesdesk.ui.formatting import format_date

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
NUMBER = "K-000012"


@pytest.fixture
def file_view(window):
    window.show_view(f"customer:{NUMBER}")
    return window.file_view


def _consents(store):
    with store.session() as session:
        return sorted(live(get_customer(session, NUMBER).consents),
                      key=lambda c: (c.recorded_on, c.created_at))


def _open_dialog(file_view) -> ConsentDialog:
    tab = file_view.consents
    file_view.tabs.setCurrentWidget(tab)
    assert tab.buttons["record"].text() == "Record consent…"
    tab.buttons["record"].click()
    assert isinstance(file_view.dialog, ConsentDialog)
    return file_view.dialog


def _select(combo, data):
    combo.setCurrentIndex(combo.findData(data))


def test_recording_a_consent_persists_it_and_lists_it_first(qtbot, demo_store, file_view):
    before = len(_consents(demo_store))
    dialog = _open_dialog(file_view)
    assert dialog.field("recorded_on").date().toPython() == date.today()
    _select(dialog.field("channel"), ConsentChannel.PHONE.value)
    _select(dialog.field("granted"), "withdrawn")
    contacts = dialog.field("contact_id")
    contacts.setCurrentIndex(1)  # the first contact person of this customer
    person = contacts.currentText()
    qtbot.keyClicks(dialog.field("source"), "Phone call with the buyer")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        assert dialog.save()
    saved = _consents(demo_store)
    assert len(saved) == before + 1
    newest = saved[-1]
    assert (newest.channel, newest.granted, newest.recorded_on, newest.source) == (
        "phone", False, date.today(), "Phone call with the buyer")
    assert newest.contact_id is not None
    model = file_view.consents.model
    first = [model.index(0, c).data() for c in range(model.columnCount())]
    assert first == ["Phone", "withdrawn", first[2], "Phone call with the buyer", person]
    assert f"Consents ({before + 1})" in [file_view.tabs.tabText(i)
                                           for i in range(file_view.tabs.count())]
    assert "Phone: withdrawn" in file_view.master.values["consents"].text()


def test_a_consent_without_source_shows_the_error_and_saves_nothing(qtbot, demo_store,
                                                                     file_view):
    before = len(_consents(demo_store))
    dialog = _open_dialog(file_view)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()
    assert dialog.form.findChild(QLabel, "source_label").text() == "Source *"
    assert not dialog.save()
    assert dialog.error_label("source").text() == "is required"
    assert dialog.isVisible() or not dialog.result()
    qtbot.keyClicks(dialog.field("source"), "   ")
    assert not save.isEnabled()
    assert len(_consents(demo_store)) == before


def test_a_consent_cannot_be_dated_in_the_future(qtbot, demo_store, file_view):
    dialog = _open_dialog(file_view)
    qtbot.keyClicks(dialog.field("source"), "Form")
    dialog.field("recorded_on").setDate(date.today() + timedelta(days=3))
    assert "future" in dialog.error_label("recorded_on").text()
    assert not dialog.save()


def test_consents_are_listed_newest_first(demo_store, file_view):
    with demo_store.session() as session:
        customer = get_customer(session, NUMBER)
        record_consent(session, customer, "letter", True, date(2020, 1, 2), "Old form")
        record_consent(session, customer, "letter", False, date(2021, 5, 6), "Letter back")
        session.commit()
    file_view.reload()
    model = file_view.consents.model
    newest = max(c.recorded_on for c in _consents(demo_store))
    assert model.index(0, 2).data() == format_date(newest)
    sources = [model.index(r, 3).data() for r in range(model.rowCount())]
    assert sources.index("Letter back") < sources.index("Old form")


def test_no_consents_yet_explains_what_to_do(demo_store, window):
    with demo_store.session() as session:
        customer = get_customer(session, "K-000013")
        for consent in list(customer.consents):
            session.delete(consent)
        session.commit()
    window.show_view("customer:K-000013")
    tab = window.file_view.consents
    assert tab.count() == 0
    assert "Record consent" in tab.empty.text()
    assert tab.buttons["record"].isEnabled()
