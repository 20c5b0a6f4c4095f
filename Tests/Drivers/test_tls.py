"""TLS between client and target. Through pgcutover, TLS ends at the proxy with a certificate made at
test time; SCRAM must then work without channel binding."""
import psycopg2
import pytest

from conftest import DIRECT


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


@pytest.mark.parametrize("user,extra", [
    ("md5user", {}), ("postgres", {}),
    # libpq's default channel_binding=prefer sends the gs2 flag 'y' when it is offered plain SCRAM over
    # TLS; a server that itself speaks TLS (to the proxy) and so could bind rejects that as a downgrade.
    # No proxy can rewrite it (the flag is inside the signed SCRAM messages), so libpq must disable it.
    ("scramuser", {"channel_binding": "disable"}),
])
def test_tls_on_both_legs(tls_upstream_target, user, extra):
    conn = psycopg2.connect(tls_upstream_target.dsn(user=user, password="secret", sslmode="require", **extra))
    try:
        assert ssl_in_use(conn) is True
        with conn.cursor() as cur:
            cur.execute("SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            assert cur.fetchone() == (user, True)  # the server's side of the session is encrypted too
    finally:
        conn.close()


def test_scram_over_both_tls_legs_with_drivers_that_do_not_bind(tls_upstream_target):
    # asyncpg speaks SCRAM with gs2 flag 'n'; the proxy must not offer it SCRAM-SHA-256-PLUS.
    import asyncio
    import ssl

    import asyncpg

    async def main():
        ctx = ssl.create_default_context(cafile=str(tls_upstream_target.rootcert))
        conn = await asyncpg.connect(host="localhost", port=tls_upstream_target.port, user="scramuser",
                                     password="secret", database="postgres", ssl=ctx)
        try:
            return await conn.fetchrow("SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        finally:
            await conn.close()
    assert tuple(asyncio.run(main())) == ("scramuser", True)


def test_libpq_default_channel_binding_over_both_tls_legs(tls_upstream_target):
    dsn = tls_upstream_target.dsn(user="scramuser", password="secret", sslmode="require")
    if not tls_upstream_target.is_proxy:
        psycopg2.connect(dsn).close()  # Postgres binds to its own TLS session
        return
    # Through the proxy this cannot work (see above); the client must be told why, by the proxy.
    with pytest.raises(psycopg2.OperationalError) as info:
        psycopg2.connect(dsn)
    assert "channel binding" in str(info.value)
    assert "channel_binding=disable" in str(info.value)


def test_channel_binding_required_is_refused_when_tls_ends_at_the_proxy(tls_upstream_target):
    if not tls_upstream_target.is_proxy:
        pytest.skip("Postgres terminates TLS itself, so channel binding works when direct")
    with pytest.raises(psycopg2.OperationalError) as info:
        psycopg2.connect(tls_upstream_target.dsn(user="scramuser", password="secret", sslmode="require",
                                                 channel_binding="require"))
    assert "channel binding" in str(info.value)


@pytest.mark.parametrize("which", ["tls", "tls_upstream"])
def test_cancel_on_a_tls_session(which, tls_target, tls_upstream_target):
    # libpq sends the CancelRequest on a new connection, in the clear (PostgreSQL < 17 clients).
    import threading
    import time

    import psycopg2.errors
    t = tls_target if which == "tls" else tls_upstream_target
    conn = psycopg2.connect(t.dsn(sslmode="require"))
    try:
        assert ssl_in_use(conn) is True
        timer = threading.Timer(0.5, conn.cancel)
        started = time.monotonic()
        timer.start()
        with pytest.raises(psycopg2.errors.QueryCanceled):
            with conn.cursor() as cur:
                cur.execute("SELECT pg_sleep(30)")
        timer.join()
        assert time.monotonic() - started < 5
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("SELECT 'after cancel'")
            assert cur.fetchone()[0] == "after cancel"
    finally:
        conn.close()


@pytest.fixture
def server_cert_for_a_name(admin, postgres, tmp_path):
    """The server presents, for the length of one test, a certificate that names only
    db.right.example (no IP address), so that only the name can make verify-full pass."""
    import os
    import shutil
    import subprocess
    from conftest import REPO
    datadir = subprocess.run([str(REPO / "scripts" / "postgres.sh"), "datadir", str(postgres)],
                             capture_output=True, text=True, check=True).stdout.strip()
    cert, key = os.path.join(datadir, "named.crt"), os.path.join(datadir, "named.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=db.right.example", "-addext", "subjectAltName=DNS:db.right.example",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    shutil.copy(cert, tmp_path / "named.crt")
    if os.geteuid() == 0:
        shutil.chown(cert, "postgres")
        shutil.chown(key, "postgres")
    os.chmod(key, 0o600)
    with admin.cursor() as cur:
        cur.execute("ALTER SYSTEM SET ssl_cert_file = 'named.crt'")
        cur.execute("ALTER SYSTEM SET ssl_key_file = 'named.key'")
        cur.execute("SELECT pg_reload_conf()")
    try:
        yield tmp_path / "named.crt"
    finally:
        with admin.cursor() as cur:
            cur.execute("ALTER SYSTEM RESET ssl_cert_file")
            cur.execute("ALTER SYSTEM RESET ssl_key_file")
            cur.execute("SELECT pg_reload_conf()")


@pytest.mark.parametrize("server_name, works", [("db.right.example", True), ("db.wrong.example", False)])
def test_upstream_verify_full_checks_the_host_name(start_proxy, server_cert_for_a_name, server_name, works):
    """Toward the server, verify-full checks the certificate's name, not only its signature: the
    server's certificate names db.right.example alone, so any other name is refused, and the proxy
    never falls back to plaintext."""
    if DIRECT:
        pytest.skip("about the proxy's connection to the server")
    import time
    time.sleep(0.5)  # pg_reload_conf() signals the postmaster; new connections then get the new certificate
    proxy = start_proxy(f"verify-{server_name}", "--upstream-sslmode", "verify-full",
                        "--upstream-sslrootcert", str(server_cert_for_a_name), "--upstream-sslservername", server_name)
    dsn = f"host=127.0.0.1 port={proxy.port} user=postgres dbname=postgres sslmode=disable connect_timeout=10"
    if works:
        conn = psycopg2.connect(dsn)
        with conn.cursor() as cur:
            cur.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            assert cur.fetchone() == (True,), "the proxy's connection to the server must be TLS"
        conn.close()
    else:
        with pytest.raises(psycopg2.OperationalError) as info:
            psycopg2.connect(dsn)
        assert "certificate" in str(info.value).lower() or "tls" in str(info.value).lower(), info.value


@pytest.mark.parametrize("mode, encrypted", [("disable", False), ("prefer", True), ("require", True)])
def test_upstream_sslmode_as_the_server_sees_it(start_proxy, mode, encrypted):
    """`--upstream-sslmode` on the proxy's own connection, checked where it counts: the server's
    pg_stat_ssl for the backend serving the client (the project's server has TLS on)."""
    if DIRECT:
        pytest.skip("about the proxy's connection to the server")
    proxy = start_proxy(f"upstream-{mode}", "--upstream-sslmode", mode)
    conn = psycopg2.connect(f"host=127.0.0.1 port={proxy.port} user=postgres dbname=postgres sslmode=disable")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            assert cur.fetchone() == (encrypted,)
    finally:
        conn.close()


class ClientHelloRecorder:
    """A stand-in server that answers the proxy's SSLRequest with 'S', reads the TLS ClientHello
    that follows and records its server_name extension (SNI), then hangs up: hosted Postgres
    (Neon and others) routes connections by that name, so it must be on the wire."""

    def __init__(self):
        import socket
        import threading
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.hello = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.listener.accept()
        with conn:
            conn.settimeout(10)
            request = self._read(conn, 8)
            assert request[4:] == (80877103).to_bytes(4, "big"), request
            conn.sendall(b"S")
            header = self._read(conn, 5)
            assert header[0] == 0x16, "a TLS handshake record"
            self.hello = self._read(conn, int.from_bytes(header[3:5], "big"))

    @staticmethod
    def _read(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError(f"got {len(data)} of {n} bytes")
            data += chunk
        return data

    def server_name(self):
        """The host_name in the ClientHello's server_name extension, or None without one."""
        self.thread.join(timeout=15)
        hello = self.hello
        assert hello is not None and hello[0] == 1, "no ClientHello arrived"
        at = 4 + 2 + 32  # handshake header, client_version, random
        at += 1 + hello[at]  # session_id
        at += 2 + int.from_bytes(hello[at:at + 2], "big")  # cipher_suites
        at += 1 + hello[at]  # compression_methods
        end = at + 2 + int.from_bytes(hello[at:at + 2], "big")
        at += 2
        while at < end:
            kind, length = int.from_bytes(hello[at:at + 2], "big"), int.from_bytes(hello[at + 2:at + 4], "big")
            if kind == 0:  # server_name: list length, name type 0 (host_name), name length, name
                assert hello[at + 6] == 0
                size = int.from_bytes(hello[at + 7:at + 9], "big")
                return hello[at + 9:at + 9 + size].decode()
            at += 4 + length
        return None

    def close(self):
        self.listener.close()


@pytest.mark.parametrize("upstream_host, extra, expected", [
    ("localhost", [], "localhost"),
    ("127.0.0.1", ["--upstream-sslservername", "ep-cool-name-123456.eu-central-1.aws.neon.tech"],
     "ep-cool-name-123456.eu-central-1.aws.neon.tech"),
    ("127.0.0.1", [], None),
])
def test_upstream_tls_sends_the_server_name(upstream_host, extra, expected):
    """SNI toward the server: the upstream's host name, or `--upstream-sslservername` when set; none
    for a bare IP address (RFC 6066 allows only host names)."""
    if DIRECT:
        pytest.skip("about the proxy's connection to the server")
    import pgcutover_process
    from conftest import RUN_DIR, proxy_binary
    recorder = ClientHelloRecorder()
    proxy = pgcutover_process.ProxyProcess(
        f"sni-{upstream_host}-{len(extra)}", recorder.port, ["--upstream-sslmode", "require", *extra],
        run_dir=RUN_DIR, binary=proxy_binary(), upstream_host=upstream_host)
    try:
        with pytest.raises(psycopg2.OperationalError):
            psycopg2.connect(f"host=127.0.0.1 port={proxy.port} user=postgres dbname=postgres sslmode=disable "
                             "connect_timeout=10")
        assert recorder.server_name() == expected
    finally:
        proxy.stop()
        recorder.close()
