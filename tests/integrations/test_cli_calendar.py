"""`salesdesk calendar setup|test|sync` against the loopback EWS emulator."""

import getpass
from datetime import datetime
from zoneinfo import ZoneInfo

import keyring
import pytest
from ews_emulator import EwsEmulator
from keyring.backends import fail

from salesdesk.app import main
from salesdesk.services import appointments as ap
from salesdesk.store.engine import open_store

MAILBOX, PASSWORD = "rep@example.com", "Secret-1"


@pytest.fixture
def no_keyring():
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def test_setup_test_and_sync_from_the_command_line(tmp_path, monkeypatch, capsys, no_keyring):
    data = tmp_path / "d"
    store = open_store(data, user=getpass.getuser())  # the login the CLI runs as
    with store.session() as session:
        ap.create_appointment(session, {
            "subject": "Jahresgespräch",
            "starts_at": datetime(2027, 6, 1, 10, tzinfo=ZoneInfo("Europe/Berlin")),
            "ends_at": datetime(2027, 6, 1, 11, tzinfo=ZoneInfo("Europe/Berlin"))})
        session.commit()
    store.close()
    with EwsEmulator(users={MAILBOX: PASSWORD}, auth="basic", mailbox=MAILBOX) as ews:
        monkeypatch.setenv("SALESDESK_EWS_PASSWORD", "wrong")
        assert main(["calendar", "setup", "--data-dir", str(data), "--mailbox", MAILBOX,
                     "--endpoint", ews.url, "--auth", "basic"]) == 1
        assert "refused the login" in capsys.readouterr().err
        assert main(["calendar", "sync", "--data-dir", str(data)]) == 1
        assert "No Outlook/Exchange mailbox is set up" in capsys.readouterr().err

        monkeypatch.setenv("SALESDESK_EWS_PASSWORD", PASSWORD)
        assert main(["calendar", "setup", "--data-dir", str(data), "--mailbox", MAILBOX,
                     "--endpoint", ews.url, "--auth", "basic"]) == 0
        out, err = capsys.readouterr()
        assert "Connected to the mailbox rep@example.com" in out and "keyring" in err
        assert main(["calendar", "test", "--data-dir", str(data)]) == 0
        assert main(["calendar", "sync", "--data-dir", str(data)]) == 0
        assert "1 sent to Outlook" in capsys.readouterr().out
        assert [i.subject for i in ews.items("calendar")] == ["Jahresgespräch"]
