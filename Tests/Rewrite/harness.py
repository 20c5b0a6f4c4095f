"""Runs one legacy step on a database through a real driver and compares two outcomes.

A *side* is one driver connection: directly to the legacy database, or through pgcutover to the
migrated one. The same step runs on both; `compare` lists every difference a client could see
(column names, type OIDs and modifiers, parameter types, rows, command tag, rowcount, SQLSTATE).
Writes run in a transaction that is rolled back, so every statement starts from the fixture data;
inside it, after the write, `table_differences` compares the legacy tables with their
reconstruction from the JSONB columns three ways.
"""
import asyncio
import datetime
import io
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional

LEGACY_TABLES = ("god_vocabulary_profiles", "basin_relationships")
LEGACY_ONLY = "pgcutover:legacy-only"

# Sequences are not transactional: both sides start every transaction from the same next id.
RESET_SEQUENCES = ("SELECT setval('god_vocabulary_profiles_id_seq', 5000, false), "
                   "setval('basin_relationships_id_seq', 5000, false)")
NOW = "SELECT now()::timestamp, to_jsonb(now()::timestamp) #>> '{}'"

# The legacy rows rebuilt from the JSON with plain SQL on coordizer_vocabulary, following the data
# contract and independent of the rewriter's own derived tables (this text passes through pgcutover
# untouched, so it reads the migrated columns as they are).
RECONSTRUCTION = {
    "god_vocabulary_profiles": """
        SELECT (e.value->>'id')::integer, e.key, cv.token, (e.value->>'relevance_score')::real,
               (e.value->>'usage_count')::integer, (e.value->>'last_used')::timestamp,
               (e.value->>'learned_from_phi')::real, (e.value->>'basin_distance')::real
        FROM coordizer_vocabulary cv CROSS JOIN LATERAL jsonb_each(cv.god_profile) AS e""",
    "basin_relationships": """
        SELECT (r->>'id')::integer, cv.token, r->>'neighbor', (r->>'cooccurrence_count')::real,
               (r->>'strength')::real, (r->>'avg_phi')::real, (r->>'max_phi')::real,
               (r->>'fisher_distance')::real,
               CASE WHEN jsonb_typeof(r->'contexts') = 'array'
                    THEN ARRAY(SELECT jsonb_array_elements_text(r->'contexts')) END,
               (r->>'updated_at')::timestamp
        FROM coordizer_vocabulary cv CROSS JOIN LATERAL jsonb_array_elements(cv.relationships) AS r""",
}

# The contract's fold computed from the legacy tables as they are now (legacy database).
LEGACY_FOLD = """
    SELECT w.word,
        (SELECT jsonb_object_agg(g.god_name, jsonb_build_object('id', g.id, 'relevance_score', g.relevance_score,
            'usage_count', g.usage_count, 'last_used', g.last_used, 'learned_from_phi', g.learned_from_phi,
            'basin_distance', g.basin_distance)) FROM god_vocabulary_profiles AS g WHERE g.word = w.word)::text,
        (SELECT jsonb_agg(jsonb_build_object('id', b.id, 'neighbor', b.neighbor, 'cooccurrence_count',
            b.cooccurrence_count, 'strength', b.strength, 'avg_phi', b.avg_phi, 'max_phi', b.max_phi,
            'fisher_distance', b.fisher_distance, 'contexts', b.contexts, 'updated_at', b.updated_at) ORDER BY b.id)
         FROM basin_relationships AS b WHERE b.word = w.word)::text,
        cv.token IS NOT NULL, COALESCE(cv.source_type, '""" + LEGACY_ONLY + """')
    FROM (SELECT token AS word FROM coordizer_vocabulary
          UNION SELECT word FROM god_vocabulary_profiles UNION SELECT word FROM basin_relationships) AS w
    LEFT JOIN coordizer_vocabulary cv ON cv.token = w.word"""
MIGRATED_FOLD = """
    SELECT token, god_profile::text, relationships::text, active, source_type FROM coordizer_vocabulary"""
LEGACY_WORDS = "SELECT word FROM god_vocabulary_profiles UNION SELECT word FROM basin_relationships"


@dataclass
class Step:
    sql: str
    params: Optional[list] = None
    # psycopg2.extras.execute_values rows (sql has one VALUES %s); asyncpg runs the same statement
    # once per row with executemany.
    batch: Optional[list] = None
    template: Optional[str] = None
    # COPY … TO STDOUT: asyncpg's copy_from_table/copy_from_query arguments.
    copy: Optional[dict] = None
    ordered: bool = False
    order_key: Optional[list] = None
    # ORDER BY … LIMIT with ties at the boundary: only the ORDER BY key sequence is determined.
    ties: bool = False
    error: Optional[str] = None

    def asyncpg_sql(self) -> str:
        """psycopg2's %s placeholders become $n (the same %-formatting psycopg2 itself applies)."""
        if self.batch is not None:
            width = len(self.batch[0])
            row = (self.template or "(" + ", ".join(["%s"] * width) + ")") % tuple(f"${i + 1}" for i in range(width))
            return self.sql % (row,)
        if self.params:
            return self.sql % tuple(f"${i + 1}" for i in range(len(self.params)))
        return self.sql


