"""Database behaviour the service relies on: constraints, SQLite tuning, write locking."""

from __future__ import annotations

import contextlib
import os
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from cohort.extensions import db
from cohort.models import Enrolment, Role, User
from tests import factories

on_sqlite = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite settings only")


@on_sqlite
def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]


@on_sqlite
def test_read_then_write_transactions_wait_instead_of_failing(app, world):
    """Two transactions that each read then write: with BEGIN IMMEDIATE the second
    waits for the first; with SQLite's default deferred BEGIN it would fail at once
    with "database is locked"."""
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def worker(n: int):
        with app.app_context():
            try:
                with db.engine.begin() as conn:  # a CLI-style transaction: BEGIN IMMEDIATE
                    count = conn.execute(text("SELECT count(*) FROM departments")).scalar()
                    # Let the other thread read too, if it can get in (it cannot while
                    # this one holds the write lock: then the wait times out).
                    with contextlib.suppress(threading.BrokenBarrierError):
                        barrier.wait(timeout=1)
                    conn.execute(
                        text("INSERT INTO departments (code, name) VALUES (:c, :n)"),
                        {"c": f"T{n}{count}", "n": f"Thread {n} {count}"},
                    )
            except Exception as error:  # noqa: BLE001 - collected and asserted on below
                errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert db.session.scalar(text("SELECT count(*) FROM departments WHERE name LIKE 'Thread %'")) == 2


def test_email_is_unique_whatever_the_case(app, world):
    db.session.add(User(email=world.admin.email, full_name="Copy", role=Role.ADMIN))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # Mixed case cannot even be stored: emails are kept lower-cased.
    db.session.add(User(email="Someone@Example.gov.uk", full_name="Mixed", role=Role.ADMIN))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_one_enrolment_per_person_per_cohort(app, world):
    db.session.add(
        Enrolment(
            cohort_id=world.cohort.id, user_id=world.participant.id, enrolled_on=world.cohort.start_date
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_sponsor_must_have_a_department(app, world):
    db.session.add(User(email="lost.sponsor@example.gov.uk", full_name="Lost", role=Role.SPONSOR))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("column, value", [("capacity", 0), ("capacity", 201), ("length_weeks", 53)])
def test_cohort_limits_are_checked_by_the_database(app, world, column, value):
    with pytest.raises(IntegrityError):
        db.session.execute(
            text(f"UPDATE cohorts SET {column} = :v WHERE id = :id"), {"v": value, "id": world.cohort.id}
        )
        db.session.commit()
    db.session.rollback()


def test_role_must_be_a_known_one(app, world):
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE users SET role = 'superuser' WHERE id = :id"), {"id": world.admin.id})
        db.session.commit()
    db.session.rollback()


def test_withdrawn_enrolment_needs_reason_and_date(app, world):
    enrolment = factories.enrol(world.other_cohort, world.participant)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE enrolments SET status = 'withdrawn' WHERE id = :id"), {"id": enrolment.id}
        )
        db.session.commit()
    db.session.rollback()
