"""The logbook page and tab: lazy model, filters, detail pane, edit window, delete."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, QModelIndex
from sqlalchemy import insert

from salesdesk.services import customers as cs
from salesdesk.services.logbook import FollowUps, LogbookFilter, count_entries, create_entry
from salesdesk.services.settings import set_setting
from salesdesk.services.users import user_id_for_login
from salesdesk.store.models import LogbookEntry
from salesdesk.ui.dialogs.logbook_entry import DeleteEntryDialog, LogbookEntryDialog
from salesdesk.ui.models.logbook_table import COLUMN_KEYS, LogbookTableModel, format_duration
from salesdesk.ui.views.empty_state import EmptyState
from salesdesk.ui.views.logbook_view import LogbookView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
NOW = datetime.now(UTC).replace(microsecond=0)


def _entry(session, customer, days_ago, subject, kind="visit", **values):
    return create_entry(
        session,
        customer.id,
        {"occurred_at": NOW - timedelta(days=days_ago), "kind": kind, "subject": subject, **values},
    ).entry


@pytest.fixture
def logbook(store):
    """Two customers; three entries by the store's user (tester), one by rep2."""
    with store.session() as session:
        huber = cs.create_customer(
            session,
            {"name": "Huber Elektro GmbH"},
            contacts=[{"first_name": "Anna", "last_name": "Huber"}],
        )
        moser = cs.create_customer(session, {"name": "Moser Bau KG"})
        session.flush()
        create_entry(
            session,
            huber.id,
            {
                "occurred_at": NOW - timedelta(days=2),
                "kind": "visit",
                "subject": "Spring collection",
                "notes": "Liked the catalogue.",
                "duration_minutes": 90,
                "outcome": "Order of 240 units expected.",
            },
            contact_ids=[huber.contacts[0].id],
            follow_ups=FollowUps(
                task={"title": "Send offer", "due_on": date(2031, 1, 9)},
                next_contact=date(2031, 2, 1),
            ),
        )
        _entry(
            session,
            huber,
            40,
            "Complaint",
            kind="phone",
            notes="Die Straße vor dem Lager ist gesperrt.",
        )
        _entry(session, moser, 400, "Price list sent", kind="email")
        session.commit()
    other = store.session()
    other.info["user"] = "rep2"
    with other:
        create_entry(
            other,
            moser.id,
            {"occurred_at": NOW - timedelta(days=5), "kind": "fair", "subject": "Trade fair talk"},
        )
        other.commit()
    return {"huber": huber.id, "moser": moser.id}


@pytest.fixture
def view(qtbot, store, logbook):
    page = LogbookView(store)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    qtbot.waitUntil(lambda: page.load_detail_now() is not None)
    return page


def _subjects(page):
    return [page.model.row_at(n).subject for n in range(page.model.rowCount())]


def _choose(combo, data):
    combo.setCurrentIndex(combo.findData(data))


def _select(page, subject):
    page.table.selectRow(_subjects(page).index(subject))
    return page.load_detail_now()


def test_the_model_passes_qtmodeltester_also_across_pages(qtmodeltester, store, logbook):
    model = LogbookTableModel(store, page_size=2)
    model.set_filter(LogbookFilter())
    assert model.rowCount() == 2 and model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 4 and not model.canFetchMore(QModelIndex())
    assert model.total() == 4


def test_rows_are_newest_first_in_local_time_without_ids(view, logbook):
    assert _subjects(view) == [
        "Spring collection",
        "Trade fair talk",
        "Complaint",
        "Price list sent",
    ]
    model = view.model
    cells = [model.index(0, c).data() for c in range(model.columnCount())]
    by_key = dict(zip(COLUMN_KEYS, cells, strict=True))
    assert by_key["customer"] == "K-000001 Huber Elektro GmbH"
    assert (by_key["kind"], by_key["duration"]) == ("Visit", "1 h 30 min")
    assert by_key["contacts"] == "Anna Huber" and by_key["user"] == "tester"
    assert str(logbook["huber"]) not in " ".join(cells)
    local = (NOW - timedelta(days=2)).astimezone()
    assert local.strftime("%H:%M") in by_key["occurred_at"]
    assert not view.table.horizontalHeader().isSectionHidden(COLUMN_KEYS.index("customer"))
    assert view.count_label.text() == "4 entries"


