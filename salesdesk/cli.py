"""The command-line interface (contract in DESIGN.md). No Qt here."""

import argparse
import csv
import json
import logging
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path

from salesdesk.domain.errors import DomainError
from salesdesk.i18n import _, set_language
from salesdesk.logs import setup_logging
from salesdesk.paths import default_data_dir

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salesdesk", description=_("SalesDesk for field sales"))
    parser.add_argument("--version", action=_Version, nargs=0, help=_("show the version"))
    _common(parser)
    parser.add_argument("--screenshot", metavar="FILE.png", type=Path,
                        help=_("render a view offscreen to PNG and exit"))
    parser.add_argument("--view", default="customers",
                        help=_("view for --screenshot: customers, customer:K-000001, agenda, "
                               "calendar, logbook, tasks, lists, nearby, conditions:K-000001"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help=_("fill the local store with demo data"))
    _common(demo)
    demo.add_argument("--customers", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--without-history", action="store_true",
                      help=_("customers only: no logbook, tasks, appointments or mailing lists"))
    demo.set_defaults(run=_run_demo)

    customers = commands.add_parser("customers", help=_("list, import and export customers"))
    actions = customers.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help=_("list customers"))
    _common(listing)
    listing.add_argument("--search", default="",
                         help=_("full-text search; with --near it filters the customers found "
                                "around the place"))
    listing.add_argument("--status", action="append", default=[])
    listing.add_argument("--near", metavar="PLACE",
                         help=_("only customers around PLACE: a customer number (K-000001), an "
                                "address \"Marienplatz 1, 80331 München\", a city or "
                                "coordinates \"48.137, 11.575\"; needs --radius-km; "
                                "sorted by distance (nearest address per customer)"))
    listing.add_argument("--radius-km", metavar="R", type=float,
                         help=_("radius around --near in km"))
    listing.add_argument("--limit", type=int, default=0, help=_("at most this many (0: all)"))
    _format(listing)
    listing.set_defaults(run=_run_customers_list)

    imp = actions.add_parser("import", help=_("import customers from xlsx or csv"))
    _common(imp)
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help=_("check only, change nothing"))
    imp.add_argument("--only-valid", action="store_true",
                     help=_("import the valid rows even if other rows have errors"))
    imp.add_argument("--report", type=Path, help=_("where to write the error report"))
    imp.set_defaults(run=_run_customers_import)

    exp = actions.add_parser("export", help=_("export customers to xlsx or csv"))
    _common(exp)
    exp.add_argument("file", type=Path)
    exp.add_argument("--search", default="")
    exp.set_defaults(run=_run_customers_export)

    articles = commands.add_parser("articles", help=_("list articles"))
    article_actions = articles.add_subparsers(dest="action", metavar="ACTION", required=True)
    article_list = article_actions.add_parser("list", help=_("list articles"))
    _common(article_list)
    article_list.add_argument("--search", default="",
                              help=_("number, name, EAN or product group contains these words"))
    article_list.add_argument("--limit", type=int, default=0,
                              help=_("at most this many (0: all)"))
    _format(article_list)
    article_list.set_defaults(run=_run_articles_list)

    pricing = commands.add_parser("price", help=_("the price of an article for a customer"))
    _common(pricing)
    pricing.add_argument("customer", metavar="CUSTOMER", help=_("customer number (K-000001)"))
    pricing.add_argument("article", metavar="ARTICLE", help=_("article number"))
    pricing.add_argument("--qty", type=Decimal, default=Decimal(1),
                         help=_("quantity (default 1)"))
    pricing.add_argument("--date", type=date.fromisoformat, default=None,
                         help=_("price on this day, YYYY-MM-DD (default today)"))
    pricing.add_argument("--explain", action="store_true",
                         help=_("show which condition records won and why the others lost"))
    pricing.add_argument("--format", choices=("table", "json"), default="table")
    pricing.set_defaults(run=_run_price)
    _add_price_list_commands(commands)
    _add_turnover_commands(commands)
    _add_print_commands(commands)
    _add_ics_commands(commands)
    _add_outlook_commands(commands)
    _add_central_commands(commands)
    sync = commands.add_parser("sync", help=_(
        "push this device's changes to the central database, then pull what changed there"))
    _common(sync)
    sync.add_argument("--central", metavar="URL", default=None, help=_(
        "the central database as a full connection URL (for scripts); default: the one "
        "saved on this device, with its password from the keyring"))
    sync.add_argument("--verify", action="store_true", help=_(
        "afterwards compare every table with the central database and download again "
        "what differs (otherwise once a day)"))
    sync.set_defaults(run=_run_sync)
    check = commands.add_parser("check", help=_(
        "check this device's data file; with --repair rebuild a damaged one, keeping "
        "the changes not yet sent"))
    _common(check)
    check.add_argument("--repair", action="store_true",
                       help=_("rebuild the data file if it is damaged"))
    check.add_argument("--central", metavar="URL", default=None,
                       help=_("the central database to reload from (without it, the next "
                              "sync completes the rebuild)"))
    check.set_defaults(run=_run_check)
    return parser


