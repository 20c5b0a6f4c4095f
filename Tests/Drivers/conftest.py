"""Fixtures for the real-client suite.

Every test talks to `target`: the pgcutover proxy in front of the project's PostgreSQL, or, with
PGCUTOVER_DIRECT=1, PostgreSQL itself. The same assertions hold both ways, which is what makes the
proxy transparent. Postgres is started by the project's own script; when it cannot be started the
tests fail (CI starts it first), they never skip.
"""
import os
import sys
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Support"))
import pgcutover_process  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def proxy_binary() -> Path:
    return pgcutover_process.proxy_binary(".build/release/pgcutover")


RUN_DIR = REPO / ".run" / "drivers"
PG_PORT = int(os.environ.get("PGCUTOVER_PG_PORT", "55434"))
DIRECT = os.environ.get("PGCUTOVER_DIRECT", "") not in ("", "0")


def quote(value: str) -> str:
    """A libpq conninfo value, quoted when it needs to be."""
    if value and not any(c in value for c in " '\\"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class Target:
    """Where clients connect, and what is listening there."""

    host: str
    port: int
    mode: str  # "direct" or "proxy"
    pid: Optional[int] = None  # the proxy's process id; None when direct
    log: Optional[Path] = None
    rootcert: Optional[Path] = None  # certificate a TLS client can verify this target with
    extra: dict = field(default_factory=dict)

    @property
    def is_proxy(self) -> bool:
        return self.mode == "proxy"

    def dsn(self, user="postgres", dbname="postgres", **params) -> str:
        params.setdefault("sslmode", "disable")
        params.setdefault("connect_timeout", "10")
        parts = [f"host={self.host}", f"port={self.port}", f"user={user}", f"dbname={dbname}"]
        parts += [f"{k}={quote(str(v))}" for k, v in params.items()]
        return " ".join(parts)

    def env(self, user="postgres", **extra) -> dict:
        """Environment for libpq command-line tools (psql, pgbench)."""
        env = dict(os.environ)
        env.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=user, PGDATABASE="postgres",
                   PGSSLMODE="disable", PGCONNECT_TIMEOUT="10")
        env.pop("PGPASSWORD", None)
        env.update(extra)
        return env

    def log_tail(self, lines=40) -> str:
        if not self.log or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class ProxyProcess(pgcutover_process.ProxyProcess):
    def __init__(self, name: str, upstream_port: int, extra_args=()):
        super().__init__(name, upstream_port, extra_args, run_dir=RUN_DIR, binary=proxy_binary())


@pytest.fixture(scope="session")
def postgres() -> int:
    """The project's PostgreSQL 15 on loopback; returns its port."""
    out = subprocess.run([str(REPO / "scripts" / "postgres.sh"), "start", str(PG_PORT)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        pytest.fail(f"scripts/postgres.sh start {PG_PORT} failed:\n{out.stdout}\n{out.stderr}")
    return PG_PORT


@pytest.fixture(scope="session")
def postgres_cert(postgres) -> Path:
    datadir = subprocess.run([str(REPO / "scripts" / "postgres.sh"), "datadir", str(postgres)],
                             capture_output=True, text=True, check=True).stdout.strip()
    return Path(datadir) / "server.crt"


@pytest.fixture(scope="session")
def target(postgres):
    if DIRECT:
        yield Target("127.0.0.1", postgres, "direct")
        return
    try:
        proxy = ProxyProcess("plain", postgres)
    except RuntimeError as e:
        pytest.fail(str(e))
    yield Target("127.0.0.1", proxy.port, "proxy", pid=proxy.proc.pid, log=proxy.log)
    proxy.stop()


@pytest.fixture(scope="session")
def test_cert(tmp_path_factory):
    """A throwaway self-signed certificate for localhost, made with the openssl CLI."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "proxy.crt", d / "proxy.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="session")
def tls_target(postgres, postgres_cert, test_cert):
    """A target that accepts TLS from clients: a second proxy with --tls-cert/--tls-key, or, when
    direct, Postgres itself (it runs with ssl = on)."""
    if DIRECT:
        yield Target("127.0.0.1", postgres, "direct", rootcert=postgres_cert)
        return
    cert, key = test_cert
    try:
        proxy = ProxyProcess("tls", postgres, ["--tls-cert", str(cert), "--tls-key", str(key)])
    except RuntimeError as e:
        pytest.fail(str(e))
    yield Target("127.0.0.1", proxy.port, "proxy", pid=proxy.proc.pid, log=proxy.log, rootcert=cert)
    proxy.stop()


@pytest.fixture(scope="session")
def tls_upstream_target(postgres, postgres_cert, test_cert):
    """TLS on both legs: clients to the proxy, and the proxy to Postgres (verify-full against the
    server's certificate). Here Postgres offers SCRAM-SHA-256-PLUS to the proxy, which must not pass
    it on: the client's TLS session ends at the proxy, so channel binding would fail. When direct,
    Postgres itself."""
    if DIRECT:
        yield Target("127.0.0.1", postgres, "direct", rootcert=postgres_cert)
        return
    cert, key = test_cert
    try:
        proxy = ProxyProcess("tls-upstream", postgres, [
            "--tls-cert", str(cert), "--tls-key", str(key), "--upstream-sslmode", "verify-full",
            "--upstream-sslrootcert", str(postgres_cert), "--upstream-sslservername", "localhost"])
    except RuntimeError as e:
        pytest.fail(str(e))
    yield Target("127.0.0.1", proxy.port, "proxy", pid=proxy.proc.pid, log=proxy.log, rootcert=cert)
    proxy.stop()


@pytest.fixture
def admin(postgres):
    """A psycopg2 connection straight to Postgres, for setup and for observing what the server sees."""
    import psycopg2
    conn = psycopg2.connect(host="127.0.0.1", port=postgres, user="postgres", dbname="postgres",
                            sslmode="disable")
    conn.autocommit = True
    yield conn
    conn.close()


def pytest_report_header(config):
    return (f"pgcutover drivers suite: {'DIRECT to Postgres' if DIRECT else 'through ' + str(proxy_binary())}"
            f", Postgres port {PG_PORT}")


@pytest.fixture
def start_proxy(postgres):
    """Starts extra proxy instances for tests that stop or signal them; stops what is left after."""
    started = []

    def start(name, *extra_args, upstream_port=None):
        proxy = ProxyProcess(name, upstream_port or postgres, extra_args)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()
