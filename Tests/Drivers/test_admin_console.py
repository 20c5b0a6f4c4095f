"""The admin console (database `pgcutover` on the proxy's own port, answered by the proxy) and the
Prometheus endpoint, through real clients: psql for the console, HTTP for /metrics."""
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import psycopg2
import pytest

import pgcutover_process
from conftest import REPO, ProxyProcess

ADMIN_USER = "pgcutover_admin"
METRICS_DB = "pgcutover_admin_metrics"
LEGACY_SQL = REPO / "Tests" / "RewriterTests" / "Fixtures" / "legacy.sql"


def write_config(path: Path, password: str, metrics_port: int, extra: str = ""):
    path.write_text(f"""
[admin]
users = ["{ADMIN_USER}"]
password = "{password}"

[metrics]
listen = "127.0.0.1:{metrics_port}"

{extra}""")


@pytest.fixture
def console(target, postgres, tmp_path):
    """A proxy of its own with [admin] and [metrics] set from a config file the test may change; no
    audit log, so statements are counted for the metrics alone."""
    if not target.is_proxy:
        pytest.skip("the admin console and metrics are the proxy's own")
    config = tmp_path / "pgcutover.toml"
    metrics_port = pgcutover_process.free_port()
    write_config(config, "first-secret", metrics_port)
    proxy = ProxyProcess("admin", postgres, ["--config", str(config)])
    proxy.config = config
    proxy.metrics_port = metrics_port
    try:
        pgcutover_process.wait_accepting("127.0.0.1", metrics_port, proxy.proc, proxy.log)
    except RuntimeError:
        proxy.stop()
        raise
    yield proxy
    proxy.stop()


def admin_psql(proxy, sql: str, password: str = "first-secret", user: str = ADMIN_USER):
    env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="10")
    return subprocess.run(
        ["psql", "-X", "-A", "-F", "\t", "-v", "ON_ERROR_STOP=1",
         f"host=127.0.0.1 port={proxy.port} dbname=pgcutover user={user} sslmode=disable", "-c", sql],
        env=env, capture_output=True, text=True, timeout=30)


def table(output: str):
    """psql -A output: a header line, rows, and a '(N rows)' footer."""
    lines = [l for l in output.splitlines() if l and not re.fullmatch(r"\(\d+ rows?\)", l)]
    header = lines[0].split("\t")
    return [dict(zip(header, l.split("\t"))) for l in lines[1:]]


def test_show_sessions_lists_a_concurrent_session_and_reload_applies_a_new_file(console):
    app = psycopg2.connect(
        f"host=127.0.0.1 port={console.port} user=md5user password=secret dbname=postgres "
        "sslmode=disable application_name=admin-console-check")
    try:
        with app.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        app.commit()
        out = admin_psql(console, "SHOW SESSIONS")
        assert out.returncode == 0, out.stderr + console.log.read_text()[-2000:]
        rows = table(out.stdout)
        app_rows = [r for r in rows if r["application_name"] == "admin-console-check"]
        assert len(app_rows) == 1, out.stdout
        row = app_rows[0]
        assert row["user"] == "md5user" and row["database"] == "postgres" and row["state"] == "idle", row
        assert re.fullmatch(r"127\.0\.0\.1:\d+", row["client_address"]), row
        assert row["modes"] == "basin_relationships=passthrough, god_vocabulary_profiles=passthrough", row
        # The console session itself is listed too, as an admin session.
        assert any(r["database"] == "pgcutover" and r["state"] == "admin" for r in rows), out.stdout
    finally:
        app.close()

    bad = admin_psql(console, "SHOW HELP", password="wrong")
    assert bad.returncode != 0
    assert f'password authentication failed for user "{ADMIN_USER}"' in bad.stderr

    # RELOAD reads the file again: the new password is the one that works from then on.
    write_config(console.config, "second-secret", console.metrics_port)
    out = admin_psql(console, "RELOAD")
    assert out.returncode == 0 and out.stdout.strip() == "RELOAD", out.stdout + out.stderr
    assert admin_psql(console, "SHOW HELP", password="first-secret").returncode != 0
    out = admin_psql(console, "SHOW CONFIG", password="second-secret")
    assert out.returncode == 0, out.stderr
    config = {r["key"]: r["value"] for r in table(out.stdout)}
    assert config["generation"] == "2" and config["admin.password"] == "********"
    assert "second-secret" not in out.stdout

    # A broken file: the error names file, line and key, and the running configuration stays.
    write_config(console.config, "third-secret", console.metrics_port, extra="[cutover]\nmode = \"sideways\"\n")
    out = admin_psql(console, "RELOAD", password="second-secret")
    assert out.returncode != 0
    assert re.search(re.escape(str(console.config)) + r":\d+: cutover\.mode: must be one of", out.stderr), out.stderr
    out = admin_psql(console, "SHOW CONFIG", password="second-secret")
    assert out.returncode == 0 and "generation\t2" in out.stdout, out.stdout + out.stderr

    unknown = admin_psql(console, "SELECT 1", password="second-secret")
    assert unknown.returncode != 0 and "SHOW SESSIONS" in unknown.stderr


