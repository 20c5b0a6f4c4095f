"""psycopg2 (libpq) through the target."""
import datetime
import hashlib
import decimal
import select
import threading
import time
import uuid

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import pytest


@pytest.fixture
def conn(target):
    c = psycopg2.connect(target.dsn(application_name="drivers-psycopg2"))
    yield c
    c.close()


def test_parameters_round_trip(conn):
    with conn.cursor() as cur:
        values = (42, 2.5, decimal.Decimal("12345678901234567890.123"), "it's \"quoted\" \\ ✓", None,
                  datetime.date(2024, 2, 29), b"\x00\xff\x10", [1, 2, 3], True)
        cur.execute("SELECT %s::int, %s::float8, %s::numeric, %s::text, %s::text, %s::date, %s::bytea,"
                    " %s::int[], %s::bool", values)
        row = cur.fetchone()
        assert row[:6] == values[:6]
        assert bytes(row[6]) == values[6]
        assert row[7:] == values[7:]


def test_application_name_is_forwarded(conn):
    with conn.cursor() as cur:
        cur.execute("SHOW application_name")
        assert cur.fetchone()[0] == "drivers-psycopg2"


def test_transactions_commit_and_rollback(target, conn, admin):
    table = "drivers_tx_" + uuid.uuid4().hex[:8]
    with admin.cursor() as cur:
        cur.execute(f"CREATE TABLE {table} (v int)")
    try:
        with conn.cursor() as cur:
            cur.execute(f"INSERT INTO {table} VALUES (1)")
            assert conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INTRANS
            with admin.cursor() as other:
                other.execute(f"SELECT count(*) FROM {table}")
                assert other.fetchone()[0] == 0  # not yet committed
            conn.commit()
            cur.execute(f"INSERT INTO {table} VALUES (2)")
            conn.rollback()
        with admin.cursor() as other:
            other.execute(f"SELECT array_agg(v ORDER BY v) FROM {table}")
            assert other.fetchone()[0] == [1]
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP TABLE {table}")


def test_server_error_keeps_connection_usable(conn):
    with conn.cursor() as cur:
        with pytest.raises(psycopg2.errors.UniqueViolation) as info:
            cur.execute("CREATE TEMP TABLE u (k int PRIMARY KEY); INSERT INTO u VALUES (1), (1)")
        assert info.value.pgcode == "23505"
        assert info.value.diag.constraint_name == "u_pkey"
        assert "Key (k)=(1) already exists." == info.value.diag.message_detail
        with pytest.raises(psycopg2.errors.InFailedSqlTransaction):
            cur.execute("SELECT 1")
        conn.rollback()
        cur.execute("SELECT 'still here'")
        assert cur.fetchone()[0] == "still here"


def test_rowcount(conn):
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE rc AS SELECT g FROM generate_series(1, 250) g")
        assert cur.rowcount == 250
        cur.execute("UPDATE rc SET g = g + 1 WHERE g % 5 = 0")
        assert cur.rowcount == 50
        cur.execute("DELETE FROM rc WHERE g > 200")
        assert cur.rowcount == 51  # 201..250, plus 200 that the update made 201
        cur.execute("SELECT * FROM rc")
        assert cur.rowcount == 199


def test_named_server_side_cursor(conn):
    with conn.cursor(name="drivers_named") as cur:
        cur.itersize = 1000
        cur.execute("SELECT g, md5(g::text) FROM generate_series(1, 25000) g ORDER BY g")
        total, count, last = 0, 0, None
        for g, h in cur:
            total += g
            count += 1
            last = h
        assert count == 25000
        assert total == 25000 * 25001 // 2
        assert last == hashlib.md5(b"25000").hexdigest()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_cursors WHERE name = 'drivers_named'")
        assert cur.fetchone()[0] == 0


def test_backend_pid_matches_server(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        assert conn.get_backend_pid() == cur.fetchone()[0]


def test_listen_notify_between_two_connections(target):
    listener = psycopg2.connect(target.dsn())
    notifier = psycopg2.connect(target.dsn())
    try:
        listener.autocommit = notifier.autocommit = True
        with listener.cursor() as cur:
            cur.execute("LISTEN drivers_channel")
        with notifier.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            notifier_pid = cur.fetchone()[0]
            cur.execute("NOTIFY drivers_channel, 'payload ✓ 1'")
            cur.execute("SELECT pg_notify('drivers_channel', 'payload 2')")
        received = []
        deadline = time.monotonic() + 10
        while len(received) < 2 and time.monotonic() < deadline:
            if select.select([listener], [], [], 1) != ([], [], []):
                listener.poll()
                while listener.notifies:
                    received.append(listener.notifies.pop(0))
        assert [(n.channel, n.payload, n.pid) for n in received] == [
            ("drivers_channel", "payload ✓ 1", notifier_pid),
            ("drivers_channel", "payload 2", notifier_pid),
        ]
    finally:
        listener.close()
        notifier.close()


def test_cancel_from_another_thread(conn):
    timer = threading.Timer(0.5, conn.cancel)
    started = time.monotonic()
    timer.start()
    try:
        with conn.cursor() as cur:
            with pytest.raises(psycopg2.errors.QueryCanceled) as info:
                cur.execute("SELECT pg_sleep(30)")
    finally:
        timer.cancel()
    elapsed = time.monotonic() - started
    assert info.value.pgcode == "57014"
    assert "canceling statement due to user request" in str(info.value)
    assert elapsed < 5, f"cancel took {elapsed:.1f}s"
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone()[0] == 1
