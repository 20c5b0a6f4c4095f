"""Fixtures for the rewrite differential suite.

Two databases on the project's PostgreSQL hold the same data: `pgcutover_rwdiff_legacy` keeps the
legacy tables, `pgcutover_rwdiff_migrated` has them folded into coordizer_vocabulary's JSONB columns
(and dropped, so a statement that escaped rewriting fails loudly). Every statement runs directly on
the first and through `pgcutover serve --mode rewrite` on the second. Postgres is started with the
project's own script; when it, the proxy binary or a driver is missing the tests fail, never skip.
"""
import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Support"))
import pgcutover_process  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

PG_PORT = int(os.environ.get("PGCUTOVER_PG_PORT", "55438"))
RUN_DIR = REPO / ".run" / "rewrite"
LEGACY_DB = "pgcutover_rwdiff_legacy"
MIGRATED_DB = "pgcutover_rwdiff_migrated"
# The rewriter's own fixtures: the legacy schema with awkward data, and a fold that follows the
# data contract. learned_words.sql adds the table the workload's INSERT … SELECT reads.
LEGACY_SQL = REPO / "Tests" / "RewriterTests" / "Fixtures" / "legacy.sql"
# The files that turn a copy of the legacy database into the migrated one: the migrations' own
# schema and functions around the fixture's fold (migrated.txt lists them in order).
MIGRATED_LIST = REPO / "Tests" / "RewriterTests" / "Fixtures" / "migrated.txt"
EXTRA_SQL = HERE / "fixtures" / "learned_words.sql"


def proxy_binary() -> Path:
    return pgcutover_process.proxy_binary(".build/debug/pgcutover")


def psql(dbname: str, *args: str, stdin: str = None) -> str:
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-d", dbname,
                          "-qAtX", "-v", "ON_ERROR_STOP=1", *args], input=stdin, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"psql {' '.join(args)} on {dbname} failed:\n{out.stderr}")
    return out.stdout


def dsn(port: int, dbname: str) -> str:
    return f"host=127.0.0.1 port={port} user=postgres dbname={dbname} sslmode=disable connect_timeout=10"


@pytest.fixture(scope="session")
def postgres() -> int:
    out = subprocess.run([str(REPO / "scripts" / "postgres.sh"), "start", str(PG_PORT)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        pytest.fail(f"scripts/postgres.sh start {PG_PORT} failed:\n{out.stdout}\n{out.stderr}")
    return PG_PORT


@pytest.fixture(scope="session")
def databases(postgres):
    """(Re)creates both databases from the fixtures; returns their names."""
    try:
        for name in (LEGACY_DB, MIGRATED_DB):
            psql("postgres", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql("postgres", "-c", f"CREATE DATABASE {LEGACY_DB} TEMPLATE template0 ENCODING 'UTF8'")
        psql(LEGACY_DB, "-f", str(LEGACY_SQL))
        psql(LEGACY_DB, "-f", str(EXTRA_SQL))
        psql(LEGACY_DB, "-c", "ANALYZE")
        # A byte-for-byte copy (defaults such as now() were evaluated once), then the fold.
        psql("postgres", "-c", f"CREATE DATABASE {MIGRATED_DB} TEMPLATE {LEGACY_DB}")
        for line in MIGRATED_LIST.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                psql(MIGRATED_DB, "-f", str(REPO / line.strip()))
    except RuntimeError as e:
        pytest.fail(str(e))
    return LEGACY_DB, MIGRATED_DB


def Proxy(upstream_port: int) -> pgcutover_process.ProxyProcess:
    return pgcutover_process.ProxyProcess(
        "rewrite", upstream_port, ["--mode", "rewrite", "--mapping", str(REPO / "config" / "mapping.toml")],
        run_dir=RUN_DIR, binary=proxy_binary())


@pytest.fixture(scope="session")
def proxy(postgres, databases):
    try:
        p = Proxy(postgres)
    except RuntimeError as e:
        pytest.fail(str(e))
    yield p
    p.stop()


@pytest.fixture(scope="session")
def loop():
    lp = asyncio.new_event_loop()
    yield lp
    lp.close()


@pytest.fixture(scope="session")
def pair_psycopg2(postgres, databases, proxy):
    """psycopg2 (simple protocol, literals inlined): (direct legacy, proxy → migrated)."""
    from harness import Psycopg2Side
    direct = Psycopg2Side(dsn(postgres, LEGACY_DB), "direct")
    through = Psycopg2Side(dsn(proxy.port, MIGRATED_DB), "proxy")
    yield direct, through
    direct.close()
    through.close()


@pytest.fixture(scope="session")
def pair_asyncpg(postgres, databases, proxy, loop):
    """asyncpg (extended protocol, prepared, binary): (direct legacy, proxy → migrated)."""
    from harness import AsyncpgSide
    direct = AsyncpgSide(loop, postgres, LEGACY_DB, "direct")
    through = AsyncpgSide(loop, proxy.port, MIGRATED_DB, "proxy")
    yield direct, through
    direct.close()
    through.close()


@pytest.fixture
def pair(request):
    return request.getfixturevalue(f"pair_{request.param}")


def pytest_report_header(config):
    return f"pgcutover rewrite differential suite: proxy {proxy_binary()}, Postgres port {PG_PORT}"
