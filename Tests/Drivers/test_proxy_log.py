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
