"""Demo data carries a believable history that obeys the same rules as real data."""

import pytest

from salesdesk.domain.tasks import TRANSITIONS, TaskStatus
from salesdesk.services.demo import make_demo_data
from salesdesk.store.geoindex import GEO_TABLE
from salesdesk.store.logbook_index import LOGBOOK_FTS


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from salesdesk.store.engine import open_store

    store = open_store(tmp_path_factory.mktemp("demo") / "data", user="demo-runner")
    counts = make_demo_data(store, customers=300, seed=3)
    yield store, counts
    store.close()


def test_counts_and_indexes(demo):
    store, counts = demo
    reader = store.reader()
    assert counts["logbook_entries"] > 300 * 5 and counts["tasks"] > 300
    assert reader.execute("SELECT count(*) FROM logbook_entry").fetchone()[0] == \
        counts["logbook_entries"]
    assert reader.execute(f"SELECT count(*) FROM {LOGBOOK_FTS}").fetchone()[0] == \
        counts["logbook_entries"]
    # every geocoded address is in the radius index, marked as an offline city geocode
    assert reader.execute(f"SELECT count(*) FROM {GEO_TABLE}").fetchone()[0] == \
        counts["addresses"]
    assert reader.execute("SELECT DISTINCT geo_precision, geo_source FROM address").fetchall() \
        == [("city", "offline")]
    assert reader.execute("SELECT count(*) FROM distribution_list").fetchone()[0] == 4


def test_last_contact_is_the_newest_entry(demo):
    store, _ = demo
    wrong = store.reader().execute(
        "SELECT count(*) FROM customer c WHERE c.last_contact_at IS NOT "
        "(SELECT max(occurred_at) FROM logbook_entry e WHERE e.customer_id = c.id)").fetchone()
    assert wrong[0] == 0


def test_task_history_follows_the_transition_table(demo):
    store, _ = demo
    reader = store.reader()
    steps = reader.execute("SELECT from_status, to_status FROM task_transition "
                           "WHERE from_status != ''").fetchall()
    assert steps
    for old, new in steps:
        assert TaskStatus(new) in TRANSITIONS[TaskStatus(old)], (old, new)
    last_step_differs = reader.execute(
        "SELECT count(*) FROM task t WHERE t.status != (SELECT to_status FROM task_transition "
        "x WHERE x.task_id = t.id ORDER BY x.changed_at DESC, x.rowid DESC LIMIT 1)").fetchone()
    assert last_step_differs[0] == 0


def test_whoever_runs_the_demo_has_customers_and_work(demo):
    store, _ = demo
    reader = store.reader()
    me = reader.execute("SELECT id FROM user_account WHERE login = 'demo-runner'").fetchone()[0]
    assert reader.execute("SELECT count(*) FROM customer WHERE representative_id = ?",
                          (me,)).fetchone()[0] > 0
    assert reader.execute("SELECT count(*) FROM task WHERE assignee_id = ?",
                          (me,)).fetchone()[0] > 0