def _run_check(args: argparse.Namespace) -> int:
    from salesdesk.services.sync import check_local_store, recover_local_store

    data_dir = data_dir_of(args)
    problems = check_local_store(data_dir)
    if not problems:
        print(_("The data file in {path} is sound.").format(path=data_dir))
        return 0
    if not args.repair:
        raise DomainError(_("The data file in {path} is damaged: {problem}. Run salesdesk "
                            "check --repair to rebuild it; changes not yet sent are kept.")
                          .format(path=data_dir, problem=problems[0]))
    from salesdesk.store.lock import InstanceLock

    lock = InstanceLock(data_dir).acquire()
    try:
        store, report = recover_local_store(data_dir, None, args.central)
        store.close()
    finally:
        lock.release()
    print(report.summary())
    return 0


def _run_sync(args: argparse.Namespace) -> int:
    from salesdesk.services.sync import sync_now

    with _store(args, write=True) as store:
        report = sync_now(store, args.central, verify=args.verify)
    for warning in report.warnings:
        print(_("warning: {message}").format(message=warning), file=sys.stderr)
    print(_("Sent {pushed} changes in {batches} batches, received {pulled} rows; "
            "{conflicts} conflicts, {parked} changes refused.").format(
                pushed=report.pushed, batches=report.batches, pulled=report.pulled,
                conflicts=report.conflicts, parked=report.parked))
    if report.repaired:
        print(_("Downloaded again after the comparison: {tables}.").format(
            tables=", ".join(report.repaired)))
    return 0


def _add_print_commands(commands) -> None:
    printing = commands.add_parser("print", help=_("print documents to PDF"))
    documents = printing.add_subparsers(dest="document", metavar="DOCUMENT", required=True)
    sheet = documents.add_parser("condition-sheet", help=_(
        "a customer's condition sheet as PDF (not issued: nothing is filed)"))
    sheet.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                       help=_("data folder (default: the user data dir; env SALESDESK_DATA_DIR)"))
    sheet.add_argument("customer", metavar="CUSTOMER", help=_("customer number (K-000001)"))
    sheet.add_argument("-o", "--output", metavar="FILE.pdf", type=Path, required=True,
                       help=_("where to write the PDF"))
    sheet.add_argument("--date", type=date.fromisoformat, default=None,
                       help=_("conditions valid on this day, YYYY-MM-DD (default today)"))
    # here --lang is the sheet's language, not the program's
    sheet.add_argument("--lang", dest="sheet_language", metavar="L", default=None,
                       help=_("language of the sheet: de, en or fr (default: the customer's "
                              "document language)"))
    sheet.set_defaults(run=_run_print_condition_sheet)


def _run_print_condition_sheet(args: argparse.Namespace) -> int:
    from salesdesk.services.condition_sheets import print_sheet

    on = args.date or date.today()
    target = args.output
    partial = target.with_name(target.name + ".part")
    with _store(args, write=False) as store:
        try:  # a kill or an error never leaves half a PDF under the name asked for
            pages = print_sheet(store, args.customer, partial, on,
                                language=args.sheet_language)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    print(_("Condition sheet of {customer} as of {day}: {pages} pages written to {file}").format(
        customer=args.customer, day=on.isoformat(), pages=pages, file=target))
    return 0


def _add_ics_commands(commands) -> None:
    ics = commands.add_parser("ics", help=_(
        "calendar files (.ics) of appointments and tasks for Outlook and other calendars"))
    files = ics.add_subparsers(dest="what", metavar="WHAT", required=True)
    one = files.add_parser("appointment", help=_("one appointment as .ics"))
    _common(one)
    one.add_argument("appointment", metavar="ID", type=_uuid, help=_("the appointment's id"))
    _ics_output(one)
    one.set_defaults(run=_run_ics_appointment)

    week = files.add_parser("week", help=_(
        "a rep's appointments of one week (Monday to Sunday) as .ics, without cancelled ones"))
    _common(week)
    week.add_argument("--date", type=date.fromisoformat, default=None,
                      help=_("a day of the week, YYYY-MM-DD (default today)"))
    week.add_argument("--user", metavar="LOGIN", default=None,
                      help=_("whose appointments (default: yours)"))
    week.add_argument("--zone", metavar="ZONE", default=None,
                      help=_("the time zone the week's days are in, e.g. Europe/Berlin "
                             "(default: this computer's)"))
    _ics_output(week)
    week.set_defaults(run=_run_ics_week)

    tasks = files.add_parser("tasks", help=_("a task list as .ics"))
    _common(tasks)
    tasks.add_argument("--user", metavar="LOGIN", default=None,
                       help=_("whose tasks (default: yours)"))
    tasks.add_argument("--all", dest="all_tasks", action="store_true",
                       help=_("completed and cancelled tasks too (default: open ones only)"))
    tasks.add_argument("--as-events", action="store_true",
                       help=_("each task with a due date as an all-day appointment on that "
                              "day (Outlook imports no tasks from .ics files)"))
    _ics_output(tasks)
    tasks.set_defaults(run=_run_ics_tasks)


