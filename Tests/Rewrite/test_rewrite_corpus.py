"""The differential corpus: every legacy statement in corpus/*.yaml runs directly on the legacy
database and through pgcutover (rewrite mode) on the migrated copy, with psycopg2 and with asyncpg,
and the two answers must be the same; after writes, so must the legacy tables and their fold.

Corpus file format (one file per group):
    writes: true|false       run the table/fold checks after each step
    refused: true            pgcutover must refuse every case with 0A000 (the legacy table accepts it)
    cases:
      - name: …
        sql: …               psycopg2 style: %s placeholders when `params` is given (%% for %)
        params: [...]        psycopg2 inlines them; asyncpg sends them as $n parameters
        ordered: true        total ORDER BY: rows compared in order (else as multisets)
        order_key: [i, …]    partial ORDER BY: the sequence of these columns must match too
        ties: true           LIMIT over ties: only the order_key sequence is determined
        error: SQLSTATE      both must fail with it
        copy: {...}          COPY … TO STDOUT; asyncpg copy_from_table/copy_from_query arguments
        batch: {generate: NAME, ...}, template: …   psycopg2 execute_values / asyncpg executemany
        steps: [...]         several statements in one transaction, each compared
        drivers: [psycopg2]  restrict to some drivers
        known_diff: "…"      a difference reported to the lead and not fixed yet: strict xfail, so
                             the test fails as soon as pgcutover agrees with the legacy table
"""
import os
from pathlib import Path

import pytest
import yaml

from harness import GENERATORS, LEGACY_TABLES, Step, run_case, table_differences

CORPUS = Path(__file__).resolve().parent / "corpus"
DIFF_LOG = Path(__file__).resolve().parents[2] / ".run" / "rewrite" / "diffs.txt"
DRIVERS = ("psycopg2", "asyncpg")


