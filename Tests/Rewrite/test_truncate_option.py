"""`cutover.allow_truncate`: TRUNCATE of a legacy table in rewrite mode is refused by default (0A000,
the corpus's `refused/truncate`) and, with the option, empties the fold as the legacy table was
emptied: same command tag, no legacy rows left, the other legacy table untouched. Each TRUNCATE
runs in a transaction that is rolled back, so the session's databases stay as they were."""
import psycopg2
import pytest

import pgcutover_process
from conftest import LEGACY_DB, MIGRATED_DB, REPO, RUN_DIR, dsn, proxy_binary


@pytest.fixture(scope="module")
def truncating_proxy(postgres, databases, tmp_path_factory):
    config = tmp_path_factory.mktemp("truncate") / "pgcutover.toml"
    config.write_text(f'[cutover]\nmode = "rewrite"\nmapping = "{REPO / "config" / "mapping.toml"}"\n'
                      "allow_truncate = true\n")
    try:
        proxy = pgcutover_process.ProxyProcess("truncate", postgres, ["--config", str(config)],
                                               run_dir=RUN_DIR, binary=proxy_binary())
    except RuntimeError as e:
        pytest.fail(str(e))
    yield proxy
    proxy.stop()


def truncate_and_count(port, dbname):
    """The TRUNCATE's command tag, then the row counts of both legacy tables, inside one
    rolled-back transaction."""
    conn = psycopg2.connect(dsn(port, dbname))
    try:
        with conn.cursor() as cur:
            cur.execute("TRUNCATE basin_relationships")
            tag = cur.statusmessage
            cur.execute("SELECT (SELECT count(*) FROM basin_relationships), (SELECT count(*) FROM god_vocabulary_profiles)")
            counts = cur.fetchone()
        return tag, counts
    finally:
        conn.rollback()
        conn.close()


def test_truncate_is_refused_by_default(proxy):
    conn = psycopg2.connect(dsn(proxy.port, MIGRATED_DB))
    try:
        with pytest.raises(psycopg2.Error) as error, conn.cursor() as cur:
            cur.execute("TRUNCATE basin_relationships")
        assert error.value.pgcode == "0A000"
        assert "TRUNCATE" in str(error.value) and "basin_relationships" in str(error.value)
    finally:
        conn.close()


def test_allow_truncate_empties_the_fold_like_the_legacy_table(postgres, truncating_proxy):
    legacy_tag, legacy_counts = truncate_and_count(postgres, LEGACY_DB)
    tag, counts = truncate_and_count(truncating_proxy.port, MIGRATED_DB)
    assert legacy_tag == "TRUNCATE TABLE" and legacy_counts[0] == 0 and legacy_counts[1] > 0
    assert (tag, counts) == (legacy_tag, legacy_counts)
    # Rolled back: the fold still holds every relationship.
    conn = psycopg2.connect(dsn(truncating_proxy.port, MIGRATED_DB))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM basin_relationships")
            assert cur.fetchone()[0] > 0
    finally:
        conn.close()
