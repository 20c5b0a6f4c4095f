"""pgcutover in a chain with PgBouncer in session mode, in both orders: client -> pgcutover ->
PgBouncer -> Postgres, and client -> PgBouncer -> pgcutover -> Postgres. Pooling is PgBouncer's job,
so deployments put one in front of the other; through either chain a client must see Postgres.

The cancel and notification checks matter most here: in front of PgBouncer, pgcutover relays the
keys PgBouncer made up and must route a cancel by them; behind it, PgBouncer cancels with the keys
pgcutover relayed from the server."""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

import pgcutover_process
from conftest import DIRECT, ProxyProcess

pytestmark = pytest.mark.skipif(DIRECT, reason="a chain with PgBouncer needs the proxy")


class PgBouncer:
    """PgBouncer in session mode with trust auth, in front of 127.0.0.1:upstream_port. It refuses to
    run as root, so as root it runs as the postgres user, from a directory that user can read."""

    def __init__(self, upstream_port: int):
        assert shutil.which("pgbouncer"), "pgbouncer is not installed (scripts/install-deps.sh)"
        self.dir = Path(tempfile.mkdtemp(prefix="pgcutover-pgbouncer-"))
        self.port = pgcutover_process.free_port()
        users = self.dir / "users.txt"
        users.write_text('"postgres" ""\n')
        self.log = self.dir / "pgbouncer.log"
        ini = self.dir / "pgbouncer.ini"
        ini.write_text(f"""[databases]
* = host=127.0.0.1 port={upstream_port}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {users}
pool_mode = session
max_client_conn = 50
default_pool_size = 10
logfile = {self.log}
pidfile = {self.dir}/pgbouncer.pid
""")
        command = ["pgbouncer", str(ini)]
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            for f in (users, ini):
                shutil.chown(f, "postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        try:
            pgcutover_process.wait_accepting("127.0.0.1", self.port, self.proc, self.log)
        except Exception:
            self.stop()
            raise

    def stop(self):
        pidfile = self.dir / "pgbouncer.pid"
        if pidfile.exists():
            try:
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(params=["pgcutover-then-pgbouncer", "pgbouncer-then-pgcutover"])
def chain(request, postgres):
    """The client-facing port of the chain."""
    if request.param == "pgcutover-then-pgbouncer":
        bouncer = PgBouncer(postgres)
        proxy = ProxyProcess("chain-front", bouncer.port)
        entry = proxy.port
    else:
        proxy = ProxyProcess("chain-back", postgres)
        bouncer = PgBouncer(proxy.port)
        entry = bouncer.port
    yield entry
    if request.param == "pgcutover-then-pgbouncer":
        proxy.stop()
        bouncer.stop()
    else:
        bouncer.stop()
        proxy.stop()


def connect(port):
    import psycopg2
    conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                            sslmode="disable", connect_timeout=10)
    conn.autocommit = True
    return conn


def test_queries_and_copy_through_the_chain(chain):
    import io
    conn = connect(chain)
    # Not `with conn`: psycopg2 opens a transaction block there even in autocommit.
    with conn.cursor() as cur:
        cur.execute("SELECT current_user, %s::int + 1, repeat('x', 100000)", (41,))
        user, answer, big = cur.fetchone()
        assert (user, answer, len(big)) == ("postgres", 42, 100000)
        out = io.StringIO()
        cur.copy_expert("COPY (SELECT g, g * 2 FROM generate_series(1, 500) g) TO STDOUT", out)
        lines = out.getvalue().splitlines()
        assert len(lines) == 500 and lines[-1] == "500\t1000"
        with pytest.raises(Exception) as error:
            cur.execute("SELECT 1/0")
        assert error.value.pgcode == "22012"
        cur.execute("SELECT 'still usable'")
        assert cur.fetchone()[0] == "still usable"
    conn.close()


def test_notification_carries_the_notifier_backend_pid(chain):
    import select
    listener, notifier = connect(chain), connect(chain)
    try:
        with listener.cursor() as cur:
            cur.execute("LISTEN chain_channel")
        with notifier.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            notifier_pid = cur.fetchone()[0]
            cur.execute("NOTIFY chain_channel, 'through both'")
        deadline = time.monotonic() + 10
        while not listener.notifies and time.monotonic() < deadline:
            select.select([listener], [], [], 1)
            listener.poll()
        assert listener.notifies, "no notification arrived through the chain"
        note = listener.notifies[0]
        assert (note.channel, note.payload, note.pid) == ("chain_channel", "through both", notifier_pid)
    finally:
        listener.close()
        notifier.close()


def test_cancel_reaches_the_server_through_the_chain(chain):
    import psycopg2
    conn = connect(chain)
    try:
        timer = threading.Timer(1.0, conn.cancel)
        timer.start()
        started = time.monotonic()
        with pytest.raises(psycopg2.errors.QueryCanceled), conn.cursor() as cur:
            cur.execute("SELECT pg_sleep(30)")
        timer.join()
        assert time.monotonic() - started < 10
        with conn.cursor() as cur:
            cur.execute("SELECT 7")
            assert cur.fetchone()[0] == 7
    finally:
        conn.close()


def test_pgbench_extended_protocol_through_the_chain(chain, tmp_path):
    script = tmp_path / "select.sql"
    script.write_text("\\set n random(1, 1000)\nSELECT :n + 1;\n")
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(chain), PGUSER="postgres",
               PGDATABASE="postgres", PGSSLMODE="disable", PGCONNECT_TIMEOUT="10")
    env.pop("PGPASSWORD", None)
    out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-f", str(script), "-c", "4", "-j", "2",
                          "-T", "2"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "number of failed transactions: 0" in out.stdout, out.stdout
    processed = int(out.stdout.split("number of transactions actually processed: ")[1].split()[0])
    assert processed > 100, out.stdout
