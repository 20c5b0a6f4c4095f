"""TLS between client and target. Through pgcutover, TLS ends at the proxy with a certificate made at
test time; SCRAM must then work without channel binding."""
import psycopg2
import pytest


def ssl_in_use(conn):
    return conn.info.ssl_in_use


def test_scram_over_tls_require(tls_target):
    conn = psycopg2.connect(tls_target.dsn(user="scramuser", password="secret", sslmode="require"))
    try:
        assert ssl_in_use(conn) is True
        with conn.cursor() as cur:
            cur.execute("SELECT current_user, 40 + 2")
            assert cur.fetchone() == ("scramuser", 42)
    finally:
        conn.close()


def test_md5_over_tls_verify_full_with_the_targets_certificate(tls_target):
    # verify-full proves the client got the certificate the target was configured with.
    conn = psycopg2.connect(tls_target.dsn(user="md5user", password="secret", sslmode="verify-full",
                                           sslrootcert=str(tls_target.rootcert), host="localhost"))
    try:
        assert ssl_in_use(conn) is True
        assert conn.info.ssl_attribute("protocol") in ("TLSv1.2", "TLSv1.3")
        with conn.cursor() as cur:
            cur.execute("SELECT current_user")
            assert cur.fetchone() == ("md5user",)
    finally:
        conn.close()


def test_tls_verify_full_rejects_a_foreign_certificate(tls_target, test_cert, postgres_cert):
    other = postgres_cert if tls_target.is_proxy else test_cert[0]
    with pytest.raises(psycopg2.OperationalError) as info:
        psycopg2.connect(tls_target.dsn(sslmode="verify-full", sslrootcert=str(other), host="localhost"))
    assert "certificate verify failed" in str(info.value)


def test_wrong_scram_password_over_tls(tls_target):
    with pytest.raises(psycopg2.OperationalError) as info:
        psycopg2.connect(tls_target.dsn(user="scramuser", password="nope", sslmode="require"))
    assert 'password authentication failed for user "scramuser"' in str(info.value)


def test_sslmode_prefer_on_tls_target_uses_tls(tls_target):
    conn = psycopg2.connect(tls_target.dsn(sslmode="prefer"))
    try:
        assert ssl_in_use(conn) is True
    finally:
        conn.close()


def test_sslmode_require_without_tls_fails_cleanly(target):
    if not target.is_proxy:
        pytest.skip("Postgres under test has ssl = on; only the proxy without --tls-cert refuses TLS")
    with pytest.raises(psycopg2.OperationalError) as info:
        psycopg2.connect(target.dsn(sslmode="require"))
    # libpq's own words when the server answers SSLRequest with 'N', as a server with ssl = off does.
    assert "server does not support SSL, but SSL was required" in str(info.value)


def test_sslmode_prefer_without_tls_falls_back_to_plaintext(target):
    if not target.is_proxy:
        pytest.skip("Postgres under test has ssl = on; only the proxy without --tls-cert refuses TLS")
    conn = psycopg2.connect(target.dsn(user="scramuser", password="secret", sslmode="prefer"))
    try:
        assert ssl_in_use(conn) is False
        with conn.cursor() as cur:
            cur.execute("SELECT current_user")
            assert cur.fetchone() == ("scramuser",)
    finally:
        conn.close()