def _ics_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", metavar="FILE.ics", type=Path, required=True,
                        help=_("where to write the calendar file"))


def _uuid(text: str):
    import uuid

    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(_("{value} is not an id").format(value=text)) from None


def _run_ics_appointment(args: argparse.Namespace) -> int:
    from salesdesk.services.calendar_files import appointment_ics

    with _store(args, write=False) as store, store.session() as session:
        data = appointment_ics(session, args.appointment)
    return _write_ics(args.output, data)


def _run_ics_week(args: argparse.Namespace) -> int:
    from salesdesk.domain.calendar import check_time_zone
    from salesdesk.services.calendar_files import week_ics

    try:
        zone = check_time_zone(args.zone) if args.zone else _local_zone()
    except ValueError as exc:
        raise DomainError(_("--zone: {problem}").format(problem=exc)) from None
    with _store(args, write=False) as store, store.session() as session:
        data = week_ics(session, _user_id(store, args.user), args.date or date.today(), zone)
    return _write_ics(args.output, data)


def _run_ics_tasks(args: argparse.Namespace) -> int:
    from salesdesk.services.calendar_files import tasks_ics

    with _store(args, write=False) as store, store.session() as session:
        data = tasks_ics(session, _user_id(store, args.user), open_only=not args.all_tasks,
                         as_events=args.as_events)
    return _write_ics(args.output, data)


def _user_id(store, login: str | None):
    from salesdesk.services.users import user_id_for_login

    login = login or store.user
    user_id = user_id_for_login(store.reader(), login)
    if user_id is None:
        raise DomainError(_("There is no user {login} in this data folder.").format(login=login))
    return user_id


def _local_zone() -> str:
    """The computer's time zone by its IANA name (TZ, /etc/localtime), else Berlin."""
    import os

    from salesdesk.domain.calendar import DEFAULT_TIME_ZONE, check_time_zone

    names = [os.environ.get("TZ", "").removeprefix(":")]
    link = Path("/etc/localtime")  # Linux, macOS: a link into the zoneinfo folder
    if link.is_symlink():
        names.append(str(link.resolve()).rpartition("zoneinfo/")[2])
    for name in filter(None, names):
        try:
            return check_time_zone(name)
        except ValueError:
            continue
    return DEFAULT_TIME_ZONE


def _write_ics(target: Path, data: bytes) -> int:
    from salesdesk.services.calendar_files import write_ics

    write_ics(target, data)
    count = data.count(b"\r\nBEGIN:VEVENT\r\n") + data.count(b"\r\nBEGIN:VTODO\r\n")
    print(_("{count} calendar entries written to {file}").format(count=count, file=target))
    return 0


