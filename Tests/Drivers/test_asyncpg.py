"""asyncpg (its own protocol implementation, binary format, extended protocol) through the target."""
import asyncio
import datetime
import decimal
import io
import json
import time
import uuid

import asyncpg
import pytest


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=120))


async def connect(target, **kw):
    kw.setdefault("user", "postgres")
    return await asyncpg.connect(host=target.host, port=target.port, database="postgres", ssl=False, **kw)


def test_prepared_statement_reused(target):
    async def main():
        conn = await connect(target)
        try:
            sql = "SELECT $1::int * 2 AS doubled, $2::text || '!' AS shout"
            stmt = await conn.prepare(sql)
            results = [tuple(await stmt.fetchrow(i, f"n{i}")) for i in range(200)]
            assert results == [(i * 2, f"n{i}!") for i in range(200)]
            assert [a.name for a in stmt.get_attributes()] == ["doubled", "shout"]
            assert [p.name for p in stmt.get_parameters()] == ["int4", "text"]
            # One server-side statement served all 200 executions.
            names = await conn.fetch("SELECT name FROM pg_prepared_statements WHERE statement = $1", sql)
            assert len(names) == 1
            # executemany pipelines Bind/Execute without a Sync per row.
            await conn.execute("CREATE TEMP TABLE em (a int, b text)")
            await conn.executemany("INSERT INTO em VALUES ($1, $2)", [(i, str(i)) for i in range(500)])
            assert await conn.fetchval("SELECT sum(a) FROM em") == sum(range(500))
        finally:
            await conn.close()
    run(main())