@dataclass
class Outcome:
    columns: Optional[list] = None
    parameters: Optional[list] = None
    rows: Optional[list] = None
    status: Optional[str] = None
    rowcount: Optional[int] = None
    sqlstate: Optional[str] = None
    message: Optional[str] = None

    def brief(self) -> str:
        if self.sqlstate:
            return f"ERROR {self.sqlstate}: {self.message}"
        rows = self.rows if self.rows is None or len(self.rows) <= 8 else self.rows[:8] + [f"… {len(self.rows)} rows"]
        return f"columns={self.columns} params={self.parameters} status={self.status!r} rowcount={self.rowcount} rows={rows}"


def normalize(value: Any, now: tuple) -> Any:
    """Hashable, comparable form; the transaction's now() (different on each side) becomes <now>."""
    if isinstance(value, datetime.datetime) and now and value == now[0]:
        return "<now>"
    if isinstance(value, (list, tuple)):
        return tuple(normalize(v, now) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, normalize(v, now)) for k, v in value.items()))
    if isinstance(value, str) and now and value == now[1]:
        return "<now>"
    if isinstance(value, float) and value != value:
        return "NaN"  # NaN never equals itself; both sides' NaNs are the same value
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def normalize_json(text: Optional[str], now: tuple) -> Any:
    return None if text is None else normalize(json.loads(text), now)


class Psycopg2Side:
    """psycopg2: simple query protocol, parameters inlined as literals by the client."""

    driver = "psycopg2"

    def __init__(self, dsn: str, name: str):
        import psycopg2
        import psycopg2.extras
        self.psycopg2 = psycopg2
        self.extras = psycopg2.extras
        self.conn = psycopg2.connect(dsn)
        self.name = name
        self.now = None

    def begin(self):
        self.conn.rollback()
        cur = self.conn.cursor()
        cur.execute(RESET_SEQUENCES)
        cur.execute(NOW)
        self.now = cur.fetchone()

    def rollback(self):
        self.conn.rollback()
        self.now = None

    def run(self, step: Step) -> Outcome:
        cur = self.conn.cursor()
        try:
            if step.copy is not None:
                buf = io.BytesIO()
                cur.copy_expert(step.sql, buf)
                lines = buf.getvalue().decode().splitlines()
                return Outcome(rows=[(line,) for line in lines], status=cur.statusmessage, rowcount=cur.rowcount)
            if step.batch is not None:
                self.extras.execute_values(cur, step.sql, step.batch, template=step.template, page_size=10000)
            else:
                cur.execute(step.sql, step.params if step.params else None)
        except self.psycopg2.Error as e:
            return Outcome(sqlstate=e.pgcode, message=(e.pgerror or str(e)).strip())
        columns = None
        rows = None
        if cur.description is not None:
            columns = [(c.name, c.type_code, c.internal_size, c.precision, c.scale) for c in cur.description]
            rows = [normalize(r, self.now) for r in cur.fetchall()]
        return Outcome(columns=columns, rows=rows, status=cur.statusmessage, rowcount=cur.rowcount)

    def query(self, sql: str):
        cur = self.conn.cursor()
        cur.execute(sql)
        return [c.name for c in cur.description], [normalize(r, self.now) for r in cur.fetchall()]

    def raw(self, sql: str):
        cur = self.conn.cursor()
        cur.execute(sql)
        return cur.fetchall()

    def close(self):
        self.conn.close()


