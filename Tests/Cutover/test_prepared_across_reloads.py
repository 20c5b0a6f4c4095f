"""Drivers with statement caches (asyncpg here) Parse a statement once and Bind it for the life of
the connection. After a reload, such a statement must still run in the new mode from the session's
next transaction on: pgcutover prepares it again behind the driver's back. One asyncpg connection
runs a prepared legacy read and a cached legacy write across reloads dual-write -> rewrite ->
dual-write -> block -> dual-write. Evidence from the data (the two sides are made to differ behind the proxy's back, so a
read says which side answered; rewrite without reverse dual-write leaves the legacy row alone) and
from the audit log."""
import asyncio
import json
import signal
import time

import asyncpg
import pytest

from conftest import REPO, RUN_DIR, PG_PORT, DATABASE, ProxyProcess, direct_connection

GOD = "reprepare_hermes"
READ = "SELECT relevance_score FROM god_vocabulary_profiles WHERE god_name = $1 AND word = $2"
WRITE = "UPDATE god_vocabulary_profiles SET relevance_score = $1 WHERE god_name = $2 AND word = $3"
INSERT = "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ($1, $2, $3)"


def config_text(audit_log, mode):
    return f"""
[cutover]
mapping = "{REPO / 'config' / 'mapping.toml'}"
mode = "{mode}"

[audit]
log = "{audit_log}"
"""


def sides(word):
    """(legacy relevance_score, folded relevance_score) of GOD's profile of `word`."""
    with direct_connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT relevance_score FROM god_vocabulary_profiles WHERE god_name = %s AND word = %s", (GOD, word))
        legacy = cur.fetchone()
        cur.execute("SELECT (god_profile -> %s ->> 'relevance_score')::real FROM coordizer_vocabulary WHERE token = %s", (GOD, word))
        folded = cur.fetchone()
        return (legacy[0] if legacy else None, folded[0] if folded else None)


def set_legacy_only(word, score):
    """Behind the proxy's back: pgcutover.sync is unset here, so the triggers leave the fold alone."""
    with direct_connection() as conn, conn.cursor() as cur:
        cur.execute("UPDATE god_vocabulary_profiles SET relevance_score = %s WHERE god_name = %s AND word = %s", (score, GOD, word))
        conn.commit()


def test_cached_statements_follow_reloads(tmp_path):
    audit_log = RUN_DIR / "reprepare-audit.jsonl"
    audit_log.unlink(missing_ok=True)
    config = RUN_DIR / "reprepare.toml"
    config.write_text(config_text(audit_log, "dual-write"))
    proxy = ProxyProcess("reprepare", PG_PORT, ["--config", str(config)])

    def reload(mode):
        before = proxy.log.read_text(errors="replace").count("configuration reloaded")
        config.write_text(config_text(audit_log, mode))
        proxy.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while proxy.log.read_text(errors="replace").count("configuration reloaded") == before:
            assert time.monotonic() < deadline, "reload not seen"
            time.sleep(0.05)

    with direct_connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT token FROM coordizer_vocabulary WHERE active AND NOT (coalesce(god_profile, '{}') ? %s) "
                    "ORDER BY id OFFSET 11 LIMIT 1", (GOD,))
        word = cur.fetchone()[0]

    async def scenario():
        conn = await asyncpg.connect(host="127.0.0.1", port=proxy.port, user="postgres", database=DATABASE, ssl=False)
        try:
            # Named statements: the explicit one, and the ones asyncpg's cache keeps for execute().
            read = await conn.prepare(READ)

            async def value(statement):
                # fetch, not fetchval: a row limit ends the portal with PortalSuspended, which the
                # audit does not record.
                rows = await statement.fetch(GOD, word)
                assert len(rows) == 1, rows
                return rows[0][0]

            async def write(score):
                assert await conn.execute(WRITE, score, GOD, word) == "UPDATE 1"

            # dual-write: the forward trigger folds the legacy insert and update.
            assert await conn.execute(INSERT, GOD, word, 0.125) == "INSERT 0 1"
            await write(0.25)
            assert sides(word) == (0.25, 0.25)
            set_legacy_only(word, 0.375)
            for _ in range(3):
                assert await value(read) == 0.375, "dual-write reads the legacy table"

            reload("rewrite")
            for _ in range(3):
                assert await value(read) == 0.25, "rewrite reads the fold"
            await write(0.5)
            assert sides(word) == (0.375, 0.5), "rewrite without reverse dual-write leaves the legacy row alone"
            assert await value(read) == 0.5
            # In a transaction too: the modes came at its start.
            async with conn.transaction():
                await write(0.625)
                assert await value(read) == 0.625
            assert sides(word) == (0.375, 0.625)

            reload("dual-write")
            assert await value(read) == 0.375, "back to the legacy table"
            await write(0.75)
            assert sides(word) == (0.75, 0.75), "dual-write again: the legacy write reaches both sides"
            assert await value(read) == 0.75

            # Blocked: the error at the cached statements' Bind; lifted: they run again.
            reload("block")
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="god_vocabulary_profiles"):
                await value(read)
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await write(0.875)
            reload("dual-write")
            assert await value(read) == 0.75
            await write(0.875)
            assert sides(word) == (0.875, 0.875)
        finally:
            await conn.close()

    try:
        asyncio.run(scenario())
    finally:
        proxy.stop()

    records = [json.loads(line) for line in audit_log.read_text().splitlines() if line.strip()]
    mine = [(r["kind"], r["mode"], r["action"], r["rewritten_statement"] is not None)
            for r in records if r["kind"] in ("select", "update") and r["sqlstate"] is None
            and r["statement"] and "relevance_score" in r["statement"] and "god_name" in r["statement"]]
    assert mine == [
        ("update", "dual-write", "dual-written", False),
        ("select", "dual-write", "passed", False),
        ("select", "dual-write", "passed", False),
        ("select", "dual-write", "passed", False),
        ("select", "rewrite", "rewritten", True),
        ("select", "rewrite", "rewritten", True),
        ("select", "rewrite", "rewritten", True),
        ("update", "rewrite", "rewritten", True),
        ("select", "rewrite", "rewritten", True),
        ("update", "rewrite", "rewritten", True),
        ("select", "rewrite", "rewritten", True),
        ("select", "dual-write", "passed", False),
        ("update", "dual-write", "dual-written", False),
        ("select", "dual-write", "passed", False),
        ("select", "dual-write", "passed", False),
        ("update", "dual-write", "dual-written", False),
    ], mine
    blocked = [(r["kind"], r["action"], r["sqlstate"]) for r in records if r["mode"] == "block"]
    assert blocked == [(None, "blocked", "42501"), (None, "blocked", "42501")], blocked
