"""Cohort under load: concurrent writes that must not clash, and page throughput against a
bare Flask endpoint, on SQLite and PostgreSQL, through gunicorn as production runs it.

    make bench                                   # both databases
    python benchmarks/load.py --database sqlite  # or postgresql
    python benchmarks/load.py --writes 800 --seconds 20

For each database: migrate and seed the demo data into a new database (a temporary SQLite
file, or a PostgreSQL database cohort_load_<pid> on 127.0.0.1:5432 that is dropped at the
end), start gunicorn with deploy/gunicorn.conf.py and 4 workers in production mode (rate
limits in Redis when it answers), then:

1. Writes: 8 clients, each signed in as a real user, together make --writes saves (default
   400) of the kinds that race in real use: two facilitators saving the same registers and
   the same assessment grid, participants saving their self-assessment, the programme
   manager editing the cohort and saving registers. Each save is what a browser does: open
   the page, change a few fields of its form, post it back, follow the redirect. A page
   read (the person's dashboard) comes between saves.
2. Checks, from the database afterwards: responses of 500 or more; "database is locked"
   anywhere (responses and the server's log); audit-chain breaks (for each record, an
   event's "before" differs from the value the previous event left); lost updates (a
   record whose current value is not what its last audit event says it became).
   Refusals of stale saves (someone else saved first) are counted; they are the service
   doing its job.
3. Throughput: 8 client processes request one page as fast as they can for --seconds
   (participant dashboard, My progress, the sign-in page), then the bare endpoint of
   benchmarks/bare_app.py under the same gunicorn settings; requests per second and the
   share of the bare figure. Goal: the participant dashboard at 30 % or more.

Exit status 1 when any 5xx, lock error, chain break or lost update was seen.
"""

from __future__ import annotations

import argparse
import html.parser
import http.client
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
CLIENTS = 8
WORKERS = 4
PG = "postgresql://postgres@127.0.0.1:5432"


# A browser, as little of one as the benchmark needs ----------------------------------------


