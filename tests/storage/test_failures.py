"""A load interrupted mid-way leaves no partial day (PV) and no partial frame (wind, weather).

Failures are injected by the database itself, at a chosen row, so the tests
are deterministic: a trigger either aborts the statement (SQLite, PostgreSQL)
or terminates its own server backend (PostgreSQL: the client sees the
connection drop in the middle of a day, exactly as with a network failure).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from storage import PartialLoadError, Storage, StorageError
from tests.storage.frames import pv_frame, wind_frame

DAYS = ["2024-05-01", "2024-05-02", "2024-05-03"]
UNIT = ("5707", 1)
#: The row that fails: the middle of the second day.
FAIL_AT = "2024-05-02 13:00:00"


def sqlite_abort_trigger(table: str, where: str) -> list[str]:
    return [
        (
            f"CREATE TRIGGER inject_failure BEFORE INSERT ON {table} WHEN {where} "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    ]


def postgres_trigger(table: str, where: str, action: str) -> list[str]:
    return [
        f"""CREATE FUNCTION inject_failure() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF {where} THEN {action}; END IF;
          RETURN NEW;
        END $$""",
        f"CREATE TRIGGER inject_failure BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION inject_failure()",
    ]


#: Kill this session's own backend; the sleep keeps the statement from finishing first.
TERMINATE = "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(30)"
ABORT = "RAISE EXCEPTION 'injected failure'"


def install(db: Storage, statements: list[str]) -> None:
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def remove(db: Storage) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "DROP TRIGGER inject_failure"
                + (" ON pv_generation_hourly" if db.dialect == "postgresql" else "")
            )
        )


def day_rows(db: Storage, day: str) -> list[tuple]:
    with db.engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT datetime, generation FROM pv_generation_hourly "
                "WHERE gencd = :g AND hogi = :h AND datetime >= :start AND datetime < :end ORDER BY datetime"
            ),
            {
                "g": UNIT[0],
                "h": UNIT[1],
                "start": f"{day} 00:00:00",
                "end": f"{day} 23:59:59.999999",
            },
        ).all()


def pv_failure_statements(dialect: str, action: str) -> list[str]:
    if dialect == "sqlite":
        return sqlite_abort_trigger("pv_generation_hourly", f"NEW.datetime = '{FAIL_AT}.000000'")
    return postgres_trigger("pv_generation_hourly", f"NEW.datetime = '{FAIL_AT}'", action)


def check_interrupted_pv_load(db: Storage, action: str) -> None:
    old, new = pv_frame([UNIT], DAYS, seed=1), pv_frame([UNIT], DAYS, seed=2, scale=3.0)
    db.replace_pv_days(old)
    old_days = {day: day_rows(db, day) for day in DAYS}
    install(db, pv_failure_statements(db.dialect, action))

    # A backend killed while psycopg pipelines an executemany sometimes surfaces as the
    # pipeline's own error ("cannot exit pipeline mode while busy"), seen once in 10 runs
    # on a loaded machine: the same lost connection, reported by the driver's other path.
    expected = "(?i)terminat|closed|pipeline mode" if action == TERMINATE else "injected failure"
    with pytest.raises(PartialLoadError, match=expected) as info:
        db.replace_pv_days(new)
    assert info.value.committed == [(*UNIT, date(2024, 5, 1))]
    assert info.value.failed == (*UNIT, date(2024, 5, 2))

    assert day_rows(db, DAYS[0]) != old_days[DAYS[0]]  # day 1: fully new
    assert len(day_rows(db, DAYS[0])) == 24
    assert day_rows(db, DAYS[1]) == old_days[DAYS[1]]  # day 2: fully old, not half-replaced
    assert day_rows(db, DAYS[2]) == old_days[DAYS[2]]  # day 3: never reached
    # Each day's revision rows commit or roll back with its values: only day 1 is logged.
    assert {r.key["datetime"][:10] for r in db.observation_revisions()} == {DAYS[0]}

    remove(db)
    db.replace_pv_days(new)  # the re-run completes the load
    digest = db.table_digest("pv_generation_hourly")
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM pv_generation_hourly"))
    db.replace_pv_days(new)
    assert db.table_digest("pv_generation_hourly") == digest


def test_a_failing_pv_day_is_rolled_back_whole(storage: Storage) -> None:
    check_interrupted_pv_load(storage, ABORT)


@pytest.mark.postgres
@pytest.mark.parametrize("copy_threshold", [0, 10**9], ids=["copy", "executemany"])
def test_a_connection_lost_mid_day_leaves_that_day_old(pg_url: URL, copy_threshold: int) -> None:
    with Storage.from_url(pg_url, copy_threshold=copy_threshold) as db:
        db.create_schema()
        check_interrupted_pv_load(db, TERMINATE)


@pytest.mark.parametrize("batch_size", [10, 5_000], ids=["after-first-batch", "one-batch"])
def test_a_failing_wind_load_writes_nothing(storage: Storage, batch_size: int) -> None:
    frame = wind_frame(hours=48)
    fail_at = "2024-03-02 01:00:00"  # row 25 of the first plant: in the third batch of 10
    if storage.dialect == "sqlite":
        statements = sqlite_abort_trigger(
            "wind_generation_hourly", f"NEW.timestamp = '{fail_at}.000000'"
        )
    else:
        statements = postgres_trigger(
            "wind_generation_hourly", f"NEW.timestamp = '{fail_at}'", ABORT
        )
    install(storage, statements)
    storage.batch_size = batch_size
    with pytest.raises(StorageError, match="injected failure"):
        storage.load_wind(frame)
    assert storage.counts()["wind_generation_hourly"] == 0


@pytest.mark.postgres
@pytest.mark.parametrize("copy_threshold", [0, 10**9], ids=["copy", "executemany"])
def test_a_connection_lost_mid_wind_load_writes_nothing_and_the_pool_recovers(
    pg_url: URL, copy_threshold: int
) -> None:
    with Storage.from_url(pg_url, copy_threshold=copy_threshold, batch_size=10) as db:
        db.create_schema()
        install(
            db,
            postgres_trigger(
                "wind_generation_hourly", "NEW.timestamp = '2024-03-02 01:00:00'", TERMINATE
            ),
        )
        with pytest.raises(StorageError, match=r"(?i)terminat|closed|lost"):
            db.load_wind(wind_frame(hours=48))
        assert db.counts()["wind_generation_hourly"] == 0  # a new connection from the same pool
