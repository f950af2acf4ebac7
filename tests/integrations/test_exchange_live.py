"""Opt-in: the mailbox sync against a real Exchange server (on premises; EWS).

Skipped unless SALESDESK_EWS_URL, SALESDESK_EWS_MAILBOX, SALESDESK_EWS_USER and
SALESDESK_EWS_PASSWORD are set (SALESDESK_EWS_AUTH: NTLM, the default, or basic). It makes
one appointment and one task stamped with new SalesDesk ids and removes them again.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest

from salesdesk.integrations.exchange import ExchangeSettings, connect
from salesdesk.services import appointments as ap
from salesdesk.services import calendar_sync as cs
from salesdesk.services import tasks as ts
from salesdesk.services.users import current_user

NEEDED = ("SALESDESK_EWS_URL", "SALESDESK_EWS_MAILBOX", "SALESDESK_EWS_USER",
          "SALESDESK_EWS_PASSWORD")
missing = [name for name in NEEDED if not os.environ.get(name)]
pytestmark = pytest.mark.skipif(
    bool(missing), reason="no Exchange server here: set " + ", ".join(missing)
    + " to run this test against a real one")


def test_round_trip_against_a_real_server(store):
    settings = ExchangeSettings(
        mailbox=os.environ["SALESDESK_EWS_MAILBOX"], endpoint=os.environ["SALESDESK_EWS_URL"],
        username=os.environ["SALESDESK_EWS_USER"],
        auth_type=os.environ.get("SALESDESK_EWS_AUTH", "NTLM"))
    password = os.environ["SALESDESK_EWS_PASSWORD"]
    assert "Connected" in cs.test_connection(settings, password)
    cs.save_mailbox_settings(store, settings, password, session_only=True)
    start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=30)
    with store.session() as session:
        meeting = ap.create_appointment(session, {
            "subject": "SalesDesk live test", "starts_at": start,
            "ends_at": start + timedelta(hours=1), "notes": "made by the SalesDesk test suite"})
        task = ts.create_task(session, {"title": "SalesDesk live test",
                                        "due_on": date.today() + timedelta(days=30),
                                        "assignee_id": current_user(session).id})
        session.commit()
        meeting_id, task_id = meeting.id, task.id
    backend = connect(settings, password)
    try:
        first = cs.sync_mailbox(store, backend)
        assert first.created >= 2
        stamped = {item.uid for item in backend.stamped("appointment")}
        assert str(meeting_id) in stamped
        assert str(task_id) in {item.uid for item in backend.stamped("task")}
    finally:
        with store.session() as session:
            ap.cancel_appointment(session, meeting_id)
            ts.change_status(session, task_id, "cancelled")
            session.commit()
        cleanup = cs.sync_mailbox(store, backend)
    assert cleanup.removed >= 2
    assert str(meeting_id) not in {item.uid for item in backend.stamped("appointment")}
