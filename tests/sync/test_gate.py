"""An older client meets a newer central column; a device with a wrong clock is told."""

from datetime import UTC, datetime, timedelta

from salesdesk.sync import session

from .test_faults import make_world


def test_11_a_column_the_client_does_not_know_is_left_untouched(central, tmp_path):
    world = make_world(central, tmp_path)
    office, rep, number = world["office"], world["rep"], world["numbers"][0]
    with central.connect() as conn:  # a later SalesDesk added a column centrally
        conn.execute("ALTER TABLE customer ADD COLUMN loyalty_level text")
        conn.execute("UPDATE customer SET loyalty_level = 'gold' WHERE number = %s", (number,))
    rep.edit(number, notes="neue Notiz")
    report = rep.sync()
    assert report.parked == 0 and report.conflicts == 0
    with central.connect() as conn:
        assert conn.execute("SELECT loyalty_level, notes FROM customer WHERE number = %s",
                            (number,)).fetchone() == ("gold", "neue Notiz")
    assert office.sync().parked == 0  # pulling a table with the extra column works too
    assert office.customer(number).notes == "neue Notiz"
    office.close()
    rep.close()


def test_a_clock_off_by_more_than_five_minutes_is_reported(central, tmp_path, monkeypatch):
    world = make_world(central, tmp_path)

    class Late(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz or UTC) - timedelta(minutes=12)

    monkeypatch.setattr(session, "datetime", Late)
    report = world["rep"].sync()
    assert report.clock_skew is not None and report.clock_skew > timedelta(minutes=11)
    assert any("12 minutes off" in warning or "11 minutes off" in warning
               for warning in report.warnings)
    monkeypatch.undo()
    assert world["office"].sync().clock_skew is None
    world["office"].close()
    world["rep"].close()
