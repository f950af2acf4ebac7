"""`salesdesk check [--repair]`: a damaged data file is found and rebuilt, keeping the
changes not yet sent."""

import sqlite3

from salesdesk.app import main
from salesdesk.services.customers import create_customer
from salesdesk.store.engine import open_store

from .test_recovery import damage


def test_a_sound_file_a_damaged_one_and_its_repair(tmp_path, capsys):
    data = tmp_path / "laptop"
    store = open_store(data, user="rita")
    with store.session() as session:
        for n in range(300):
            create_customer(session, {"name": f"Kunde {n}"},
                            addresses=[{"street": f"Weg {n}", "postal_code": "80331",
                                        "city": "München", "country": "DE"}])
        session.commit()
    store.close()
    assert main(["check", "--data-dir", str(data)]) == 0
    assert "is sound" in capsys.readouterr().out
    damage(data / "salesdesk.sqlite3", "address")
    assert main(["check", "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is damaged" in err[0] and "check --repair" in err[0]
    assert main(["check", "--repair", "--data-dir", str(data)]) == 0
    assert "was damaged" in capsys.readouterr().out
    assert main(["check", "--data-dir", str(data)]) == 0
    assert list(data.glob("salesdesk.damaged-*.sqlite3"))  # set aside, not deleted
    with sqlite3.connect(data / "salesdesk.sqlite3") as conn:  # the unsent new customers
        assert conn.execute("SELECT count(*) FROM customer").fetchone()[0] == 300
