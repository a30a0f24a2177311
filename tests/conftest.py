"""Test set-up: a fresh, empty database for every test, on SQLite or PostgreSQL.

Set TEST_DATABASE_URL to run the same suite on PostgreSQL (.ci/run does).
The schema is built once per run from the Alembic migrations (so the tests
exercise what production runs); after each test the database is made empty again:
on SQLite by copying the freshly migrated database back over it (SQLite's backup
API, a few milliseconds), on PostgreSQL by emptying every table in one round trip.

Two settings are cheaper here than in production, and no test is about them:
passwords are hashed with Argon2id at its lowest cost (production's costs
half a second a hash on a shared machine), and the forgotten-password page's
minimum answer time is 0 (the test of that floor sets its own).
"""

from __future__ import annotations

import contextvars
import copy as copy_module
import dataclasses
import os
import sqlite3
import typing
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import time_machine
from argon2 import PasswordHasher
from flask.globals import _cv_app
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import Engine, create_engine, make_url, select, text
from werkzeug.routing import Rule

# Jobs run as soon as they are queued, in the test's own process (huey's immediate mode); the
# tests of the real worker (tests/integration/test_worker.py) turn this off for their apps.
os.environ.setdefault("JOBS_IMMEDIATE", "1")

from cohort import create_app  # noqa: E402
from cohort.auth import passwords  # noqa: E402
from cohort.extensions import db  # noqa: E402
from cohort.models import Cohort, Department, Role, User  # noqa: E402
from tests import factories  # noqa: E402

# Still argon2id (tests/unit/test_passwords.py checks it), at the lowest cost argon2 allows.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _url_for_tests(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return _database_of_this_worker(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist (`make test` runs the suite on every core) each worker empties
    tables after every test, so each needs a database of its own: TEST_DATABASE_URL's name
    with the worker's suffix (cohort_ci_gw0, …), created here on the same server if missing.
    A run without xdist uses TEST_DATABASE_URL itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _commit_without_waiting_for_disk(url: str) -> None:
    """Commits on the test database return before PostgreSQL has flushed them to disk: what
    other connections see is unchanged, only a crash of the server could lose the last ones,
    and the database is thrown away anyway. Most of a PostgreSQL test's time is otherwise
    spent waiting for the disk. Set on the database, so every connection (threads' and
    commands' engines too) has it."""
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{target.database}" SET synchronous_commit = off'))
    server.dispose()


def _drop_database_of_this_worker(url: str) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER") or not url.startswith("postgresql"):
        return
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _url_for_tests(tmp_path_factory)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        if url.startswith("postgresql"):
            _commit_without_waiting_for_disk(url)
            # Start from nothing on a database an earlier run may have left behind.
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    if url.startswith("sqlite"):
        _keep_empty_copy(url)
    yield url
    _close_emptying(url)
    with app.app_context():
        downgrade(revision="base")
        db.engine.dispose()
    _drop_database_of_this_worker(url)


@pytest.fixture
def new_database_url(database_url, tmp_path):
    """A new, empty database beside the one of the run (for migrations, restores): a file in
    the test's folder on SQLite, a database of its own on the same PostgreSQL server, dropped
    afterwards."""
    if not database_url.startswith("postgresql"):
        (tmp_path / "new-database").mkdir()
        yield f"sqlite:///{tmp_path / 'new-database' / 'cohort.db'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_new_{uuid.uuid4().hex[:8]}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


# The freshly migrated SQLite database, in memory, copied back over the test database after
# each test; and on PostgreSQL the engine that empties the tables: one of each per worker.
_EMPTY_COPIES: dict[str, sqlite3.Connection] = {}
_EMPTYING_ENGINES: dict[str, Engine] = {}


def _sqlite_path(url: str) -> str:
    path = make_url(url).database
    assert path, url
    return path


def _copy_of(url: str) -> sqlite3.Connection:
    """The SQLite database, copied into memory."""
    source = sqlite3.connect(_sqlite_path(url))
    copy = sqlite3.connect(":memory:")
    try:
        source.backup(copy)
    finally:
        source.close()
    return copy


def _copy_into(copy: sqlite3.Connection, url: str) -> None:
    """Write a copy back over the SQLite database, through SQLite's backup API."""
    target = sqlite3.connect(_sqlite_path(url))
    try:
        target.execute("PRAGMA synchronous=OFF")  # a test database: no need to wait for the disk
        copy.backup(target)
    finally:
        target.close()


def _keep_empty_copy(url: str) -> None:
    _EMPTY_COPIES[url] = _copy_of(url)