def test_binary_results_of_many_types(target):
    ts = datetime.datetime(2026, 11, 26, 5, 31, 58, 123456, tzinfo=datetime.timezone.utc)
    params = [
        ("int2", 32767), ("int4", -2147483648), ("int8", 9223372036854775807),
        ("float4", 1.5), ("float8", 3.141592653589793),
        ("numeric", decimal.Decimal("-12345678901234567890.000000000000000001")),
        ("text", "ünïcødé\ttab\\ 🐘"), ("bytea", bytes(range(256))),
        ("int4[]", [1, None, 3]), ("text[]", ["a", "b,c", "", None]),
        ("jsonb", json.dumps({"god": {"zeus": [1, 2]}, "n": None})),
        ("timestamptz", ts), ("timestamp", ts.replace(tzinfo=None)), ("date", datetime.date(1999, 12, 31)),
        ("interval", datetime.timedelta(days=3, seconds=7)), ("bool", False),
        ("uuid", uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ]

    async def main():
        conn = await connect(target)
        try:
            sql = "SELECT " + ", ".join(f"${i + 1}::{t}" for i, (t, _) in enumerate(params))
            row = await conn.fetchrow(sql, *[v for _, v in params])
            got = list(row)
            want = [v for _, v in params]
            assert got[10] == want[10] or json.loads(got[10]) == json.loads(want[10])
            got[10] = want[10] = None
            assert got == want
            # Results computed by the server, not echoed parameters.
            row = await conn.fetchrow(
                "SELECT 2^62::int8 AS i, 0.1::float8 + 0.2 AS f, 10::numeric / 4 AS n,"
                " decode('00ff', 'hex') AS b, ARRAY[[1,2],[3,4]] AS a, '{\"k\": [true]}'::jsonb AS j,"
                " '2000-01-01 00:00:00'::timestamp + interval '1 microsecond' AS t")
            assert row["i"] == 2 ** 62
            assert row["f"] == 0.1 + 0.2
            assert row["n"] == decimal.Decimal("2.5000000000000000")
            assert row["b"] == b"\x00\xff"
            assert row["a"] == [[1, 2], [3, 4]]
            assert json.loads(row["j"]) == {"k": [True]}
            assert row["t"] == datetime.datetime(2000, 1, 1, 0, 0, 0, 1)
        finally:
            await conn.close()
    run(main())


def test_copy_records_to_table_and_copy_from_query(target):
    async def main():
        conn = await connect(target)
        try:
            await conn.execute("CREATE TEMP TABLE cp (id int, t text, b bytea, ts timestamptz)")
            ts = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
            records = [(i, None if i % 7 == 0 else f"row\t{i}\\ ✓\n", bytes([i % 256]) * (i % 5),
                       ts + datetime.timedelta(seconds=i)) for i in range(5000)]
            status = await conn.copy_records_to_table("cp", records=records)
            assert status == "COPY 5000"
            back = await conn.fetch("SELECT id, t, b, ts FROM cp ORDER BY id")
            assert [tuple(r) for r in back] == records

            out = io.BytesIO()
            status = await conn.copy_from_query("SELECT id, t FROM cp WHERE id < 3000 ORDER BY id", output=out,
                                                format="csv")
            assert status == "COPY 3000"
            lines = out.getvalue().decode().split("\n")
            assert lines[0] == "0,"
            assert lines[1] == '1,"row\t1\\ ✓'  # the quoted value goes on over the newline
            assert out.getvalue().decode().count("✓") == sum(1 for i in range(3000) if i % 7)
        finally:
            await conn.close()
    run(main())


def test_timeout_sends_cancel_and_connection_stays_usable(target, admin):
    async def main():
        conn = await connect(target)
        try:
            pid = await conn.fetchval("SELECT pg_backend_pid()")
            started = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(conn.fetchval("SELECT pg_sleep(30)"), timeout=0.5)
            # The cancel reached the right backend: the next query runs at once.
            assert await asyncio.wait_for(conn.fetchval("SELECT 'usable'"), timeout=5) == "usable"
            elapsed = time.monotonic() - started
            assert elapsed < 3, f"query ended only after {elapsed:.1f}s"
            with admin.cursor() as cur:
                cur.execute("SELECT state, query FROM pg_stat_activity WHERE pid = %s", (pid,))
                state, query = cur.fetchone()
                assert state == "idle" and "pg_sleep" not in query
        finally:
            await conn.close()
    run(main())


def test_pg_cancel_backend_from_another_connection(target):
    async def main():
        victim = await connect(target)
        killer = await connect(target)
        try:
            pid = await victim.fetchval("SELECT pg_backend_pid()")
            task = asyncio.create_task(victim.fetchval("SELECT pg_sleep(30)"))
            for _ in range(100):
                if await killer.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1"
                                         " AND query LIKE '%pg_sleep(30)%' AND state = 'active'", pid):
                    break
                await asyncio.sleep(0.05)
            started = time.monotonic()
            assert await killer.fetchval("SELECT pg_cancel_backend($1)", pid) is True
            with pytest.raises(asyncpg.exceptions.QueryCanceledError) as info:
                await asyncio.wait_for(task, timeout=5)
            assert info.value.sqlstate == "57014"
            assert time.monotonic() - started < 3
            assert await victim.fetchval("SELECT 7") == 7
        finally:
            await victim.close()
            await killer.close()
    run(main())


def test_error_fields_are_relayed(target):
    async def main():
        conn = await connect(target)
        try:
            await conn.execute("CREATE TEMP TABLE ef (k int CONSTRAINT ef_k_positive CHECK (k > 0))")
            with pytest.raises(asyncpg.exceptions.CheckViolationError) as info:
                await conn.execute("INSERT INTO ef VALUES (-1)")
            e = info.value
            assert e.sqlstate == "23514"
            assert e.constraint_name == "ef_k_positive"
            assert e.table_name == "ef"
            assert e.detail == "Failing row contains (-1)."
            assert e.severity == "ERROR"
            with pytest.raises(asyncpg.exceptions.UndefinedFunctionError) as info:
                await conn.fetchval("SELECT no_such_fn(1)")
            assert info.value.hint.startswith("No function matches the given name and argument types.")
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()
    run(main())
