"""One session's trouble stays in that session: a killed backend, a client that vanishes mid-result."""
import asyncio
import socket
import threading
import time

import asyncpg
import psycopg2
import psycopg2.errors
import pytest

from rawclient import RawClient


def wait_for(predicate, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def backend_state(admin, pid):
    with admin.cursor() as cur:
        cur.execute("SELECT state, query FROM pg_stat_activity WHERE pid = %s", (pid,))
        return cur.fetchone()


def test_terminated_backend_errors_only_its_own_client(target, admin):
    async def main():
        victim = await asyncpg.connect(host=target.host, port=target.port, user="postgres",
                                       database="postgres", ssl=False)
        victim_pid = await victim.fetchval("SELECT pg_backend_pid()")
        sleeper = asyncio.create_task(victim.fetchval("SELECT pg_sleep(30)"))
        for _ in range(200):
            if (backend_state(admin, victim_pid) or ("",))[0] == "active":
                break
            await asyncio.sleep(0.05)
        bystander = psycopg2.connect(target.dsn())
        try:
            with bystander.cursor() as cur:  # the kill goes through the proxy too
                cur.execute("SELECT pg_terminate_backend(%s)", (victim_pid,))
                assert cur.fetchone()[0] is True
            # The server's FATAL reaches the victim before its connection closes.
            with pytest.raises(asyncpg.exceptions.ConnectionDoesNotExistError) as info:
                await asyncio.wait_for(sleeper, timeout=10)
            assert str(info.value).endswith(": terminating connection due to administrator command")
            cause = info.value.__cause__
            assert isinstance(cause, asyncpg.exceptions.AdminShutdownError), repr(cause)
            assert cause.sqlstate == "57P01"
            assert victim.is_closed()

            with bystander.cursor() as cur:
                cur.execute("SELECT count(*) FROM generate_series(1, 1000)")
                assert cur.fetchone()[0] == 1000
            fresh = psycopg2.connect(target.dsn())
            with fresh.cursor() as cur:
                cur.execute("SELECT 'fresh'")
                assert cur.fetchone()[0] == "fresh"
            fresh.close()
        finally:
            bystander.close()
            victim.terminate()
    asyncio.run(asyncio.wait_for(main(), timeout=60))


def test_client_vanishing_mid_result_does_not_disturb_others(target, admin):
    bystander = psycopg2.connect(target.dsn())
    try:
        raw = RawClient(target.host, target.port)
        with admin.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'rawclient'"
                        " ORDER BY backend_start DESC LIMIT 1")
            raw_backend = cur.fetchone()[0]
        raw.send_query("SELECT g, 'some padding text' FROM generate_series(1, 5e6) g")
        received = 0
        while received < 2_000_000:
            received += len(raw.recv_some(65536))
        raw.close()

        # The session's backend goes away once nobody reads its result.
        assert wait_for(lambda: backend_state(admin, raw_backend) is None, timeout=20), \
            f"backend {raw_backend} still there: {backend_state(admin, raw_backend)}"

        with bystander.cursor() as cur:
            cur.execute("SELECT sum(g) FROM generate_series(1, 100000) g")
            assert cur.fetchone()[0] == 5000050000
        for _ in range(5):
            c = psycopg2.connect(target.dsn())
            with c.cursor() as cur:
                cur.execute("SELECT 1")
                assert cur.fetchone()[0] == 1
            c.close()
    finally:
        bystander.close()


def test_many_concurrent_sessions(target):
    conns = [psycopg2.connect(target.dsn()) for _ in range(40)]
    try:
        pids = set()
        for i, c in enumerate(conns):
            with c.cursor() as cur:
                cur.execute("SELECT pg_backend_pid(), %s::int * 3", (i,))
                pid, v = cur.fetchone()
                assert v == i * 3
                pids.add(pid)
        assert len(pids) == 40  # one upstream backend per client (session mode)
    finally:
        for c in conns:
            c.close()


def test_connection_storm(target):
    async def one(i):
        conn = await asyncpg.connect(host=target.host, port=target.port, user="postgres", database="postgres",
                                     ssl=False, timeout=30)
        try:
            return await conn.fetchval("SELECT $1::int * 2", i)
        finally:
            await conn.close()

    async def main():
        return await asyncio.gather(*(one(i) for i in range(150)))
    assert asyncio.run(asyncio.wait_for(main(), timeout=90)) == [i * 2 for i in range(150)]


def test_unreachable_upstream_gives_a_clean_error(target, start_proxy):
    if not target.is_proxy:
        pytest.skip("about the proxy's own error when its server is down")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]  # bound but not listening: connections are refused
        proxy = start_proxy("dead-upstream", upstream_port=dead_port)
        started = time.monotonic()
        with pytest.raises(psycopg2.OperationalError) as info:
            psycopg2.connect(f"host=127.0.0.1 port={proxy.port} user=postgres dbname=postgres sslmode=disable")
        assert time.monotonic() - started < 10
        message = str(info.value)
        assert "could not connect to the server" in message and "Connection refused" in message, message
    # The proxy itself stays up for the next client.
    assert proxy.proc.poll() is None


def test_cancel_reaches_only_its_own_session(target):
    a = psycopg2.connect(target.dsn())
    b = psycopg2.connect(target.dsn())
    try:
        outcome = {}

        def run_b():
            with b.cursor() as cur:
                cur.execute("SELECT pg_sleep(1.5), 'b finished'")
                outcome["b"] = cur.fetchone()[1]

        tb = threading.Thread(target=run_b)
        tb.start()
        timer = threading.Timer(0.5, a.cancel)
        timer.start()
        with pytest.raises(psycopg2.errors.QueryCanceled):
            with a.cursor() as cur:
                cur.execute("SELECT pg_sleep(30)")
        tb.join(timeout=10)
        assert outcome.get("b") == "b finished"
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("how", ["terminate", "abrupt"])
def test_closed_clients_leave_no_server_backend(target, admin, how):
    app = f"drivers-leak-{how}"
    clients = [RawClient(target.host, target.port) for _ in range(10)]
    for c in clients:
        c.send_query(f"SET application_name = '{app}'")
        while c.read_message()[0] != b"Z":
            pass
    with admin.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (app,))
        assert cur.fetchone()[0] == 10
    for c in clients:
        if how == "terminate":
            c.sock.sendall(b"X\x00\x00\x00\x04")
        c.close()

    def remaining():
        with admin.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (app,))
            return cur.fetchone()[0]
    assert wait_for(lambda: remaining() == 0, timeout=10), f"{remaining()} backends left behind"
