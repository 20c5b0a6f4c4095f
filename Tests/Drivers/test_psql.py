"""psql through the target: simple and multi-statement queries, errors with SQLSTATE, COPY both ways."""
import random
import subprocess
import uuid


def psql(target, *args, input=None, user="postgres", **env):
    return subprocess.run(["psql", "-X", "-q", *args], input=input, capture_output=True, text=True,
                          env=target.env(user, **env), timeout=120)


def test_simple_query(target):
    out = psql(target, "-At", "-c", "SELECT 6 * 7, 'héllo' || chr(9731), current_user")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "42|héllo☃|postgres\n"


def test_multi_statement_query_returns_every_result(target):
    # One Query message with three statements; psql 15 prints each result.
    out = psql(target, "-At", "-c", "SELECT 1 AS a; SELECT 'two'; SELECT x FROM generate_series(3, 5) x")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["1", "two", "3", "4", "5"]


def test_error_reports_sqlstate_and_stops(target):
    script = "\\set VERBOSITY verbose\nSELECT 'before';\nSELECT 1/0;\nSELECT 'after';\n"
    out = psql(target, "-At", "-v", "ON_ERROR_STOP=1", input=script)
    assert out.returncode == 3, (out.returncode, out.stdout, out.stderr)
    assert out.stdout == "before\n"
    assert "ERROR:  22012: division by zero" in out.stderr
    assert "LOCATION:  int4div" in out.stderr


def test_error_in_multi_statement_query_aborts_the_rest(target):
    out = psql(target, "-At", "-c", "SELECT 1; SELECT * FROM no_such_table_xyz; SELECT 3")
    assert out.returncode == 1
    assert out.stdout.splitlines() == ["1"]
    assert 'relation "no_such_table_xyz" does not exist' in out.stderr


def awkward_rows(n):
    rng = random.Random(20261126)
    pieces = ["plain", "tab\there", "back\\slash", "\\N", "new\nline", "cr\rreturn", "ünïcødé ✓ 日本語",
              "emoji 🐘", "quote'\"", "", " leading and trailing ", "\\\\double", "comma,semi;"]
    rows = []
    for i in range(n):
        if i % 17 == 0:
            value = None
        else:
            value = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 4)))
        rows.append((i, value, None if i % 29 == 0 else rng.randint(-2**40, 2**40)))
    return rows


def copy_text(value):
    if value is None:
        return "\\N"
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def test_copy_from_stdin_and_to_stdout_round_trip(target, admin):
    table = "drivers_copy_" + uuid.uuid4().hex[:8]
    with admin.cursor() as cur:
        cur.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, t text, n bigint)")
    try:
        rows = awkward_rows(3000)
        data = "".join("\t".join(copy_text(v) for v in row) + "\n" for row in rows)
        out = psql(target, "-v", "ON_ERROR_STOP=1", "-c", f"COPY {table} FROM STDIN", input=data)
        assert out.returncode == 0, out.stderr

        # What the server stored is exactly what we sent, value by value.
        with admin.cursor() as cur:
            cur.execute(f"SELECT id, t, n FROM {table} ORDER BY id")
            assert cur.fetchall() == rows

        out = psql(target, "-v", "ON_ERROR_STOP=1", "-c", f"COPY (SELECT * FROM {table} ORDER BY id) TO STDOUT")
        assert out.returncode == 0, out.stderr
        assert out.stdout == data
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP TABLE {table}")


def test_copy_from_stdin_with_bad_row_reports_the_line(target, admin):
    table = "drivers_copybad_" + uuid.uuid4().hex[:8]
    with admin.cursor() as cur:
        cur.execute(f"CREATE TABLE {table} (id int, t text)")
    try:
        data = "1\tone\n2\ttwo\nthree\t3\n"
        out = psql(target, "-v", "ON_ERROR_STOP=1", "-c", f"COPY {table} FROM STDIN", input=data)
        assert out.returncode == 1
        assert 'invalid input syntax for type integer: "three"' in out.stderr
        assert "line 3" in out.stderr
        with admin.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {table}")
            assert cur.fetchone()[0] == 0
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP TABLE {table}")