def _empty_all_tables(url: str) -> None:
    """The database as the migrations left it. On SQLite the empty copy is written back over
    it through SQLite's backup API, which takes the database's locks like any writer (so a
    connection a test left open sees the empty database, not a half-written file), and also
    restores sqlite_sequence and anything a test changed in the schema. On PostgreSQL every
    table is emptied in one round trip; audit events are append-only, so through the one
    exception (docs/decisions/0005-append-only-audit-trail.md)."""
    if url in _EMPTY_COPIES:
        _copy_into(_EMPTY_COPIES[url], url)
        return
    from cohort.audit_guard import allow_audit_rewrite

    engine = _EMPTYING_ENGINES.get(url)
    if engine is None:
        engine = _EMPTYING_ENGINES[url] = create_engine(url, pool_size=1)
    deletes = ";".join(f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables))
    with engine.begin() as conn, allow_audit_rewrite("test clean-up: every table emptied", connection=conn):
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(deletes)  # several statements: only without parameters
        finally:
            cursor.close()


def _close_emptying(url: str) -> None:
    if url in _EMPTY_COPIES:
        _EMPTY_COPIES.pop(url).close()
    if url in _WORLD_COPIES:
        _WORLD_COPIES.pop(url)[0].close()
    for key in [key for key in _DEMO_COPIES if key[0] == url]:
        _DEMO_COPIES.pop(key)[0].close()
    if url in _EMPTYING_ENGINES:
        _EMPTYING_ENGINES.pop(url).dispose()


def _share_url_builders() -> None:
    """Every test creates its own app, and werkzeug compiles two Python functions for each of
    the app's ~200 routes as it registers them: two thirds of creating an app, a third of a
    route-access test. The functions depend only on the rule, its converters and defaults,
    so the run compiles each once and every later app reuses it."""
    compile_builder = Rule._compile_builder
    builders: dict[tuple, Callable] = {}

    def shared(self: Rule, append_unknown: bool = True) -> Callable:
        key = (
            self.rule,
            append_unknown,
            tuple(self._trace),
            repr(sorted((self.defaults or {}).items())),
            tuple((name, type(converter)) for name, converter in self._converters.items()),
        )
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = shared  # type: ignore[method-assign]


def _share_parsed_rules() -> None:
    """After the builders, reading each rule's pattern is the larger half of creating an app.
    What werkzeug reads from a rule (its parts, its trace, its converters) depends only on the
    rule's text and the map's converter classes; converters keep no state (werkzeug's own
    and cohort/lookups.py's), so each rule is read once and later apps reuse the result."""
    parse_rule = Rule._parse_rule
    parsed: dict[tuple, tuple[list, list, dict]] = {}

    def shared(self: Rule, rule: str) -> Iterator:
        assert self.map is not None
        key = (rule, tuple(sorted(self.map.converters.items())))
        if key not in parsed:
            trace_from, converters_before = len(self._trace), set(self._converters)
            parts = list(parse_rule(self, rule))
            added = {name: c for name, c in self._converters.items() if name not in converters_before}
            parsed[key] = (parts, self._trace[trace_from:], added)
            return iter(parts)
        parts, trace, converters = parsed[key]
        self._trace.extend(trace)
        self._converters.update(converters)
        self.arguments.update(converters)
        return iter(parts)

    Rule._parse_rule = shared  # type: ignore[method-assign]


_share_url_builders()
_share_parsed_rules()


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by every test's fresh app (compiling them is most of a test's time)."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = MemoryBytecodeCache()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Tests hold an app context open to use the database; without this, requests
    would share its `g` (and so Flask-Login's cached user) and its database
    session. Before each request the test's own session commits what the test
    set up and ends its transaction, so afterwards it reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        if _cv_app.get(None) is not None:
            db.session.commit()

        def isolated():
            _cv_app.set(None)
            return super(IsolatedClient, self).open(*args, **kwargs)

        return contextvars.copy_context().run(isolated)


@pytest.fixture
def app(database_url):
    # Figures kept in memory are keyed by the data's stamp, which a copied database (the empty
    # one, the world, the demo) repeats from test to test: each test starts with none kept.
    from cohort.reports import summary

    summary.forget()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,  # tests that check CSRF turn it back on
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
            "FORGOTTEN_PASSWORD_MIN_SECONDS": 0,  # the test of the floor sets its own
        }
    )
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    _empty_all_tables(database_url)


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class World:
    """One of each kind of person, around one cohort, with someone out of scope for each."""

    moj: Department
    dvla: Department
    cohort: Cohort
    other_cohort: Cohort
    admin: User
    facilitator: User  # assigned to cohort
    other_facilitator: User  # assigned to other_cohort only
    participant: User  # MOJ, in cohort
    other_participant: User  # DVLA, in cohort
    sponsor: User  # MOJ
    other_sponsor: User  # DVLA

    def by_role(self, role: str | None) -> User | None:
        return {
            None: None,
            "anonymous": None,
            "admin": self.admin,
            "facilitator": self.facilitator,
            "participant": self.participant,
            "sponsor": self.sponsor,
        }[role]


