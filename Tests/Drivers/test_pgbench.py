"""pgbench through the target: initialise, then TPC-B-like runs with the simple and extended protocols."""
import re
import subprocess

import pytest


@pytest.fixture(scope="module")
def pgbench_db(target, admin_module):
    with admin_module.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS drivers_pgbench")
        cur.execute("CREATE DATABASE drivers_pgbench")
    out = subprocess.run(["pgbench", "-i", "-s", "1", "-q", "drivers_pgbench"], capture_output=True,
                         text=True, env=target.env(), timeout=300)
    assert out.returncode == 0, out.stderr
    assert "done in" in out.stderr
    yield "drivers_pgbench"


@pytest.fixture(scope="module")
def admin_module(postgres):
    import psycopg2
    conn = psycopg2.connect(host="127.0.0.1", port=postgres, user="postgres", dbname="postgres",
                            sslmode="disable")
    conn.autocommit = True
    yield conn
    with conn.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS drivers_pgbench WITH (FORCE)")
    conn.close()


def test_pgbench_initialised_the_tables(pgbench_db, postgres):
    import psycopg2
    with psycopg2.connect(host="127.0.0.1", port=postgres, user="postgres", dbname=pgbench_db,
                          sslmode="disable") as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pgbench_accounts")
        assert cur.fetchone()[0] == 100000
        cur.execute("SELECT count(*) FROM pgbench_branches")
        assert cur.fetchone()[0] == 1


@pytest.mark.parametrize("mode", ["simple", "extended", "prepared"])
def test_pgbench_run_has_no_failures(target, pgbench_db, mode):
    out = subprocess.run(["pgbench", "-M", mode, "-c", "4", "-j", "2", "-T", "3", "-n", pgbench_db],
                         capture_output=True, text=True, env=target.env(), timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"query mode: {mode}" in out.stdout
    processed = int(re.search(r"number of transactions actually processed: (\d+)", out.stdout).group(1))
    failed = int(re.search(r"number of failed transactions: (\d+)", out.stdout).group(1))
    assert processed > 100, out.stdout
    assert failed == 0, out.stdout


def test_pgbench_connection_churn(target, pgbench_db):
    # -C: a new connection for every transaction, so startup and teardown dominate.
    out = subprocess.run(["pgbench", "-C", "-S", "-M", "extended", "-c", "4", "-j", "2", "-T", "3", "-n", pgbench_db],
                         capture_output=True, text=True, env=target.env(), timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    processed = int(re.search(r"number of transactions actually processed: (\d+)", out.stdout).group(1))
    failed = int(re.search(r"number of failed transactions: (\d+)", out.stdout).group(1))
    assert processed > 100, out.stdout
    assert failed == 0, out.stdout
