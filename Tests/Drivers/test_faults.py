"""Faults between pgcutover and the server: a restart under load, a connection reset in flight.
The proxy must turn each into an error for the sessions it hits, within a bounded time, keep
serving new sessions as soon as the server is back, and leak nothing."""
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg2
import pytest

from conftest import PG_PORT, REPO, DIRECT

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Support"))
from fault_injector import FaultInjector  # noqa: E402

pytestmark = pytest.mark.skipif(DIRECT, reason="faults between the proxy and the server need the proxy")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def dsn(port: int, **extra) -> str:
    options = " ".join(f"{k}={v}" for k, v in extra.items())
    return f"host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable connect_timeout=5 {options}"


class Worker(threading.Thread):
    """Runs `sql` over and over on one connection, reconnecting after an error; records
    (start, end, outcome) of every attempt."""

    def __init__(self, port: int, sql: str):
        super().__init__(daemon=True)
        self.port, self.sql = port, sql
        self.stop = threading.Event()
        self.log: list[tuple[float, float, str]] = []

    def run(self):
        conn = None
        while not self.stop.is_set():
            start = time.monotonic()
            try:
                if conn is None:
                    conn = psycopg2.connect(dsn(self.port))
                    conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute(self.sql)
                    cur.fetchall()
                self.log.append((start, time.monotonic(), "ok"))
            except psycopg2.Error as error:
                self.log.append((start, time.monotonic(), f"error {error.pgcode}: {str(error).strip()[:80]}"))
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.1)
        if conn is not None:
            conn.close()


def test_server_restart_under_load(start_proxy):
    port = PG_PORT + 17
    subprocess.run(["bash", "scripts/postgres.sh", "start", str(port)], check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)
    datadir = subprocess.run(["bash", "scripts/postgres.sh", "datadir", str(port)], check=True, cwd=REPO,
                             capture_output=True, text=True).stdout.strip()
    try:
        proxy = start_proxy("restart", upstream_port=port)
        baseline_fds = open_fds(proxy.proc.pid)
        workers = [Worker(proxy.port, "SELECT count(*) FROM generate_series(1, 20000)") for _ in range(5)]
        workers.append(Worker(proxy.port, "SELECT pg_sleep(3)"))
        for worker in workers:
            worker.start()
        time.sleep(1.5)
        restart = ["/usr/lib/postgresql/15/bin/pg_ctl", "-D", datadir, "restart", "-m", "fast", "-w", "-t", "60"]
        if os.geteuid() == 0:
            restart = ["runuser", "-u", "postgres", "--"] + restart
        subprocess.run(restart, check=True, stdout=subprocess.DEVNULL)
        restarted = time.monotonic()
        time.sleep(6)
        for worker in workers:
            worker.stop.set()
        for worker in workers:
            worker.join(timeout=20)
            assert not worker.is_alive(), "a client hung"

        assert proxy.proc.poll() is None, "the proxy died"
        for worker in workers:
            outcomes = [o for _, _, o in worker.log]
            assert any(o.startswith("error") for o in outcomes), f"no session saw the restart: {outcomes[-5:]}"
            assert max(end - start for start, end, _ in worker.log) < 10, "an attempt took too long (a hang)"
            # Served again as soon as the server accepts connections (pg_ctl -w may notice a little later).
            last_error = max(i for i, (_, _, o) in enumerate(worker.log) if o.startswith("error"))
            back = [start for start, _, o in worker.log[last_error:] if o == "ok"]
            timeline = [(round(start - restarted, 2), round(end - start, 2), o[:60]) for start, end, o in worker.log[-6:]]
            assert back and back[0] - restarted < 5, f"sessions not served within 5 s of the restart: {timeline}"
        # Sessions in flight got the server's words (57P01) or a closed connection, never silence.
        errors = {o for w in workers for _, _, o in w.log if o.startswith("error")}
        assert errors, errors
        # Every session the restart ended was cleaned up: no descriptors left behind.
        deadline = time.monotonic() + 10
        while open_fds(proxy.proc.pid) > baseline_fds + 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert open_fds(proxy.proc.pid) <= baseline_fds + 2, (baseline_fds, open_fds(proxy.proc.pid))
    finally:
        subprocess.run(["bash", "scripts/postgres.sh", "stop", str(port)], cwd=REPO, stdout=subprocess.DEVNULL)


def test_connection_reset_in_flight_errors_only_that_session(start_proxy, postgres):
    injector = FaultInjector(postgres)
    try:
        proxy = start_proxy("reset", upstream_port=injector.port)
        victim = psycopg2.connect(dsn(proxy.port))
        outcome = {}

        def sleep():
            start = time.monotonic()
            try:
                with victim.cursor() as cur:
                    cur.execute("SELECT pg_sleep(30)")
                outcome["result"] = "returned"
            except psycopg2.Error as error:
                outcome["result"] = f"error: {error}"
            outcome["seconds"] = time.monotonic() - start

        thread = threading.Thread(target=sleep, daemon=True)
        thread.start()
        time.sleep(0.5)
        reset_at = time.monotonic()
        injector.reset()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the client was left waiting after the server connection reset"
        assert outcome["result"].startswith("error"), outcome
        assert time.monotonic() - reset_at < 5
        # The proxy goes on: a new session through the same path works.
        fresh = psycopg2.connect(dsn(proxy.port))
        with fresh.cursor() as cur:
            cur.execute("SELECT 42")
            assert cur.fetchone() == (42,)
        fresh.close()
        assert proxy.proc.poll() is None
    finally:
        injector.close()
