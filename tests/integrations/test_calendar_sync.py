"""SalesDesk ↔ Exchange through the real exchangelib, over HTTP, against the loopback EWS
emulator (tests/integrations/ews_emulator.py; it is not Exchange: see the README)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from ews_emulator import EwsEmulator
from sqlalchemy import select

from salesdesk.integrations.calendar_backend import CalendarAuthError, CalendarUnreachable
from salesdesk.integrations.exchange import ExchangeSettings, connect
from salesdesk.services import appointments as ap
from salesdesk.services import calendar_sync as cs
from salesdesk.services import tasks as ts
from salesdesk.services.users import current_user
from salesdesk.store.models import Appointment, ExchangeLink

MAILBOX = "rep@example.com"
PASSWORD = "Secret-1"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def ews():
    with EwsEmulator(users={MAILBOX: PASSWORD}, auth="basic", mailbox=MAILBOX) as emulator:
        yield emulator


def _settings(ews, **over) -> ExchangeSettings:
    values = {
        "mailbox": MAILBOX,
        "endpoint": ews.url,
        "username": MAILBOX,
        "auth_type": "basic",
    } | over
    return ExchangeSettings(**values)


@pytest.fixture
def mailbox(store, ews):
    cs.save_mailbox_settings(store, _settings(ews), PASSWORD, session_only=True)
    return connect(_settings(ews), PASSWORD)


def _meeting(store, subject="Jahresgespräch Huber", day=date(2027, 3, 10), hour=10, **values):
    with store.session() as session:
        appointment = ap.create_appointment(
            session,
            {
                "subject": subject,
                "starts_at": datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN),
                "ends_at": datetime(day.year, day.month, day.day, hour + 1, tzinfo=BERLIN),
                "time_zone": "Europe/Berlin",
                **values,
            },
        )
        session.commit()
        return appointment.id


def _calendar(ews):
    return {item.extended.get("SalesDeskId"): item for item in ews.items("calendar")}


def _appointment(store, appointment_id) -> Appointment:
    with store.session() as session:
        found = session.get(Appointment, appointment_id)
        session.expunge(found)
        return found


def test_appointments_and_tasks_go_to_outlook_stamped_with_their_id(store, ews, mailbox):
    meeting = _meeting(
        store,
        location="Sendlinger Str. 1, München",
        notes="Preise 2027",
        remind_at=datetime(2027, 3, 10, 9, 45, tzinfo=BERLIN),
    )
    with store.session() as session:
        task = ts.create_task(
            session,
            {
                "title": "Angebot schicken",
                "due_on": date(2027, 3, 12),
                "assignee_id": current_user(session).id,
            },
        )
        session.commit()
        task_id = task.id

    result = cs.sync_mailbox(store, mailbox)

    assert (result.created, result.updated, result.conflicts) == (2, 0, 0)
    item = _calendar(ews)[str(meeting)]
    assert item.subject == "Jahresgespräch Huber"
    assert item.start == datetime(2027, 3, 10, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, winter
    assert item.location == "Sendlinger Str. 1, München"
    assert "Preise 2027" in item.body
    assert "SalesDesk" in item.categories
    assert item.reminder_minutes_before_start == 15 and item.reminder_is_set
    [task_item] = ews.items("tasks")
    assert task_item.extended["SalesDeskId"] == str(task_id)
    assert task_item.subject == "Angebot schicken"
    due = task_item.due_date
    assert (due.date() if isinstance(due, datetime) else due) == date(2027, 3, 12)


def test_updates_name_their_fields_and_an_outlook_body_edit_survives(store, ews, mailbox):
    meeting = _meeting(store, notes="Agenda: Preise")
    cs.sync_mailbox(store, mailbox)
    item_id = _calendar(ews)[str(meeting)].id
    ews.outlook_edit(item_id, body="Agenda: Preise\nParkplatz hinter dem Haus (from Outlook)")
    cs.sync_mailbox(store, mailbox)  # the body comes into SalesDesk
    assert "Parkplatz" in _appointment(store, meeting).notes

    with store.session() as session:  # SalesDesk moves the meeting by an hour
        ap.update_appointment(
            session,
            meeting,
            {
                "starts_at": datetime(2027, 3, 10, 11, tzinfo=BERLIN),
                "ends_at": datetime(2027, 3, 10, 12, tzinfo=BERLIN),
            },
        )
        session.commit()
    ews.outlook_edit(item_id, body="Parkplatz hinter dem Haus; Tor 2")  # meanwhile in Outlook
    result = cs.sync_mailbox(store, mailbox)

    item = ews.item(item_id)
    assert item.start == datetime(2027, 3, 10, 10, tzinfo=UTC)
    assert "Tor 2" in item.body  # never overwritten by a whole-item save
    assert "Tor 2" in _appointment(store, meeting).notes
    assert result.conflicts == 0
    updates = [attrs for op, attrs in ews.requests if op == "UpdateItem"]
    assert updates and all(a.get("ConflictResolution") == "NeverOverwrite" for a in updates)


def test_moved_in_outlook_comes_back_and_the_own_write_is_not_applied_twice(store, ews, mailbox):
    meeting = _meeting(store)
    first = cs.sync_mailbox(store, mailbox)
    assert first.created == 1
    again = cs.sync_mailbox(store, mailbox)
    assert (again.created, again.updated, again.pulled) == (0, 0, 0)

    item_id = _calendar(ews)[str(meeting)].id
    ews.outlook_move(
        item_id, datetime(2027, 3, 11, 13, tzinfo=UTC), datetime(2027, 3, 11, 14, 30, tzinfo=UTC)
    )
    moved = cs.sync_mailbox(store, mailbox)
    appointment = _appointment(store, meeting)
    assert moved.pulled == 1 and moved.updated == 0
    assert appointment.starts_at == datetime(2027, 3, 11, 13, tzinfo=UTC)
    assert appointment.ends_at == datetime(2027, 3, 11, 14, 30, tzinfo=UTC)
    assert appointment.time_zone == "Europe/Berlin"
    quiet = cs.sync_mailbox(store, mailbox)
    assert (quiet.pulled, quiet.updated, quiet.created) == (0, 0, 0)


def test_a_stale_change_key_is_a_conflict_not_an_overwrite(store, ews, mailbox):
    meeting = _meeting(store)
    cs.sync_mailbox(store, mailbox)
    item_id = _calendar(ews)[str(meeting)].id
    with store.session() as session:
        ap.update_appointment(session, meeting, {"subject": "Jahresgespräch (verschoben)"})
        session.commit()
    ews.outlook_edit(item_id, subject="Jahresgespräch – Outlook")

    pushed = cs.sync_mailbox(store, mailbox, pull=False)  # Outlook changed it after the pull

    assert pushed.conflicts == 1 and pushed.updated == 0
    assert ews.item(item_id).subject == "Jahresgespräch – Outlook"
    with store.session() as session:
        [conflict] = cs.mailbox_conflicts(session)
    assert conflict.entity_id == meeting and "" in conflict.fields

    both = cs.sync_mailbox(store, mailbox)  # the pull sees both changed the subject
    with store.session() as session:
        [conflict] = cs.mailbox_conflicts(session)
    assert conflict.fields["subject"] == {
        "outlook": "Jahresgespräch – Outlook",
        "salesdesk": "Jahresgespräch (verschoben)",
    }
    assert both.updated == 0 and ews.item(item_id).subject == "Jahresgespräch – Outlook"

    cs.resolve_conflict(store, conflict.link_id, "salesdesk")
    cs.sync_mailbox(store, mailbox)
    assert ews.item(item_id).subject == "Jahresgespräch (verschoben)"
    with store.session() as session:
        assert cs.mailbox_conflicts(session) == []


def test_deleted_in_outlook_marks_the_appointment_and_keeps_it(store, ews, mailbox):
    meeting = _meeting(store, notes="vereinbart: Muster bis Freitag")
    cs.sync_mailbox(store, mailbox)
    ews.outlook_delete(_calendar(ews)[str(meeting)].id)

    result = cs.sync_mailbox(store, mailbox)

    assert result.removed_in_outlook == 1 and result.created == 0
    appointment = _appointment(store, meeting)
    assert appointment.deleted_at is None and appointment.notes == "vereinbart: Muster bis Freitag"
    with store.session() as session:
        assert cs.outlook_state(session, "appointment", meeting).removed_in_outlook
    assert ews.items("calendar") == []  # not made again behind the user's back
    cs.put_back_in_outlook(store, "appointment", meeting)
    cs.sync_mailbox(store, mailbox)
    assert str(meeting) in _calendar(ews)


def test_cancelled_in_salesdesk_is_removed_from_outlook(store, ews, mailbox):
    meeting = _meeting(store)
    cs.sync_mailbox(store, mailbox)
    with store.session() as session:
        ap.cancel_appointment(session, meeting)
        session.commit()
    result = cs.sync_mailbox(store, mailbox)
    assert result.removed == 1 and ews.items("calendar") == []
    with store.session() as session:
        assert session.scalars(select(ExchangeLink)).all() == []


def test_invalid_sync_state_resyncs_by_the_salesdesk_id_without_duplicates(store, ews, mailbox):
    meetings = [_meeting(store, subject=f"Besuch {n}", day=date(2027, 4, 1 + n)) for n in range(5)]
    cs.sync_mailbox(store, mailbox)
    ews.outlook_move(
        _calendar(ews)[str(meetings[0])].id,
        datetime(2027, 4, 1, 14, tzinfo=UTC),
        datetime(2027, 4, 1, 15, tzinfo=UTC),
    )
    ews.outlook_delete(_calendar(ews)[str(meetings[1])].id)
    ews.invalidate_sync_states()

    result = cs.sync_mailbox(store, mailbox)

    assert result.full_resync == ["calendar", "tasks"]
    assert len(ews.items("calendar")) == 4 and result.created == 0
    assert _appointment(store, meetings[0]).starts_at == datetime(2027, 4, 1, 14, tzinfo=UTC)
    with store.session() as session:
        assert cs.outlook_state(session, "appointment", meetings[1]).removed_in_outlook
    quiet = cs.sync_mailbox(store, mailbox)
    assert quiet.full_resync == [] and quiet.created == 0


def test_lost_links_are_found_again_by_the_id_on_the_item(store, ews, mailbox):
    meeting = _meeting(store)
    cs.sync_mailbox(store, mailbox)
    with store.session() as session:  # e.g. killed after CreateItem, before the commit
        session.execute(ExchangeLink.__table__.delete())
        session.execute(cs.ExchangeFolderState.__table__.delete())
        session.commit()
    cs.sync_mailbox(store, mailbox)
    assert len(ews.items("calendar")) == 1
    with store.session() as session:
        assert cs.outlook_state(session, "appointment", meeting).linked


def test_daylight_saving_between_planning_and_meeting_keeps_the_wall_time(store, ews, mailbox):
    # planned in winter (CET, +1) for a summer day (CEST, +2), 10:00 in Berlin
    meeting = _meeting(store, day=date(2027, 7, 6), hour=10)
    cs.sync_mailbox(store, mailbox)
    item = _calendar(ews)[str(meeting)]
    assert item.start == datetime(2027, 7, 6, 8, tzinfo=UTC)
    assert item.start.astimezone(BERLIN).hour == 10
    assert item.start_timezone  # the planned zone travels with the item
    ews.outlook_edit(item.id, subject="Sommertermin")
    cs.sync_mailbox(store, mailbox)
    appointment = _appointment(store, meeting)
    assert appointment.starts_at.astimezone(BERLIN).hour == 10
    assert appointment.time_zone == "Europe/Berlin"


def test_tasks_both_ways(store, ews, mailbox):
    with store.session() as session:
        me = current_user(session).id
        task = ts.create_task(
            session, {"title": "Muster schicken", "due_on": date(2027, 2, 1), "assignee_id": me}
        )
        undated = ts.create_task(session, {"title": "irgendwann", "assignee_id": me})
        session.commit()
        task_id, undated_id = task.id, undated.id
    cs.sync_mailbox(store, mailbox)
    [item] = ews.items("tasks")
    assert item.extended["SalesDeskId"] == str(task_id) and str(undated_id) not in json.dumps(
        [i.extended for i in ews.items("tasks")]
    )
    ews.outlook_edit(item.id, due_date=date(2027, 2, 3), status="Completed")
    result = cs.sync_mailbox(store, mailbox)
    assert result.pulled == 1
    with store.session() as session:
        done = ts.get_task(session, task_id)
        assert done.due_on == date(2027, 2, 3) and done.status == "confirmed"


def test_offline_changes_wait_and_go_out_after_reconnect(store, ews, mailbox):
    meeting = _meeting(store)
    cs.sync_mailbox(store, mailbox)
    ews.stop()
    with store.session() as session:
        ap.update_appointment(session, meeting, {"location": "Messe München, Halle B2"})
        session.commit()
    later = _meeting(store, subject="Nachfassen", day=date(2027, 3, 17))
    with pytest.raises(CalendarUnreachable, match="cannot be reached"):
        cs.sync_mailbox(store, connect(_settings(ews), PASSWORD))
    ews.start()
    result = cs.sync_mailbox(store, mailbox)
    assert (result.created, result.updated) == (1, 1)
    calendar = _calendar(ews)
    assert calendar[str(meeting)].location == "Messe München, Halle B2"
    assert calendar[str(later)].subject == "Nachfassen"


def test_wrong_password_is_a_clear_message(store, ews):
    with pytest.raises(CalendarAuthError, match="refused the login"):
        cs.test_connection(_settings(ews), "wrong")
    assert "Connected" in cs.test_connection(_settings(ews), PASSWORD)


def test_server_busy_is_waited_out(store, ews, mailbox):
    _meeting(store)
    ews.busy_next(2, back_off_ms=200)
    result = cs.sync_mailbox(store, mailbox)
    assert result.created == 1 and len(ews.items("calendar")) == 1
    assert [info.get("fault") for op, info in ews.requests[:2]] == ["ErrorServerBusy"] * 2


def test_five_hundred_items(store, ews, mailbox):
    start = datetime(2027, 1, 4, 8, tzinfo=UTC)
    with store.session() as session:
        me = current_user(session).id
        for n in range(250):
            ap.create_appointment(
                session,
                {
                    "subject": f"Besuch {n}",
                    "starts_at": start + timedelta(hours=n),
                    "ends_at": start + timedelta(hours=n, minutes=45),
                },
            )
            ts.create_task(
                session,
                {
                    "title": f"Nachfassen {n}",
                    "assignee_id": me,
                    "due_on": date(2027, 1, 4) + timedelta(days=n % 60),
                },
            )
        session.commit()
    result = cs.sync_mailbox(store, mailbox)
    assert result.created == 500
    assert len(ews.items("calendar")) == 250 and len(ews.items("tasks")) == 250
    again = cs.sync_mailbox(store, mailbox)
    assert (again.created, again.updated, again.pulled) == (0, 0, 0)


def test_exchangelib_is_not_imported_at_start_up():
    code = (
        "import salesdesk.app, salesdesk.services.calendar_sync, sys; "
        "print('exchangelib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_ntlm_sign_in(store):
    with EwsEmulator(users={MAILBOX: PASSWORD}, auth="ntlm", mailbox=MAILBOX) as ntlm:
        settings = _settings(ntlm, auth_type="NTLM")
        assert "Connected" in cs.test_connection(settings, PASSWORD)
        with pytest.raises(CalendarAuthError):
            cs.test_connection(settings, "wrong")
        cs.save_mailbox_settings(store, settings, PASSWORD, session_only=True)
        meeting = _meeting(store)
        assert cs.sync_mailbox(store).created == 1
        assert str(meeting) in _calendar(ntlm)


def test_a_refreshed_oauth_token_is_kept(store, monkeypatch):
    from salesdesk.integrations import exchange

    kept = {}
    monkeypatch.setattr(cs, "_session_secrets", kept)
    settings = ExchangeSettings(mailbox=MAILBOX, endpoint="https://mail.example.com/EWS/"
                                "Exchange.asmx", username="", auth_type="OAuth 2.0",
                                oauth_client_id="client-1", oauth_tenant_id="tenant-1")
    check = settings.problems()
    assert check == []
    secret = json.dumps({"client_secret": "s3cret", "token": {"access_token": "old",
                                                              "refresh_token": "r1"}})
    credentials = exchange._credentials(
        settings, secret, lambda new: cs.store_secret(MAILBOX, new, session_only=True))
    assert credentials.access_token["access_token"] == "old"
    credentials.on_token_auto_refreshed(exchange.ews_token(
        {"access_token": "new", "refresh_token": "r2", "expires_in": 3600}))
    stored = json.loads(kept[MAILBOX])
    assert stored["client_secret"] == "s3cret" and stored["token"]["access_token"] == "new"
    assert stored["token"]["refresh_token"] == "r2"


def test_settings_problems_name_the_field():
    problems = dict(ExchangeSettings(mailbox="rep", endpoint="mail.example.com",
                                     username="", build="fifteen").problems())
    assert set(problems) == {"mailbox", "endpoint", "username", "build"}
    with pytest.raises(cs.ValidationFailed) as failed:
        cs.check_settings(ExchangeSettings(mailbox="rep", endpoint="https://x/EWS/Exchange.asmx",
                                           username="u"))
    assert "Mailbox" in str(failed.value) and "e-mail" in str(failed.value)


def test_a_renamed_mailbox_keeps_its_password_and_a_forgotten_one_is_gone(store, ews, mailbox):
    cs.sync_mailbox(store, mailbox)
    renamed = _settings(ews, mailbox="rep.renamed@example.com")
    cs.save_mailbox_settings(store, renamed)  # no password typed: the stored one moves
    assert cs.stored_secret("rep.renamed@example.com") == PASSWORD
    cs.forget_mailbox(store)
    with store.session() as session:
        assert cs.mailbox_settings(session) is None
        assert session.scalars(select(ExchangeLink)).all() == []
    assert cs.stored_secret("rep.renamed@example.com") is None
    with pytest.raises(cs.CalendarError, match="No Outlook/Exchange mailbox"):
        cs.sync_mailbox(store)