def test_the_detail_pane_shows_the_whole_entry_and_its_follow_ups(view):
    detail = _select(view, "Spring collection")
    text = view.detail.toPlainText()
    assert "Liked the catalogue." in text and "Order of 240 units expected." in text
    assert "Task “Send offer”" in text and "Next contact" in text
    assert "Anna Huber" in text and detail.refusal is None
    assert view.edit_button.isEnabled() and view.delete_button.isEnabled()


def test_filters_by_kind_user_period_and_text(qtbot, view):
    _choose(view.kind, "phone")
    assert _subjects(view) == ["Complaint"]
    _choose(view.kind, None)
    rep2 = user_id_for_login(view.store.reader(), "rep2")
    _choose(view.user, str(rep2))
    assert _subjects(view) == ["Trade fair talk"]
    _choose(view.user, None)
    _choose(view.period, "30d")
    assert _subjects(view) == ["Spring collection", "Trade fair talk"]
    _choose(view.period, "custom")
    assert view.date_from.isVisibleTo(view)
    today = QDate.currentDate()
    view.date_from.setDate(today.addDays(-45))
    view.date_to.setDate(today.addDays(-35))
    assert _subjects(view) == ["Complaint"]
    _choose(view.period, "all")
    assert not view.date_from.isVisibleTo(view)
    qtbot.keyClicks(view.search, "strasse")  # search as you type, umlauts and ß folded
    assert len(_subjects(view)) == 4  # not yet: a short pause first
    qtbot.waitUntil(lambda: _subjects(view) == ["Complaint"])
    view.search.setText("no such words")
    qtbot.waitUntil(lambda: view.empty_page() is view.no_match)
    view.no_match.buttons["reset"].click()
    assert len(_subjects(view)) == 4 and view.search.text() == ""


def test_filters_are_remembered_as_plain_state(view):
    _choose(view.kind, "phone")
    _choose(view.period, "12m")
    state = view.state()
    view.reset_filters()
    view.restore(state)
    view.apply_filter()
    assert _subjects(view) == ["Complaint"]


def test_only_the_author_may_correct_and_says_why_not(view):
    _select(view, "Trade fair talk")
    assert not view.edit_button.isEnabled() and not view.delete_button.isEnabled()
    assert "only its author" in view.edit_button.toolTip()
    _select(view, "Complaint")
    assert view.edit_button.isEnabled()


def test_after_the_edit_window_the_entry_cannot_be_changed(store, view):
    with store.session() as session:
        set_setting(session, "logbook.edit_window_hours", 0)
        session.commit()
    view.refresh()
    _select(view, "Complaint")
    assert not view.edit_button.isEnabled() and not view.delete_button.isEnabled()
    assert "0 hours" in view.edit_button.toolTip()
    view.edit_current()
    assert view.dialog is None  # nothing opens


def test_delete_asks_for_a_reason_and_the_entry_leaves_the_list(qtbot, store, view):
    _select(view, "Complaint")
    view.delete_button.click()
    dialog = view.dialog
    assert isinstance(dialog, DeleteEntryDialog) and "Complaint" in dialog.question.text()
    assert not dialog.delete_button.isEnabled()
    qtbot.keyClicks(dialog.reason_edit, "written for the wrong customer")
    dialog.delete_button.click()
    assert "Complaint" not in _subjects(view)
    qtbot.waitUntil(lambda: view.count_label.text() == "3 entries")
    reason = (
        store.reader()
        .execute("SELECT delete_reason FROM logbook_entry WHERE subject = 'Complaint'")
        .fetchone()[0]
    )
    assert reason == "written for the wrong customer"


def test_double_click_opens_the_customer_in_the_global_logbook(qtbot, view, logbook):
    row = _subjects(view).index("Trade fair talk")
    with qtbot.waitSignal(view.sig_open_customer) as opened:
        view.table.doubleClicked.emit(view.model.index(row, 2))
    assert opened.args == [logbook["moser"]]


