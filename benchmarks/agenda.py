"""Time "My day" (AgendaView.refresh: the agenda queries plus filling four tables) on the
demo store of N customers (100k customers, ~200k tasks, ~30k appointments).

    python benchmarks/agenda.py [--customers N] [--data-dir D] [--runs 20]

Target: < 100 ms, first load and warm. Baseline: services.agenda.agenda() alone, the SQL
the page needs, on the same store and user in the same run; the ratio is what the screen
adds (rows, formatting, column widths).
"""

import os
import statistics
import sys
import time
from datetime import date

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import benchlib  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from salesdesk.services.agenda import agenda  # noqa: E402
from salesdesk.services.users import user_id_for_login  # noqa: E402
from salesdesk.store.engine import open_store  # noqa: E402

TARGET_MS = 100.0


def main() -> int:
    parser = benchlib.parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    data_dir = benchlib.ensure_store(args)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    store = open_store(data_dir)
    reader = store.reader()
    if reader.execute("SELECT count(*) FROM task").fetchone()[0] == 0:
        raise SystemExit(
            f"{data_dir} has no tasks (made before tasks existed): delete it and run again"
        )
    me = user_id_for_login(reader, store.user)
    if me is None:
        raise SystemExit(f"the demo in {data_dir} was made by another login than {store.user}")
    from salesdesk.ui.views.agenda_view import AgendaView

    view = AgendaView(store)
    view.resize(1280, 800)
    view.refresh()
    first = view.load_ms
    sizes = {key: section.count() for key, section in view.sections.items()}
    warm = []
    for _ in range(args.runs):
        view.refresh()
        warm.append(view.load_ms)
    sql = []
    for _ in range(args.runs):
        started = time.perf_counter()
        agenda(reader, me, date.today(), view.zone)
        sql.append((time.perf_counter() - started) * 1000)
    baseline = statistics.median(sql)
    print(f"rows per section: {sizes}")
    rows = [
        benchlib.Row("agenda, first load", first, "ms", TARGET_MS, baseline),
        benchlib.Row("agenda, warm (median)", statistics.median(warm), "ms", TARGET_MS, baseline),
        benchlib.Row(
            "agenda, warm (p95)", benchlib.percentile(warm, 0.95), "ms", TARGET_MS, baseline
        ),
    ]
    view.deleteLater()
    app.processEvents()
    store.close()
    return benchlib.report(
        f"My day on {args.customers:,} customers",
        rows,
        "services.agenda.agenda() alone (the SQL), median",
    )


if __name__ == "__main__":
    sys.exit(main())