def _add_price_list_commands(commands) -> None:
    price_lists = commands.add_parser("pricelists", help=_("list, show, import and export "
                                                           "price lists"))
    actions = price_lists.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help=_("list price lists"))
    _common(listing)
    listing.add_argument("--date", type=date.fromisoformat, default=None,
                         help=_("count the prices valid on this day, YYYY-MM-DD (default "
                                "today)"))
    _format(listing)
    listing.set_defaults(run=_run_pricelists_list)

    show = actions.add_parser("show", help=_("the prices of a price list on a day"))
    _common(show)
    show.add_argument("code", metavar="CODE", help=_("price list code"))
    show.add_argument("--date", type=date.fromisoformat, default=None,
                      help=_("prices valid on this day, YYYY-MM-DD (default today)"))
    _format(show)
    show.set_defaults(run=_run_pricelists_show)

    imp = actions.add_parser("import", help=_("import prices from xlsx or csv into a price "
                                              "list"))
    _common(imp)
    imp.add_argument("file", type=Path)
    imp.add_argument("--list", dest="list_code", metavar="CODE", required=True,
                     help=_("price list code"))
    imp.add_argument("--from", dest="valid_from", metavar="DATE", required=True,
                     type=date.fromisoformat,
                     help=_("the new prices are valid from this day, YYYY-MM-DD"))
    imp.add_argument("--dry-run", action="store_true", help=_("check only, change nothing"))
    imp.add_argument("--report", type=Path, help=_("where to write the error report"))
    imp.set_defaults(run=_run_pricelists_import)

    exp = actions.add_parser("export", help=_("export a price list to xlsx or csv"))
    _common(exp)
    exp.add_argument("code", metavar="CODE", help=_("price list code"))
    exp.add_argument("file", type=Path)
    exp.add_argument("--date", type=date.fromisoformat, default=None,
                     help=_("prices valid on this day, YYYY-MM-DD (default today)"))
    exp.set_defaults(run=_run_pricelists_export)

    update = actions.add_parser("update-article", help=_("a new price for one article in "
                                                         "every price list that has it"))
    _common(update)
    update.add_argument("article", metavar="ARTICLE", help=_("article number"))
    update.add_argument("--price", type=_decimal, default=None,
                        help=_("the new unit price (further quantity scales keep their "
                               "proportion)"))
    update.add_argument("--percent", type=_decimal, default=None,
                        help=_("change every price by this percentage (negative: lower)"))
    update.add_argument("--from", dest="valid_from", metavar="DATE", required=True,
                        type=date.fromisoformat,
                        help=_("the new prices are valid from this day, YYYY-MM-DD"))
    update.set_defaults(run=_run_pricelists_update_article)


def _add_turnover_commands(commands) -> None:
    turnover = commands.add_parser("turnover", help=_("import customer turnover"))
    actions = turnover.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help=_("import turnover per customer and period from "
                                              "xlsx or csv"))
    _common(imp)
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help=_("check only, change nothing"))
    imp.add_argument("--report", type=Path, help=_("where to write the error report"))
    imp.set_defaults(run=_run_turnover_import)


def _add_outlook_commands(commands) -> None:
    outlook = commands.add_parser("calendar", help=_(
        "appointments and tasks in your Outlook/Exchange mailbox (EWS)"))
    actions = outlook.add_subparsers(dest="action", metavar="ACTION", required=True)
    setup = actions.add_parser("setup", help=_(
        "save the mailbox connection after testing it; the password comes from "
        "SALESDESK_EWS_PASSWORD or is asked for, and is kept in the keyring"))
    _common(setup)
    setup.add_argument("--mailbox", required=True, help=_("the mailbox's e-mail address"))
    setup.add_argument("--endpoint", default="", help=_(
        "the EWS address, https://…/EWS/Exchange.asmx (default: found by autodiscover)"))
    setup.add_argument("--user", default="", help=_(
        "login name, DOMAIN\\user or user@domain (default: the mailbox)"))
    setup.add_argument("--auth", choices=("NTLM", "basic"), default="NTLM",
                       help=_("how to sign in (default %(default)s)"))
    setup.add_argument("--build", default=None, help=_(
        "the server version to pin, e.g. 15.1.2507.6 (default: found by autodiscover, "
        "else Exchange 2016)"))
    setup.set_defaults(run=_run_outlook_setup)
    test = actions.add_parser("test", help=_("sign in to the saved mailbox and open its "
                                             "calendar and tasks"))
    _common(test)
    test.set_defaults(run=_run_outlook_test)
    sync = actions.add_parser("sync", help=_(
        "send SalesDesk's appointments and tasks to the mailbox and take in what was moved, "
        "changed or deleted in Outlook"))
    _common(sync)
    sync.set_defaults(run=_run_outlook_sync)


def _ews_password(mailbox: str) -> str:
    import getpass
    import os

    password = os.environ.get("SALESDESK_EWS_PASSWORD")
    if password is not None:
        return password
    return getpass.getpass(_("Password for {mailbox}: ").format(mailbox=mailbox))


def _run_outlook_setup(args: argparse.Namespace) -> int:
    from salesdesk.integrations.exchange import DEFAULT_BUILD, ExchangeSettings, discover
    from salesdesk.services.calendar_sync import (
        check_settings,
        save_mailbox_settings,
        test_connection,
    )
    from salesdesk.services.sync import NoKeyring

    user = args.user or args.mailbox
    password = _ews_password(args.mailbox)
    if args.endpoint:
        settings = ExchangeSettings(mailbox=args.mailbox, endpoint=args.endpoint,
                                    username=user, auth_type=args.auth,
                                    build=args.build or DEFAULT_BUILD)
    else:
        found = discover(args.mailbox, user, password)
        settings = ExchangeSettings(mailbox=args.mailbox, endpoint=found.endpoint,
                                    username=user, auth_type=found.auth_type,
                                    build=args.build or found.build)
    check_settings(settings)
    print(test_connection(settings, password))
    with _store(args, write=True) as store:
        try:
            save_mailbox_settings(store, settings, password)
        except NoKeyring as exc:
            save_mailbox_settings(store, settings)
            print(_("warning: {message}").format(message=exc), file=sys.stderr)
            print(_("warning: set SALESDESK_EWS_PASSWORD for salesdesk calendar sync."),
                  file=sys.stderr)
    print(_("Saved: {mailbox} at {endpoint} ({auth}, server {build}).").format(
        mailbox=settings.mailbox, endpoint=settings.endpoint, auth=settings.auth_type,
        build=settings.build))
    return 0


