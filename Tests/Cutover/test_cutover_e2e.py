"""The staged cutover end to end, on a real PostgreSQL, through a real pgcutover.

Three legacy client programs (distinct application_names) keep reading and writing the two legacy
tables through the proxy, each on one connection for the whole test, while the configuration walks
every stage of docs/cutover.md by SIGHUP: passthrough, dual-write (with the backfill run under load),
shadow, rewrite for one client by rule, rewrite for all with reverse dual-write, and block for one
client. A probe session checks that a reload in the middle of its transaction changes nothing until
the transaction ends.

At the end: every write the clients were told was committed is in the legacy tables exactly once and
nowhere else; the reconstruction from the consolidated columns agrees with the legacy tables
(`pgcutover migrate verify`); the honest shadow stage found no mismatch; a JSON value corrupted on
purpose is reported as a mismatch; the audit report names every client with its exact statement count.
"""
import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg2
import pytest

from conftest import REPO, RUN_DIR, PG_PORT, DATABASE, ProxyProcess, pgcutover, direct_connection

GODS = ["e2e_apollo", "e2e_hermes", "e2e_athena"]
STAGE_SECONDS = float(os.environ.get("PGCUTOVER_E2E_STAGE_SECONDS", "3"))


def config_text(audit_log: Path, body: str) -> str:
    return f"""
[cutover]
mapping = "{REPO / 'config' / 'mapping.toml'}"
{body}

[cutover.shadow]
user = "postgres"
max_concurrent = 2

[audit]
log = "{audit_log}"
"""


STAGES = {
    "passthrough": 'mode = "passthrough"',
    "dual-write": 'mode = "dual-write"',
    "shadow": 'mode = "shadow"',
    "reader-ahead": '''mode = "shadow"

[[cutover.rules]]
name = "reader-ahead"
application_name = "e2e_reader"
mode = "rewrite"
reverse_dual_write = true''',
    "rewrite": '''mode = "rewrite"
reverse_dual_write = true''',
    "reader-blocked": '''mode = "rewrite"
reverse_dual_write = true
block_hint = "e2e: this client should have moved"

[[cutover.rules]]
name = "reader-held"
application_name = "e2e_reader"
mode = "block"''',
}


class Client(threading.Thread):
    """One legacy program on one connection. `sent` counts the statements naming a legacy table it
    sent (what the audit must count); `errors` are the unexpected ones."""

    def __init__(self, name: str, dsn: str):
        super().__init__(name=name, daemon=True)
        self.conn = psycopg2.connect(dsn, application_name=name)
        self.backend_pid = self.pid()
        self.stop = threading.Event()
        self.sent = 0
        self.committed_transactions = 0
        self.errors: list[str] = []
        self.retried = Counter()
        self.random = random.Random(name)
        # What the running transaction will have done once committed: key -> value, None = deleted.
        self.pending: dict = {}
        self.expected: dict = {}

    def pid(self) -> int:
        with self.conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        self.conn.commit()
        return pid

    def run(self):
        while not self.stop.is_set():
            self.pending = {}
            try:
                self.transaction()
                self.conn.commit()
            except psycopg2.Error as error:
                self.conn.rollback()
                self.failed(error)
            except AssertionError as error:
                self.conn.rollback()
                self.errors.append(f"wrong answer: {error}")
            else:
                self.committed_transactions += 1
                for key, value in self.pending.items():
                    if value is None:
                        self.expected.pop(key, None)
                    else:
                        self.expected[key] = value
            time.sleep(0.005)
        # The connection must have survived every reload.
        try:
            if self.pid() != self.backend_pid:
                self.errors.append("backend changed: the connection was dropped")
        except psycopg2.Error as error:
            self.errors.append(f"connection lost: {error}")

    def execute(self, cur, sql, params=()):
        self.sent += 1
        cur.execute(sql, params)

    def failed(self, error):
        # Serialization failures and deadlocks are a legacy client's everyday errors; it retries.
        if error.pgcode in ("40001", "40P01"):
            self.retried[error.pgcode] += 1
            return
        self.errors.append(f"{error.pgcode}: {error}")


