"""Build SalesDesk: the one-folder app with PyInstaller, then (Windows) the Inno Setup installer.

    python packaging/build.py [--distpath DIR] [--workpath DIR] [--clean] [--selfcheck]

Linux:   dist/salesdesk/ (run dist/salesdesk/salesdesk) and dist/salesdesk-VERSION-linux-ARCH.tar.gz
         with the .desktop file and icon under share/.
Windows: dist/SalesDesk/ (salesdesk.exe: CLI, salesdesk-gui.exe: the app) and, when Inno
         Setup 6 is installed, dist/SalesDesk-VERSION-setup.exe.
"""

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
SPEC = PACKAGING / "salesdesk.spec"
ISS = PACKAGING / "windows" / "salesdesk.iss"
IS_WIN = sys.platform == "win32"


def version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def numeric_version(text: str) -> str:
    """x.y.z.0 for Windows version resources ("1.2.0rc1" → "1.2.0.0")."""
    numbers = re.findall(r"\d+", text.split("+")[0])[:3]
    return ".".join(numbers + ["0"] * (4 - len(numbers)))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distpath", type=Path, default=ROOT / "dist")
    parser.add_argument("--workpath", type=Path, default=ROOT / "build")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--selfcheck", action="store_true",
                        help="add salesdesk-selfcheck (for tests; not for release builds)")
    parser.add_argument("--no-archive", action="store_true", help="Linux: skip the .tar.gz")
    parser.add_argument("--no-installer", action="store_true", help="Windows: skip Inno Setup")
    return parser.parse_args(argv)


def run_pyinstaller(args: argparse.Namespace) -> Path:
    # -P: the current folder stays off sys.path, so the installed salesdesk is bundled even
    # when run from the repository root (the source tree would shadow a plain `pip install .`)
    command = [sys.executable, "-P", "-m", "PyInstaller", str(SPEC), "--noconfirm",
               "--distpath", str(args.distpath), "--workpath", str(args.workpath)]
    if args.clean:
        command.append("--clean")
    if args.selfcheck:
        command += ["--", "--selfcheck"]
    subprocess.run(command, check=True)
    return args.distpath / ("SalesDesk" if IS_WIN else "salesdesk")


ICON = ROOT / "resources" / "icons" / "salesdesk.svg"  # the app's own icon (Icon=salesdesk)


def linux_archive(bundle: Path, ver: str) -> Path:
    """A tar.gz of the bundle plus share/applications and share/icons for the desktop."""
    share = bundle / "share"
    (share / "applications").mkdir(parents=True, exist_ok=True)
    (share / "icons/hicolor/scalable/apps").mkdir(parents=True, exist_ok=True)
    shutil.copy2(PACKAGING / "linux" / "salesdesk.desktop", share / "applications")
    shutil.copy2(ICON, share / "icons/hicolor/scalable/apps/salesdesk.svg")
    archive = bundle.parent / f"salesdesk-{ver}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname="salesdesk")
    return archive


def find_iscc() -> Path | None:
    found = shutil.which("ISCC")
    if found:
        return Path(found)
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES"),
                 os.path.join(os.environ.get("LOCALAPPDATA", ""), "Programs")):
        candidate = Path(base or ".") / "Inno Setup 6" / "ISCC.exe"
        if base and candidate.exists():
            return candidate
    return None


def windows_installer(bundle: Path, ver: str, distpath: Path) -> Path | None:
    iscc = find_iscc()
    if iscc is None:
        print("Inno Setup 6 not found (ISCC.exe): no installer built. "
              "Install it from https://jrsoftware.org/isinfo.php, or put ISCC on PATH.")
        return None
    subprocess.run([str(iscc), f"/DAppVersion={ver}", f"/DFileVersion={numeric_version(ver)}",
                    f"/DBundleDir={bundle}", f"/DOutputDir={distpath}", str(ISS)], check=True)
    return distpath / f"SalesDesk-{ver}-setup.exe"


def folder_size_mb(folder: Path) -> float:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files) / 1e6


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.distpath, args.workpath = args.distpath.resolve(), args.workpath.resolve()
    ver = version()
    started = time.monotonic()
    try:
        bundle = run_pyinstaller(args)
    except subprocess.CalledProcessError as exc:
        print(f"error: PyInstaller failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    print(f"\nSalesDesk {ver}: {bundle} ({folder_size_mb(bundle):.0f} MB), "
          f"built in {time.monotonic() - started:.0f} s")
    if IS_WIN and not args.no_installer:
        try:
            installer = windows_installer(bundle, ver, args.distpath)
        except subprocess.CalledProcessError as exc:
            print(f"error: Inno Setup failed (exit {exc.returncode})", file=sys.stderr)
            return 1
        if installer:
            print(f"Installer: {installer}")
    elif not IS_WIN and not args.no_archive:
        print(f"Archive: {linux_archive(bundle, ver)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
