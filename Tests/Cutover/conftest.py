"""Fixtures for the end-to-end cutover test: the project's PostgreSQL, a database of its own loaded
with production-shaped legacy data (`pgcutover demo-data`) and given migration 0020's columns and
0030's sync triggers without the backfill (`migrate up --max-batches 0`), as a team starting the
runbook has it. Fails, never skips, when Postgres or the binary is missing."""
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Support"))
import pgcutover_process  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
RUN_DIR = REPO / ".run" / "cutover"
PG_PORT = int(os.environ.get("PGCUTOVER_PG_PORT", "55500"))
DATABASE = "cutover_e2e"
DATABASE_URL = f"postgresql://postgres@127.0.0.1:{PG_PORT}/{DATABASE}"
BINARY = pgcutover_process.proxy_binary(".build/debug/pgcutover")


class ProxyProcess(pgcutover_process.ProxyProcess):
    def __init__(self, name, upstream_port, extra_args=()):
        super().__init__(name, upstream_port, extra_args, run_dir=RUN_DIR, binary=BINARY)


def pgcutover(*args: str, timeout: float = 120) -> str:
    """Runs the pgcutover command; migrate and demo-data get this test's database. Returns stdout;
    a non-zero exit fails the test with both outputs."""
    args = list(args)
    if args[0] in ("migrate", "demo-data"):
        args += ["--database-url", DATABASE_URL]
    if args[0] == "migrate" and args[1] in ("up", "down", "status"):
        args += ["--migrations-dir", str(REPO / "migrations")]
    result = subprocess.run([str(BINARY), *args], capture_output=True, text=True, timeout=timeout, cwd=REPO)
    if result.returncode != 0:
        raise AssertionError(f"pgcutover {' '.join(args)} exited {result.returncode}\n"
                             f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}")
    return result.stdout


@contextmanager
def direct_connection():
    """A connection straight to PostgreSQL, behind the proxy's back."""
    conn = psycopg2.connect(DATABASE_URL)
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture(scope="session", autouse=True)
def database():
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    admin = psycopg2.connect(f"postgresql://postgres@127.0.0.1:{PG_PORT}/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {DATABASE}")
    admin.close()
    pgcutover("demo-data", "--scale", "0.02", "--seed", "11")
    pgcutover("migrate", "up", "--max-batches", "0")
    yield DATABASE
