"""Load benchmark of key pages against gunicorn on data at scale (``make bench``).

1. Prepares a database: ``flask db upgrade`` and ``flask lga demo --scale large`` (idempotent, so a
   second run reuses the data). SQLite under bench/results/ by default; any URL with
   ``--database-url`` or ``BENCH_DATABASE_URL`` (e.g. a scratch PostgreSQL database).
2. Starts ``gunicorn wsgi:app`` in production mode on a free port of 127.0.0.1.
3. Hits each page for ``--duration`` seconds with ``--concurrency`` clients (asyncio + httpx),
   anonymous or logged in as the demo administrator.
4. Prints requests, errors, req/s, p50/p95 latency and throughput relative to ``/health`` of the
   same run, and writes it all to bench/results/<timestamp>.json.
5. Stops gunicorn whatever happens.

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

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"  # the only address this script ever sends traffic to
ADMIN_EMAIL = "admin@example.org"
DEMO_PASSWORD = "demo-password"
MAX_REQUESTS_PER_PAGE = 200_000  # a bound besides time, whatever the machine's speed
HEALTH_WAIT_SECONDS = 60

sys.path.insert(0, str(ROOT))
from config import normalise_database_url  # noqa: E402

# (label, path, logged in?) — "{module}" is filled with a module code found on /modules.
PAGES: tuple[tuple[str, str, bool], ...] = (
    ("/health", "/health", False),
    ("/", "/", False),
    ("/programmes", "/programmes", False),
    ("/modules", "/modules", False),
    ("/modules/<code>", "/modules/{module}", False),
    ("/login (GET)", "/login", False),
    ("/account", "/account", True),
    ("/admin/people", "/admin/people", True),
    ("/admin/people?q=", "/admin/people?q=gashi", True),
)


@dataclass
class PageResult:
    page: str
    path: str
    logged_in: bool
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


def data_counts(database_url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                    for table in ("user_account", "workshop", "workshop_session", "module")}
    finally:
        engine.dispose()


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


async def log_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    match = CSRF_META.search(page.text)
    if page.status_code != 200 or not match:
        raise RuntimeError(f"/login gave {page.status_code} without a CSRF token")
    response = await client.post("/login", data={
        "csrf_token": match.group(1), "email": ADMIN_EMAIL, "password": DEMO_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"logging in as {ADMIN_EMAIL} failed (HTTP {response.status_code}); "
                           "was the demo data loaded?")
    check = await client.get("/account")
    if check.status_code != 200:
        raise RuntimeError(f"/account gave {check.status_code} after logging in")


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


async def run_load(base: str, duration: float, concurrency: int) -> list[PageResult]:
    assert httpx.URL(base).host == HOST
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(30.0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as anonymous, \
            httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as admin:
        module = await find_module_code(anonymous)
        await log_in(admin)
        results = []
        for label, path, logged_in in PAGES:
            result = PageResult(page=label, path=path.format(module=module), logged_in=logged_in)
            print(f"  {label:<20} {duration:g} s …", end="", flush=True)
            await hammer(admin if logged_in else anonymous, result, duration, concurrency)
            print(f" {result.requests} requests, {result.rps} req/s", flush=True)
            results.append(result)
    health = next((r.rps for r in results if r.path == "/health"), 0.0)
    for result in results:
        result.ratio_to_health = round(result.rps / health, 3) if health else None
    return results


# --- output -----------------------------------------------------------------------------------

def table(results: list[PageResult]) -> str:
    header = f"{'page':<20} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'vs /health':>10}"
    lines = [header, "-" * len(header)]
    for r in results:
        ratio = f"{r.ratio_to_health:.3f}" if r.ratio_to_health is not None else "-"
        lines.append(f"{r.page:<20} {r.requests:>9} {r.errors:>7} {r.rps:>8.1f} {r.p50_ms:>8.1f} "
                     f"{r.p95_ms:>8.1f} {ratio:>10}")
    return "\n".join(lines)


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

    port = free_port()
    base = f"http://{HOST}:{port}"
    proc = None
    try:
        proc = start_gunicorn(database_url, port, args.workers, log_path)
        wait_for_health(base, proc, log_path)
        print(f"gunicorn ({args.workers} workers) on {base}; {args.concurrency} clients, "
              f"{args.duration:g} s per page")
        results = asyncio.run(run_load(base, args.duration, args.concurrency))
    except KeyboardInterrupt:
        print("\nInterrupted: no results written.", file=sys.stderr)
        return 130
    finally:
        stop_gunicorn(proc)
        if log_path.exists() and not log_path.stat().st_size:
            log_path.unlink()

    print()
    print(table(results))
    report = {
        "timestamp": stamp,
        "database": redacted(database_url),
        "dialect": database_url.split(":", 1)[0].split("+", 1)[0],
        "data": counts,
        "generate_seconds": generate_seconds,
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