class AsyncpgSide:
    """asyncpg: extended protocol, named prepared statements, binary results and parameters."""

    driver = "asyncpg"

    def __init__(self, loop, port: int, dbname: str, name: str):
        import asyncpg
        self.asyncpg = asyncpg
        self.loop = loop
        self.name = name
        self.now = None
        self.conn = loop.run_until_complete(asyncpg.connect(
            host="127.0.0.1", port=port, user="postgres", database=dbname, ssl=False,
            statement_cache_size=0))

    def _do(self, coro):
        return self.loop.run_until_complete(coro)

    def begin(self):
        self._do(self.conn.execute("ROLLBACK"))
        self._do(self.conn.execute("BEGIN"))
        self._do(self.conn.fetch(RESET_SEQUENCES))
        row = self._do(self.conn.fetchrow(NOW))
        self.now = (row[0], row[1])

    def rollback(self):
        self._do(self.conn.execute("ROLLBACK"))
        self.now = None

    async def _fetch(self, sql: str):
        statement = await self.conn.prepare(sql)
        return await statement.fetch()

    def run(self, step: Step) -> Outcome:
        return self._do(self._run(step))

    async def _run(self, step: Step) -> Outcome:
        try:
            if step.copy is not None:
                chunks = []

                async def sink(data):
                    chunks.append(bytes(data))

                options = {k: v for k, v in step.copy.items() if k not in ("table", "query")}
                if "table" in step.copy:
                    status = await self.conn.copy_from_table(step.copy["table"], output=sink, **options)
                else:
                    status = await self.conn.copy_from_query(step.copy["query"], output=sink, **options)
                lines = b"".join(chunks).decode().splitlines()
                return Outcome(rows=[(line,) for line in lines], status=status)
            if step.batch is not None:
                await self.conn.executemany(step.asyncpg_sql(), step.batch)
                return Outcome(status=None)
            stmt = await self.conn.prepare(step.asyncpg_sql())
            columns = [(a.name, a.type.oid) for a in stmt.get_attributes()]
            parameters = [t.oid for t in stmt.get_parameters()]
            records = await stmt.fetch(*(step.params or []))
            rows = [normalize(tuple(r.values()), self.now) for r in records] if columns else None
            return Outcome(columns=columns or None, parameters=parameters, rows=rows, status=stmt.get_statusmsg())
        except self.asyncpg.PostgresError as e:
            return Outcome(sqlstate=e.sqlstate, message=str(e))

    def query(self, sql: str):
        records = self._do(self.conn.fetch(sql))
        names = list(records[0].keys()) if records else []
        return names, [normalize(tuple(r.values()), self.now) for r in records]

    def raw(self, sql: str):
        return [tuple(r.values()) for r in self._do(self.conn.fetch(sql))]

    def close(self):
        self._do(self.conn.close())


def compare(step: Step, direct: Outcome, proxy: Outcome) -> list:
    """Every difference a client would see between the legacy answer and pgcutover's."""
    diffs = []
    if direct.sqlstate or proxy.sqlstate:
        if direct.sqlstate != proxy.sqlstate:
            diffs.append(f"SQLSTATE: direct {direct.sqlstate} ({direct.message}) vs proxy {proxy.sqlstate} ({proxy.message})")
        return diffs
    if direct.columns != proxy.columns:
        diffs.append(f"columns: direct {direct.columns} vs proxy {proxy.columns}")
    if direct.parameters != proxy.parameters:
        diffs.append(f"parameter types: direct {direct.parameters} vs proxy {proxy.parameters}")
    if direct.status != proxy.status:
        diffs.append(f"command tag: direct {direct.status!r} vs proxy {proxy.status!r}")
    if direct.rowcount != proxy.rowcount:
        diffs.append(f"rowcount: direct {direct.rowcount} vs proxy {proxy.rowcount}")
    if (direct.rows is None) != (proxy.rows is None):
        diffs.append(f"result rows: direct {direct.rows is not None} vs proxy {proxy.rows is not None}")
    elif direct.rows is not None:
        if step.ties:
            key = lambda rows: [tuple(r[i] for i in step.order_key) for r in rows]
            if key(direct.rows) != key(proxy.rows):
                diffs.append(f"ORDER BY key sequence: direct {key(direct.rows)} vs proxy {key(proxy.rows)}")
        else:
            diffs += row_differences(direct.rows, proxy.rows, step.ordered, step.order_key)
    return diffs


def row_differences(d_rows, p_rows, ordered=False, order_key=None) -> list:
    diffs = []
    if ordered:
        if d_rows != p_rows:
            first = next((i for i, (a, b) in enumerate(zip(d_rows, p_rows)) if a != b), min(len(d_rows), len(p_rows)))
            diffs.append(f"rows in order: {len(d_rows)} vs {len(p_rows)} rows, first difference at {first}: "
                         f"direct {d_rows[first:first + 2]} vs proxy {p_rows[first:first + 2]}")
        return diffs
    dc, pc = Counter(d_rows), Counter(p_rows)
    if dc != pc:
        missing = list((dc - pc).elements())[:5]
        extra = list((pc - dc).elements())[:5]
        diffs.append(f"rows (multiset): {len(d_rows)} vs {len(p_rows)}; only direct {missing}; only proxy {extra}")
    elif order_key:
        key = lambda rows: [tuple(r[i] for i in order_key) for r in rows]
        if key(d_rows) != key(p_rows):
            diffs.append(f"ORDER BY key sequence differs (columns {order_key})")
    return diffs


