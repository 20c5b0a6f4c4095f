"""pgjdbc (Debian libpostgresql-jdbc-java) through the target, via a single-file Java program."""
import subprocess
from pathlib import Path

import pytest

JAR = Path("/usr/share/java/postgresql.jar")
PROGRAM = Path(__file__).parent / "jdbc" / "DriverCheck.java"


def run_check(target, user="postgres", password=""):
    assert JAR.exists(), f"{JAR} missing: scripts/install-deps.sh installs libpostgresql-jdbc-java"
    url = f"jdbc:postgresql://{target.host}:{target.port}/postgres?sslmode=disable&connectTimeout=10"
    out = subprocess.run(["java", "-cp", str(JAR), str(PROGRAM), url, user, password],
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    values = {}
    for line in out.stdout.splitlines():
        for pair in line.split(" "):
            key, _, value = pair.partition("=")
            values[key] = value
    return values


@pytest.mark.parametrize("user", ["postgres", "scramuser"])
def test_jdbc_prepared_batch_errors_and_cancel(target, user):
    v = run_check(target, user, "secret" if user != "postgres" else "")
    assert v["user"] == user
    assert v["prepared_sum"] == str(sum(i * 3 for i in range(20)))
    assert v["prepared_last"] == "v19✓"
    assert v["batch_statements"] == "1000" and v["batch_inserted"] == "1000"
    assert v["table_rows"] == "1000" and v["labels"] == "900"
    assert v["amount_sum"] == "5005.00"  # sum(1..1000) / 100
    assert v["error_sqlstate"] == "22012"
    assert v["dup_sqlstate"] == "23505"
    assert v["cancel_sqlstate"] == "57014"
    assert int(v["cancel_ms"]) < 5000
    assert v["after_cancel"] == "after_cancel"