def _run_outlook_test(args: argparse.Namespace) -> int:
    from salesdesk.services.calendar_sync import connect_mailbox

    with _store(args, write=False) as store:
        connect_mailbox(store).test()
    print(_("The mailbox answers: calendar and tasks can be used."))
    return 0


def _run_outlook_sync(args: argparse.Namespace) -> int:
    from salesdesk.services.calendar_sync import sync_mailbox

    with _store(args, write=True) as store:
        result = sync_mailbox(store)
    print(result.summary() + ".")
    for problem in result.problems:
        print(_("warning: {message}").format(message=problem), file=sys.stderr)
    return 0


def _add_central_commands(commands) -> None:
    central = commands.add_parser("central", help=_("set up the central PostgreSQL database "
                                                    "for sync"))
    actions = central.add_subparsers(dest="action", metavar="ACTION", required=True)
    url_help = _("the central database, e.g. postgresql://admin@server/salesdesk (a login "
                 "that may create roles)")
    init = actions.add_parser("init", help=_("create or upgrade the central schema; running "
                                             "it again changes nothing"))
    _common(init)
    init.add_argument("url", metavar="URL", help=url_help)
    init.set_defaults(run=_run_central_init)

    add = actions.add_parser("add-user", help=_(
        "create a login for the central database, or update its role, scope and password "
        "(password from SALESDESK_NEW_PASSWORD or asked for)"))
    _common(add)
    add.add_argument("url", metavar="URL", help=url_help)
    add.add_argument("login", metavar="LOGIN", help=_("the new login (lower-case)"))
    add.add_argument("--role", required=True, choices=("rep", "office", "admin"),
                     help=_("rep: sees their customers; office and admin: everything"))
    add.add_argument("--user-account", metavar="LOGIN",
                     help=_("the SalesDesk user account (by its login) whose customers a rep "
                            "sees (default: the account with the same login, if any)"))
    add.add_argument("--territory", metavar="CODE", action="append", default=[],
                     help=_("a territory whose customers the rep sees (repeatable)"))
    add.add_argument("--customer", metavar="K-000001", action="append", default=[],
                     help=_("a customer assigned to the rep (repeatable)"))
    add.set_defaults(run=_run_central_add_user)

    serve = actions.add_parser("serve", help=_(
        "run a PostgreSQL server in a folder (this machine only) with the central schema, "
        "until Ctrl+C"))
    _common(serve)
    serve.add_argument("--dir", type=Path, required=True, metavar="DIR",
                       help=_("the server's data folder (created on first use)"))
    serve.set_defaults(run=_run_central_serve)


def _run_central_init(args: argparse.Namespace) -> int:
    from salesdesk.sync.central import init_central

    result = init_central(args.url)
    if result.nothing_to_do:
        print(_("Central database {target} is up to date (schema {version}): nothing to "
                "do.").format(target=result.target, version=result.schema_version))
    elif result.previous_version is None:
        print(_("Central database {target} set up with schema {version} ({count} "
                "changes).").format(target=result.target, version=result.schema_version,
                                    count=len(result.changes)))
    else:
        print(_("Central database {target} upgraded from schema {old} to {version} ({count} "
                "changes).").format(target=result.target, old=result.previous_version,
                                    version=result.schema_version, count=len(result.changes)))
    for change in result.changes:
        log.info("central init: %s", change)
    return 0


def _new_password(login: str) -> str:
    import getpass
    import os

    password = os.environ.get("SALESDESK_NEW_PASSWORD")
    if password is not None:
        return password
    password = getpass.getpass(_("Password for {login}: ").format(login=login))
    if getpass.getpass(_("The same password again: ")) != password:
        raise DomainError(_("The passwords differ; nothing was changed."))
    return password


