"""Outlook/Exchange: syncing a rep's appointments and tasks with a mailbox.

    python benchmarks/exchange.py [--items 500] [--runs 5] [--auth basic|ntlm]

Against the loopback EWS emulator of the tests (tests/integrations/ews_emulator.py — not
Exchange: a real server answers slower, over a real network), with the real exchangelib
over HTTP on 127.0.0.1:
- first sync: --items/2 appointments and --items/2 dated tasks in a fresh store, none in
  the mailbox (services.calendar_sync.sync_mailbox: pull, create in batches, take the
  echoes); target < 10 s;
- idle sync: nothing changed on either side, median of --runs; target < 1 s;
- 50 items moved in Outlook, then 50 changed in SalesDesk (one sync each), no target.
exchangelib is imported before timing (the app imports it on the first sync, once).
Baseline in the same run: exchangelib alone creating the same number of items with
`bulk_create` in batches of 100 into an empty mailbox of a second emulator, and one
`sync_items` of the folder with no changes.
"""

import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import benchlib

sys.path.insert(0, str(benchlib.HERE.parent / "tests" / "integrations"))
from ews_emulator import EwsEmulator  # noqa: E402

from salesdesk.integrations.exchange import ExchangeSettings, connect  # noqa: E402
from salesdesk.services import appointments as ap  # noqa: E402
from salesdesk.services import calendar_sync as cs  # noqa: E402
from salesdesk.services import tasks as ts  # noqa: E402
from salesdesk.services.users import current_user  # noqa: E402
from salesdesk.store.engine import open_store  # noqa: E402

MAILBOX, PASSWORD = "rep@example.com", "Secret-1"
FIRST_TARGET_S, IDLE_TARGET_S = 10.0, 1.0


def _fill(store, items: int) -> list:
    start = datetime(2027, 1, 4, 8, tzinfo=UTC)
    ids = []
    with store.session() as session:
        me = current_user(session).id
        for n in range(items // 2):
            ids.append(ap.create_appointment(session, {
                "subject": f"Besuch {n}", "starts_at": start + timedelta(hours=n),
                "ends_at": start + timedelta(hours=n, minutes=45),
                "notes": "Agenda: Preise, Muster, Termine", "location": "München",
                "remind_at": start + timedelta(hours=n, minutes=-15)}).id)
            ts.create_task(session, {"title": f"Nachfassen {n}", "assignee_id": me,
                                     "due_on": date(2027, 1, 4) + timedelta(days=n % 60)})
        session.commit()
    return ids


def _baseline(items: int, auth: str) -> tuple[float, float]:
    from exchangelib import CalendarItem, EWSDateTime, EWSTimeZone, Task

    with EwsEmulator(users={MAILBOX: PASSWORD}, auth=auth, mailbox=MAILBOX) as ews:
        backend = connect(ExchangeSettings(MAILBOX, ews.url, MAILBOX, auth_type=(
            "NTLM" if auth == "ntlm" else "basic")), PASSWORD)
        account = backend.account
        zone = EWSTimeZone("Europe/Berlin")
        start = EWSDateTime(2027, 1, 4, 9, tzinfo=zone)
        calendar, tasks = account.calendar, account.tasks
        began = time.perf_counter()
        events = [CalendarItem(folder=calendar, subject=f"Besuch {n}",
                               start=start + timedelta(hours=n),
                               end=start + timedelta(hours=n, minutes=45))
                  for n in range(items // 2)]
        todos = [Task(folder=tasks, subject=f"Nachfassen {n}",
                      due_date=date(2027, 1, 4) + timedelta(days=n % 60))
                 for n in range(items // 2)]
        for folder, made in ((calendar, events), (tasks, todos)):
            for i in range(0, len(made), 100):
                account.bulk_create(folder, made[i:i + 100])
        create = time.perf_counter() - began
        for folder in (calendar, tasks):
            list(folder.sync_items(max_changes_returned=512))
        began = time.perf_counter()
        for folder in (calendar, tasks):
            list(folder.sync_items(max_changes_returned=512))
        idle = time.perf_counter() - began
    return create, idle


def main() -> int:
    parser = benchlib.argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--auth", choices=("basic", "ntlm"), default="basic")
    args = parser.parse_args()
    import exchangelib  # noqa: F401  (imported once by the app too, on the first sync)

    base_create, base_idle = _baseline(args.items, args.auth)
    with tempfile.TemporaryDirectory() as tmp, \
            EwsEmulator(users={MAILBOX: PASSWORD}, auth=args.auth, mailbox=MAILBOX) as ews:
        store = open_store(Path(tmp) / "data", "rep")
        settings = ExchangeSettings(MAILBOX, ews.url, MAILBOX,
                                    auth_type="NTLM" if args.auth == "ntlm" else "basic")
        cs.save_mailbox_settings(store, settings, PASSWORD, session_only=True)
        appointment_ids = _fill(store, args.items)

        began = time.perf_counter()
        first = cs.sync_mailbox(store)
        first_s = time.perf_counter() - began
        assert first.created == args.items, first
        assert len(ews.items("calendar")) + len(ews.items("tasks")) == args.items

        idle = []
        for _ in range(args.runs):
            began = time.perf_counter()
            quiet = cs.sync_mailbox(store)
            idle.append(time.perf_counter() - began)
            assert (quiet.created, quiet.updated, quiet.pulled) == (0, 0, 0), quiet

        by_uid = {i.extended.get("SalesDeskId"): i for i in ews.items("calendar")}
        for n, appointment_id in enumerate(appointment_ids[:50]):
            item = by_uid[str(appointment_id)]
            ews.outlook_move(item.id, item.start + timedelta(days=1),
                             item.end + timedelta(days=1, minutes=n))
        began = time.perf_counter()
        moved = cs.sync_mailbox(store)
        moved_s = time.perf_counter() - began
        assert moved.pulled == 50, moved

        with store.session() as session:
            for appointment_id in appointment_ids[50:100]:
                ap.update_appointment(session, appointment_id, {"location": "Messe, Halle B2"})
            session.commit()
        began = time.perf_counter()
        changed = cs.sync_mailbox(store)
        changed_s = time.perf_counter() - began
        assert changed.updated == 50, changed
        store.close()

    idle_median = statistics.median(idle)
    rows = [
        (f"first sync of {args.items} items", first_s, FIRST_TARGET_S, base_create),
        (f"idle sync (median of {args.runs})", idle_median, IDLE_TARGET_S, base_idle),
        ("50 moved in Outlook", moved_s, None, None),
        ("50 changed in SalesDesk", changed_s, None, None),
    ]
    print(f"Exchange sync against the loopback EWS emulator ({args.auth} auth), "
          f"{benchlib.platform.python_implementation()} {benchlib.platform.python_version()}")
    print(f"{'measure':36} {'seconds':>8} {'target':>8} {'':4} {'baseline':>9} {'ratio':>6}")
    failed = False
    for name, value, target, baseline in rows:
        verdict = "" if target is None else ("PASS" if value < target else "FAIL")
        failed |= verdict == "FAIL"
        base = "" if baseline is None else f"{baseline:.2f}"
        ratio = "" if not baseline else f"{value / baseline:.1f}x"
        print(f"{name:36} {value:8.2f} {target or '':>8} {verdict:4} {base:>9} {ratio:>6}")
    print("baseline: exchangelib bulk_create in batches of 100 into an empty mailbox; "
          "one sync_items per folder with nothing new")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
