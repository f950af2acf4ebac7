"""`salesdesk sync --central URL`: one line out, non-zero on failure, outbox kept."""

import sqlite3

from salesdesk.app import main
from salesdesk.services.customers import create_customer
from salesdesk.store.engine import open_store
from salesdesk.sync.central import add_user

from .conftest import PASSWORD


def _device(tmp_path, login):
    data = tmp_path / login
    store = open_store(data, user=login)
    with store.session() as session:
        create_customer(session, {"name": "Müller Bau GmbH"})
        session.commit()
    store.close()
    return data


def _outbox(data) -> int:
    with sqlite3.connect(data / "salesdesk.sqlite3") as conn:
        return conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]


def test_sync_sends_and_receives_and_says_so(central, tmp_path, capsys):
    login = central.login("office")
    add_user(central.url, login, PASSWORD, "office")
    data = _device(tmp_path, login)
    queued = _outbox(data)
    assert queued > 0
    assert main(["sync", "--central", central.login_url(login), "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"Sent {queued} changes in 1 batches, received ")
    assert out.endswith("0 conflicts, 0 changes refused.")
    assert _outbox(data) == 0
    with central.connect() as conn:
        assert conn.execute("SELECT name FROM customer").fetchall() == [("Müller Bau GmbH",)]


def test_a_wrong_password_is_one_line_and_keeps_the_outbox(central, tmp_path, capsys):
    login = central.login("office")
    add_user(central.url, login, PASSWORD, "office")
    data = _device(tmp_path, login)
    queued = _outbox(data)
    assert main(["sync", "--central", central.login_url(login, "wrong"), "--data-dir",
                 str(data)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: Cannot connect to the central database")
    assert "wrong" not in err[0]  # the password is never printed
    assert _outbox(data) == queued


def test_11_a_central_schema_newer_than_this_build_asks_for_an_update(central, tmp_path,
                                                                     capsys):
    login = central.login("office")
    add_user(central.url, login, PASSWORD, "office")
    data = _device(tmp_path, login)
    queued = _outbox(data)
    with central.connect() as conn:
        conn.execute("UPDATE sync_meta SET value = '9999' WHERE key = 'min_client_schema'")
    assert main(["sync", "--central", central.login_url(login), "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err.strip()
    assert "Please update SalesDesk; your changes stay on this device" in err
    assert _outbox(data) == queued
    with central.connect() as conn:
        assert conn.execute("SELECT count(*) FROM customer").fetchone() == (0,)
