"""200 trainees take a pre-test and submit at the same moment, against gunicorn (``make bench-quiz``).

1. A fresh database (SQLite under bench/results/ by default, or a fresh database on the
   PostgreSQL server of ``--database-url``): migrations, the modules from modules/ (with their
   question banks and tests), one workshop of a module starting tomorrow and ``--trainees``
   participants (password ``demo-password``).
2. gunicorn in production mode on a free port of 127.0.0.1.
3. Every trainee logs in with their own client, opens the pre-test, starts an attempt and
   answers every question page by page as a phone would (page, answer, autosave).
4. All of them submit at once (an asyncio barrier) and the run measures the submissions.
5. Checks in the database: as many finished, graded attempts and grades as trainees; prints
   errors, latencies and throughput, writes bench/results/quiz-<timestamp>.json.

Figures, not pass/fail, except that any error or missing grade makes the exit status 1.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # noqa: E402  (the load bench's server and login helpers)
    HOST, RESULTS, ROOT, base_env, flask, free_port, log_in, percentile, redacted, start_gunicorn, stop_gunicorn,
    wait_for_health,
)

MODULE = "financing-social-services"
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
FIELD = re.compile(r'name="(q\d+-(?:choice|choices|value|text|pair-\d+))"(?: value="([^"]*)")?')
OPTION = re.compile(r'<option value="(\d+)"')


def fresh_database(url: str | None, stamp: str) -> tuple[str, callable]:
    """A new, empty database and how to drop it afterwards."""
    if not url:
        path = RESULTS / f"quiz-{stamp}.sqlite"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(url)
    name = f"bench_quiz_{stamp.lower()}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


SETUP = """
import secrets
import sys
from datetime import date, datetime, time, timedelta, timezone
from lga import create_app
from lga.accounts.models import InstitutionType, Municipality, User, UserRole
from lga.accounts.passwords import hash_password
from lga.catalogue.models import Module, Workshop, WorkshopSession
from lga.enrolment.models import Enrolment
from lga.extensions import db
from sqlalchemy import insert, select

n = int(sys.argv[1])
app = create_app()
with app.app_context():
    module = db.session.scalar(select(Module).where(Module.code == "%(module)s"))
    municipality = db.session.scalar(select(Municipality).limit(1))
    institution = db.session.scalar(select(InstitutionType).limit(1))
    start = date.today() + timedelta(days=1)
    workshop = Workshop(module_id=module.id, programme_id=module.programme_id, title="Bench: pre-test for everyone",
                        mode="virtual", start_date=start, end_date=start, capacity=n, status="published",
                        municipality_id=municipality.id)
    workshop.sessions = [WorkshopSession(title="Session 1", format="lecture",
                                         starts_at=datetime.combine(start, time(8), tzinfo=timezone.utc),
                                         ends_at=datetime.combine(start, time(12), tzinfo=timezone.utc))]
    db.session.add(workshop)
    db.session.flush()
    digest = hash_password("demo-password")
    for i in range(n):
        user = User(email=f"quiz-bench-{i}@bench.example", given_name="Bench", family_name=f"Trainee {i}",
                    password_hash=digest, municipality_id=municipality.id, institution_type_id=institution.id,
                    locale="sq", active=True, session_nonce=secrets.token_hex(16))
        db.session.add(user)
        db.session.flush()
        db.session.add(UserRole(user_id=user.id, role="trainee"))
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=user.id, status="enrolled"))
    db.session.commit()
    print(workshop.id)
"""

CHECK = """
import sys, json
from lga import create_app
from lga.extensions import db
from lga.quizzes.models import Attempt, QuizGrade
from sqlalchemy import func, select
app = create_app()
with app.app_context():
    w = int(sys.argv[1])
    finished = db.session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.workshop_id == w, Attempt.state == "finished", Attempt.percent.is_not(None)))
    open_ = db.session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.workshop_id == w, Attempt.state == "in_progress"))
    grades = db.session.scalar(select(func.count()).select_from(QuizGrade).where(QuizGrade.workshop_id == w))
    mean = db.session.scalar(select(func.avg(QuizGrade.percent)).where(QuizGrade.workshop_id == w))
    print(json.dumps({"finished": finished, "in_progress": open_, "grades": grades, "mean_percent": mean}))
