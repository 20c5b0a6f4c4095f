"""A write through pgcutover that reaches both the legacy table and the consolidated column is one
transaction: when either half fails — a trigger that raises on the legacy table, a constraint or a
lock timeout on coordizer_vocabulary — the client gets the error and neither half is left behind.
Checked in dual-write (legacy statement, forward sync) and in rewrite with reverse dual-write
(rewritten statement, reverse sync)."""
import signal
import time

import psycopg2
import pytest

from conftest import REPO, RUN_DIR, PG_PORT, DATABASE, ProxyProcess, direct_connection

CONFIG = """
[cutover]
mapping = "{mapping}"
{body}
"""


def scalar(sql, params=None):
    with direct_connection() as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def execute_direct(sql, params=None):
    with direct_connection() as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        conn.commit()


def state(word):
    """Both sides of one word's relationships: legacy neighbors, and the neighbors in its JSON."""
    legacy = scalar("SELECT coalesce(array_agg(neighbor ORDER BY neighbor), '{}') FROM basin_relationships WHERE word = %s", (word,))
    folded = scalar("SELECT coalesce((SELECT array_agg(e->>'neighbor' ORDER BY e->>'neighbor') "
                    "FROM jsonb_array_elements(relationships) e), '{}') FROM coordizer_vocabulary WHERE token = %s", (word,))
    return legacy, folded


@pytest.fixture
def proxy():
    config = RUN_DIR / "atomicity.toml"
    config.write_text(CONFIG.format(mapping=REPO / "config" / "mapping.toml", body='mode = "dual-write"'))
    process = ProxyProcess("atomicity", PG_PORT, ["--config", str(config)])

    def switch(body):
        before = process.log.read_text(errors="replace").count("configuration reloaded")
        config.write_text(CONFIG.format(mapping=REPO / "config" / "mapping.toml", body=body))
        process.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while process.log.read_text(errors="replace").count("configuration reloaded") == before:
            assert time.monotonic() < deadline, "reload not seen"
            time.sleep(0.05)

    process.switch = switch
    yield process
    process.stop()


def client(proxy):
    return psycopg2.connect(f"host=127.0.0.1 port={proxy.port} user=postgres dbname={DATABASE} sslmode=disable",
                            application_name="e2e_atomicity")


@pytest.mark.parametrize("stage", ["dual-write", "rewrite+reverse"])
def test_a_failing_half_rolls_back_both(proxy, stage):
    if stage == "rewrite+reverse":
        proxy.switch('mode = "rewrite"\nreverse_dual_write = true')
    word = scalar("SELECT token FROM coordizer_vocabulary WHERE active AND relationships IS NOT NULL ORDER BY id OFFSET 3 LIMIT 1")
    before = state(word)
    assert before[0] == before[1], "the test starts from a word whose two sides agree"
    suffix = stage.replace("+", "_").replace("-", "_")
    execute_direct(f"""
        CREATE OR REPLACE FUNCTION atomicity_boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.neighbor LIKE 'boom%' THEN RAISE EXCEPTION 'legacy half refuses %', NEW.neighbor USING ERRCODE = 'P0001'; END IF;
            RETURN NEW;
        END $$;
        DROP TRIGGER IF EXISTS atomicity_boom ON basin_relationships;
        CREATE TRIGGER atomicity_boom BEFORE INSERT ON basin_relationships FOR EACH ROW EXECUTE FUNCTION atomicity_boom();
        ALTER TABLE coordizer_vocabulary DROP CONSTRAINT IF EXISTS atomicity_reject;
        ALTER TABLE coordizer_vocabulary ADD CONSTRAINT atomicity_reject
            CHECK (NOT coalesce(relationships @> '[{{"neighbor": "bad_{suffix}"}}]', false));
    """)
    conn = client(proxy)
    try:
        # The legacy half fails (in rewrite mode, the reverse sync's insert into the legacy table).
        with pytest.raises(psycopg2.Error) as info, conn.cursor() as cur:
            cur.execute("INSERT INTO basin_relationships (word, neighbor) VALUES (%s, %s), (%s, %s)",
                        (word, f"fine_{suffix}", word, f"boom_{suffix}"))
        assert info.value.pgcode == "P0001", info.value
        conn.rollback()
        assert state(word) == before

        # The consolidated half fails: a constraint on coordizer_vocabulary.
        with pytest.raises(psycopg2.Error) as info, conn.cursor() as cur:
            cur.execute("INSERT INTO basin_relationships (word, neighbor) VALUES (%s, %s), (%s, %s)",
                        (word, f"fine_{suffix}", word, f"bad_{suffix}"))
        assert info.value.pgcode == "23514", info.value
        conn.rollback()
        assert state(word) == before

        # The token row is held by another session: the write times out, and nothing of it stays.
        holder = psycopg2.connect(f"postgresql://postgres@127.0.0.1:{PG_PORT}/{DATABASE}")
        with holder.cursor() as cur:
            cur.execute("SELECT 1 FROM coordizer_vocabulary WHERE token = %s FOR UPDATE", (word,))
            with conn.cursor() as mine:
                mine.execute("SET lock_timeout = '300ms'")
                with pytest.raises(psycopg2.Error) as info:
                    mine.execute("INSERT INTO basin_relationships (word, neighbor) VALUES (%s, %s)", (word, f"late_{suffix}"))
                assert info.value.pgcode == "55P03", info.value
            conn.rollback()
        holder.rollback()
        holder.close()
        assert state(word) == before

        # And a write that fails nowhere lands on both sides.
        with conn.cursor() as cur:
            cur.execute("INSERT INTO basin_relationships (word, neighbor) VALUES (%s, %s)", (word, f"fine_{suffix}"))
            assert cur.rowcount == 1
        conn.commit()
        legacy, folded = state(word)
        assert f"fine_{suffix}" in legacy and legacy == folded
    finally:
        conn.close()
        execute_direct("DROP TRIGGER IF EXISTS atomicity_boom ON basin_relationships; "
                       "ALTER TABLE coordizer_vocabulary DROP CONSTRAINT IF EXISTS atomicity_reject")
