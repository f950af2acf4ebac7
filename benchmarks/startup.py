"""Start-up to a usable customer list, against a bare PySide6 window started the same way.

    python benchmarks/startup.py [--customers N] [--data-dir D] [--runs 5] [--bundle DIR]

App: `salesdesk --screenshot X.png --view customers --data-dir D` over the 100k store,
from process start until the screenshot is written and the process has exited (the
screenshot mode renders the list with its first page and count, then exits), best of 5.
Baseline: a tiny script that creates QApplication and a QMainWindow of the same size,
shows it, processes events, grabs it to PNG and exits, best of 5. For information also
the same script after `import sqlalchemy.orm`: the floor the chosen stack sets. All run
with QT_QPA_PLATFORM=offscreen and alternate, after one untimed warm-up run each.
Targets: app < 1.5 s, app/baseline <= 3x, app peak RSS < 250 MB.
Peak RSS: getrusage(RUSAGE_CHILDREN).ru_maxrss of a runner that starts only that one
process (POSIX); psutil's peak working set on Windows.
``--bundle DIR`` measures the frozen app (DIR/salesdesk) instead of the installed one.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib

TARGET_S = 1.5
MAX_RATIO = 3.0
TARGET_RSS_MB = 250.0
BARE_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 800)
window.setCentralWidget(QLabel("bare window"))
window.show()
app.processEvents()
sys.exit(0 if window.grab().save(sys.argv[1]) else 1)
"""
RUNNER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "rc": done.returncode, "peak_kb": peak,
                  "stderr": done.stderr.decode(errors="replace")[-3000:]}))
"""


def measure(command: list[str], env: dict) -> tuple[float, float]:
    """(seconds from start to exit, peak RSS in MB) of one run of ``command``."""
    if os.name == "nt":
        return _measure_with_psutil(command, env)
    done = subprocess.run([sys.executable, "-c", RUNNER, *command], capture_output=True,
                          text=True, env=env, check=True)
    result = json.loads(done.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result['stderr']}")
    # ru_maxrss is in KiB on Linux, in bytes on macOS
    peak_bytes = result["peak_kb"] * (1 if sys.platform == "darwin" else 1024)
    return result["seconds"], peak_bytes / 1e6


def _measure_with_psutil(command: list[str], env: dict) -> tuple[float, float]:
    import psutil

    started = time.perf_counter()
    process = psutil.Popen(command, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, process.memory_info().peak_wset)
        except psutil.Error:
            break
        time.sleep(0.005)
    seconds = time.perf_counter() - started
    if process.wait() != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()}")
    return seconds, peak / 1e6


def main() -> int:
    parser = benchlib.parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bundle", type=Path, help="a PyInstaller build folder to measure")
    args = parser.parse_args()
    data_dir = benchlib.ensure_store(args)
    benchlib.OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=benchlib.OUT) as tmp:
        tmp = Path(tmp)
        # own settings folder: no window geometry or filters from the user's own use
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
               "XDG_CONFIG_HOME": str(tmp / "config"), "XDG_CACHE_HOME": str(tmp / "cache")}
        program = [str(args.bundle / "salesdesk")] if args.bundle else benchlib.salesdesk_command()
        app = [*program, "--screenshot", str(tmp / "app.png"), "--view", "customers",
               "--data-dir", str(data_dir)]
        bare = [sys.executable, "-c", BARE_WINDOW, str(tmp / "bare.png")]
        floor = [sys.executable, "-c", "import sqlalchemy.orm\n" + BARE_WINDOW,
                 str(tmp / "floor.png")]
        for command in (app, bare, floor):  # warm-up runs (file and font caches), not counted
            measure(command, env)
        app_runs, bare_runs, floor_runs = [], [], []
        for _ in range(args.runs):
            app_runs.append(measure(app, env))
            bare_runs.append(measure(bare, env))
            floor_runs.append(measure(floor, env))
        for png in ("app.png", "bare.png"):
            if (tmp / png).stat().st_size == 0:
                raise SystemExit(f"{png} is empty")
    app_s, bare_s = [s for s, _ in app_runs], [s for s, _ in bare_runs]
    app_mb, bare_mb = max(mb for _, mb in app_runs), max(mb for _, mb in bare_runs)
    print(f"app runs: {', '.join(f'{s:.2f}' for s in app_s)} s; "
          f"bare window runs: {', '.join(f'{s:.2f}' for s in bare_s)} s")
    rows = [
        benchlib.Row(f"start to customer list (best of {args.runs})", min(app_s), "s",
                     target=TARGET_S, baseline=min(bare_s), max_ratio=MAX_RATIO),
        benchlib.Row(f"start to customer list (median of {args.runs})", benchlib.median(app_s),
                     "s", baseline=benchlib.median(bare_s)),
        benchlib.Row("peak RSS of the app process", app_mb, "MB", target=TARGET_RSS_MB,
                     baseline=bare_mb),
        # what the stack costs before any app code: the bare window after importing the ORM
        benchlib.Row("(bare window + import sqlalchemy.orm)", min(s for s, _ in floor_runs), "s",
                     baseline=min(bare_s)),
    ]
    what = f"frozen app in {args.bundle}" if args.bundle else "installed app"
    return benchlib.report(
        f"Start-up ({what}) to the customer list over {benchlib.customer_count(data_dir)} "
        "customers, offscreen", rows,
        "bare PySide6 QMainWindow (QApplication, show, processEvents, grab to PNG, exit), "
        "same way",
    )


if __name__ == "__main__":
    sys.exit(main())