class ProfileWriter(Client):
    """Upserts and bumps (god, word) profiles and sometimes deletes one, in two-statement
    transactions; `expected` is the state the legacy table must end in, from what was committed
    and what the client was told (row counts, RETURNING)."""

    def __init__(self, dsn, words):
        super().__init__("e2e_profiles", dsn)
        self.words = words

    def transaction(self):
        god = self.random.choice(GODS)
        word = self.random.choice(self.words)
        key = (god, word)
        with self.conn.cursor() as cur:
            if key in self.expected and self.random.random() < 0.15:
                self.execute(cur, "DELETE FROM god_vocabulary_profiles WHERE god_name = %s AND word = %s", key)
                assert cur.rowcount == 1, f"DELETE told {cur.rowcount} rows for {key}"
                self.pending[key] = None
                return
            score = round(self.random.uniform(0, 1), 3)
            self.execute(
                cur,
                "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES (%s, %s, %s) "
                "ON CONFLICT (god_name, word) DO UPDATE SET relevance_score = EXCLUDED.relevance_score, "
                "usage_count = god_vocabulary_profiles.usage_count + 1",
                (god, word, score))
            assert cur.rowcount == 1, f"INSERT told {cur.rowcount} rows"
            usage = self.expected[key][1] + 1 if key in self.expected else 0
            self.execute(
                cur,
                "UPDATE god_vocabulary_profiles SET usage_count = usage_count + 10 WHERE god_name = %s AND word = %s "
                "RETURNING usage_count", key)
            returned = cur.fetchall()
            assert returned == [(usage + 10,)], f"UPDATE RETURNING {returned}, expected {usage + 10} for {key}"
            self.pending[key] = (score, usage + 10)


class GraphWriter(Client):
    """The same for basin_relationships: upserts (word, neighbor) edges with contexts and bumps
    their counts."""

    def __init__(self, dsn, words):
        super().__init__("e2e_graph", dsn)
        self.words = words

    def transaction(self):
        word = self.random.choice(self.words)
        neighbor = f"e2e_neighbor_{self.random.randrange(6)}"
        key = (word, neighbor)
        with self.conn.cursor() as cur:
            if key in self.expected and self.random.random() < 0.15:
                self.execute(cur, "DELETE FROM basin_relationships WHERE word = %s AND neighbor = %s", key)
                assert cur.rowcount == 1, f"DELETE told {cur.rowcount} rows for {key}"
                self.pending[key] = None
                return
            context = f"ctx {self.random.randrange(100)} 'quoted' \\ é"
            self.execute(
                cur,
                "INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, contexts) "
                "VALUES (%s, %s, 1, ARRAY[%s]) ON CONFLICT (word, neighbor) DO UPDATE SET "
                "cooccurrence_count = basin_relationships.cooccurrence_count + 1, contexts = EXCLUDED.contexts",
                (word, neighbor, context))
            assert cur.rowcount == 1, f"INSERT told {cur.rowcount} rows"
            count = self.expected[key][0] + 1 if key in self.expected else 1
            self.execute(cur, "UPDATE basin_relationships SET strength = %s WHERE word = %s AND neighbor = %s",
                         (count / 100.0, word, neighbor))
            assert cur.rowcount == 1, f"UPDATE told {cur.rowcount} rows"
            self.pending[key] = (count, [context])


