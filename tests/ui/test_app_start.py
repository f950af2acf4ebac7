"""Starting the app: screenshots, the single-instance guard, a store from the future."""

import sqlite3
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtGui import QImage

from salesdesk.app import main
from salesdesk.domain.errors import StoreError
from salesdesk.store.lock import InstanceLock

# the offscreen platform notes that it ignores a shown window's size hints; main() logs it
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _colours(image: QImage) -> int:
    seen = set()
    for y in range(0, image.height(), 7):
        for x in range(0, image.width(), 7):
            seen.add(image.pixel(x, y))
    return len(seen)


@pytest.mark.parametrize("view", ["customers", "customer:K-000001", "logbook", "tasks",
                                  "agenda", "calendar", "lists", "nearby"])
def test_screenshot_renders_the_view_to_a_png_of_fixed_size(tmp_path, demo_dir, view):
    png = tmp_path / "shots" / "view.png"
    assert main(["--screenshot", str(png), "--view", view, "--data-dir", str(demo_dir)]) == 0
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1280, 800)
    assert _colours(image) > 20  # text, icons and lines, not a blank single-colour image


def test_screenshot_of_an_unknown_customer_fails_with_one_line(tmp_path, demo_dir, capsys):
    png = tmp_path / "x.png"
    code = main(["--screenshot", str(png), "--view", "customer:K-999999",
                 "--data-dir", str(demo_dir)])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "K-999999" in err and "\n" not in err
    assert not png.exists()


def test_screenshot_in_german(tmp_path, demo_dir):
    png = tmp_path / "de.png"
    args = ["--screenshot", str(png), "--view", "customers", "--data-dir", str(demo_dir),
            "--lang", "de"]
    assert main(args) == 0
    assert QImage(str(png)).width() == 1280


def test_screenshot_of_an_empty_store(tmp_path):
    png = tmp_path / "empty.png"
    assert main(["--screenshot", str(png), "--data-dir", str(tmp_path / "new")]) == 0
    assert _colours(QImage(str(png))) > 5


@pytest.fixture
def held_lock(demo_dir):
    """Another process holding the data dir's instance lock."""
    code = textwrap.dedent("""
        import sys
        from pathlib import Path
        from salesdesk.store.lock import InstanceLock
        lock = InstanceLock(Path(sys.argv[1])).acquire()
        print("locked", flush=True)
        sys.stdin.read()
    """)
    holder = subprocess.Popen([sys.executable, "-c", code, str(demo_dir)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    yield holder
    holder.stdin.close()
    holder.wait(timeout=30)


def test_a_second_instance_lock_on_the_same_dir_is_refused(demo_dir, held_lock):
    with pytest.raises(StoreError, match="already working"):
        InstanceLock(demo_dir).acquire()


def test_app_on_a_locked_data_dir_exits_with_the_message(tmp_path, demo_dir, held_lock,
                                                         capsys):
    code = main(["--screenshot", str(tmp_path / "x.png"), "--data-dir", str(demo_dir)])
    assert code == 1
    assert "already working" in capsys.readouterr().err


def test_app_window_mode_shows_the_lock_message_in_a_box(demo_dir, held_lock,
                                                         no_blocking_dialogs):
    from salesdesk.ui.main import run_app

    assert run_app(demo_dir) == 1
    assert any("already working" in text for text in no_blocking_dialogs)


def test_store_from_a_newer_version_is_refused_clearly(tmp_path, demo_dir, capsys):
    connection = sqlite3.connect(demo_dir / "salesdesk.sqlite3")
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()
    code = main(["--screenshot", str(tmp_path / "x.png"), "--data-dir", str(demo_dir)])
    assert code == 1
    assert "newer SalesDesk" in capsys.readouterr().err
    InstanceLock(demo_dir).acquire().release()  # the lock was given back


def test_log_file_is_written_in_the_data_dir(tmp_path, demo_dir):
    main(["--screenshot", str(tmp_path / "x.png"), "--view", "nonsense",
          "--data-dir", str(demo_dir)])
    log = (demo_dir / "logs" / "salesdesk.log").read_text(encoding="utf-8")
    assert "There is no view nonsense" in log
