"""The appointment dialog tells when Outlook deleted the appointment and can put it back
(a real sync with the loopback EWS emulator, tests/integrations/ews_emulator.py)."""

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integrations"))
from ews_emulator import EwsEmulator  # noqa: E402

from salesdesk.integrations.exchange import ExchangeSettings, close_connections  # noqa: E402
from salesdesk.services import appointments as ap  # noqa: E402
from salesdesk.services import calendar_sync as cs  # noqa: E402
from salesdesk.ui.dialogs.appointment_edit import AppointmentDialog  # noqa: E402

# the dialog is shown: the offscreen platform cannot honour its size hints
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "This plugin does not support")
MAILBOX, PASSWORD = "rep@example.com", "Secret-1"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def ews(store):
    with EwsEmulator(users={MAILBOX: PASSWORD}, auth="basic", mailbox=MAILBOX) as emulator:
        cs.save_mailbox_settings(store, ExchangeSettings(MAILBOX, emulator.url, MAILBOX,
                                                         auth_type="basic"),
                                 PASSWORD, session_only=True)
        yield emulator
    close_connections()


def test_deleted_in_outlook_is_shown_and_can_be_put_back(qtbot, store, ews):
    with store.session() as session:
        meeting = ap.create_appointment(session, {
            "subject": "Jahresgespräch", "starts_at": datetime(2027, 5, 4, 10, tzinfo=BERLIN),
            "ends_at": datetime(2027, 5, 4, 11, tzinfo=BERLIN)}).id
        session.commit()
    plain = AppointmentDialog(store, meeting)
    qtbot.addWidget(plain)
    assert plain.outlook_notice is None  # nothing to say while nothing happened

    cs.sync_mailbox(store)
    [item] = ews.items("calendar")
    ews.outlook_delete(item.id)
    cs.sync_mailbox(store)

    dialog = AppointmentDialog(store, meeting)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.outlook_notice is not None and dialog.outlook_notice.isVisible()
    assert "Deleted in Outlook" in dialog.outlook_notice.findChild(type(dialog.general_error)
                                                                   ).text()
    qtbot.mouseClick(dialog.put_back_button, Qt.MouseButton.LeftButton)
    assert not dialog.outlook_notice.isVisible()
    cs.sync_mailbox(store)
    [again] = ews.items("calendar")
    assert again.extended["SalesDeskId"] == str(meeting) and again.subject == "Jahresgespräch"
