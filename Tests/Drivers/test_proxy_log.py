"""The proxy's log names each session: id, client address, user, database, application_name."""
import re
import time

import psycopg2
import pytest


def test_session_lines_carry_who_and_where(target):
    if not target.is_proxy:
        pytest.skip("about the proxy's own log")
    conn = psycopg2.connect(target.dsn(user="md5user", password="secret", application_name="drivers-logcheck"))
    with conn.cursor() as cur:
        cur.execute("SELECT inet_client_port()")  # the proxy's upstream port, not ours
        cur.fetchone()
    conn.close()
    deadline = time.monotonic() + 5
    started = ended = None
    while time.monotonic() < deadline and not ended:
        lines = [l for l in target.log.read_text(errors="replace").splitlines() if "drivers-logcheck" in l]
        started = next((l for l in lines if "session started" in l), None)
        ended = next((l for l in lines if "session ended" in l), None)
        time.sleep(0.1)
    assert started and ended, target.log_tail()
    for line in (started, ended):
        assert "user=md5user" in line and "database=postgres" in line, line
        assert re.search(r"client=127\.0\.0\.1:\d+", line), line
        assert re.search(r"session=\d+", line), line
    session = re.search(r"session=(\d+)", started).group(1)
    assert f"session={session}" in ended
    assert re.search(r"duration_s=[0-9.]+", ended), ended


def test_no_password_or_literal_reaches_the_log_by_default(start_proxy, tmp_path):
    """At the default log level, neither a client's password (md5, SCRAM) nor a literal of its
    statements appears in the proxy's log or in its audit log."""
    audit = tmp_path / "audit.jsonl"
    proxy = start_proxy("secrets", "--audit-log", str(audit), "--mode", "passthrough")
    dsn = f"host=127.0.0.1 port={proxy.port} dbname=postgres sslmode=disable"
    before = proxy.log.read_text(errors="replace").count("secret")
    for user in ("md5user", "scramuser"):
        conn = psycopg2.connect(f"{dsn} user={user} password=secret")
        with conn.cursor() as cur:
            cur.execute("SELECT 'literal-7f3a9c' AS x")
            # No legacy table in this database: the server's error is audited all the same.
            with pytest.raises(psycopg2.Error):
                cur.execute("SELECT * FROM god_vocabulary_profiles WHERE word = 'literal-7f3a9c'")
        conn.close()
    proxy.stop()
    log = proxy.log.read_text(errors="replace")
    assert log.count("secret") == before, "a password reached the proxy's log"
    assert "literal-7f3a9c" not in log
    records = audit.read_text()
    assert "god_vocabulary_profiles" in records, "the legacy-table statement must be audited"
    assert "literal-7f3a9c" not in records and "secret" not in records
