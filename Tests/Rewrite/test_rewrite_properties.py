"""Property-based differential tests: hypothesis generates legacy statements over every legacy
column (reads with AND/OR/NOT predicates, comparisons, IS NULL, IN, BETWEEN, projections, ORDER BY,
LIMIT/OFFSET, aggregates; writes: UPDATE SET col = expr WHERE …, DELETE WHERE …, INSERT VALUES) and
each runs directly and through pgcutover as in the corpus suite, with psycopg2 and asyncpg.

Reproducible: derandomized (the examples depend only on the test's name and this file), no example
database. PGCUTOVER_PROPERTY_EXAMPLES scales the example counts (default 60 reads, 40 writes per
driver), which keeps the module within a couple of minutes; PGCUTOVER_PROPERTY_SEED=N explores
another reproducible sequence.
"""
import os

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from harness import Step, run_case

SCALE = float(os.environ.get("PGCUTOVER_PROPERTY_EXAMPLES", "1"))
SEED = os.environ.get("PGCUTOVER_PROPERTY_SEED")
reproducible = seed(int(SEED)) if SEED else (lambda test: test)
SETTINGS = dict(derandomize=SEED is None, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


GODS = ["zeus", "athena", "apollo", "Hermes Trismegistus", "O'Neil", "hera"]
WORDS = [f"w{i:03d}" for i in (1, 2, 3, 4, 5, 7, 10, 11, 20, 33, 59, 60, 61, 80, 81, 120)] + ["Ζεύς", "with space", "O'Brien", "nope"]
REALS = ["0", "0.05", "0.1", "0.25", "0.5", "0.75", "0.9", "1", "2.5", "10", "17", "1e-7", "-1"]
INTS = ["0", "1", "2", "3", "5", "8", "40", "100", "163", "200", "321", "-1"]
TIMES = ["'2026-01-11 08:07:09.123456'", "'2026-01-11 12:00'", "'2026-01-12'", "'2026-01-20 10:00:00.000001'",
         "'2026-01-20 10:01:00'", "'2026-02-01'"]

# column -> kind; tables list columns in the legacy order.
TABLES = {
    "god_vocabulary_profiles": [("id", "id"), ("god_name", "god"), ("word", "word"), ("relevance_score", "real"),
                                ("usage_count", "int"), ("last_used", "ts"), ("learned_from_phi", "real"),
                                ("basin_distance", "real")],
    "basin_relationships": [("id", "id"), ("word", "word"), ("neighbor", "word"), ("cooccurrence_count", "real"),
                            ("strength", "real"), ("avg_phi", "real"), ("max_phi", "real"),
                            ("fisher_distance", "real"), ("contexts", "ctx"), ("updated_at", "ts")],
}
NOT_NULL = {"god_name", "word", "relevance_score", "neighbor"}


def literal(kind):
    return {
        "id": st.sampled_from(INTS), "int": st.sampled_from(INTS), "real": st.sampled_from(REALS),
        "ts": st.sampled_from(TIMES), "god": st.sampled_from(GODS).map(quote),
        "word": st.sampled_from(WORDS).map(quote),
        "ctx": st.sampled_from(["'{}'::text[]", "ARRAY['only']", "ARRAY['x', NULL]", "ARRAY['a,b', 'q']"]),
    }[kind]


@st.composite
def atom(draw, table):
    name, kind = draw(st.sampled_from(TABLES[table]))
    shape = draw(st.sampled_from(["cmp", "cmp", "null", "in", "between"] if kind != "ctx" else ["null", "ctx"]))
    if shape == "null":
        return f"{name} IS {draw(st.sampled_from(['', 'NOT ']))}NULL"
    if shape == "ctx":
        return draw(st.sampled_from([f"'only' = ANY({name})", f"cardinality({name}) = 0", f"{name} @> ARRAY['x']",
                                     f"{name} = ARRAY['x', NULL]", f"array_length({name}, 1) > 1"]))
    if shape == "in":
        values = draw(st.lists(literal(kind), min_size=1, max_size=4))
        return f"{name} {draw(st.sampled_from(['', 'NOT ']))}IN ({', '.join(values)})"
    if shape == "between":
        return f"{name} BETWEEN {draw(literal(kind))} AND {draw(literal(kind))}"
    return f"{name} {draw(st.sampled_from(['=', '<>', '<', '<=', '>', '>=']))} {draw(literal(kind))}"


def predicate(table):
    return st.recursive(
        atom(table),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            inner.map(lambda p: f"NOT ({p})")),
        max_leaves=5)