def metrics(proxy) -> dict:
    """The exposition as {(name, frozenset(labels)): value}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{proxy.metrics_port}/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', line)
        assert m, line
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def test_metrics_count_sessions_and_legacy_statements(console, postgres, admin):
    admin.cursor().execute(f"DROP DATABASE IF EXISTS {METRICS_DB} WITH (FORCE)")
    admin.cursor().execute(f"CREATE DATABASE {METRICS_DB} TEMPLATE template0 ENCODING 'UTF8'")
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(postgres), "-U", "postgres", "-d", METRICS_DB, "-qAtX",
                    "-v", "ON_ERROR_STOP=1", "-f", str(LEGACY_SQL)], check=True, capture_output=True)
    before = metrics(console)
    conn = psycopg2.connect(f"host=127.0.0.1 port={console.port} user=postgres dbname={METRICS_DB} sslmode=disable")
    conn.autocommit = True
    with conn.cursor() as cur:
        for _ in range(3):
            cur.execute("SELECT count(*) FROM basin_relationships")
            cur.fetchone()
        cur.execute("SELECT 1")  # names no legacy table: not counted
        cur.fetchone()
    # Statements are counted when their completion is read, before the answer reaches the client.
    after = metrics(console)
    conn.close()
    key = ("pgcutover_statements_total",
           frozenset({("table", "basin_relationships"), ("mode", "passthrough"), ("action", "passed")}))
    assert before.get(key, 0) == 0
    assert after[key] == 3, {k: v for k, v in after.items() if k[0] == "pgcutover_statements_total"}
    assert after[("pgcutover_sessions_total", frozenset())] >= before.get(("pgcutover_sessions_total", frozenset()), 0) + 1
    assert after[("pgcutover_sessions", frozenset())] >= 1
    assert after[("pgcutover_rewrite_cache_misses_total", frozenset())] >= 1
    assert after[("pgcutover_rewrite_cache_hits_total", frozenset())] >= 2
    count = ("pgcutover_statement_duration_seconds_count", frozenset({("action", "passed")}))
    assert after[count] == 3
    # The statement histogram's buckets start below a millisecond.
    assert ("pgcutover_statement_duration_seconds_bucket", frozenset({("action", "passed"), ("le", "0.00025")})) in after

    assert admin_psql(console, "RELOAD").returncode == 0
    reloads = metrics(console)
    assert reloads[("pgcutover_config_reloads_total", frozenset({("result", "ok")}))] == 1

    # The console keeps its own counts, so SHOW STATS agrees without Prometheus.
    out = admin_psql(console, "SHOW STATS")
    stats = table(out.stdout)
    assert {"statistic": "statements", "table": "basin_relationships", "mode": "passthrough",
            "action": "passed", "value": "3"} in stats, out.stdout

    with urllib.request.urlopen(f"http://127.0.0.1:{console.metrics_port}/metrics", timeout=10):
        pass
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{console.metrics_port}/other", timeout=10)
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as e:
        assert e.code == 404
