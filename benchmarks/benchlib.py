"""Shared by the benchmark scripts: options, the cached 100k store, timing and the table.

Every script measures the app and a baseline in the same run and prints both with their
ratio, so figures from a slow and a fast machine can be compared by the ratio.
"""

import argparse
import math
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"  # gitignored
DEFAULT_CUSTOMERS = 100_000
COMPLETE = "benchmark-store-complete"  # written once `salesdesk demo` has finished
# Bumped when `salesdesk demo` makes different data (v3: with logbook, tasks, appointments;
# v4: with articles, price lists, conditions and terms), so an old cached store is not
# measured by mistake.
DEMO_VERSION = "v4"


def parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS,
                        help="customers in the store (default %(default)s)")
    parser.add_argument("--data-dir", type=Path,
                        help="store to build or reuse (default benchmarks/out/store-N-v3)")
    return parser


def store_dir(args: argparse.Namespace) -> Path:
    return (args.data_dir or OUT / f"store-{args.customers}-{DEMO_VERSION}").resolve()


def salesdesk_command() -> list[str]:
    """The `salesdesk` console script next to this Python, as a user starts it."""
    script = Path(sys.executable).with_name("salesdesk.exe" if os.name == "nt" else "salesdesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "salesdesk"]


def run_salesdesk(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([*salesdesk_command(), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise SystemExit(f"salesdesk {' '.join(args)} failed (exit {done.returncode}):\n"
                         f"{done.stdout[-1500:]}{done.stderr[-3000:]}")
    return done


def timed_salesdesk(*args: str, env: dict | None = None) -> float:
    started = time.perf_counter()
    run_salesdesk(*args, env=env)
    return time.perf_counter() - started


def customer_count(data_dir: Path) -> int:
    path = data_dir / "salesdesk.sqlite3"
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM customer WHERE deleted_at IS NULL").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def is_complete(data_dir: Path, customers: int) -> bool:
    return (data_dir / COMPLETE).exists() and customer_count(data_dir) == customers


def demo_store(data_dir: Path, customers: int, *extra: str) -> float:
    """Run `salesdesk demo` into the empty ``data_dir``; the seconds it took."""
    seconds = timed_salesdesk("demo", "--customers", str(customers), "--seed", "1",
                              "--data-dir", str(data_dir), *extra)
    if not extra:
        (data_dir / COMPLETE).write_text(f"{customers}\n")
    return seconds


def ensure_store(args: argparse.Namespace) -> Path:
    """The cached demo store with ``args.customers`` customers, built on first use."""
    return ensure_demo_store(store_dir(args), args.customers, given=args.data_dir is not None)


def ensure_demo_store(data_dir: Path, customers: int, given: bool = False) -> Path:
    """``data_dir`` holding a finished `salesdesk demo` of ``customers``, built if needed.

    A folder the user gave (``given``) is only ever filled when empty, never deleted.
    """
    if is_complete(data_dir, customers):
        return data_dir
    if data_dir.exists() and any(data_dir.iterdir()):
        if given:
            raise SystemExit(f"{data_dir} holds other data; give an empty or new --data-dir")
        shutil.rmtree(data_dir)  # our own cache, half built or of another size
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"building the store: salesdesk demo --customers {customers} "
          f"--data-dir {data_dir} ...", flush=True)
    seconds = demo_store(data_dir, customers)
    print(f"built in {seconds:.1f} s", flush=True)
    return data_dir


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 → p95)."""
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(share * len(ordered)))) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


@dataclass
class Row:
    """One measured figure: lower is better; ``target`` and ``max_ratio`` are upper bounds."""

    name: str
    value: float
    unit: str
    target: float | None = None
    baseline: float | None = None
    max_ratio: float | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    @property
    def passed(self) -> bool | None:
        checks = []
        if self.target is not None:
            checks.append(self.value < self.target)
        if self.max_ratio is not None and self.ratio is not None:
            checks.append(self.ratio <= self.max_ratio)
        return all(checks) if checks else None


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:.{digits}f} {unit}"


def machine() -> str:
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def report(title: str, rows: list[Row], baseline_note: str) -> int:
    """Print the table; 1 if a figure misses its target (for scripts and CI), else 0."""
    print(f"\n{title}\n{machine()}\nbaseline: {baseline_note}\n")
    header = ("measure", "value", "target", "result", "baseline", "ratio")
    lines = [header]
    for row in rows:
        target = []
        if row.target is not None:
            target.append(f"< {_fmt(row.target, row.unit)}")
        if row.max_ratio is not None:
            target.append(f"ratio <= {row.max_ratio:g}x")
        result = {True: "PASS", False: "FAIL", None: "-"}[row.passed]
        ratio = f"{row.ratio:.1f}x" if row.ratio is not None else "-"
        lines.append((row.name, _fmt(row.value, row.unit), ", ".join(target) or "-", result,
                      _fmt(row.baseline, row.unit), ratio))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(line, widths, strict=True))))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    return 1 if any(row.passed is False for row in rows) else 0
