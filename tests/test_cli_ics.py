"""`salesdesk ics appointment ID | week [--date D] [--user LOGIN] | tasks [--user LOGIN]
-o FILE.ics`: calendar files for any calendar program, read back by vobject."""

import getpass
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import vobject

from salesdesk.app import main
from salesdesk.services import appointments as ap
from salesdesk.services import tasks as ts
from salesdesk.services.customers import create_customer
from salesdesk.store.engine import open_store

BERLIN = ZoneInfo("Europe/Berlin")


def _store(tmp_path, user: str = "anna") -> tuple[str, dict]:
    data = tmp_path / "d"
    store = open_store(data, user=user)
    with store.session() as session:
        customer = create_customer(session, {"name": "Müller Bau GmbH"})
        visit = ap.create_appointment(session, {
            "subject": "Jahresgespräch, Konditionen", "customer_id": customer.id,
            "starts_at": datetime(2026, 7, 14, 10, tzinfo=BERLIN),
            "ends_at": datetime(2026, 7, 14, 11, tzinfo=BERLIN)})
        ap.create_appointment(session, {
            "subject": "Telefonat", "starts_at": datetime(2026, 7, 17, 16, tzinfo=BERLIN),
            "ends_at": datetime(2026, 7, 17, 16, 30, tzinfo=BERLIN)})
        ts.create_task(session, {"title": "Angebot schicken", "due_on": date(2026, 7, 20)})
        done = ts.create_task(session, {"title": "Muster geschickt"})
        ts.change_status(session, done.id, "confirmed")
        session.commit()
        ids = {"visit": str(visit.id)}
    store.close()
    return str(data), ids


def _read(path):
    return vobject.readOne(path.read_text(encoding="utf-8"))


def test_one_appointment(tmp_path, capsys):
    data, ids = _store(tmp_path)
    target = tmp_path / "termin.ics"
    assert main(["ics", "appointment", ids["visit"], "-o", str(target), "--data-dir", data]) == 0
    assert capsys.readouterr().out.strip() == f"1 calendar entries written to {target}"
    event = _read(target).vevent
    assert event.summary.value == "Jahresgespräch, Konditionen"
    assert event.dtstart.value.hour == 10 and event.uid.value == f"{ids['visit']}@salesdesk"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "termin.ics"]


def test_a_users_week(tmp_path, capsys):
    data, _ids = _store(tmp_path)
    target = tmp_path / "week.ics"
    assert main(["ics", "week", "--date", "2026-07-16", "--user", "anna", "--zone",
                 "Europe/Berlin", "-o", str(target), "--data-dir", data]) == 0
    assert "2 calendar entries" in capsys.readouterr().out
    assert [e.summary.value for e in _read(target).vevent_list] == [
        "Jahresgespräch, Konditionen", "Telefonat"]


def test_my_week_and_my_tasks_by_default(tmp_path, capsys):
    data, _ids = _store(tmp_path, user=getpass.getuser())  # the login the command runs as
    week, tasks = tmp_path / "week.ics", tmp_path / "tasks.ics"
    assert main(["ics", "week", "--date", "2026-07-13", "-o", str(week), "--data-dir",
                 data]) == 0
    assert len(_read(week).vevent_list) == 2
    assert main(["ics", "tasks", "-o", str(tasks), "--data-dir", data]) == 0
    assert [t.summary.value for t in _read(tasks).vtodo_list] == ["Angebot schicken"]
    assert main(["ics", "tasks", "--all", "-o", str(tasks), "--data-dir", data]) == 0
    assert {t.summary.value: t.status.value for t in _read(tasks).vtodo_list} == {
        "Angebot schicken": "NEEDS-ACTION", "Muster geschickt": "COMPLETED"}


def test_tasks_as_all_day_appointments_for_outlook(tmp_path):
    data, _ids = _store(tmp_path)
    target = tmp_path / "tasks.ics"
    assert main(["ics", "tasks", "--user", "anna", "--as-events", "-o", str(target),
                 "--data-dir", data]) == 0
    [event] = _read(target).vevent_list
    assert (event.summary.value, event.dtstart.value) == ("Angebot schicken", date(2026, 7, 20))


def test_failures_are_one_line_and_write_nothing(tmp_path):
    data, ids = _store(tmp_path)
    target = tmp_path / "x.ics"
    cases = [
        (["ics", "week", "--date", "2026-08-03", "--user", "anna"],
         "no appointments in week 32 of 2026"),
        (["ics", "week", "--user", "nobody"], "There is no user nobody"),
        (["ics", "week", "--zone", "Mars/Olympus", "--user", "anna"], "Mars/Olympus"),
        (["ics", "appointment", "01a209e9-448f-72d7-8cdb-6c3a26e6c2e7"], "does not exist"),
    ]
    for command, message in cases:
        result = subprocess.run(
            [sys.executable, "-m", "salesdesk", *command, "-o", str(target), "--data-dir",
             data], capture_output=True, text=True)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1, command
        assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert not target.exists()
    unwritable = tmp_path / "no such folder" / "x.ics"
    assert main(["ics", "appointment", ids["visit"], "-o", str(unwritable), "--data-dir",
                 data]) == 1