@st.composite
def read(draw):
    table = draw(st.sampled_from(sorted(TABLES)))
    columns = [c for c, _ in TABLES[table]]
    alias = draw(st.sampled_from(["", " t", " AS t"]))
    q = (lambda c: f"t.{c}") if alias and draw(st.booleans()) else (lambda c: c)
    where = f" WHERE {draw(predicate(table))}" if draw(st.integers(0, 4)) else ""
    if draw(st.integers(0, 3)) == 0:
        key = draw(st.sampled_from([None, "god_name" if table == "god_vocabulary_profiles" else "word",
                                    "word" if table == "god_vocabulary_profiles" else "neighbor"]))
        measured = draw(st.sampled_from([c for c in columns if c != "contexts"]))
        aggs = f"count(*), min({q(measured)}), max({q(measured)}), count({q(measured)})"
        if table == "god_vocabulary_profiles" and draw(st.booleans()):
            aggs += f", sum({q('usage_count')})"
        if key:
            return Step(sql=f"SELECT {q(key)}, {aggs} FROM {table}{alias}{where} GROUP BY {q(key)}")
        return Step(sql=f"SELECT {aggs} FROM {table}{alias}{where}")
    if draw(st.integers(0, 4)) == 0:
        projection = "*"
    else:
        projection = ", ".join(q(c) for c in draw(st.lists(st.sampled_from(columns), min_size=1, max_size=6, unique=True)))
    distinct = "DISTINCT " if projection != "*" and draw(st.integers(0, 6)) == 0 else ""
    order = ""
    ordered = False
    if not distinct and draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(columns), max_size=3, unique=True))
        directions = [draw(st.sampled_from(["", " DESC", " NULLS FIRST", " DESC NULLS LAST"])) for _ in keys]
        order = " ORDER BY " + ", ".join(q(k) + d for k, d in zip(keys, directions)) + (", " if keys else "") + q("id")
        ordered = True
        if draw(st.booleans()):
            order += f" LIMIT {draw(st.integers(0, 40))}"
            if draw(st.booleans()):
                order += f" OFFSET {draw(st.integers(0, 60))}"
    return Step(sql=f"SELECT {distinct}{projection} FROM {table}{alias}{where}{order}", ordered=ordered)


def set_expression(name, kind):
    choices = {
        "id": [f"{name} + 10000"],
        "real": [f"{name} * 2", f"{name} + 0.5", "NULL", f"COALESCE({name}, 0) + 1", "0.125", f"GREATEST({name}, 0.8)"],
        "int": [f"{name} + 1", f"COALESCE({name}, 0) * 2", "NULL", "7"],
        "ts": [f"{name} + interval '1 hour 0.5 seconds'", "NOW()", "NULL", "'2026-03-03 03:03:03.3'"],
        "ctx": [f"{name} || ARRAY['p']", "NULL", "ARRAY['a', NULL]::text[]", f"COALESCE({name}, ARRAY[]::text[]) || ARRAY['z']"],
        "god": ["'hera'", "'zeus'", f"{name} || '+'"],
        "word": ["'w002'", "'brand new'", f"{name} || '+'"],
    }[kind]
    return st.sampled_from(choices)


@st.composite
def write(draw):
    table = draw(st.sampled_from(sorted(TABLES)))
    columns = TABLES[table]
    returning = draw(st.sampled_from(["", "", "", " RETURNING *", " RETURNING id, word"]))
    kind = draw(st.sampled_from(["update", "update", "delete", "insert"]))
    if kind == "update":
        targets = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=3, unique_by=lambda c: c[0]))
        sets = ", ".join(f"{n} = {draw(set_expression(n, k))}" for n, k in targets)
        return Step(sql=f"UPDATE {table} SET {sets} WHERE {draw(predicate(table))}{returning}", error="*")
    if kind == "delete":
        return Step(sql=f"DELETE FROM {table} WHERE {draw(predicate(table))}{returning}", error="*")
    names = [n for n, k in columns if k != "id" and (n in NOT_NULL or draw(st.booleans()))]
    kinds = dict(columns)
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        values = [draw(literal(kinds[n])) if (n in NOT_NULL or draw(st.integers(0, 5))) else "NULL" for n in names]
        rows.append("(" + ", ".join(values) + ")")
    conflict = draw(st.sampled_from(["", "", " ON CONFLICT DO NOTHING"]))
    return Step(sql=f"INSERT INTO {table} ({', '.join(names)}) VALUES {', '.join(rows)}{conflict}{returning}", error="*")


def check(request, driver, step, writes, initial_words):
    direct, proxy = request.getfixturevalue(f"pair_{driver}")
    diffs = run_case(direct, proxy, [step], writes, initial_words)
    assert not diffs, step.sql + "\n" + "\n".join(diffs)


@pytest.fixture(scope="session")
def words_before(pair_psycopg2):
    direct, _ = pair_psycopg2
    return {r[0] for r in direct.raw("SELECT word FROM god_vocabulary_profiles UNION SELECT word FROM basin_relationships")}


@pytest.mark.parametrize("driver", ["psycopg2", "asyncpg"])
@reproducible
@settings(max_examples=int(60 * SCALE), **SETTINGS)
@given(step=read())
def test_random_reads(request, driver, step, words_before):
    check(request, driver, step, False, words_before)


@pytest.mark.parametrize("driver", ["psycopg2", "asyncpg"])
@reproducible
@settings(max_examples=int(40 * SCALE), **SETTINGS)
@given(step=write())
def test_random_writes(request, driver, step, words_before):
    check(request, driver, step, True, words_before)