def table_differences(direct, proxy, seen_words: set) -> list:
    """After a write, inside its transaction: the legacy tables (direct) against (1) the same
    `SELECT *` rewritten by pgcutover, (2) plain SQL over the JSON, (3) the contract's fold of the
    legacy tables against the JSONB containers, token rows and their flags."""
    diffs = []
    for table in LEGACY_TABLES:
        d_names, d_rows = direct.query(f"SELECT * FROM {table}")
        p_names, p_rows = proxy.query(f"SELECT * FROM {table}")
        if p_rows and d_names != p_names:
            diffs.append(f"{table} columns: {d_names} vs {p_names}")
        diffs += [f"{table} via SELECT *: {d}" for d in row_differences(d_rows, p_rows)]
        _, j_rows = proxy.query(RECONSTRUCTION[table])
        diffs += [f"{table} via SQL over the JSON: {d}" for d in row_differences(d_rows, j_rows)]
    seen_words |= {r[0] for r in direct.raw(LEGACY_WORDS)}
    expected = {}
    for word, gp, rel, has_token, source in direct.raw(LEGACY_FOLD):
        expected[word] = (normalize_json(gp, direct.now), normalize_json(rel, direct.now), has_token, source)
    for word in seen_words - expected.keys():
        expected[word] = (None, None, False, LEGACY_ONLY)  # emptied by a later statement; token row stays
    actual = {}
    for token, gp, rel, active, source in proxy.raw(MIGRATED_FOLD):
        actual[token] = (normalize_json(gp, proxy.now), normalize_json(rel, proxy.now), active, source)
    for word in sorted(expected.keys() | actual.keys()):
        if expected.get(word) != actual.get(word):
            diffs.append(f"fold of {word!r}: legacy {expected.get(word)} vs migrated {actual.get(word)}")
            if len(diffs) > 8:
                break
    return diffs


def run_case(direct, proxy, steps: list, writes: bool, initial_words: set) -> list:
    """Runs the steps on both sides in one transaction each (rolled back) and returns the diffs."""
    diffs = []
    direct.begin()
    proxy.begin()
    try:
        seen = set(initial_words)
        for i, step in enumerate(steps):
            d = direct.run(step)
            p = proxy.run(step)
            prefix = f"step {i + 1}: " if len(steps) > 1 else ""
            found = compare(step, d, p)
            # error "*": generated statements may fail, as long as both sides fail alike
            if step.error and step.error != "*" and d.sqlstate != step.error:
                found.append(f"direct database did not fail with {step.error}: {d.brief()}")
            if not step.error and d.sqlstate:
                found.append(f"legacy statement fails directly: {d.brief()}")
            if found:
                diffs += [prefix + f for f in found] + [f"{prefix}direct: {d.brief()}", f"{prefix}proxy:  {p.brief()}"]
                break
            if d.sqlstate:
                break
            if writes:
                found = table_differences(direct, proxy, seen)
                if found:
                    diffs += [prefix + "after the write: " + f for f in found]
                    break
    finally:
        direct.rollback()
        proxy.rollback()
    return diffs


def relationship_batch(count: int, seed: int, duplicate: bool = False, columns: int = 7) -> list:
    """execute_values rows for the issue's relationship upsert: existing pairs, new pairs, new words."""
    rng = random.Random(seed)
    rows, seen = [], set()
    while len(rows) < count:
        i = len(rows)
        word = f"batch word {rng.randrange(6)}" if rng.random() < 0.12 else f"w{rng.randrange(1, 81):03d}"
        neighbor = f"w{rng.randrange(1, 121):03d}"
        if (word, neighbor) in seen:
            continue
        seen.add((word, neighbor))
        rows.append((word, neighbor, float(rng.randrange(1, 40)) / 2, round(rng.random(), 3),
                     round(rng.random(), 3), round(rng.random(), 3), [f"ctx {i}", f"b{rng.randrange(9)}"])[:columns])
    if duplicate:
        rows.append(rows[0])
    return rows


def profile_batch(count: int, seed: int) -> list:
    """execute_values rows for the god profile upsert: (god_name, word, relevance_score)."""
    rng = random.Random(seed)
    gods = ["zeus", "athena", "apollo", "Hermes Trismegistus", "hera", "ares"]
    rows, seen = [], set()
    while len(rows) < count:
        word = f"w{rng.randrange(1, 70):03d}" if rng.random() < 0.8 else f"new word {rng.randrange(20)}"
        god = rng.choice(gods)
        if (god, word) in seen:
            continue
        seen.add((god, word))
        rows.append((god, word, round(rng.random(), 4)))
    return rows


GENERATORS = {"relationship_batch": relationship_batch, "profile_batch": profile_batch}