class FormParser(html.parser.HTMLParser):
    """The fields of every POST form on a page: name → value as the browser would send it,
    plus the choices offered for radios and selects."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._multiple = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action"), "values": {}, "choices": {}, "text": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                self._form["choices"].setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a and kind == "checkbox":  # every ticked box of the group
                    self._form["values"].setdefault(name, []).append(a.get("value", "on"))
                elif "checked" in a:
                    self._form["values"][name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                values = self._form["values"]
                if name in values:  # several boxes of one field (a date's day, month and year)
                    previous = values[name] if isinstance(values[name], list) else [values[name]]
                    values[name] = [*previous, a.get("value", "")]
                else:
                    values[name] = a.get("value", "")
                if kind == "text":
                    self._form["text"].append(name)
        elif tag == "select" and name:
            self._select = name
            self._multiple = "multiple" in a
            self._form["choices"][name] = []
            self._form["values"].setdefault(name, [] if self._multiple else "")
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._form["choices"][self._select].append(value)
            if "selected" in a and self._multiple:
                self._form["values"][self._select].append(value)
            elif "selected" in a:
                self._form["values"][self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["values"][name] = ""

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["values"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def post_forms(page: str) -> list[dict]:
    parser = FormParser()
    parser.feed(page)
    return parser.forms


class Browser:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.statuses: Counter = Counter()
        self.locked = 0

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        connection.close()
        self.statuses[response.status] += 1
        if "database is locked" in text:
            self.locked += 1
        return response.status, response.getheader("Location") or "", text

    def get(self, path: str) -> tuple[int, str]:
        status, location, text = self.request("GET", path)
        return status, text if status != 302 else location

    def sign_in(self, email: str, password: str) -> None:
        _, page = self.get("/sign-in")
        token = post_forms(page)[0]["values"]["csrf_token"]
        status, _, _ = self.request(
            "POST", "/sign-in", {"csrf_token": token, "email": email, "password": password}
        )
        if status != 302:
            raise RuntimeError(f"could not sign in as {email} ({status})")

    def save(self, path: str, change) -> str:
        """Open the page, change its main form with `change(form)`, post it; 'saved', 'refused'
        (a 4xx the service chose, such as a stale save) or 'error'."""
        status, page = self.get(path)
        if status != 200:
            if os.environ.get("LOAD_DEBUG"):
                print(f"{status} on GET {path}")
            return "unavailable"
        forms = [f for f in post_forms(page) if len(f["values"]) > 1]
        if not forms:
            return "unavailable"
        form = max(forms, key=lambda f: len(f["values"]))
        values = dict(form["values"])
        change(form, values)
        status, location, answer = self.request("POST", form["action"] or path, values)
        if status == 400 and os.environ.get("LOAD_DEBUG"):
            found = re.findall(r"govuk-error-summary__list.*?<a[^>]*>([^<]+)</a>", answer, re.S)
            print(f"400 on {path}: {found[:2]}")
        if status in (302, 303):
            self.get(location)
            return "saved"
        return "error" if status >= 500 else "refused"


# The service, started as production starts it ---------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def service_env(database_url: str, workdir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        FLASK_APP="cohort",
        COHORT_ENV="production",
        COHORT_ALLOW_SQLITE="1",
        SECRET_KEY="load-benchmark-" + "x" * 40,
        DATABASE_URL=database_url,
        REPORTS_FOLDER=str(workdir / "reports"),
        IMPORT_UPLOAD_FOLDER=str(workdir / "imports"),
        LOG_LEVEL="WARNING",
        SERVICE_URL="http://127.0.0.1",  # production needs it for links in e-mails
        # Many simulated browsers sign in as the same demo staff at once; a code from an
        # authenticator app is usable once per 30 seconds per person, so the throughput
        # measured here is of pages, with no second factor asked (docs/sign-in.md).
        SECOND_FACTOR_ROLES="",
    )
    if redis_answers():
        # Redis database 13 is the benchmark's own: emptied so that counts of an earlier run
        # (sign-ins from 127.0.0.1 within the minute) do not refuse this run's sign-ins.
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as s:
            s.sendall(b"SELECT 13\r\nFLUSHDB\r\n")
            s.recv(64)
        env["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/13"
    else:
        env["RATELIMIT_STORAGE_URI"] = "memory://"
    return env


def start_gunicorn(app: str, env: dict, log: Path, chdir: Path = ROOT) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "deploy/gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--chdir",
            str(chdir),
            app,
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(
        "gunicorn did not start:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
    )


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


# What to save ------------------------------------------------------------------------------


def world(database_url: str) -> dict:
    """Who signs in and which pages they save, read from the seeded database."""
    os.environ.update(COHORT_ENV="development", DATABASE_URL=database_url)
    from sqlalchemy import select

    from cohort import create_app
    from cohort.demo import DEMO_PASSWORD, demo_logins
    from cohort.extensions import db
    from cohort.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus, Session
    from cohort.models.base import utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        cohort = db.session.scalars(select(Cohort).where(Cohort.status == CohortStatus.RUNNING)).first()
        sessions = db.session.scalars(
            select(Session.id).where(
                Session.cohort_id == cohort.id, Session.ends_at < utcnow(), Session.cancelled_at.is_(None)
            )
        ).all()
        participants = db.session.scalars(
            select(Enrolment).where(
                Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE
            )
        ).all()
        staff = {login.role.value: login.email for login in demo_logins()}
        facilitators = [f.email for f in cohort.facilitators]
        result = {
            "slug": cohort.slug,
            "sessions": list(sessions[-3:]),  # the latest registers, where facilitators meet
            "facilitators": facilitators,
            "admin": staff["admin"],
            "participants": [e.user.email for e in participants][:8],
            "password": DEMO_PASSWORD,
        }
        db.engine.dispose()
    return result


def change_some(names: list[str], choices: dict, values: dict, rng: random.Random, how_many: int = 3) -> None:
    for name in rng.sample(names, min(how_many, len(names))):
        options = [c for c in choices.get(name, []) if c != ""]
        if options:
            values[name] = rng.choice(options)


def client_writes(number: int, port: int, w: dict, writes: int, results: list) -> None:
    rng = random.Random(number)
    browser = Browser(port)
    outcomes: Counter = Counter()
    if number < 4:
        email = w["facilitators"][number % len(w["facilitators"])]
    elif number < 7:
        email = w["participants"][number - 4]
    else:
        email = w["admin"]
    try:
        browser.sign_in(email, w["password"])
    except RuntimeError as error:
        print(f"  client {number}: {error}")
        results.append((Counter(error=writes), browser.statuses, browser.locked))
        return

    def register(form, values):
        marks = [n for n in form["choices"] if n.startswith("mark-")]
        change_some(marks, form["choices"], values, rng)

    def grid(form, values):
        cells = [n for n in form["choices"] if n not in ("csrf_token",)]
        change_some(cells, form["choices"], values, rng)

    def cohort_details(form, values):
        text = [n for n in ("description", "location", "name") if n in values]
        if text:
            values[text[0]] = values[text[0]].split(" (edit ")[0] + f" (edit {number}-{rng.randint(0, 999)})"

    for i in range(writes):
        if number < 4:
            if i % 2 == 0:
                path = f"/cohorts/{w['slug']}/sessions/{rng.choice(w['sessions'])}/register"
                outcome = browser.save(path, register)
            else:
                outcome = browser.save(f"/cohorts/{w['slug']}/assessments/midpoint", grid)
        elif number < 7:
            outcome = browser.save("/my-progress/self-assessment/midpoint", grid)
        elif i % 2 == 0:
            outcome = browser.save(f"/cohorts/{w['slug']}/edit", cohort_details)
        else:
            path = f"/cohorts/{w['slug']}/sessions/{rng.choice(w['sessions'])}/register"
            outcome = browser.save(path, register)
        outcomes[outcome] += 1
        browser.get("/dashboard")
    results.append((outcomes, browser.statuses, browser.locked))


def audit_check(database_url: str) -> dict:
    """Chain breaks and lost updates, read from the audit trail and the records it describes."""
    from sqlalchemy import select

    from cohort import create_app
    from cohort.extensions import db
    from cohort.models import Assessment, AttendanceMark, AuditEvent, Cohort

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    checked = {"events": 0, "chain_breaks": 0, "lost_updates": 0, "records": 0}
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        state: dict[tuple, dict] = {}
        for event in events:
            key = (event.entity_type, event.entity_id)
            known = state.setdefault(key, {})
            for field, value in (event.before or {}).items():
                if field in known and known[field] != value:
                    checked["chain_breaks"] += 1
            known.update(event.after or {})
            checked["events"] += 1
        models = {"AttendanceMark": AttendanceMark, "Assessment": Assessment, "Cohort": Cohort}
        for (entity_type, entity_id), known in state.items():
            model = models.get(entity_type)
            if model is None or entity_id is None:
                continue
            row = db.session.get(model, entity_id)
            if row is None:
                continue
            checked["records"] += 1
            for field, value in known.items():
                current = getattr(row, field, None)
                current = getattr(current, "value", current)
                if hasattr(current, "isoformat"):
                    current = current.isoformat()
                if field in ("mark", "note", "level", "description", "name", "location") and current != value:
                    checked["lost_updates"] += 1
        db.engine.dispose()
    return checked


# Throughput --------------------------------------------------------------------------------


def hammer(args) -> tuple[int, Counter]:
    port, path, email, password, seconds = args
    browser = Browser(port)
    if email:
        browser.sign_in(email, password)
    browser.statuses.clear()
    done = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        browser.request("GET", path)
        done += 1
    return done, browser.statuses


def throughput(
    port: int, path: str, emails: list[str | None], password: str, seconds: float
) -> tuple[float, Counter]:
    with multiprocessing.get_context("fork").Pool(CLIENTS) as pool:
        results = pool.map(
            hammer, [(port, path, emails[i % len(emails)], password, seconds) for i in range(CLIENTS)]
        )
    statuses: Counter = Counter()
    for _, s in results:
        statuses.update(s)
    return sum(done for done, _ in results) / seconds, statuses


# One database ------------------------------------------------------------------------------


def run(kind: str, writes: int, seconds: float) -> bool:
    workdir = Path(tempfile.mkdtemp(prefix=f"cohort-load-{kind}-"))
    (workdir / "reports").mkdir()
    (workdir / "imports").mkdir()
    dbname = f"cohort_load_{os.getpid()}"
    if kind == "sqlite":
        database_url = f"sqlite:///{workdir / 'cohort.db'}"
    else:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'CREATE DATABASE "{dbname}"'], check=True
        )
        database_url = f"{PG}/{dbname}"
    env = service_env(database_url, workdir)
    ok = True
    try:
        setup_env = {**env, "COHORT_ENV": "development"}
        subprocess.run([str(BIN / "flask"), "db", "upgrade"], env=setup_env, check=True, capture_output=True)
        subprocess.run([str(BIN / "flask"), "seed-demo"], env=setup_env, check=True, capture_output=True)
        w = world(database_url)
        log = workdir / "gunicorn.log"
        server, port = start_gunicorn("cohort.wsgi:app", env, log)
        try:
            results: list = []
            per_client = writes // CLIENTS
            started = time.monotonic()
            threads = [
                threading.Thread(target=client_writes, args=(n, port, w, per_client, results))
                for n in range(CLIENTS)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            write_seconds = time.monotonic() - started
            outcomes: Counter = Counter()
            statuses: Counter = Counter()
            locked = 0
            for o, s, lock_count in results:
                outcomes.update(o)
                statuses.update(s)
                locked += lock_count
            locked += log.read_text(errors="replace").count("database is locked")
            audit = audit_check(database_url)
            five_xx = sum(n for code, n in statuses.items() if code >= 500)
            print(f"\n{kind}: {per_client * CLIENTS} writes by {CLIENTS} clients in {write_seconds:.1f} s")
            print(f"  saves: {dict(outcomes)}; responses: {dict(sorted(statuses.items()))}")
            print(
                f"  5xx: {five_xx}   database is locked: {locked}   audit events: {audit['events']}   "
                f"chain breaks: {audit['chain_breaks']}   lost updates: {audit['lost_updates']} "
                f"(of {audit['records']} records)"
            )
            ok = five_xx == 0 and locked == 0 and audit["chain_breaks"] == 0 and audit["lost_updates"] == 0
            pages = [
                ("participant dashboard", "/dashboard", w["participants"]),
                ("My progress", "/my-progress", w["participants"]),
                ("sign-in page", "/sign-in", [None]),
            ]
            figures = []
            for label, path, emails in pages:
                rate, page_statuses = throughput(port, path, emails, w["password"], seconds)
                bad = sum(n for code, n in page_statuses.items() if code >= 400)
                figures.append((label, rate, bad))
                ok = ok and bad == 0
        finally:
            stop(server)
        bare_log = workdir / "bare.log"
        bare, bare_port = start_gunicorn("bare_app:app", env, bare_log, chdir=ROOT / "benchmarks")
        try:
            bare_rate, _ = throughput(bare_port, "/", [None], "", seconds)
        finally:
            stop(bare)
        print(f"  bare Flask endpoint, same gunicorn settings: {bare_rate:.0f} requests/s")
        for label, rate, bad in figures:
            goal = "  (goal ≥ 30 %)" if label == "participant dashboard" else ""
            print(
                f"  {label:<22} {rate:7.0f} requests/s = {rate / bare_rate:6.1%} of bare{goal}"
                + (f"  {bad} failed" if bad else "")
            )
    finally:
        if kind == "postgresql":
            subprocess.run(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-qc",
                    f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)',
                ],
                check=False,
            )
        shutil.rmtree(workdir, ignore_errors=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if "postgresql" in kinds and shutil.which("psql") is None:
        print("PostgreSQL tools not found: skipping PostgreSQL")
        kinds.remove("postgresql")
    print(
        f"Load: gunicorn, {WORKERS} sync workers, {CLIENTS} clients, {args.writes} writes, {args.seconds:.0f} s per page"
    )
    results = [run(kind, args.writes, args.seconds) for kind in kinds]
    if not all(results):
        print("\nFAILED: errors, lock errors, chain breaks or lost updates (see above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
