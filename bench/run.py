"""Load benchmark of key pages against gunicorn on data at scale (``make bench``).

1. Prepares a database: ``flask db upgrade`` and ``flask lga demo --scale large`` (idempotent, so a
   second run reuses the data). SQLite under bench/results/ by default; any URL with
   ``--database-url`` or ``BENCH_DATABASE_URL`` (e.g. a scratch PostgreSQL database).
2. Starts ``gunicorn wsgi:app`` in production mode on a free port of 127.0.0.1.
3. Finds in the database what the pages need: a coming workshop with many enrolments, one of its
   trainers, the trainee with the most enrolments, the session with the most attendance records
   and a trainer of its workshop.
   Then times ``flask lga import-attendance`` of a 1,000-row Zoom report for that session (dry
   run, import, the same import again): see attendance_import.py.
4. Hits each page for ``--duration`` seconds with ``--concurrency`` clients (asyncio + httpx),
   anonymous or logged in as the account the page names (admin, manager, trainer, trainee). A page
   that does not answer 200 to a first probe is reported with its status and not loaded.
5. Prints requests, errors, req/s, p50/p95 latency and throughput relative to ``/health`` of the
   same run, and writes it all to bench/results/<timestamp>.json.
6. Stops gunicorn whatever happens.

Figures, not pass/fail: compare runs on the same machine, and read the ratios (see README.md).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"  # the only address this script ever sends traffic to
ADMIN_EMAIL = "admin@example.org"
MANAGER_EMAIL = "manager@example.org"
TRAINER_EMAIL = "trainer@example.org"
TRAINEE_EMAIL = "trainee@example.org"
DEMO_PASSWORD = "demo-password"  # the demo accounts' and every generated account's
KOSOVO = ZoneInfo("Europe/Belgrade")
MAX_REQUESTS_PER_PAGE = 200_000  # a bound besides time, whatever the machine's speed
HEALTH_WAIT_SECONDS = 60

sys.path.insert(0, str(ROOT))
from bench.attendance_import import build_report, time_imports  # noqa: E402
from config import normalise_database_url  # noqa: E402

# (label, path, who logs in: None for anonymous, else a key of Targets.accounts). Placeholders:
# {module} a module code found on /modules; {year}/{month} this month in Kosovo; {workshop} the
# coming workshop with the most enrolments; {session} the session with the most attendance records
# and {session_workshop} its workshop (see find_targets).
PAGES: tuple[tuple[str, str, str | None], ...] = (
    ("/health", "/health", None),
    ("/", "/", None),
    ("/programmes", "/programmes", None),
    ("/modules", "/modules", None),
    ("/modules/<code>", "/modules/{module}", None),
    ("/login (GET)", "/login", None),
    ("/calendar", "/calendar", None),
    ("/calendar/month", "/calendar/month/{year}/{month}", None),
    ("/workshops/<id>", "/workshops/{workshop}", "trainee"),
    ("/workshops/<id>/roster", "/workshops/{workshop}/roster", "trainer"),
    ("/sessions/<id>/roll-call", "/sessions/{session}/roll-call", "session_trainer"),
    ("/workshops/<id>/attendance", "/workshops/{session_workshop}/attendance", "session_trainer"),
    ("/my/trainings", "/my/trainings", "trainee"),
    ("/manage/workshops", "/manage/workshops", "manager"),
    ("/reports/outreach (year)", "/reports/outreach?date_from={last_year}-01-01&date_to={last_year}-12-31", "manager"),
    ("/api/v1/outreach (year)", "/api/v1/outreach?from={last_year}-01-01&to={last_year}-12-31", "manager"),
    ("/account", "/account", "admin"),
    ("/admin/people", "/admin/people", "admin"),
    ("/admin/people?q=", "/admin/people?q=gashi", "admin"),
)


@dataclass
class Targets:
    """What the pages need from the data, found before the server starts."""

    accounts: dict[str, str]              # role key -> email
    values: dict[str, str]                # placeholder -> value
    facts: dict[str, object] = field(default_factory=dict)  # for the report: why these were chosen


@dataclass
class PageResult:
    page: str
    path: str
    logged_in: bool
    account: str | None = None
    note: str | None = None               # why a page was not loaded (non-200 probe, failed login)
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    ratio_to_health: float | None = None
    statuses: dict[str, int] = field(default_factory=dict)


# --- preparing the database -------------------------------------------------------------------

def base_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": database_url,
        # Keep the bench's mail outbox and files out of the developer's instance/.
        "LGA_INSTANCE_PATH": env.get("LGA_INSTANCE_PATH") or str(RESULTS / "instance"),
        "PYTHONUNBUFFERED": "1",
    })
    return env


def flask(args: list[str], env: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "flask", *args]
    print("$ flask " + " ".join(args), flush=True)
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def prepare_database(database_url: str) -> float:
    env = base_env(database_url) | {"LGA_ENV": "development"}  # the demo command refuses production
    started = time.perf_counter()
    flask(["db", "upgrade"], env)
    flask(["lga", "demo", "--scale", "large"], env)
    return time.perf_counter() - started


COUNTED_TABLES = ("user_account", "workshop", "workshop_session", "enrolment", "attendance", "certificate",
                  "module")


def data_counts(database_url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                    for table in COUNTED_TABLES if table in present}
    finally:
        engine.dispose()


# The coming workshop with the most enrolments (its page and its trainer's roster are the
# heaviest of their kind), and the active trainee with the most enrolments ("My trainings").
BIG_WORKSHOP = """
    SELECT e.workshop_id, count(*) AS n FROM enrolment e JOIN workshop w ON w.id = e.workshop_id
    WHERE w.start_date >= :today AND w.status = 'published'
    GROUP BY e.workshop_id ORDER BY n DESC, e.workshop_id LIMIT 1"""
ITS_TRAINER = """
    SELECT u.email FROM workshop_trainer t JOIN user_account u ON u.id = t.user_id
    WHERE t.workshop_id = :workshop AND u.active = :yes ORDER BY u.id LIMIT 1"""
BUSY_TRAINEE = """
    SELECT u.email, count(*) AS n FROM enrolment e JOIN user_account u ON u.id = e.user_id
    JOIN user_role r ON r.user_id = u.id AND r.role = 'trainee'
    WHERE u.active = :yes GROUP BY u.id, u.email ORDER BY n DESC, u.id LIMIT 1"""
# The session with the most attendance records (only sessions that have started have any): its
# roll call and its workshop's attendance sheet are the heaviest of their kind.
BUSIEST_SESSION = """
    SELECT a.session_id, s.workshop_id, count(*) AS n FROM attendance a
    JOIN workshop_session s ON s.id = a.session_id
    GROUP BY a.session_id, s.workshop_id ORDER BY n DESC, a.session_id LIMIT 1"""
BIGGEST_COMING = """
    SELECT id FROM workshop WHERE start_date >= :today AND status = 'published'
    ORDER BY capacity DESC, id LIMIT 1"""


def find_targets(database_url: str) -> Targets:
    """Accounts and ids for the pages, from the database. Falls back to the demo accounts (and
    the biggest coming workshop) when there are no enrolments to choose by; without attendance
    records there is no ``{session}`` and the attendance pages are skipped."""
    from sqlalchemy import create_engine, inspect, text

    today = datetime.now(KOSOVO).date()
    targets = Targets(
        accounts={"admin": ADMIN_EMAIL, "manager": MANAGER_EMAIL, "trainer": TRAINER_EMAIL,
                  "trainee": TRAINEE_EMAIL},
        values={"year": str(today.year), "month": str(today.month), "last_year": str(today.year - 1)},
    )
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            params = {"today": today.isoformat(), "yes": True}
            big = None
            if "enrolment" in inspect(conn).get_table_names():
                big = conn.execute(text(BIG_WORKSHOP), params).first()
                busy = conn.execute(text(BUSY_TRAINEE), params).first()
                if busy:
                    targets.accounts["trainee"] = busy.email
                    targets.facts["trainee enrolments"] = busy.n
            if big:
                workshop = big.workshop_id
                targets.facts["workshop enrolments"] = big.n
            else:
                workshop = conn.execute(text(BIGGEST_COMING), params).scalar()
            if workshop is not None:
                targets.values["workshop"] = str(workshop)
                trainer = conn.execute(text(ITS_TRAINER), params | {"workshop": workshop}).scalar()
                if trainer:
                    targets.accounts["trainer"] = trainer
            session = None
            if "attendance" in inspect(conn).get_table_names():
                session = conn.execute(text(BUSIEST_SESSION)).first()
            if session:
                targets.values["session"] = str(session.session_id)
                targets.values["session_workshop"] = str(session.workshop_id)
                targets.facts["session attendance records"] = session.n
                trainer = conn.execute(text(ITS_TRAINER), params | {"workshop": session.workshop_id}).scalar()
                if trainer:  # else the page is reported as skipped (no account)
                    targets.accounts["session_trainer"] = trainer
    finally:
        engine.dispose()
    return targets


def redacted(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


# --- the server -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str, port: int, workers: int, log_path: Path) -> subprocess.Popen:
    env = base_env(database_url) | {
        "LGA_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "LGA_SECURE_COOKIES": "0",      # plain http on the loopback: cookies must still be sent
        "LGA_RATELIMIT_ENABLED": "0",   # the bench is one client hammering the login-free pages
    }
    cmd = [sys.executable, "-m", "gunicorn", "wsgi:app", "-w", str(workers), "-b", f"{HOST}:{port}",
           "--timeout", "60", "--log-level", "warning"]
    log = open(log_path, "ab")
    try:
        # Its own process group: stopping it stops its workers too, and nothing else.
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    finally:
        log.close()


def stop_gunicorn(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def wait_for_health(base: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + HEALTH_WAIT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{tail(log_path)}")
        try:
            response = httpx.get(base + "/health", timeout=2)
            if response.status_code == 200 and response.json().get("database") == "ok":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"/health did not answer within {HEALTH_WAIT_SECONDS} s:\n{tail(log_path)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- the load ---------------------------------------------------------------------------------

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
MODULE_LINK = re.compile(r'href="/modules/([a-z0-9][a-z0-9-]*)"')


async def log_in(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    match = CSRF_META.search(page.text)
    if page.status_code != 200 or not match:
        raise RuntimeError(f"/login gave {page.status_code} without a CSRF token")
    response = await client.post("/login", data={
        "csrf_token": match.group(1), "email": email, "password": DEMO_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"logging in as {email} failed (HTTP {response.status_code}); "
                           "was the demo data loaded?")
    check = await client.get("/account")
    if check.status_code != 200:
        raise RuntimeError(f"/account gave {check.status_code} after logging in as {email}")


async def find_module_code(client: httpx.AsyncClient) -> str:
    response = await client.get("/modules")
    match = MODULE_LINK.search(response.text)
    if not match:
        raise RuntimeError("no module link on /modules; were the modules loaded?")
    return match.group(1)


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


async def hammer(client: httpx.AsyncClient, result: PageResult, duration: float, concurrency: int) -> None:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    issued = 0
    deadline = time.perf_counter() + duration

    async def one_client() -> None:
        nonlocal issued
        while time.perf_counter() < deadline and issued < MAX_REQUESTS_PER_PAGE:
            issued += 1
            started = time.perf_counter()
            try:
                response = await client.get(result.path)
                await response.aread()
                statuses[str(response.status_code)] += 1
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - started)
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1

    # Warm up every worker (templates compiled, connections opened) before measuring.
    await asyncio.gather(*(client.get(result.path) for _ in range(concurrency)))
    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    result.requests = sum(statuses.values())
    result.errors = result.requests - statuses.get("200", 0)
    result.seconds = round(elapsed, 2)
    result.rps = round(len(latencies) / elapsed, 1) if elapsed else 0.0
    result.p50_ms = round(percentile(latencies, 0.50) * 1000, 1)
    result.p95_ms = round(percentile(latencies, 0.95) * 1000, 1)
    result.p99_ms = round(percentile(latencies, 0.99) * 1000, 1)
    result.max_ms = round((latencies[-1] if latencies else 0.0) * 1000, 1)
    result.statuses = dict(statuses)


async def run_load(base: str, duration: float, concurrency: int, targets: Targets) -> list[PageResult]:
    assert httpx.URL(base).host == HOST
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(30.0)
    clients: dict[str | None, httpx.AsyncClient] = {}
    login_errors: dict[str, str] = {}

    def new_client() -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout)

    async def client_for(account: str | None) -> httpx.AsyncClient | None:
        """One client (one session cookie) per account, logged in on first use."""
        if account in clients:
            return clients[account]
        if account in login_errors:
            return None
        client = new_client()
        if account is not None:
            try:
                await log_in(client, targets.accounts[account])
            except (RuntimeError, httpx.HTTPError) as exc:
                await client.aclose()
                login_errors[account] = str(exc)
                return None
        clients[account] = client
        return client

    try:
        anonymous = await client_for(None)
        values = dict(targets.values, module=await find_module_code(anonymous))
        results = []
        for label, template, account in PAGES:
            email = targets.accounts.get(account) if account else None
            note = None
            try:
                path = template.format(**values)
            except KeyError as exc:
                path, note = template, f"skipped: no value for {exc} in the data"
            else:
                if account is not None and email is None:
                    note = f"skipped: no {account} account in the data"
            result = PageResult(page=label, path=path, logged_in=account is not None, account=email, note=note)
            print(f"  {label:<26} ", end="", flush=True)
            client = None if result.note else await client_for(account)
            if result.note is None and client is None:
                result.note = f"skipped: {login_errors[account]}"
            if result.note is None:
                # A page that is not there yet (404), redirects or fails is reported, not hammered.
                probe = await client.get(path)
                if probe.status_code != 200:
                    result.statuses = {str(probe.status_code): 1}
                    result.requests = result.errors = 1
                    result.note = f"HTTP {probe.status_code} on the first request: not loaded"
            if result.note:
                print(result.note, flush=True)
            else:
                print(f"{duration:g} s …", end="", flush=True)
                await hammer(client, result, duration, concurrency)
                print(f" {result.requests} requests, {result.rps} req/s", flush=True)
            results.append(result)
    finally:
        for client in clients.values():
            await client.aclose()
    health = next((r.rps for r in results if r.path == "/health"), 0.0)
    for result in results:
        result.ratio_to_health = round(result.rps / health, 3) if health and not result.note else None
    return results


# --- output -----------------------------------------------------------------------------------

def status_summary(result: PageResult) -> str:
    """"ok" when every request got 200; else the statuses, e.g. "404 x1" or "200 x950, 500 x3"."""
    if result.statuses and set(result.statuses) == {"200"}:
        return "ok"
    if not result.statuses:
        return result.note or "-"
    return ", ".join(f"{code} x{n}" for code, n in sorted(result.statuses.items()))


def table(results: list[PageResult]) -> str:
    header = (f"{'page':<26} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'vs /health':>10}  status")
    lines = [header, "-" * len(header)]
    for r in results:
        ratio = f"{r.ratio_to_health:.3f}" if r.ratio_to_health is not None else "-"
        lines.append(f"{r.page:<26} {r.requests:>9} {r.errors:>7} {r.rps:>8.1f} {r.p50_ms:>8.1f} "
                     f"{r.p95_ms:>8.1f} {ratio:>10}  {status_summary(r)}")
    return "\n".join(lines)


def attendance_import(database_url: str, targets: Targets, stamp: str) -> dict | None:
    """Time ``flask lga import-attendance`` of a 1,000-row Zoom report for ``{session}``."""
    session = targets.values.get("session")
    if session is None:
        print("Attendance import: skipped (no attendance records in the data)")
        return None
    path = RESULTS / f"zoom-report-{stamp}.csv"
    made = build_report(database_url, int(session), path)
    print(f"Attendance import: session {session}, {path.relative_to(ROOT)} ({made.rows:,} rows: "
          f"{made.people} of the place holders, {made.by_name} of them by name only; "
          f"{made.fillers} rows matching nobody; a {made.session_minutes}-minute session)")
    env = base_env(database_url) | {"LGA_ENV": "development"}
    runs = time_imports(database_url, int(session), targets.accounts.get("session_trainer"), path, env, ROOT)
    for run in runs:
        detail = " ".join(x for x in (run.summary, run.written) if x) or (
            "" if run.returncode == 0 else " | ".join(run.output_tail))
        failed = f"  (exit {run.returncode})" if run.returncode else ""
        print(f"  {run.label:<18} {run.seconds:>6.2f} s  {detail}{failed}")
    return {"session": int(session), "report": str(path.relative_to(ROOT)), "rows": made.rows,
            "place_holders_in_report": made.people, "by_name_only": made.by_name, "filler_rows": made.fillers,
            "session_minutes": made.session_minutes, "runs": [asdict(r) for r in runs]}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 10)),
                        help="seconds of load per page (default 10, or BENCH_DURATION)")
    parser.add_argument("--concurrency", type=int, default=int(os.environ.get("BENCH_CONCURRENCY", 8)),
                        help="concurrent clients (default 8, or BENCH_CONCURRENCY)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="database to use (default: BENCH_DATABASE_URL, else SQLite in bench/results/)")
    parser.add_argument("--skip-generate", action="store_true",
                        help="use the database as it is: no migration, no data generation")
    parser.add_argument("--skip-import", action="store_true",
                        help="do not time flask lga import-attendance (it writes to the database)")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 300:
        parser.error("--duration must be between 0 and 300 seconds")
    if not 1 <= args.concurrency <= 64:
        parser.error("--concurrency must be between 1 and 64")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    database_url = normalise_database_url(args.database_url or f"sqlite:///{RESULTS / 'bench.sqlite'}")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    log_path = RESULTS / f"gunicorn-{stamp}.log"
    # A SIGTERM (CI's stop, `kill`) unwinds through the finally below just as Ctrl+C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    print(f"Database: {redacted(database_url)}")
    generate_seconds = None
    if not args.skip_generate:
        generate_seconds = round(prepare_database(database_url), 1)
        print(f"Database prepared in {generate_seconds} s")
    counts = data_counts(database_url)
    print("Data: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()))
    targets = find_targets(database_url)
    print("Pages use: " + ", ".join(f"{k} {v}" for k, v in {**targets.accounts, **targets.values}.items())
          + "".join(f", {k} {v:,}" for k, v in targets.facts.items()))

    imported = None if args.skip_import else attendance_import(database_url, targets, stamp)

    port = free_port()
    base = f"http://{HOST}:{port}"
    proc = None
    try:
        proc = start_gunicorn(database_url, port, args.workers, log_path)
        wait_for_health(base, proc, log_path)
        print(f"gunicorn ({args.workers} workers) on {base}; {args.concurrency} clients, "
              f"{args.duration:g} s per page")
        results = asyncio.run(run_load(base, args.duration, args.concurrency, targets))
    except KeyboardInterrupt:
        print("\nInterrupted: no results written.", file=sys.stderr)
        return 130
    finally:
        stop_gunicorn(proc)
        if log_path.exists() and not log_path.stat().st_size:
            log_path.unlink()

    print()
    print(table(results))
    if imported:
        print("\nflask lga import-attendance, 1,000-row Zoom report (wall seconds, app start included):")
        for run in imported["runs"]:
            print(f"  {run['label']:<18} {run['seconds']:>6.2f} s  {run['written'] or run['summary']}")
    report = {
        "timestamp": stamp,
        "database": redacted(database_url),
        "dialect": database_url.split(":", 1)[0].split("+", 1)[0],
        "data": counts,
        "targets": asdict(targets),
        "generate_seconds": generate_seconds,
        "attendance_import": imported,
        "duration_s": args.duration,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "pages": [asdict(r) for r in results],
    }
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten to {out.relative_to(ROOT)}")
    errors = sum(r.errors for r in results)
    if errors:
        print(f"Warning: {errors} request(s) failed; see the statuses in the JSON and {log_path.name}.")
    not_loaded = [r.page for r in results if r.note]
    if not_loaded:
        print(f"Not loaded ({len(not_loaded)}): " + "; ".join(
            f"{r.page}: {r.note}" for r in results if r.note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
