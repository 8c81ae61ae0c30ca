"""The outreach dashboard and the list of participants on data at scale (``make bench-reports``).

1. Prepares the database as ``bench/run.py`` does (``flask db upgrade``, ``flask lga demo --scale
   large``; SQLite under bench/results/ by default, any URL with ``--database-url``).
2. **Dashboard**: in a child process with the app in production mode, for the last full year
   and for the whole data: ``outreach()`` (every figure and breakdown) and the whole
   ``/reports/outreach`` page as a manager (request, access check, queries, template), each
   ``--repeat`` times after one warm-up call; best and median wall time, the median as a
   multiple of ``/health``'s in the same process (the ratio to compare across machines) and the
   number of SQL statements.
3. **The list of participants**: ``flask lga report participants`` over all the data (the place
   holders as CSV; everyone who asked for a place, ``--everyone``, ~200,000 rows, as CSV and
   XLSX) and over one week of the last full year, each in its own process, with the rows
   written, the wall time and the peak resident memory (ru_maxrss) of the process: bounded
   memory means the week and the whole list peak at about the same.
4. Prints it all and writes bench/results/reports-<timestamp>.json.

Figures, not pass/fail.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import RESULTS, ROOT, base_env, prepare_database, redacted  # noqa: E402

sys.path.insert(0, str(ROOT))
from config import normalise_database_url  # noqa: E402

DASHBOARD = r"""
import json, statistics, sys, time
from datetime import date
from sqlalchemy import event, func, select
from lga import create_app
from lga.extensions import db

app = create_app()
repeat = int(sys.argv[1])
out = {}
with app.app_context():
    from flask_login import login_user
    from lga.accounts.models import User, UserRole
    from lga.attendance.models import ParticipationDay
    from lga.catalogue.models import WorkshopSession
    from lga.reports.outreach import Filters, outreach

    first, last = db.session.execute(select(func.min(WorkshopSession.starts_at), func.max(WorkshopSession.starts_at))).one()
    year = min(last.year, date.today().year) - 1  # the last full year behind us
    manager = db.session.scalar(select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == "manager", User.active.is_(True)).order_by(User.id))
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    def health():
        with app.test_request_context("/health"):
            return app.full_dispatch_request()

    health()
    ticks = []
    for _ in range(max(repeat, 1) * 20):
        t = time.perf_counter()
        health()
        ticks.append(time.perf_counter() - t)
    out["/health (the unit of the ratios)"] = {"best_s": round(min(ticks), 5), "median_s": round(statistics.median(ticks), 5)}
    unit = statistics.median(ticks)
    spans = {"year": (date(year, 1, 1), date(year, 12, 31)), "all": (first.date(), last.date())}
    for name, (start, end) in spans.items():
        def call():
            return outreach(Filters(start, end))

        def page():
            path = f"/reports/outreach?date_from={start.isoformat()}&date_to={end.isoformat()}"
            with app.test_request_context(path):
                login_user(manager)
                response = app.full_dispatch_request()
                assert response.status_code == 200, response.status_code
                return response

        for label, fn in (("outreach()", call), ("page", page)):
            fn()
            db.session.remove()
            times = []
            for _ in range(repeat):
                statements.clear()
                t = time.perf_counter()
                result = fn()
                times.append(time.perf_counter() - t)
                db.session.remove()
            entry = {"best_s": round(min(times), 4), "median_s": round(statistics.median(times), 4),
                     "x_health": round(statistics.median(times) / unit), "statements": len(statements)}
            if label == "outreach()":
                entry.update(participants=result.participants, participations=result.participations)
            out[f"{name} {start.isoformat()}..{end.isoformat()} {label}"] = entry
    out["year"] = year
    out["summary rows"] = db.session.scalar(select(func.count()).select_from(ParticipationDay))
print("RESULT " + json.dumps(out))
"""

EXPORT = r"""
import json, resource, sys, time
from click.testing import CliRunner
from lga import create_app

app = create_app()
args = sys.argv[1:]
t = time.perf_counter()
result = CliRunner().invoke(app.cli, ["lga", "report", "participants", *args], catch_exceptions=False)
seconds = time.perf_counter() - t
assert result.exit_code == 0, result.output
print("RESULT " + json.dumps({"seconds": round(seconds, 2), "output": result.output.strip(),
                              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def child(script: str, args: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"child failed with status {done.returncode}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-generate", action="store_true")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    url = normalise_database_url(args.database_url or f"sqlite:///{RESULTS / 'bench.sqlite'}")
    print(f"Database: {redacted(url)}")
    if not args.skip_generate:
        print(f"Database prepared in {prepare_database(url):.1f} s")
    env = base_env(url) | {"LGA_ENV": "production", "SECRET_KEY": os.urandom(32).hex(), "LGA_SECURE_COOKIES": "0",
                           "LGA_RATELIMIT_ENABLED": "0"}
    report: dict = {"database": redacted(url), "dashboard": child(DASHBOARD, [str(args.repeat)], env), "export": {}}
    for label, key in report["dashboard"].items():
        print(f"  {label:<58} {key}")
    out = RESULTS / "participants-bench"
    always = ["--from", "2000-01-01", "--to", "2099-12-31"]
    runs = {"all holders, csv": [*always, "--format", "csv", "-o", f"{out}-holders.csv"],
            "everyone, csv": [*always, "--everyone", "--format", "csv", "-o", f"{out}.csv"],
            "everyone, xlsx": [*always, "--everyone", "--format", "xlsx", "-o", f"{out}.xlsx"]}
    year = report["dashboard"].pop("year")
    runs["one week, csv"] = ["--from", f"{year}-03-02", "--to", f"{year}-03-08", "--format", "csv", "-o",
                             f"{out}-week.csv"]
    for label, cli_args in runs.items():
        started = time.perf_counter()
        result = child(EXPORT, cli_args, env)
        result["wall_s"] = round(time.perf_counter() - started, 2)
        result["bytes"] = Path(cli_args[-1]).stat().st_size
        report["export"][label] = result
        print(f"  participants {label:<18} {result}", flush=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"reports-{stamp}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
