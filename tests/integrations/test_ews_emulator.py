"""The loopback EWS emulator, driven by the real exchangelib over HTTP.

These tests pin down what exchangelib 5.6 sends and raises in the situations SalesDesk's
Exchange sync relies on (see docs/exchange.md); the emulator is the peer, not Exchange.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from ews_emulator import EwsEmulator
from exchangelib import (
    CalendarItem,
    EWSDateTime,
    EWSTimeZone,
    FaultTolerance,
    HTMLBody,
    ItemId,
)
from exchangelib.errors import (
    ErrorAccessDenied,
    ErrorInvalidOperation,
    ErrorInvalidSyncStateData,
    ErrorIrresolvableConflict,
    ErrorItemNotFound,
    ErrorSchemaValidation,
    ErrorServerBusy,
    ErrorTimeoutExpired,
    RateLimitError,
    UnauthorizedError,
)
from exchangelib.folders import Calendar, Tasks
from exchangelib.items import Task
from exchangelib.protocol import close_connections
from exchangelib.version import Build

BERLIN = EWSTimeZone("Europe/Berlin")
UTC = dt.UTC
W_EUROPE = "W. Europe Standard Time"

pytestmark = pytest.mark.usefixtures("salesdesk_id_property")


def _at(year, month, day, hour, minute=0):
    return EWSDateTime(year, month, day, hour, minute, tzinfo=BERLIN)


def _appointment(account, n=0, **fields):
    start = fields.pop("start", _at(2027, 3, 10, 10) + dt.timedelta(days=n))
    values = {
        "subject": f"Besuch {n}",
        "start": start,
        "end": start + dt.timedelta(hours=1),
        "salesdesk_id": f"sd-{n}",
    } | fields
    return CalendarItem(account=account, folder=account.calendar, **values)


def _create(account, items):
    results = account.bulk_create(items[0].folder, items)
    assert not [r for r in results if isinstance(r, Exception)]
    return results


def _requests(emulator, operation):
    return [info for op, info in emulator.requests if op == operation]


def test_account_setup_asks_for_root_then_each_folder(ews_emulator, ews_account):
    calendar, tasks = ews_account.calendar, ews_account.tasks
    assert isinstance(calendar, Calendar) and calendar.name == "Calendar"
    assert isinstance(tasks, Tasks) and tasks.name == "Tasks"
    assert ews_emulator.operations() == ["GetFolder", "GetFolder", "GetFolder"]
    assert [info["folders"] for info in _requests(ews_emulator, "GetFolder")] == [
        ["root"],
        ["calendar"],
        ["tasks"],
    ]
    calendar.refresh()  # GetFolder by FolderId
    assert _requests(ews_emulator, "GetFolder")[-1]["folders"] == ["calendar"]
    for _, info in ews_emulator.requests:
        assert info["version"] == "Exchange2016"
        assert info["timezone"] == W_EUROPE  # exchangelib's TimeZoneContext header
        assert info["user"] == ews_emulator.mailbox


def test_unpinned_version_and_auth_are_probed_with_convert_id(ews_emulator, ews_connect):
    account = ews_connect(ews_emulator, pin=False)
    assert account.calendar.name == "Calendar"
    # an unauthenticated POST tastes WWW-Authenticate (401, not logged), then ConvertId
    assert ews_emulator.operations() == ["ConvertId", "GetFolder", "GetFolder"]
    assert account.protocol.auth_type == "basic"
    assert account.version.build == Build(15, 1, 2507, 6)


def test_calendar_item_round_trip(ews_emulator, ews_account):
    plain = _appointment(
        ews_account,
        0,
        body="Agenda: Preise",
        categories=["SalesDesk"],
        location="Huber GmbH, München",
        reminder_is_set=True,
        reminder_minutes_before_start=15,
    )
    html = _appointment(ews_account, 1, body=HTMLBody("<p>Agenda</p>"), is_all_day=False)
    created = _create(ews_account, [plain, html])
    assert all(r.id and r.changekey for r in created)
    [create] = _requests(ews_emulator, "CreateItem")
    assert create["items"] == 2 and create["folders"] == ["calendar"]
    assert create["SendMeetingInvitations"] == "SendToNone"

    first, second = ews_account.fetch([(r.id, r.changekey) for r in created])
    assert first.subject == "Besuch 0" and first.salesdesk_id == "sd-0"
    assert first.body == "Agenda: Preise" and not isinstance(first.body, HTMLBody)
    assert isinstance(second.body, HTMLBody) and second.body == "<p>Agenda</p>"
    assert first.categories == ["SalesDesk"] and first.location == "Huber GmbH, München"
    assert first.reminder_is_set is True and first.reminder_minutes_before_start == 15
    assert first.start == dt.datetime(2027, 3, 10, 9, tzinfo=UTC)  # 10:00 CET
    assert first._start_timezone == BERLIN and first._end_timezone == BERLIN
    assert first.changekey == created[0].changekey

    snapshot = ews_emulator.item(created[0].id)
    assert snapshot.kind == "CalendarItem" and snapshot.folder == "calendar"
    assert snapshot.extended == {"SalesDeskId": "sd-0"}
    assert snapshot.start_timezone == W_EUROPE and snapshot.body_type == "Text"
    assert ews_emulator.item(created[1].id).body_type == "HTML"
    assert [s.subject for s in ews_emulator.find_by_extended("SalesDeskId", "sd-1")] == ["Besuch 1"]


def test_task_round_trip_and_completion(ews_emulator, ews_account):
    task = Task(
        account=ews_account,
        folder=ews_account.tasks,
        subject="Muster schicken",
        body="2 Muster",
        due_date=dt.date(2027, 2, 1),
        start_date=dt.date(2027, 1, 25),
        status="InProgress",
        percent_complete=Decimal(50),
        reminder_is_set=True,
        reminder_due_by=_at(2027, 2, 1, 9),
        salesdesk_id="task-1",
    )
    task.save()
    [fetched] = ews_account.fetch([(task.id, task.changekey)])
    assert (fetched.subject, fetched.due_date, fetched.start_date) == (
        "Muster schicken",
        dt.date(2027, 2, 1),
        dt.date(2027, 1, 25),
    )
    assert fetched.status == "InProgress" and fetched.percent_complete == Decimal(50)
    assert fetched.reminder_due_by == dt.datetime(2027, 2, 1, 8, tzinfo=UTC)
    assert fetched.salesdesk_id == "task-1" and fetched.is_complete is False

    fetched.status = "Completed"  # exchangelib's clean() also sets percent_complete to 100
    fetched.save(update_fields=["status", "percent_complete"], conflict_resolution="NeverOverwrite")
    snapshot = ews_emulator.item(task.id)
    assert snapshot.status == "Completed" and snapshot.percent_complete == 100
    assert snapshot.complete_date is not None
    [done] = ews_account.fetch([(task.id, None)], only_fields=["is_complete", "complete_date"])
    assert done.is_complete is True and done.complete_date == snapshot.complete_date


def test_update_names_its_fields_and_keeps_the_outlook_body(ews_emulator, ews_account):
    [created] = _create(ews_account, [_appointment(ews_account, body="Agenda", location="Ort")])
    edited = ews_emulator.outlook_edit(created.id, body="Parkplatz hinter dem Haus")
    assert edited.changekey != created.changekey
    [fresh] = ews_account.fetch([(created.id, None)], only_fields=["changekey"])
    assert fresh.changekey == edited.changekey

    item = CalendarItem(
        account=ews_account,
        folder=ews_account.calendar,
        id=created.id,
        changekey=fresh.changekey,
        start=_at(2027, 3, 10, 11),
        end=_at(2027, 3, 10, 12),
    )
    item.save(update_fields=["start", "end"], conflict_resolution="NeverOverwrite")
    [update] = _requests(ews_emulator, "UpdateItem")
    assert update["ConflictResolution"] == "NeverOverwrite"
    assert update["updates"] == [
        [
            ("set", "calendar:Start"),
            ("set", "calendar:End"),
            ("set", "calendar:StartTimeZone"),  # added by exchangelib for start/end
            ("set", "calendar:EndTimeZone"),
        ]
    ]
    snapshot = ews_emulator.item(created.id)
    assert snapshot.body == "Parkplatz hinter dem Haus"  # not overwritten
    assert snapshot.start == dt.datetime(2027, 3, 10, 10, tzinfo=UTC)
    assert item.changekey == snapshot.changekey  # save() took the new ChangeKey

    item.location = None  # a listed field without a value becomes a DeleteItemField
    item.salesdesk_id = "sd-new"
    item.save(update_fields=["location", "salesdesk_id"], conflict_resolution="NeverOverwrite")
    assert _requests(ews_emulator, "UpdateItem")[-1]["updates"] == [
        [("set", "extended:SalesDeskId"), ("delete", "calendar:Location")]
    ]
    snapshot = ews_emulator.item(created.id)
    assert snapshot.location is None and snapshot.extended == {"SalesDeskId": "sd-new"}


def test_a_stale_change_key_is_an_irresolvable_conflict(ews_emulator, ews_account):
    [created] = _create(ews_account, [_appointment(ews_account)])
    ews_emulator.outlook_edit(created.id, subject="Outlook")

    def stale(subject):
        return CalendarItem(
            account=ews_account,
            folder=ews_account.calendar,
            id=created.id,
            changekey=created.changekey,
            subject=subject,
        )

    with pytest.raises(ErrorIrresolvableConflict):
        stale("SalesDesk").save(update_fields=["subject"], conflict_resolution="NeverOverwrite")
    assert ews_emulator.item(created.id).subject == "Outlook"
    assert _requests(ews_emulator, "UpdateItem")[-1]["response"] == "ErrorIrresolvableConflict"

    stale("auto").save(update_fields=["subject"])  # exchangelib's default is AutoResolve
    assert _requests(ews_emulator, "UpdateItem")[-1]["ConflictResolution"] == "AutoResolve"
    assert ews_emulator.item(created.id).subject == "auto"
    stale("always").save(update_fields=["subject"], conflict_resolution="AlwaysOverwrite")
    assert ews_emulator.item(created.id).subject == "always"


def test_bulk_update_raises_at_a_conflict_after_the_server_applied_the_others(
    ews_emulator, ews_account
):
    created = _create(ews_account, [_appointment(ews_account, n) for n in range(3)])
    ews_emulator.outlook_edit(created[1].id, subject="Outlook")
    changes = [
        (
            CalendarItem(
                account=ews_account, id=r.id, changekey=r.changekey, subject=f"SalesDesk {n}"
            ),
            ["subject"],
        )
        for n, r in enumerate(created)
    ]
    with pytest.raises(ErrorIrresolvableConflict):
        ews_account.bulk_update(changes, conflict_resolution="NeverOverwrite")
    assert len(_requests(ews_emulator, "UpdateItem")) == 1  # one request for all three
    assert [ews_emulator.item(r.id).subject for r in created] == [
        "SalesDesk 0",  # applied, but its new ChangeKey never reached the caller
        "Outlook",
        "SalesDesk 2",
    ]


def test_delete_and_item_not_found(ews_emulator, ews_account):
    created = _create(ews_account, [_appointment(ews_account, n) for n in range(2)])
    CalendarItem(account=ews_account, id=created[0].id, changekey=created[0].changekey).delete()
    assert _requests(ews_emulator, "DeleteItem")[-1]["DeleteType"] == "HardDelete"
    assert [s.id for s in ews_emulator.items("calendar")] == [created[1].id]

    with pytest.raises(ErrorItemNotFound):
        CalendarItem(account=ews_account, id=created[0].id, changekey="x").delete()
    [result] = ews_account.bulk_delete([(created[0].id, None)])
    assert isinstance(result, ErrorItemNotFound)  # bulk calls return it, they do not raise
    [missing] = ews_account.fetch([(created[0].id, None)])
    assert isinstance(missing, ErrorItemNotFound)


def test_move_to_trash_and_the_sync_sees_a_delete(ews_emulator, ews_account):
    [created] = _create(ews_account, [_appointment(ews_account)])
    calendar = ews_account.calendar
    list(calendar.sync_items(only_fields=["subject"]))
    item = CalendarItem(account=ews_account, folder=calendar, id=created.id, changekey="x")
    item.move_to_trash()
    assert _requests(ews_emulator, "DeleteItem")[-1]["DeleteType"] == "MoveToDeletedItems"
    assert _requests(ews_emulator, "GetFolder")[-1]["folders"] == ["deleteditems"]
    assert ews_emulator.items("calendar") == []
    assert [s.subject for s in ews_emulator.items("deleteditems")] == ["Besuch 0"]
    [(change, item_id)] = calendar.sync_items(only_fields=["subject"])
    assert change == "delete" and isinstance(item_id, ItemId) and item_id.id == created.id


def test_sync_pages_then_reports_outlook_changes_collapsed(ews_emulator, ews_account):
    account, calendar = ews_account, ews_account.calendar
    items = [_appointment(account, n) for n in range(250)]
    created = account.bulk_create(calendar, items, chunk_size=100)
    assert len(_requests(ews_emulator, "CreateItem")) == 3
    fields = ["changekey", "subject", "start", "end", "salesdesk_id"]

    changes = list(calendar.sync_items(only_fields=fields, max_changes_returned=100))
    assert [c for c, _ in changes] == ["create"] * 250
    assert {i.salesdesk_id for _, i in changes} == {f"sd-{n}" for n in range(250)}
    syncs = _requests(ews_emulator, "SyncFolderItems")
    assert [(s["changes"], s["includes_last"], s["sync_state"]) for s in syncs] == [
        (100, False, False),
        (100, False, True),
        (50, True, True),
    ]
    state = calendar.item_sync_state
    assert state

    edited, moved, deleted, own = (created[n].id for n in (3, 4, 5, 6))
    ews_emulator.outlook_edit(edited, subject="Outlook 1")
    ews_emulator.outlook_edit(edited, body="typed in Outlook")
    new_start = dt.datetime(2027, 6, 1, 12, tzinfo=UTC)
    ews_emulator.outlook_move(moved, new_start, new_start + dt.timedelta(hours=2))
    ews_emulator.outlook_delete(deleted)
    unstamped = ews_emulator.outlook_create(
        "calendar", subject="Zahnarzt", start=new_start, end=new_start + dt.timedelta(hours=1)
    )
    ephemeral = ews_emulator.outlook_create("calendar", subject="gleich wieder weg")
    ews_emulator.outlook_delete(ephemeral.id)
    mine = CalendarItem(
        account=account, folder=calendar, id=own, changekey=created[6].changekey, subject="own"
    )
    mine.save(update_fields=["subject"], conflict_resolution="NeverOverwrite")

    found = {}
    for change, item in calendar.sync_items(sync_state=state, only_fields=fields):
        found[item.id] = (change, item)
    assert {item_id: change for item_id, (change, _) in found.items()} == {
        edited: "update",
        moved: "update",
        deleted: "delete",
        unstamped.id: "create",
        own: "update",
    }
    assert found[edited][1].subject == "Outlook 1"
    assert found[moved][1].start == new_start
    assert found[unstamped.id][1].salesdesk_id is None
    assert found[own][1].changekey == mine.changekey  # the own write comes back as an echo
    assert isinstance(found[deleted][1], ItemId)

    state = calendar.item_sync_state
    before = len(ews_emulator.requests)
    assert list(calendar.sync_items(sync_state=state, only_fields=fields)) == []
    assert len(ews_emulator.requests) == before + 1 and calendar.item_sync_state == state


def test_sync_never_returns_the_body_fetch_does(ews_emulator, ews_account):
    [created] = _create(ews_account, [_appointment(ews_account, body="Agenda")])
    [(change, item)] = ews_account.calendar.sync_items(only_fields=["subject", "body"])
    assert change == "create" and item.subject == "Besuch 0" and item.body is None
    [fetched] = ews_account.fetch([(created.id, None)], only_fields=["body"])
    assert fetched.body == "Agenda"


def test_invalid_sync_states(ews_emulator, ews_account):
    calendar = ews_account.calendar
    _create(ews_account, [_appointment(ews_account, n) for n in range(3)])
    assert len(list(calendar.sync_items(only_fields=["subject"]))) == 3
    state = calendar.item_sync_state

    ews_emulator.invalidate_sync_states()
    with pytest.raises(ErrorInvalidSyncStateData):
        list(calendar.sync_items(sync_state=state))
    assert _requests(ews_emulator, "SyncFolderItems")[-1]["response"] == "ErrorInvalidSyncStateData"
    # sync_state=None falls back to folder.item_sync_state: it must be reset for a full sync
    assert calendar.item_sync_state == state
    with pytest.raises(ErrorInvalidSyncStateData):
        list(calendar.sync_items())
    calendar.item_sync_state = None
    assert len(list(calendar.sync_items(only_fields=["subject"]))) == 3

    with pytest.raises(ErrorInvalidSyncStateData):  # garbage
        list(calendar.sync_items(sync_state="bm9wZQ=="))
    with pytest.raises(ErrorSchemaValidation):  # EWS allows at most 512 per call
        list(calendar.sync_items(max_changes_returned=1000))


def test_a_state_from_another_emulator_is_invalid(ews_emulator, ews_account, ews_connect):
    calendar = ews_account.calendar
    list(calendar.sync_items(only_fields=["subject"]))
    foreign_state = calendar.item_sync_state
    with EwsEmulator(users=ews_emulator.users, mailbox=ews_emulator.mailbox) as other:
        other_calendar = ews_connect(other).calendar
        with pytest.raises(ErrorInvalidSyncStateData):
            list(other_calendar.sync_items(sync_state=foreign_state))


def test_find_items_by_the_extended_property(ews_emulator, ews_account):
    calendar = ews_account.calendar
    _create(ews_account, [_appointment(ews_account, n) for n in range(3)])
    ews_emulator.outlook_create(
        "calendar", subject="Privat", start=_at(2027, 3, 11, 8), end=_at(2027, 3, 11, 9)
    )

    [hit] = calendar.filter(salesdesk_id="sd-2").only("subject", "salesdesk_id", "start")
    assert (hit.subject, hit.salesdesk_id, hit.start) == (
        "Besuch 2",
        "sd-2",
        dt.datetime(2027, 3, 12, 9, tzinfo=UTC),
    )
    find = _requests(ews_emulator, "FindItem")[-1]
    assert find["Traversal"] == "Shallow"
    assert find["restriction"] == "IsEqualTo(SalesDeskId, 'sd-2')"
    assert ews_emulator.operations()[-1] == "GetItem"  # extended fields come via GetItem

    assert calendar.filter(salesdesk_id__exists=True).count() == 3
    assert _requests(ews_emulator, "FindItem")[-1]["restriction"] == "Exists(SalesDeskId)"
    assert [i.subject for i in calendar.exclude(salesdesk_id__exists=True).only("subject")] == [
        "Privat"
    ]
    assert [i.salesdesk_id for i in calendar.filter(subject="Besuch 1").only("salesdesk_id")] == [
        "sd-1"
    ]
    assert calendar.filter(salesdesk_id="nobody").count() == 0

    query = calendar.all().only("subject")
    query.page_size = 2
    assert len(list(query)) == 4
    pages = [(f["offset"], f["max_entries"]) for f in _requests(ews_emulator, "FindItem")[-2:]]
    assert pages == [(0, 2), (2, 2)]

    in_view = calendar.view(start=_at(2027, 3, 10, 0), end=_at(2027, 3, 11, 23)).only("subject")
    assert sorted(i.subject for i in in_view) == ["Besuch 0", "Besuch 1", "Privat"]


def test_server_busy_back_off(ews_emulator, ews_account, ews_connect):
    calendar = ews_account.calendar
    ews_emulator.busy_next(1, back_off_ms=150)
    with pytest.raises(ErrorServerBusy) as busy:  # FailFast: raised at once
        calendar.all().count()
    assert busy.value.back_off == 0.15

    # exchangelib caches one Protocol per (endpoint, credentials), config included: a second
    # Account with another retry policy would silently share the first one's FailFast
    assert ews_connect(ews_emulator, retry_policy=FaultTolerance()).protocol is ews_account.protocol
    close_connections()
    patient = ews_connect(ews_emulator, retry_policy=FaultTolerance(max_wait=5))
    assert patient.protocol is not ews_account.protocol
    tasks = patient.tasks
    ews_emulator.busy_next(2, back_off_ms=150)
    started = time.monotonic()
    assert tasks.all().count() == 0
    assert time.monotonic() - started >= 0.3
    faults = [info.get("fault") for op, info in ews_emulator.requests[-3:]]
    assert faults == ["ErrorServerBusy", "ErrorServerBusy", None]

    ews_emulator.busy_next(1, back_off_ms=60_000)
    with pytest.raises(RateLimitError):  # a back-off beyond max_wait gives up at once
        tasks.all().count()


def test_basic_wrong_password_is_unauthorized(ews_emulator, ews_connect):
    with pytest.raises(UnauthorizedError):
        _ = ews_connect(ews_emulator, password="wrong").calendar
    assert ews_emulator.auth_failures == 1 and ews_emulator.requests == []


def test_ntlm_login_and_wrong_password(ews_ntlm_emulator, ews_connect):
    account = ews_connect(ews_ntlm_emulator)
    assert account.calendar.name == "Calendar" and account.tasks.name == "Tasks"
    assert account.calendar.all().count() == 0
    # NTLM authenticates the keep-alive connection once; later requests carry no header
    assert (ews_ntlm_emulator.ntlm_logins, ews_ntlm_emulator.connections_opened) == (1, 1)
    users = {info["user"] for _, info in ews_ntlm_emulator.requests}
    assert users == {ews_ntlm_emulator.mailbox}
    with pytest.raises(UnauthorizedError):
        _ = ews_connect(ews_ntlm_emulator, password="wrong").calendar
    assert ews_ntlm_emulator.auth_failures == 1


def test_wall_clock_time_survives_daylight_saving(ews_emulator, ews_account):
    summer = _appointment(ews_account, 0, start=_at(2027, 7, 6, 10))  # CEST, +2
    winter = _appointment(ews_account, 1, start=_at(2027, 1, 12, 10))  # CET, +1
    created = _create(ews_account, [summer, winter])
    assert ews_emulator.item(created[0].id).start == dt.datetime(2027, 7, 6, 8, tzinfo=UTC)
    assert ews_emulator.item(created[1].id).start == dt.datetime(2027, 1, 12, 9, tzinfo=UTC)
    assert ews_emulator.item(created[0].id).start_timezone == W_EUROPE

    ews_emulator.outlook_edit(created[0].id, subject="Sommertermin")
    for item in ews_account.fetch([(r.id, None) for r in created], only_fields=["start", "end"]):
        assert item._start_timezone == BERLIN
        local = item.start.astimezone(item._start_timezone)
        assert (local.hour, local.minute) == (10, 0)
        assert local.astimezone(ZoneInfo("Europe/Berlin")).hour == 10


def test_offline_and_back_on_the_same_port(ews_emulator, ews_account, ews_connect):
    calendar = ews_account.calendar
    [created] = _create(ews_account, [_appointment(ews_account)])
    list(calendar.sync_items(only_fields=["subject"]))
    state, url = calendar.item_sync_state, ews_emulator.url

    ews_emulator.stop()
    with pytest.raises(ErrorTimeoutExpired):  # exchangelib's wrapping of "connection refused"
        list(calendar.sync_items(sync_state=state))
    close_connections()
    patient = ews_connect(ews_emulator, retry_policy=FaultTolerance(max_wait=2))
    with pytest.raises(ErrorTimeoutExpired):  # not retried either (one session in the pool)
        _ = patient.calendar

    ews_emulator.start()
    assert ews_emulator.url == url
    ews_emulator.outlook_edit(created.id, subject="offline edit")
    [(change, item)] = calendar.sync_items(sync_state=state, only_fields=["subject"])
    assert (change, item.subject) == ("update", "offline edit")


def test_injected_errors_and_unsupported_operations(ews_emulator, ews_account):
    calendar = ews_account.calendar
    ews_emulator.fail_next_with("ErrorAccessDenied", operation="FindItem")
    with pytest.raises(ErrorAccessDenied):
        calendar.all().count()
    assert calendar.all().count() == 0
    with pytest.raises(ErrorInvalidOperation):  # GetServerTimeZones is not emulated
        list(ews_account.protocol.get_timezones())


def test_outlook_user_api(ews_emulator):
    start = dt.datetime(2027, 5, 3, 7, 30, tzinfo=UTC)
    task = ews_emulator.outlook_create(
        "tasks", subject="Anrufen", due_date=dt.date(2027, 5, 4), extended={"SalesDeskId": "t-9"}
    )
    assert (task.kind, task.folder, task.status, task.due_date) == (
        "Task",
        "tasks",
        "NotStarted",
        dt.date(2027, 5, 4),
    )
    done = ews_emulator.outlook_edit(task.id, status="Completed")
    assert done.percent_complete == 100 and done.complete_date and done.changekey != task.changekey
    appointment = ews_emulator.outlook_create(
        "calendar", subject="Termin", start=start, end=start + dt.timedelta(hours=1),
        location="Büro", categories=["Kunde"],
    )  # fmt: skip
    assert appointment.start_timezone == W_EUROPE and appointment.legacy_free_busy_status == "Busy"
    cleared = ews_emulator.outlook_edit(appointment.id, location=None, categories=None)
    assert cleared.location is None and cleared.categories == ()
    assert [s.id for s in ews_emulator.find_by_extended("SalesDeskId", "t-9")] == [task.id]
    ews_emulator.outlook_delete(task.id)
    assert ews_emulator.item(task.id) is None and ews_emulator.items("tasks") == []
    with pytest.raises(KeyError):
        ews_emulator.outlook_edit(task.id, subject="gone")
    with pytest.raises(ValueError):
        ews_emulator.outlook_create("calendar", start=dt.datetime(2027, 5, 3, 7))  # naive
    with pytest.raises(ValueError):  # end before start: nothing changes
        ews_emulator.outlook_edit(appointment.id, end=start - dt.timedelta(hours=1))
    assert ews_emulator.item(appointment.id) == cleared


def test_base_shapes_of_get_item(ews_emulator, ews_account):
    from exchangelib.services import GetItem

    [created] = _create(
        ews_account, [_appointment(ews_account, body="Agenda", location="Ort", categories=["A"])]
    )

    def get(shape):
        [item] = GetItem(account=ews_account).call(
            items=[(created.id, None)], additional_fields=None, shape=shape
        )
        return item

    bare = get("IdOnly")
    assert bare.id == created.id and bare.subject is None and bare.start is None
    default = get("Default")
    assert (default.subject, default.body, default.location) == ("Besuch 0", "Agenda", "Ort")
    assert default.categories is None and default.salesdesk_id is None
    everything = get("AllProperties")
    assert everything.categories == ["A"] and everything.uid and everything.type == "Single"
    assert everything.salesdesk_id is None  # extended properties only when asked for by URI


def test_raw_soap_append_to_item_field_and_the_basic_challenge(ews_emulator, ews_account):
    import requests
    from lxml import etree

    [created] = _create(ews_account, [_appointment(ews_account, body="Agenda")])
    ns = {
        "s": "http://schemas.xmlsoap.org/soap/envelope/",
        "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
        "t": "http://schemas.microsoft.com/exchange/services/2006/types",
    }

    def change(path, element):
        return (
            f'<t:ItemChange><t:ItemId Id="{created.id}"/><t:Updates><t:AppendToItemField>'
            f'<t:FieldURI FieldURI="{path}"/><t:CalendarItem>{element}</t:CalendarItem>'
            "</t:AppendToItemField></t:Updates></t:ItemChange>"
        )

    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{ns["s"]}" xmlns:m="{ns["m"]}" xmlns:t="{ns["t"]}">'
        '<s:Header><t:RequestServerVersion Version="Exchange2013"/></s:Header><s:Body>'
        '<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly">'
        "<m:ItemChanges>"
        + change("item:Body", '<t:Body BodyType="Text">; Tor 2</t:Body>')
        + change("item:Subject", "<t:Subject>nope</t:Subject>")
        + "</m:ItemChanges></m:UpdateItem></s:Body></s:Envelope>"
    ).encode()
    with requests.Session() as session:
        challenge = session.post(ews_emulator.url, data=body)
        assert challenge.status_code == 401
        assert challenge.headers["WWW-Authenticate"] == 'Basic realm="EWS emulator"'
        session.auth = (ews_emulator.mailbox, ews_emulator.users[ews_emulator.mailbox])
        answer = session.post(ews_emulator.url, data=body)
    assert answer.status_code == 200 and answer.headers.get("Connection") != "close"
    root = etree.fromstring(answer.content)
    info = root.find("s:Header/t:ServerVersionInfo", ns)
    assert (info.get("MajorBuildNumber"), info.get("Version")) == ("2507", "Exchange2016")
    codes = [c.text for c in root.iterfind(".//m:ResponseCode", ns)]
    assert codes == ["NoError", "ErrorInvalidPropertyAppend"]
    assert ews_emulator.item(created.id).body == "Agenda; Tor 2"
    assert ews_emulator.item(created.id).subject == "Besuch 0"