def _build_world() -> World:
    f = factories
    moj = f.make_department("MOJ", "Ministry of Justice", aliases=["MoJ"])
    dvla = f.make_department("DVLA", "Driver and Vehicle Licensing Agency")
    facilitator = f.make_user(Role.FACILITATOR, full_name="Fran Facilitator")
    other_facilitator = f.make_user(Role.FACILITATOR, full_name="Otto Facilitator")
    cohort = f.make_cohort("AI Accelerator — Cohort 1", facilitators=[facilitator])
    other_cohort = f.make_cohort("AI Accelerator — Cohort 2", facilitators=[other_facilitator])
    participant = f.make_user(Role.PARTICIPANT, moj, full_name="Siân O'Neill")
    other_participant = f.make_user(Role.PARTICIPANT, dvla, full_name="Zoë Ng")
    f.enrol(cohort, participant)
    f.enrol(cohort, other_participant)
    world = World(
        moj=moj,
        dvla=dvla,
        cohort=cohort,
        other_cohort=other_cohort,
        admin=f.make_user(Role.ADMIN, full_name="Priya Admin"),
        facilitator=facilitator,
        other_facilitator=other_facilitator,
        participant=participant,
        other_participant=other_participant,
        sponsor=f.make_user(Role.SPONSOR, moj, full_name="Helen Sponsor"),
        other_sponsor=f.make_user(Role.SPONSOR, dvla, full_name="Gareth Sponsor"),
    )
    db.session.commit()
    return world


# On SQLite, the database just after the first world was built (in memory) and the world's ids:
# later tests copy it back instead of building the world again through the ORM.
_WORLD_COPIES: dict[str, tuple[sqlite3.Connection, dict[str, int]]] = {}


def _untouched(url: str) -> bool:
    """Whether a kept copy (the world, the demo) may be written over the database: only on
    SQLite, onto the database as the migrations left it, which nothing has touched yet in this
    test (another fixture may have made records first), and not while a test travels in time
    (the copy's rows would carry the time they were first made)."""
    session = db.session()
    if url not in _EMPTY_COPIES or time_machine.traveller_stack or session.in_transaction() or session.new:
        return False
    probe = sqlite3.connect(_sqlite_path(url))
    try:
        return _contents(probe) == _contents(_EMPTY_COPIES[url])
    finally:
        probe.close()


def _contents(connection: sqlite3.Connection) -> list:
    """Every row of every table (a few rows the migrations add, when nothing else is there)."""
    counts = " UNION ALL ".join(
        f"SELECT '{t.name}', count(*) FROM \"{t.name}\""
        for t in db.metadata.sorted_tables  # noqa: S608
    )
    found = connection.execute(counts).fetchall()
    if sum(n for _, n in found) > 10:
        return found
    return [connection.execute(f'SELECT * FROM "{name}"').fetchall() for name, n in found if n]  # noqa: S608


def _world_from(ids: dict[str, int]) -> World:
    """The world's records, one query per model."""
    models = typing.get_type_hints(World)
    loaded = {}
    for model in set(models.values()):
        names = [name for name in ids if models[name] is model]
        rows = {
            row.id: row
            for row in db.session.scalars(select(model).where(model.id.in_(ids[n] for n in names)))
        }
        loaded.update({name: rows[ids[name]] for name in names})
    # Ends the transaction the queries began (a write transaction on SQLite outside a request),
    # as building the world does: a test's own app or thread must not wait for it.
    db.session.commit()
    return World(**loaded)


@pytest.fixture
def world(app, database_url) -> World:
    if not _untouched(database_url):
        return _build_world()
    if database_url in _WORLD_COPIES:
        copy, ids = _WORLD_COPIES[database_url]
        db.session.close()
        _copy_into(copy, database_url)
        return _world_from(ids)
    world = _build_world()
    ids = {field.name: getattr(world, field.name).id for field in dataclasses.fields(World)}
    _WORLD_COPIES[database_url] = (_copy_of(database_url), ids)
    return world


# On SQLite, the database just after the demo was seeded for a given time, and what seed_demo
# answered: the demo is the largest set of records tests build, the same each time for that time.
_DEMO_COPIES: dict[tuple[str, object], tuple[sqlite3.Connection, object]] = {}


@pytest.fixture
def seeded_demo(app, database_url):
    """seed_demo(now), committed, for tests of the demo data or that need a full database. On
    SQLite the first seeding for a `now` is kept, and later ones are a copy of it (onto an
    untouched database only, never while a test travels in time); otherwise seeded."""
    from cohort.demo import seed_demo

    def seed(now):
        key = (database_url, now)
        copyable = _untouched(database_url)
        if copyable and key in _DEMO_COPIES:
            copy, result = _DEMO_COPIES[key]
            db.session.close()
            _copy_into(copy, database_url)
            return copy_module.deepcopy(result)
        result = seed_demo(now)
        db.session.commit()
        if copyable:
            _DEMO_COPIES[key] = (_copy_of(database_url), copy_module.deepcopy(result))
        return result

    return seed


@pytest.fixture
def sign_in(client):
    def _sign_in(user):
        factories.sign_in_as(client, user)
        return client

    return _sign_in


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on 127.0.0.1 for this test, and the app sending through it."""
    from tests.mail import SmtpCatcher

    with SmtpCatcher() as catcher:
        app.config.update(catcher.settings())
        yield catcher