def test_a_new_entry_from_a_customers_logbook_is_shown_selected(qtbot, store, logbook):
    page = LogbookView(store, customer_id=logbook["huber"])
    qtbot.addWidget(page)
    page.show()
    assert page.table.horizontalHeader().isSectionHidden(COLUMN_KEYS.index("customer"))
    assert _subjects(page) == ["Spring collection", "Complaint"]
    page.new_button.click()
    dialog = page.dialog
    assert isinstance(dialog, LogbookEntryDialog) and dialog.customer_id == logbook["huber"]
    qtbot.keyClicks(dialog.field("subject"), "Called about the offer")
    with qtbot.waitSignal(page.sig_changed) as changed:
        assert dialog.save()
    assert changed.args == [logbook["huber"]]
    assert _subjects(page)[0] == "Called about the offer"
    assert page.current_entry_id() == dialog.saved_id


def test_an_empty_logbook_explains_itself_instead_of_empty_panes(qtbot, store):
    page = LogbookView(store)
    qtbot.addWidget(page)
    page.show()
    shown = page.empty_page()
    assert isinstance(shown, EmptyState) and "No logbook entries yet" in shown.text()
    assert not page.search.isVisible() and not page.new_button.isVisible()
    shown.buttons["new"].click()
    assert isinstance(page.dialog, LogbookEntryDialog)


def test_the_customer_file_has_a_logbook_tab(qtbot, demo_store, window):
    window.show()
    window.show_view("customer:K-000010")
    file_view = window.file_view
    customer_id = file_view.customer_id
    entries = count_entries(demo_store.reader(), LogbookFilter(customer_id=customer_id))
    titles = [file_view.tabs.tabText(i) for i in range(file_view.tabs.count())]
    assert f"Logbook ({entries})" in titles
    assert not file_view.logbook.model.is_loaded()  # read when the tab is shown
    file_view.tabs.setCurrentWidget(file_view.logbook)
    assert file_view.logbook.model.rowCount() == min(entries, 200)
    assert {
        file_view.logbook.model.row_at(n).customer_id
        for n in range(file_view.logbook.model.rowCount())
    } <= {customer_id}
    file_view.logbook.new_entry()
    dialog = file_view.logbook.dialog
    qtbot.keyClicks(dialog.field("subject"), "Visit at the new warehouse")
    dialog.field("next_contact_set").setChecked(True)
    dialog.field("next_contact").setDate(QDate(2031, 5, 4))
    assert dialog.save()
    assert (
        file_view.tabs.tabText(file_view.tabs.indexOf(file_view.logbook))
        == f"Logbook ({entries + 1})"
    )
    assert "2031" in file_view.header.facts["next_contact"].text()
    window.show_view("customer:K-000011")  # another customer: its own logbook
    other = window.file_view.customer_id
    assert {
        file_view.logbook.model.row_at(n).customer_id
        for n in range(file_view.logbook.model.rowCount())
    } <= {other}


def test_a_customer_with_5000_entries_opens_in_well_under_100_ms(qtbot, store):
    with store.session() as session:
        customer = cs.create_customer(session, {"name": "Vielkontakt GmbH"})
        me = (
            user_id_for_login(session, "tester")
            or create_entry(
                session, customer.id, {"occurred_at": NOW, "kind": "visit", "subject": "first"}
            ).entry.user_id
        )
        session.execute(
            insert(LogbookEntry),
            [
                {
                    "customer_id": customer.id,
                    "user_id": me,
                    "author": "tester",
                    "occurred_at": NOW - timedelta(hours=n + 1),
                    "kind": "phone",
                    "subject": f"Call {n}",
                    "notes": "Short call about the offer.",
                }
                for n in range(5000)
            ],
        )
        session.commit()
        customer_id = customer.id
    assert count_entries(store.reader(), LogbookFilter(customer_id=customer_id)) == 5001
    page = LogbookView(store, customer_id=customer_id)
    qtbot.addWidget(page)
    started = time.perf_counter()
    page.ensure_loaded()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    total = page.model.total()
    counted = time.perf_counter() - started
    assert page.model.rowCount() == 200 and total == 5001
    assert loaded < 0.1 and counted < 0.05, (loaded, counted)
    plan = " ".join(
        str(row)
        for row in store.reader().execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM logbook_entry e "
            "WHERE e.deleted_at IS NULL AND e.customer_id = ?",
            (customer_id.hex,),
        )
    )
    assert "ix_logbook_entry_customer_occurred" in plan


def test_durations_read_naturally():
    assert [format_duration(m) for m in (0, 45, 60, 90)] == ["", "45 min", "1 h", "1 h 30 min"]