class Reader(Client):
    """Reads both tables the ways legacy scripts do; blocked with 42501 while a rule holds it back."""

    def __init__(self, dsn, words):
        super().__init__("e2e_reader", dsn)
        self.words = words
        self.blocked = 0

    def transaction(self):
        with self.conn.cursor() as cur:
            god = self.random.choice(GODS)
            self.execute(cur, "SELECT word, relevance_score, usage_count FROM god_vocabulary_profiles "
                              "WHERE god_name = %s ORDER BY word", (god,))
            cur.fetchall()
            words = self.random.sample(self.words, 3)
            self.execute(cur, "SELECT word, neighbor, cooccurrence_count FROM basin_relationships "
                              "WHERE word = ANY(%s) ORDER BY word, neighbor", (words,))
            cur.fetchall()
            self.execute(cur, "SELECT count(*) FROM god_vocabulary_profiles g JOIN basin_relationships b "
                              "ON b.word = g.word WHERE g.god_name = %s", (god,))
            cur.fetchone()

    def failed(self, error):
        if error.pgcode == "42501" and "e2e: this client should have moved" in (error.diag.message_hint or ""):
            self.blocked += 1
            return
        super().failed(error)


def audit_records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def legacy_rows(sql: str, params=None) -> list[tuple]:
    with direct_connection() as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def test_staged_cutover_under_load(tmp_path):
    audit_log = RUN_DIR / "cutover-audit.jsonl"
    audit_log.unlink(missing_ok=True)
    config = RUN_DIR / "cutover.toml"

    def stage(name):
        config.write_text(config_text(audit_log, STAGES[name]))

    stage("passthrough")
    proxy = ProxyProcess("cutover", PG_PORT, ["--config", str(config)])
    dsn = f"host=127.0.0.1 port={proxy.port} user=postgres dbname={DATABASE} sslmode=disable"

    def reloads() -> int:
        return sum("configuration reloaded" in line for line in proxy.log.read_text(errors="replace").splitlines())

    def reload(name):
        before = reloads()
        stage(name)
        proxy.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: reloads() > before, what=f"the reload to {name}")

    words = [row[0] for row in legacy_rows(
        "SELECT token FROM coordizer_vocabulary ORDER BY id LIMIT 12")] + ["e2e_new_word_α", "e2e_new_word_'q'"]
    profiles = ProfileWriter(dsn, words)
    graph = GraphWriter(dsn, [w + "_g" if w.startswith("e2e_new") else w for w in words])
    reader = Reader(dsn, words)
    clients = [profiles, graph, reader]
    probe = psycopg2.connect(dsn, application_name="e2e_probe")
    try:
        for client in clients:
            client.start()

        time.sleep(STAGE_SECONDS)  # passthrough: the audit finds the callers

        reload("dual-write")
        time.sleep(STAGE_SECONDS)

        # The backfill runs under load with dual-write on, then verify must be clean.
        pgcutover("migrate", "up", timeout=600)
        time.sleep(STAGE_SECONDS)
        pgcutover("migrate", "verify", timeout=600)

        reload("shadow")
        time.sleep(STAGE_SECONDS)
        records = audit_records(audit_log)
        shadowed = [r for r in records if r["action"] == "shadowed"]
        assert shadowed, "shadow mode compared nothing"
        verdicts = Counter(r["shadow_verdict"] for r in shadowed)
        assert verdicts["mismatch"] == 0, [r["shadow_summary"] for r in shadowed if r["shadow_verdict"] == "mismatch"][:3]
        assert verdicts["match"] > 0, verdicts

        # A JSON value corrupted behind the proxy's back shows up as a mismatch.
        corrupt_word, corrupt_god, original = legacy_rows(
            "SELECT word, god_name, relevance_score FROM god_vocabulary_profiles "
            "WHERE god_name NOT LIKE 'e2e_%%' ORDER BY id LIMIT 1")[0]
        with direct_connection() as conn, conn.cursor() as cur:
            cur.execute("UPDATE coordizer_vocabulary SET god_profile = jsonb_set(god_profile, ARRAY[%s, 'relevance_score'], "
                        "to_jsonb(%s::real)) WHERE token = %s", (corrupt_god, original + 1, corrupt_word))
            conn.commit()
        with probe.cursor() as cur:
            cur.execute("SELECT god_name, relevance_score FROM god_vocabulary_profiles WHERE word = %s ORDER BY god_name",
                        (corrupt_word,))
            assert (corrupt_god, pytest.approx(original)) in cur.fetchall(), "the client must get the legacy answer"
        probe.commit()
        mismatch = wait_for(lambda: [r for r in audit_records(audit_log)
                                     if r["application_name"] == "e2e_probe" and r["shadow_verdict"] == "mismatch"],
                            what="the mismatch record")
        assert "mismatch" in json.dumps(mismatch[0])
        assert mismatch[0]["shadow_summary"], mismatch[0]
        with direct_connection() as conn, conn.cursor() as cur:
            cur.execute("UPDATE coordizer_vocabulary SET god_profile = jsonb_set(god_profile, ARRAY[%s, 'relevance_score'], "
                        "to_jsonb(%s::real)) WHERE token = %s", (corrupt_god, original, corrupt_word))
            conn.commit()

        reload("reader-ahead")
        time.sleep(STAGE_SECONDS)

        # A reload in the middle of a transaction: the transaction keeps the mode it began with.
        with probe.cursor() as cur:
            cur.execute("SELECT count(*) FROM god_vocabulary_profiles")
            cur.execute("SHOW pgcutover.sync")
            sync_before = cur.fetchone()[0]
            reload("rewrite")
            cur.execute("SELECT count(*) FROM basin_relationships")
            cur.execute("SHOW pgcutover.sync")
            assert cur.fetchone()[0] == sync_before, "the setting changed inside a transaction"
        probe.commit()
        with probe.cursor() as cur:
            cur.execute("SELECT count(*) FROM basin_relationships")
            cur.execute("SHOW pgcutover.sync")
            assert "reverse" in cur.fetchone()[0], "the next transaction must run in the new mode"
        probe.commit()
        time.sleep(STAGE_SECONDS)

        reload("reader-blocked")
        time.sleep(STAGE_SECONDS)
    finally:
        for client in clients:
            client.stop.set()
        for client in clients:
            client.join(timeout=30)
        probe.close()
        proxy.stop()

    for client in clients:
        assert not client.errors, f"{client.name}: {client.errors[:5]}"
        assert client.committed_transactions > 0, client.name
    assert reader.blocked > 0, "the block rule never applied"

    # The probe's mid-transaction statements: modes by transaction.
    records = audit_records(audit_log)
    probe_records = [r for r in records if r["application_name"] == "e2e_probe"]
    modes = [(r["tables"], r["mode"]) for r in probe_records]
    assert (["god_vocabulary_profiles"], "shadow") in modes
    assert modes.count((["basin_relationships"], "shadow")) == 1, modes
    assert (["basin_relationships"], "rewrite") in modes, modes

    # Every committed write is in the legacy tables, once; nothing else of ours is.
    got = {(g, w): (pytest.approx(r, abs=1e-6), u) for g, w, r, u in legacy_rows(
        "SELECT god_name, word, relevance_score, usage_count FROM god_vocabulary_profiles WHERE god_name LIKE 'e2e_%'")}
    assert got == profiles.expected
    got = {(w, n): (c, ctx) for w, n, c, ctx in legacy_rows(
        "SELECT word, neighbor, cooccurrence_count, contexts FROM basin_relationships WHERE neighbor LIKE 'e2e_%'")}
    assert got == graph.expected
    # ...and the consolidated columns say the same (verify exits non-zero on any difference).
    pgcutover("migrate", "verify", timeout=600)

    # The residual-access report names every client, with its exact count.
    report = json.loads(pgcutover("audit", "report", "--log", str(audit_log), "--format", "json"))
    counts = Counter()
    for group in report:
        counts[group["application_name"]] += group["count"]
    for client in clients:
        assert counts[client.name] == client.sent, (client.name, counts[client.name], client.sent)