"""


def python(code: str, args: list[str], env: dict) -> str:
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"setting up failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


class Trainee:
    def __init__(self, number: int, client: httpx.AsyncClient):
        self.number, self.client = number, client
        self.attempt: int | None = None
        self.token: str | None = None
        self.errors: list[str] = []

    def fail(self, what: str, response: httpx.Response) -> None:
        self.errors.append(f"{what}: HTTP {response.status_code}")


async def take(trainee: Trainee, workshop: int, quiz: int, rng: random.Random) -> None:
    """Log in, start, answer every page (autosave), and stop before submitting."""
    c = trainee.client
    await log_in(c, f"quiz-bench-{trainee.number}@bench.example")
    page = await c.get(f"/workshops/{workshop}/quizzes/{quiz}")
    trainee.token = CSRF_META.search(page.text).group(1)
    started = await c.post(f"/workshops/{workshop}/quizzes/{quiz}/start", data={"csrf_token": trainee.token})
    match = re.search(r"/attempts/(\d+)", started.headers.get("location", ""))
    if started.status_code != 302 or not match:
        trainee.fail("start", started)
        return
    trainee.attempt = int(match.group(1))
    number = 0
    while True:
        response = await c.get(f"/attempts/{trainee.attempt}", params={"page": number})
        if response.status_code != 200:
            trainee.fail(f"page {number}", response)
            return
        html = response.text
        data = {"csrf_token": trainee.token}
        fields = FIELD.findall(html)
        names = sorted({name for name, _v in fields})
        for name in names:
            values = [v for n, v in fields if n == name and v]
            if name.endswith(("-text",)):
                data[name] = rng.choice(["AKK", "MPMS", "COVID-19", "komuna"])
            elif name.endswith("-value") and not values:
                data[name] = rng.choice(["2021", "2020", "2"])
            elif "-pair-" in name:
                data[name] = rng.choice(OPTION.findall(html))
            elif values:
                data[name] = rng.choice(values)
        shown = re.search(r'name="shown" value="(\d+)"', html)
        if shown:
            data["shown"] = shown.group(1)
        saved = await c.post(f"/attempts/{trainee.attempt}/save", data=data)
        if saved.status_code != 200:
            trainee.fail(f"save {number}", saved)
            return
        if f'value="{number + 1}"' not in html.split('class="attempt-nav"')[1].split("</div>")[0]:
            break
        number += 1


async def submit(trainee: Trainee, barrier: asyncio.Event, timings: list[float]) -> None:
    await barrier.wait()
    started = time.perf_counter()
    response = await trainee.client.post(f"/attempts/{trainee.attempt}/summary", data={"csrf_token": trainee.token})
    timings.append(time.perf_counter() - started)
    if response.status_code != 302 or not response.headers.get("location", "").endswith("/review"):
        trainee.fail("submit", response)


async def run_load(base: str, trainees: int, workshop: int, quiz: int, concurrency: int) -> dict:
    limits = httpx.Limits(max_connections=trainees + 10, max_keepalive_connections=trainees + 10)
    clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(120.0)) for _ in range(trainees)]
    people = [Trainee(i, client) for i, client in enumerate(clients)]
    rng = random.Random(7)
    gate = asyncio.Semaphore(concurrency)

    async def prepared(trainee):
        async with gate:
            try:
                await take(trainee, workshop, quiz, random.Random(rng.random()))
            except httpx.HTTPError as exc:
                trainee.errors.append(f"taking: {exc!r}")

    try:
        # The baseline of this run: /health from as many clients as will submit, all at once.
        started = time.perf_counter()
        checks = await asyncio.gather(*(c.get("/health") for c in clients), return_exceptions=True)
        health_rps = len(clients) / (time.perf_counter() - started)
        health_errors = sum(1 for r in checks if isinstance(r, Exception) or r.status_code != 200)
        started = time.perf_counter()
        await asyncio.gather(*(prepared(t) for t in people))
        taking = time.perf_counter() - started
        ready = [t for t in people if t.attempt and not t.errors]
        barrier, timings = asyncio.Event(), []
        tasks = [asyncio.create_task(submit(t, barrier, timings)) for t in ready]
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        barrier.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        wall = time.perf_counter() - started
        for trainee, result in zip(ready, results):
            if isinstance(result, Exception):
                trainee.errors.append(f"submit: {result!r}")
    finally:
        for client in clients:
            await client.aclose()
    timings.sort()
    errors = [f"trainee {t.number}: {e}" for t in people for e in t.errors]
    return {"trainees": trainees, "ready_to_submit": len(ready), "errors": len(errors), "error_samples": errors[:10],
            "taking_seconds": round(taking, 2), "submit_wall_seconds": round(wall, 2),
            "submissions_per_second": round(len(timings) / wall, 1) if wall else None,
            "health_per_second_same_burst": round(health_rps, 1), "health_errors": health_errors,
            "submit_throughput_vs_health": round(len(timings) / wall / health_rps, 3) if wall else None,
            "submit_p50_ms": round(1000 * percentile(timings, 0.5), 1) if timings else None,
            "submit_p95_ms": round(1000 * percentile(timings, 0.95), 1) if timings else None,
            "submit_max_ms": round(1000 * timings[-1], 1) if timings else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None,
                        help="A PostgreSQL server URL (a fresh database is made on it); default: fresh SQLite.")
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=50, help="Trainees answering at the same time.")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    url, drop = fresh_database(args.database_url, stamp)
    env = base_env(url) | {"LGA_ENV": "development"}
    proc = None
    log_path = RESULTS / f"gunicorn-quiz-{stamp}.log"
    try:
        flask(["db", "upgrade"], env)
        flask(["lga", "load-modules"], env)
        workshop = int(python(SETUP.replace("%(module)s", MODULE), [str(args.trainees)], env))
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            quiz = conn.execute(text("SELECT q.id FROM quiz q JOIN module m ON m.id = q.module_id "
                                     "WHERE m.code = :code AND q.kind = 'pre_test'"), {"code": MODULE}).scalar()
        engine.dispose()
        port = free_port()
        proc = start_gunicorn(url, port, args.workers, log_path)
        base = f"http://{HOST}:{port}"
        wait_for_health(base, proc, log_path)
        print(f"{args.trainees} trainees take the pre-test of {MODULE} (workshop {workshop}, quiz {quiz}) "
              f"on {redacted(url)} with {args.workers} gunicorn workers …", flush=True)
        result = asyncio.run(run_load(base, args.trainees, workshop, quiz, args.concurrency))
        result.update(json.loads(python(CHECK, [str(workshop)], env)))
    finally:
        stop_gunicorn(proc)
        if log_path.exists() and not log_path.stat().st_size:
            log_path.unlink()
    result.update({"database": "postgresql" if url.startswith("postgresql") else "sqlite", "workers": args.workers,
                   "when": stamp})
    drop()
    out = RESULTS / f"quiz-{stamp}.json"
    out.write_text(json.dumps(result, indent=2))
    for key, value in result.items():
        print(f"  {key:<30} {value}")
    ok = result["errors"] == 0 and result["finished"] == result["grades"] == args.trainees and not result["in_progress"]
    print("OK: every submission graded, no errors." if ok else "FAILED: see errors above.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