def load_corpus():
    cases = []
    for path in sorted(CORPUS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for case in doc["cases"]:
            case = dict(case)
            case["group"] = path.stem
            case["writes"] = bool(doc.get("writes"))
            case["refused"] = bool(doc.get("refused"))
            cases.append(case)
    return cases


def make_step(spec: dict) -> Step:
    batch = spec.get("batch")
    if batch is not None:
        options = dict(batch)
        batch = GENERATORS[options.pop("generate")](**options)
    return Step(sql=spec["sql"], params=spec.get("params"), batch=batch, template=spec.get("template"),
                copy=spec.get("copy"), ordered=bool(spec.get("ordered")), order_key=spec.get("order_key"),
                ties=bool(spec.get("ties")), error=spec.get("error"))


CASES = load_corpus()
PARAMS = [pytest.param(driver, case, id=f"{case['group']}/{case['name']}/{driver}",
                       marks=[pytest.mark.xfail(strict=True, reason=case["known_diff"])] if case.get("known_diff") else [])
          for case in CASES for driver in DRIVERS if driver in case.get("drivers", DRIVERS)]


def statement_count() -> int:
    return sum(len(case.get("steps", [case])) for case in CASES)


def test_corpus_has_at_least_150_statements():
    assert statement_count() >= 150, statement_count()


@pytest.fixture(scope="session")
def initial_words(pair_psycopg2):
    direct, _ = pair_psycopg2
    return {r[0] for r in direct.raw("SELECT word FROM god_vocabulary_profiles UNION SELECT word FROM basin_relationships")}


def record(case, driver, diffs):
    DIFF_LOG.parent.mkdir(parents=True, exist_ok=True)
    with open(DIFF_LOG, "a") as f:
        f.write(f"== {case['group']}/{case['name']} [{driver}]\n")
        for step in case.get("steps", [case]):
            f.write(f"   sql: {step['sql'][:600]}\n")
            if step.get("params") is not None:
                f.write(f"   params: {step['params']}\n")
        f.writelines(f"   {d}\n" for d in diffs)


@pytest.mark.parametrize("driver,case", PARAMS)
def test_statement(request, driver, case, initial_words):
    direct, proxy = request.getfixturevalue(f"pair_{driver}")
    steps = [make_step(s) for s in case.get("steps", [case])]
    if case["refused"]:
        diffs = refusal_differences(direct, proxy, steps[0])
    else:
        diffs = run_case(direct, proxy, steps, case["writes"], initial_words)
    if diffs:
        record(case, driver, diffs)
    assert not diffs, "\n".join(diffs)


def refusal_differences(direct, proxy, step: Step) -> list:
    diffs = []
    direct.begin()
    proxy.begin()
    try:
        d = direct.run(step)
        p = proxy.run(step)
    finally:
        direct.rollback()
        proxy.rollback()
    if d.sqlstate:
        diffs.append(f"the legacy statement itself fails: {d.brief()}")
    if p.sqlstate != "0A000":
        diffs.append(f"pgcutover did not refuse with 0A000: {p.brief()}")
    elif not any(t in (p.message or "") for t in LEGACY_TABLES):
        diffs.append(f"refusal message does not name the table: {p.message}")
    return diffs


ERROR_FIELDS = ("pgcode", "message_primary", "message_detail", "message_hint", "context", "statement_position",
                "constraint_name", "table_name", "column_name", "datatype_name")
ERROR_CASES = [pytest.param(case, id=case["name"],
                            marks=[pytest.mark.xfail(strict=True, reason=case["known_field_diff"])]
                            if case.get("known_field_diff") else [])
               for case in CASES if case["group"] == "errors"]


def assert_same_error(fields, pair, names):
    """`fields(side)` runs the case on one side and returns its error's fields (None: no error);
    the legacy statement must fail, and pgcutover with the same value in every named field."""
    direct, proxy = pair
    d, p = fields(direct), fields(proxy)
    assert d is not None
    diffs = {f: (d[f], p and p[f]) for f in names if p is None or d[f] != p[f]}
    assert not diffs, diffs


@pytest.mark.parametrize("case", ERROR_CASES)
def test_error_fields(pair_psycopg2, case):
    """Beyond the SQLSTATE: every ErrorResponse field a driver exposes (psycopg2's Diagnostics)."""
    import psycopg2

    def fields(side):
        side.begin()
        try:
            cur = side.conn.cursor()
            # A DEFAULT now() in a failing row's DETAIL is each side's own transaction start: the
            # same value, one transaction apart. It is compared as that, exactly.
            cur.execute("SELECT now()::timestamp::text")
            start = cur.fetchone()[0]
            cur.execute(case["sql"])
            return None
        except psycopg2.Error as e:
            got = {f: getattr(e.diag, f, None) if f != "pgcode" else e.pgcode for f in ERROR_FIELDS}
            if got["message_detail"]:
                got["message_detail"] = got["message_detail"].replace(start, "<transaction start>")
            return got
        finally:
            side.rollback()

    assert_same_error(fields, pair_psycopg2, ERROR_FIELDS)


ASYNCPG_ERROR_FIELDS = ("sqlstate", "message", "detail", "hint", "position", "context", "schema_name", "table_name",
                        "column_name", "data_type_name", "constraint_name")


@pytest.mark.parametrize("case", ERROR_CASES)
def test_error_fields_extended(pair_asyncpg, case):
    """The same fields through the extended protocol (asyncpg: Parse, then Bind/Execute of a named
    statement): errors of the Parse and of the Execute carry positions in the prepared text."""
    def fields(side):
        side.begin()
        try:
            start = side._do(side.conn.fetchval("SELECT now()::timestamp::text"))
            side._do(side._fetch(case["sql"]))
            return None
        except side.asyncpg.PostgresError as e:
            got = {f: getattr(e, f, None) for f in ASYNCPG_ERROR_FIELDS}
            if got["detail"]:
                got["detail"] = got["detail"].replace(start, "<transaction start>")
            return got
        finally:
            side.rollback()

    assert_same_error(fields, pair_asyncpg, ASYNCPG_ERROR_FIELDS)


@pytest.mark.xfail(strict=True, reason="RowDescription table OID / column number are 0 for rebuilt columns "
                                       "(documented in docs/rewriter.md, Assumptions and limits)")
@pytest.mark.parametrize("table", LEGACY_TABLES)
def test_row_description_table_fields(pair_psycopg2, table):
    """What JDBC getTableName or pgx TableOID read: the source table and column number of each field."""
    direct, proxy = pair_psycopg2

    def fields(side):
        side.begin()
        try:
            cur = side.conn.cursor()
            cur.execute(f"SELECT * FROM {table} LIMIT 1")
            return [(c.table_oid != 0, c.table_column) for c in cur.description]
        finally:
            side.rollback()

    assert fields(direct) == fields(proxy)


REUSED = [
    ("SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = $1",
     [["zeus"], ["athena"], ["O'Neil"], ["nobody"], ["apollo"], ["zeus"], ["Hermes Trismegistus"]]),
    ("SELECT neighbor, cooccurrence_count FROM basin_relationships WHERE word = ANY($1)",
     [[["w001"]], [["w002", "w003"]], [[]], [["Ζεύς", "with space"]], [["w001"]], [["w004"]], [["w005"]]]),
    ("UPDATE god_vocabulary_profiles SET usage_count = COALESCE(usage_count, 0) + $1 WHERE god_name = $2 RETURNING id, usage_count",
     [[1, "zeus"], [2, "athena"], [3, "zeus"], [1, "nobody"], [5, "zeus"], [1, "apollo"], [2, "zeus"]]),
]


@pytest.mark.parametrize("sql,arguments", REUSED, ids=["god", "words", "update"])
def test_named_prepared_statement_reused(pair_asyncpg, sql, arguments, initial_words):
    """One named prepared statement (asyncpg) executed many times with other arguments, past
    the server's switch to a generic plan (after five executions), in one transaction."""
    direct, proxy = pair_asyncpg
    direct.begin()
    proxy.begin()
    try:
        statements = [direct._do(side.conn.prepare(sql)) for side in (direct, proxy)]
        for args in arguments:
            d_rows, p_rows = (sorted(map(tuple, direct._do(s.fetch(*args))), key=repr) for s in statements)
            assert d_rows == p_rows, (args, d_rows, p_rows)
            assert statements[0].get_statusmsg() == statements[1].get_statusmsg(), args
        assert not table_differences(direct, proxy, set(initial_words))
    finally:
        direct.rollback()
        proxy.rollback()