def _run_central_add_user(args: argparse.Namespace) -> int:
    from salesdesk.sync.central import add_user, check_login, lookup_keys

    check_login(args.login)  # before asking for a password
    keys = lookup_keys(args.url, user_account=args.user_account or args.login,
                       territories=args.territory, customers=args.customer,
                       account_optional=not args.user_account)
    result = add_user(args.url, args.login, _new_password(args.login), args.role,
                      user_account_id=keys.user_account_id, territories=keys.territories,
                      customers=keys.customers)
    none = _("none")
    text = (_("Login {login} created: role {role}, user account {account}, territories: "
              "{territories}, customers: {customers}.") if result.created else
            _("Login {login} updated: role {role}, user account {account}, territories: "
              "{territories}, customers: {customers}."))
    account = (args.user_account or args.login) if result.user_account_id else none
    print(text.format(login=result.login, role=result.role, account=account,
                      territories=", ".join(args.territory) or none,
                      customers=", ".join(args.customer) or none))
    return 0


def _run_central_serve(args: argparse.Namespace) -> int:
    import signal
    import time

    from salesdesk.sync.central import init_central
    from salesdesk.sync.pgserver import serve, stop

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)  # a service manager stops it so
    url, server = serve(args.dir)
    try:
        result = init_central(url)
        print(_("PostgreSQL for SalesDesk is running in {folder} (schema {version}).").format(
            folder=args.dir, version=result.schema_version))
        print(_("Central database URL: {url}").format(url=url))
        print(_("Add logins with: salesdesk central add-user \"{url}\" LOGIN --role rep").format(
            url=url))
        print(_("Stop it with Ctrl+C."), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stop(server)
        signal.signal(signal.SIGTERM, previous)
    print(_("PostgreSQL stopped."))
    return 0


def _decimal(text: str) -> Decimal:
    """A number typed on the command line: 12.50, 12,50 or -3.5."""
    from salesdesk.domain.money import parse_amount

    try:
        value = parse_amount(text)
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(_("{value} is not a number").format(value=text))
    return value


class _Version(argparse.Action):
    """--version, reading the package metadata only when asked (start-up time)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from salesdesk import __version__

        print(f"SalesDesk {__version__}")  # stdout, as argparse's own version action does
        parser.exit()


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help=_("data folder (default: the user data dir; env SALESDESK_DATA_DIR)"))
    parser.add_argument("--lang", default=argparse.SUPPRESS, help=_("language: en or de"))


def _format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")


def data_dir_of(args: argparse.Namespace) -> Path:
    return getattr(args, "data_dir", None) or default_data_dir()


@contextmanager
def _store(args: argparse.Namespace, *, write: bool):
    """The opened store; commands that write hold the instance lock while they run."""
    from salesdesk.store.engine import open_store
    from salesdesk.store.lock import InstanceLock

    data_dir = data_dir_of(args)
    lock = InstanceLock(data_dir).acquire() if write else None
    store = open_store(data_dir)
    try:
        yield store
    finally:
        store.close()
        if lock:
            lock.release()


def _progress(label: str) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{label} {done}/{total}", end="", file=sys.stderr, flush=True)

    return report


def _run_demo(args: argparse.Namespace) -> int:
    from salesdesk.services.demo import make_demo_data

    with _store(args, write=True) as store:
        summary = make_demo_data(store, customers=args.customers, seed=args.seed,
                                 progress=_progress(_("demo data")),
                                 history=not args.without_history)
    print(_("Created {customers} customers, {contacts} contacts, {addresses} addresses, "
            "{logbook_entries} logbook entries, {tasks} tasks and {appointments} appointments "
            "in {path}").format(path=data_dir_of(args), **summary))
    print(_("Pricing: {articles} articles, {price_lists} price lists, {condition_records} "
            "condition records, {customer_turnovers} turnover figures").format(**summary))
    return 0


def _run_articles_list(args: argparse.Namespace) -> int:
    from salesdesk.i18n import current_language
    from salesdesk.services.articles import list_articles

    columns = ("number", "name", "product_group", "unit", "pack_size", "season", "ean",
               "active")
    with _store(args, write=False) as store:
        rows = list_articles(store.reader(), args.search, language=current_language(),
                             limit=args.limit)
    _print_records(args.format, columns, [asdict(row) for row in rows])
    return 0


def _run_price(args: argparse.Namespace) -> int:
    from salesdesk.services.pricing import key_names, price_line

    if args.qty <= 0:
        raise DomainError(_("--qty: must be more than 0"))
    on = args.date or date.today()
    with _store(args, write=False) as store:
        reader = store.reader()
        result = price_line(reader, args.customer, args.article, args.qty, on)
        names = key_names(reader, result)
    explained = result.explain(lambda part: names.get(part, part))
    if args.format == "json":
        json.dump({
            "customer": args.customer, "article": args.article, "quantity": str(args.qty),
            "date": on.isoformat(), "currency": result.request.currency,
            "base_value": str(result.base_value), "net_value": str(result.net_value),
            "net_unit_price": str(result.net_unit_price),
            "applied": [{"type": a.type_code, "record": a.record_id, "key": a.key_kind.value,
                         "rate": str(a.rate), "value": str(a.value)} for a in result.applied],
            "document": [{"type": a.type_code, "value": str(a.value)} for a in result.document],
            "explain": explained if args.explain else [],
        }, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    currency = result.request.currency
    for applied in result.applied:
        print(f"{applied.type_code:<24} {applied.rate:>10} {applied.value:>12} {currency}")
    for applied in result.document:
        print(f"{applied.type_code:<24} {'':>10} {applied.value:>12} {currency} "
              + _("(per document)"))
    print(_("net {value} {currency} = {unit} {currency} per unit").format(
        value=result.net_value, unit=result.net_unit_price, currency=currency))
    if args.explain:
        print()
        print("\n".join(explained))
    return 0


def _jsonable(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value) if value is not None and not isinstance(value, str | int | bool) else value


def _run_customers_list(args: argparse.Namespace) -> int:
    from salesdesk.services.customer_list import CustomerFilter

    if args.near is not None or args.radius_km is not None:
        return _run_customers_near(args)
    flt = CustomerFilter(search=args.search, statuses=tuple(args.status))
    columns = ("number", "name", "postal_code", "city", "country", "status", "representative")
    with _store(args, write=False) as store, store.session() as session:
        rows = _all_customers(session, flt, args.limit)
    records = [{k: _jsonable(v) for k, v in asdict(r).items()} for r in rows]
    _print_records(args.format, columns, records)
    return 0


def _all_customers(session, flt, limit: int = 0) -> list:
    from salesdesk.services.customer_list import list_customers

    rows, offset = [], 0
    while True:
        page = list_customers(session, flt, sort="number", offset=offset, limit=1000)
        rows.extend(page)
        offset += len(page)
        if len(page) < 1000 or (limit and len(rows) >= limit):
            break
    return rows[:limit] if limit else rows


def _run_customers_near(args: argparse.Namespace) -> int:
    """customers list --near PLACE --radius-km R: nearest first, with the distance."""
    from salesdesk.domain.geo import check_radius_km
    from salesdesk.services.customer_list import CustomerFilter
    from salesdesk.services.geo import resolve_place
    from salesdesk.services.radius import customers_near

    if not args.near or not args.near.strip():
        raise DomainError(_("--radius-km needs --near PLACE (a customer number, a city or "
                            "coordinates)"))
    if args.radius_km is None:
        raise DomainError(_("--near needs --radius-km R (the radius in km)"))
    try:
        radius = check_radius_km(args.radius_km)
    except ValueError as exc:
        raise DomainError(_("--radius-km: {problem}").format(problem=exc)) from None
    flt = CustomerFilter(search=args.search, statuses=tuple(args.status))
    columns = ("number", "name", "postal_code", "city", "country", "distance_km",
               "address_kind")
    with _store(args, write=False) as store, store.session() as session:
        place = resolve_place(session, args.near)
        rows = list(customers_near(session, place.latitude, place.longitude, radius))
        if flt != CustomerFilter():
            wanted = {r.id.hex for r in _all_customers(session, flt)}
            rows = [r for r in rows if r.customer_key in wanted]
    if args.limit:
        rows = rows[: args.limit]
    log.info("%d customers within %s km of %s", len(rows), radius, place.label)
    records = [{"id": str(r.customer_id), "number": r.number, "name": r.name,
                "postal_code": r.postal_code, "city": r.city, "country": r.country,
                "distance_km": round(r.distance_km, 3), "address_kind": r.address_kind,
                "address_id": str(r.address_id)} for r in rows]
    if args.format != "json":
        for record in records:
            record["distance_km"] = f"{record['distance_km']:.1f}"
    _print_records(args.format, columns, records)
    return 0


def _print_records(fmt: str, columns: tuple[str, ...], records: list[dict]) -> None:
    if fmt == "json":
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([[r[c] or "" for c in columns] for r in records])
    else:
        _print_table(columns, [[r[c] or "" for c in columns] for r in records])


def _print_table(columns: tuple[str, ...], rows: list[list]) -> None:
    widths = [max([len(c)] + [len(str(row[i])) for row in rows]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _run_customers_import(args: argparse.Namespace) -> int:
    from salesdesk.services.customer_import import import_customers

    with _store(args, write=not args.dry_run) as store:
        result = import_customers(store, args.file, dry_run=args.dry_run,
                                  only_valid=args.only_valid, report_path=args.report,
                                  progress=_progress(_("import")))
    print(result.summary())
    return 0 if result.ok else 1


def _run_customers_export(args: argparse.Namespace) -> int:
    from salesdesk.services.customer_export import export_customers
    from salesdesk.services.customer_list import CustomerFilter

    with _store(args, write=False) as store, store.session() as session:
        count = export_customers(session, args.file, CustomerFilter(search=args.search),
                                 progress=_progress(_("export")))
    print(_("Exported {count} customers to {file}").format(count=count, file=args.file))
    return 0


def _run_pricelists_list(args: argparse.Namespace) -> int:
    from salesdesk.services.price_lists import list_price_lists

    columns = ("code", "name", "currency", "price_group", "valid_from", "valid_to", "items")
    with _store(args, write=False) as store:
        rows = list_price_lists(store.reader(), on=args.date)
    records = [{k: _jsonable(v) for k, v in asdict(row).items()} for row in rows]
    if args.format != "json":
        for record in records:
            record["items"] = str(record["items"])
    _print_records(args.format, columns, records)
    return 0


def _run_pricelists_show(args: argparse.Namespace) -> int:
    from salesdesk.i18n import current_language
    from salesdesk.services.price_lists import price_list_items

    columns = ("article", "name", "unit", "price", "scales", "currency", "valid_from",
               "valid_to")
    with _store(args, write=False) as store:
        items = price_list_items(store.reader(), args.code, args.date or date.today(),
                                 language=current_language())
    records = []
    for item in items:
        record = {k: _jsonable(v) for k, v in asdict(item).items() if k != "scales"}
        record["price"] = _jsonable(item.scales[0][1])
        if args.format == "json":
            record["scales"] = [[_jsonable(t), _jsonable(p)] for t, p in item.scales]
        else:
            record["scales"] = "; ".join(_("from {quantity}: {price}").format(
                quantity=_jsonable(t), price=_jsonable(p)) for t, p in item.scales[1:])
        records.append(record)
    _print_records(args.format, columns, records)
    return 0


def _run_pricelists_import(args: argparse.Namespace) -> int:
    from salesdesk.services.price_lists import import_price_list

    with _store(args, write=not args.dry_run) as store:
        result = import_price_list(store, args.file, list_code=args.list_code,
                                   valid_from=args.valid_from, dry_run=args.dry_run,
                                   report=args.report, progress=_progress(_("import")))
    if not result.ok:
        raise DomainError(result.summary())
    print(result.summary())
    return 0


def _run_pricelists_export(args: argparse.Namespace) -> int:
    from salesdesk.services.price_lists import export_price_list

    on = args.date or date.today()
    with _store(args, write=False) as store:
        count = export_price_list(store.reader(), args.code, args.file, on)
    print(_("Exported {count} prices of price list {code} valid on {day} to {file}").format(
        count=count, code=args.code, day=on.isoformat(), file=args.file))
    return 0


def _run_pricelists_update_article(args: argparse.Namespace) -> int:
    from salesdesk.services.price_lists import update_article_in_all_price_lists

    with _store(args, write=True) as store, store.session() as session:
        changes = update_article_in_all_price_lists(
            session, args.article, valid_from=args.valid_from, amount=args.price,
            percent=args.percent)
        session.commit()
    for change in changes:
        print(_("{code}: {old} → {new} {currency} from {day}").format(
            code=change.list_code, old=_jsonable(change.old_price),
            new=_jsonable(change.new_price), currency=change.currency,
            day=args.valid_from.isoformat()))
    if not changes:
        print(_("No price changed: article {article} already has these prices.").format(
            article=args.article))
    return 0


def _run_turnover_import(args: argparse.Namespace) -> int:
    from salesdesk.services.turnover import import_turnover

    with _store(args, write=not args.dry_run) as store:
        result = import_turnover(store, args.file, dry_run=args.dry_run, report=args.report)
    if not result.ok:
        raise DomainError(result.summary())
    print(result.summary())
    return 0


def run(args: argparse.Namespace) -> int:
    """Run a parsed command; a rule broken → one line on stderr and exit code 1."""
    if getattr(args, "lang", None):
        set_language(args.lang)
    try:
        setup_logging(data_dir_of(args))
        return args.run(args)
    except (DomainError, OSError) as exc:
        message = str(exc)
    except Exception as exc:  # a bug: the user still gets one line, the log the traceback
        log.exception("command %s failed", getattr(args, "command", "?"))
        message = _("unexpected {kind}: {detail} (details in the log file)").format(
            kind=type(exc).__name__, detail=exc)
    print(_("error: {message}").format(message=" ".join(message.split())), file=sys.stderr)
    return 1
