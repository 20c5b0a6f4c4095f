"""Timeouts and limits of pgcutover against a real PostgreSQL: login timeout (also under a flood
of silent connections), idle-session timeout, max_client_connections, the server-response timeout
over a stalled network, [server.tls] mode = "require", and the TLS certificate reloaded on SIGHUP.
Numbers measured here (latency, RSS) are written to .run/drivers/limits-results.json."""
import json
import os
import resource
import signal
import socket
import ssl
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

from conftest import PG_PORT, REPO, RUN_DIR, DIRECT

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Support"))
from fault_injector import FaultInjector  # noqa: E402

pytestmark = pytest.mark.skipif(DIRECT, reason="the proxy's own timeouts and limits")

SSL_REQUEST = struct.pack("!II", 8, 80877103)


def dsn(port: int, **extra) -> str:
    params = {"host": "127.0.0.1", "port": port, "user": "postgres", "dbname": "postgres",
              "sslmode": "disable", "connect_timeout": 10}
    params.update(extra)
    return " ".join(f"{k}={v}" for k, v in params.items())


def proxy_with(start_proxy, tmp_path, name: str, config: str, upstream_port=None):
    path = tmp_path / f"{name}.toml"
    path.write_text(config)
    proxy = start_proxy(name, "--config", str(path), upstream_port=upstream_port)
    proxy.config = path
    return proxy


def record(name: str, values: dict):
    """Keeps the numbers of each run for docs/reliability.md."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    path = RUN_DIR / "limits-results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results[name] = values
    path.write_text(json.dumps(results, indent=2, sort_keys=True))
    print(f"{name}: {values}")


def startup_packet(user="postgres", database="postgres") -> bytes:
    body = struct.pack("!I", 196608)
    for k, v in (("user", user), ("database", database)):
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def read_message(sock: socket.socket):
    header = recv_exact(sock, 5)
    length = struct.unpack("!I", header[1:])[0]
    return header[:1], recv_exact(sock, length - 4)


def recv_exact(sock, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError(f"connection closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def error_fields(payload: bytes) -> dict:
    fields = {}
    for part in payload.split(b"\0"):
        if part:
            fields[part[:1].decode()] = part[1:].decode()
    return fields


def startup_error(port: int, user="postgres", database="postgres", password=None) -> dict:
    """The fields of the ErrorResponse a plaintext client gets for its StartupMessage. psycopg2
    shows only the text of an error at connect (its pgcode is None there), so SQLSTATEs are
    read off the wire."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(startup_packet(user, database))
        while True:
            kind, payload = read_message(sock)
            if kind == b"E":
                return error_fields(payload)
            if kind == b"R" and struct.unpack("!I", payload[:4])[0] == 3 and password:
                body = password.encode() + b"\0"
                sock.sendall(b"p" + struct.pack("!I", len(body) + 4) + body)
            elif kind == b"Z":
                raise AssertionError("startup succeeded")


def raw_session(port: int):
    from rawclient import RawClient
    client = RawClient("127.0.0.1", port)
    client.sock.settimeout(10)
    return client


def wait_closed(sock: socket.socket, timeout: float) -> float:
    """Seconds until the peer closes `sock` (EOF or reset), reading and discarding what comes."""
    start = time.monotonic()
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - start


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def select1_p50_ms(conn, count=200) -> float:
    times = []
    with conn.cursor() as cur:
        for _ in range(count):
            start = time.perf_counter()
            cur.execute("SELECT 1")
            cur.fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# MARK: Login timeout

def test_login_timeout_closes_a_silent_client_without_a_word(start_proxy, tmp_path):
    proxy = proxy_with(start_proxy, tmp_path, "login-silent", "[server]\nlogin_timeout_seconds = 2\n")
    with socket.create_connection(("127.0.0.1", proxy.port)) as silent:
        start = time.monotonic()
        silent.settimeout(10)
        assert silent.recv(4096) == b"", "a client that never sent its startup packet is closed without a word"
        elapsed = time.monotonic() - start
    assert 1.5 <= elapsed <= 4.5, f"closed after {elapsed:.2f}s with login_timeout_seconds = 2"


def test_login_timeout_during_authentication_says_why(start_proxy, tmp_path):
    proxy = proxy_with(start_proxy, tmp_path, "login-auth", "[server]\nlogin_timeout_seconds = 2\n")
    with socket.create_connection(("127.0.0.1", proxy.port)) as client:
        client.settimeout(10)
        client.sendall(startup_packet(user="md5user"))
        kind, payload = read_message(client)
        assert kind == b"R" and struct.unpack("!I", payload[:4])[0] == 5, "the server asks for an MD5 password"
        start = time.monotonic()
        kind, payload = read_message(client)  # never answered: the proxy gives up
        elapsed = time.monotonic() - start
        assert kind == b"E"
        fields = error_fields(payload)
        assert fields["C"] == "08006" and fields["S"] == "FATAL"
        assert fields["M"] == "canceling authentication due to timeout"
        assert "login_timeout_seconds" in fields["D"]
        assert wait_closed(client, 5) < 4.5
    assert elapsed <= 4.5


def test_login_timeout_ends_an_admin_console_that_never_sends_its_password(start_proxy, tmp_path):
    proxy = proxy_with(start_proxy, tmp_path, "login-admin", """
[server]
login_timeout_seconds = 2
[admin]
users = ["pgcutover_admin"]
password = "limits-secret"
""")
    with socket.create_connection(("127.0.0.1", proxy.port)) as client:
        client.settimeout(10)
        client.sendall(startup_packet(user="pgcutover_admin", database="pgcutover"))
        kind, payload = read_message(client)
        assert kind == b"R" and struct.unpack("!I", payload[:4])[0] == 3, "the console asks for a password"
        start = time.monotonic()
        kind, payload = read_message(client)
        elapsed = time.monotonic() - start
        assert kind == b"E" and error_fields(payload)["C"] == "08006"
        assert wait_closed(client, 5) < 4.5
    assert elapsed <= 4.5


def test_two_thousand_silent_connections_leave_a_working_client_alone(start_proxy, tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 6000
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    login_timeout = 10
    proxy = proxy_with(start_proxy, tmp_path, "login-flood", f"[server]\nlogin_timeout_seconds = {login_timeout}\n")
    pid = proxy.proc.pid
    conn = psycopg2.connect(dsn(proxy.port))
    conn.autocommit = True
    select1_p50_ms(conn, 50)  # warm-up
    before_ms = select1_p50_ms(conn)
    rss_before = rss_kib(pid)
    fds_before = open_fds(pid)

    silent = []
    opened_at = time.monotonic()
    for _ in range(2000):
        silent.append(socket.create_connection(("127.0.0.1", proxy.port), timeout=10))
    open_seconds = time.monotonic() - opened_at
    # Every one of them accepted by the proxy (each holds a descriptor there).
    deadline = time.monotonic() + 10
    while open_fds(pid) < fds_before + 2000 and time.monotonic() < deadline:
        time.sleep(0.1)
    fds_during = open_fds(pid)
    assert fds_during >= fds_before + 2000, f"{fds_during - fds_before} of 2000 silent connections accepted"
    during_ms = select1_p50_ms(conn)
    rss_during = rss_kib(pid)

    # The login timeout closes them all, counted from each one's accept.
    remaining = login_timeout - (time.monotonic() - opened_at) + 5
    closed_by_proxy = 0
    for sock in silent:
        sock.settimeout(max(remaining - 0.0, 0.5))
        try:
            if sock.recv(1) == b"":
                closed_by_proxy += 1
        except ConnectionResetError:
            closed_by_proxy += 1
        except socket.timeout:
            pass
        remaining = login_timeout + 5 - (time.monotonic() - opened_at)
    closed_after = time.monotonic() - opened_at
    for sock in silent:
        sock.close()
    deadline = time.monotonic() + 5
    while open_fds(pid) > fds_before + 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    fds_after = open_fds(pid)
    after_ms = select1_p50_ms(conn)
    conn.close()

    record("silent_flood", {
        "silent_connections": 2000, "open_seconds": round(open_seconds, 2),
        "select1_p50_ms_before": round(before_ms, 3), "select1_p50_ms_during": round(during_ms, 3),
        "select1_p50_ms_after": round(after_ms, 3),
        "rss_mib_before": round(rss_before / 1024, 1), "rss_mib_during": round(rss_during / 1024, 1),
        "fds_before": fds_before, "fds_during": fds_during, "fds_after": fds_after,
        "closed_by_login_timeout": closed_by_proxy, "all_closed_after_s": round(closed_after, 1),
    })
    assert closed_by_proxy == 2000, f"only {closed_by_proxy} of 2000 silent connections closed by the login timeout"
    assert fds_after <= fds_before + 5
    assert during_ms <= max(3 * before_ms, before_ms + 1.0), f"p50 {before_ms:.3f} ms before, {during_ms:.3f} ms during"
    assert rss_during < 200 * 1024, f"RSS {rss_during / 1024:.1f} MiB with 2000 silent connections"


# MARK: Idle timeout

def test_idle_session_timeout_ends_an_idle_session_with_57P05(start_proxy, tmp_path):
    proxy = proxy_with(start_proxy, tmp_path, "idle", "[server]\nclient_idle_timeout_seconds = 1\n")
    # On the wire: the server's own words for idle_session_timeout, then the close.
    raw = raw_session(proxy.port)
    start = time.monotonic()
    kind, payload = read_message(raw.sock)
    elapsed = time.monotonic() - start
    assert kind == b"E"
    fields = error_fields(payload)
    assert (fields["S"], fields["C"], fields["M"]) == ("FATAL", "57P05", "terminating connection due to idle-session timeout")
    assert 0.8 <= elapsed <= 2.5, f"ended after {elapsed:.2f}s with client_idle_timeout_seconds = 1"
    assert wait_closed(raw.sock, 5) < 4.5
    raw.close()

    # psycopg2: the next query fails. libpq reports a FATAL that arrived while idle as "server
    # closed the connection unexpectedly" (pgcode None), the same as for the server's own
    # idle_session_timeout, so the SQLSTATE is checked on the wire above.
    idle = psycopg2.connect(dsn(proxy.port))
    idle.autocommit = True
    in_transaction = psycopg2.connect(dsn(proxy.port))
    with idle.cursor() as cur:
        cur.execute("SELECT 1")
    with in_transaction.cursor() as cur:
        cur.execute("SELECT 1")  # psycopg2 opens a transaction: idle in transaction from here
    time.sleep(2.5)
    with pytest.raises(psycopg2.OperationalError):
        with idle.cursor() as cur:
            cur.execute("SELECT 1")
    # Idle in a transaction is the server's idle_in_transaction_session_timeout's business.
    with in_transaction.cursor() as cur:
        cur.execute("SELECT 2")
        assert cur.fetchone() == (2,)
    in_transaction.commit()
    in_transaction.close()
    # A session that keeps talking is never idle for long.
    busy = psycopg2.connect(dsn(proxy.port))
    busy.autocommit = True
    with busy.cursor() as cur:
        for _ in range(6):
            cur.execute("SELECT 1")
            time.sleep(0.4)
    busy.close()


def test_the_server_says_the_same_for_its_own_idle_session_timeout(postgres):
    """The control for the test above: the words the proxy uses are the server's."""
    from rawclient import RawClient
    client = RawClient("127.0.0.1", postgres)
    client.sock.settimeout(10)
    client.send_query("SET idle_session_timeout = 1000")
    while read_message(client.sock)[0] != b"Z":
        pass
    kind, payload = read_message(client.sock)
    fields = error_fields(payload)
    assert (kind, fields["C"], fields["M"]) == (b"E", "57P05", "terminating connection due to idle-session timeout")
    client.close()


# MARK: Connection limit

def test_max_client_connections_refuses_with_53300_and_serves_the_next_after_one_leaves(start_proxy, tmp_path, admin):
    proxy = proxy_with(start_proxy, tmp_path, "max-conns", """
[server]
max_client_connections = 3
[admin]
users = ["pgcutover_admin"]
password = "limits-secret"
""")
    backends_before = server_backends(admin)
    held = [connect_when_free(proxy.port) for _ in range(3)]
    with pytest.raises(psycopg2.OperationalError) as caught:
        psycopg2.connect(dsn(proxy.port))
    assert "FATAL:  sorry, too many clients already" in str(caught.value)
    fields = startup_error(proxy.port)
    assert (fields["S"], fields["C"], fields["M"]) == ("FATAL", "53300", "sorry, too many clients already")
    assert server_backends(admin) == backends_before + 3, "the refused client never reached the server"
    # The admin console is still reachable, as PgBouncer's is.
    console = psycopg2.connect(dsn(proxy.port, user="pgcutover_admin", dbname="pgcutover", password="limits-secret"))
    console.autocommit = True
    with console.cursor() as cur:
        cur.execute("SHOW SESSIONS")
        assert len(cur.fetchall()) >= 3
    console.close()
    held.pop().close()
    deadline = time.monotonic() + 5
    while True:
        try:
            again = psycopg2.connect(dsn(proxy.port))
            break
        except psycopg2.OperationalError as error:
            assert "too many clients" in str(error), str(error)
            assert time.monotonic() < deadline, "a slot freed by a leaving client was not given to the next"
            time.sleep(0.1)
    with again.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
    for conn in held + [again]:
        conn.close()


def connect_when_free(port: int, timeout=5.0):
    """psycopg2.connect, retried while the slot of a connection that just closed (such as the
    start-up probe of the test harness) is still held: the proxy frees it when it sees the close."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return psycopg2.connect(dsn(port))
        except psycopg2.OperationalError as error:
            if "too many clients" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def server_backends(admin) -> int:
    with admin.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
        return cur.fetchone()[0]


# MARK: Server response timeout

def test_stalled_network_fails_an_in_flight_query_within_the_response_timeout(start_proxy, tmp_path):
    injector = FaultInjector(PG_PORT)
    try:
        proxy = proxy_with(start_proxy, tmp_path, "response-timeout",
                           "[upstream]\nresponse_timeout_seconds = 2\n", upstream_port=injector.port)
        conn = psycopg2.connect(dsn(proxy.port))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
        raw = raw_session(proxy.port)
        injector.stall()
        start = time.monotonic()
        with pytest.raises(psycopg2.OperationalError):
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
        elapsed = time.monotonic() - start
        assert 1.5 <= elapsed <= 3.5, f"failed after {elapsed:.2f}s with response_timeout_seconds = 2"
        # On the wire (libpq shows only "server closed the connection unexpectedly", as it does
        # for the server's own FATAL errors in flight).
        raw.send_query("SELECT 1")
        start = time.monotonic()
        kind, payload = read_message(raw.sock)
        raw_elapsed = time.monotonic() - start
        fields = error_fields(payload)
        assert (kind, fields["S"], fields["C"]) == (b"E", "FATAL", "08006")
        assert "while a request was pending" in fields["M"] and "response_timeout_seconds" in fields["H"]
        assert raw_elapsed <= 3.5
        assert wait_closed(raw.sock, 5) < 4.5
        raw.close()
        record("stall_response_timeout", {"response_timeout_seconds": 2, "psycopg2_failed_after_s": round(elapsed, 2),
                                          "raw_client_error_after_s": round(raw_elapsed, 2)})
        injector.heal()
        fresh = psycopg2.connect(dsn(proxy.port))
        fresh.autocommit = True
        with fresh.cursor() as cur:
            cur.execute("SELECT pg_sleep(0.5), 1")  # silent for less than the timeout: fine
            assert cur.fetchone()[1] == 1
        fresh.close()
    finally:
        injector.close()


# MARK: TLS

def tls_config(cert: Path, key: Path, mode: str = "allow") -> str:
    return f'[server.tls]\ncert = "{cert}"\nkey = "{key}"\nmode = "{mode}"\n'


def test_tls_require_refuses_a_plaintext_client_with_28000_and_serves_a_tls_one(start_proxy, tmp_path, test_cert):
    cert, key = test_cert
    proxy = proxy_with(start_proxy, tmp_path, "tls-require", tls_config(cert, key, "require"))
    with pytest.raises(psycopg2.OperationalError) as caught:
        psycopg2.connect(dsn(proxy.port, sslmode="disable"))
    assert "FATAL:  SSL connection is required" in str(caught.value)
    fields = startup_error(proxy.port)
    assert (fields["S"], fields["C"]) == ("FATAL", "28000")
    # sslmode=prefer negotiates TLS, so it is served.
    prefer = psycopg2.connect(dsn(proxy.port, sslmode="prefer"))
    prefer.close()
    conn = psycopg2.connect(dsn(proxy.port, sslmode="verify-full", sslrootcert=cert, host="localhost"))
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
    conn.close()


def test_tls_require_without_a_certificate_is_refused_at_start_and_on_reload(start_proxy, tmp_path, test_cert):
    from conftest import ProxyProcess
    config = tmp_path / "require-nothing.toml"
    config.write_text('[server.tls]\nmode = "require"\n')
    with pytest.raises(RuntimeError, match="server.tls.mode"):
        ProxyProcess("tls-require-nothing", PG_PORT, ["--config", str(config)])
    # A running proxy without TLS keeps serving plaintext when a reload asks for require.
    proxy = proxy_with(start_proxy, tmp_path, "tls-require-reload", "[server]\n")
    proxy.config.write_text('[server.tls]\nmode = "require"\n')
    proxy.proc.send_signal(signal.SIGHUP)
    wait_for_log(proxy, "configuration reload failed", 1)
    conn = connect_when_free(proxy.port)
    conn.close()


def make_cert(directory: Path, name: str):
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={name}", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def old_tls_context(minimum=ssl.TLSVersion.TLSv1_2, maximum=None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if maximum:
        # OpenSSL's default security level forbids TLS 1.0/1.1 in the client itself; level 0
        # lets it offer them, so a refusal can only come from the other side.
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.minimum_version = minimum
    if maximum:
        context.maximum_version = maximum
    return context


def served_certificate(port: int, minimum=ssl.TLSVersion.TLSv1_2, maximum=None) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(SSL_REQUEST)
        assert recv_exact(sock, 1) == b"S"
        with old_tls_context(minimum, maximum).wrap_socket(sock) as tls:
            return tls.getpeercert(binary_form=True)


def der(cert: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(cert.read_text())


def wait_for_log(proxy, text: str, count: int, timeout=10.0):
    deadline = time.monotonic() + timeout
    while proxy.log.read_text(errors="replace").count(text) < count:
        assert time.monotonic() < deadline, f"{text!r} not logged {count} times:\n{proxy.log.read_text()[-2000:]}"
        time.sleep(0.1)


def test_sighup_reloads_the_certificate_from_the_same_paths(start_proxy, tmp_path):
    first, second = make_cert(tmp_path, "first"), make_cert(tmp_path, "second")
    live = tmp_path / "live"
    live.mkdir()
    cert, key = live / "server.crt", live / "server.key"
    cert.write_bytes(first[0].read_bytes())
    key.write_bytes(first[1].read_bytes())
    proxy = proxy_with(start_proxy, tmp_path, "tls-reload", tls_config(cert, key))
    assert served_certificate(proxy.port) == der(first[0])
    # A client that stays connected across the reload keeps its session.
    kept = psycopg2.connect(dsn(proxy.port, sslmode="require"))

    cert.write_bytes(second[0].read_bytes())
    key.write_bytes(second[1].read_bytes())
    proxy.proc.send_signal(signal.SIGHUP)
    wait_for_log(proxy, "TLS certificate and key reloaded", 1)
    assert served_certificate(proxy.port) == der(second[0])

    # A half-finished rotation (a key that does not match the certificate) keeps the running one.
    cert.write_bytes(first[0].read_bytes())
    proxy.proc.send_signal(signal.SIGHUP)
    wait_for_log(proxy, "TLS reload failed", 1)
    assert served_certificate(proxy.port) == der(second[0])

    with kept.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
    kept.close()


def test_tls_below_1_2_is_refused(start_proxy, tmp_path, test_cert):
    cert, key = test_cert
    proxy = proxy_with(start_proxy, tmp_path, "tls-min", tls_config(cert, key))
    assert served_certificate(proxy.port) == der(cert)
    # Control: this client does speak TLS 1.1 to a server that allows it.
    import threading
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.set_ciphers("DEFAULT:@SECLEVEL=0")
    server_context.minimum_version = ssl.TLSVersion.TLSv1
    server_context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    versions = []

    def serve():
        conn, _ = listener.accept()
        with server_context.wrap_socket(conn, server_side=True) as tls:
            versions.append(tls.version())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with socket.create_connection(listener.getsockname(), timeout=10) as sock:
        with old_tls_context(ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_1).wrap_socket(sock) as tls:
            assert tls.version() == "TLSv1.1"
    thread.join(5)
    listener.close()
    assert versions == ["TLSv1.1"]
    # The proxy refuses it.
    with pytest.raises((ssl.SSLError, ConnectionError)):
        served_certificate(proxy.port, minimum=ssl.TLSVersion.TLSv1_1, maximum=ssl.TLSVersion.TLSv1_1)


# MARK: Reload

def test_reload_applies_new_limits_to_new_sessions_only(start_proxy, tmp_path):
    proxy = proxy_with(start_proxy, tmp_path, "limits-reload", "[server]\nmax_client_connections = 1\n")
    old = connect_when_free(proxy.port)
    old.autocommit = True
    with pytest.raises(psycopg2.OperationalError, match="too many clients"):
        psycopg2.connect(dsn(proxy.port))

    proxy.config.write_text("[server]\nmax_client_connections = 2\nclient_idle_timeout_seconds = 1\n")
    proxy.proc.send_signal(signal.SIGHUP)
    wait_for_log(proxy, "configuration reloaded", 1)
    new = psycopg2.connect(dsn(proxy.port))
    new.autocommit = True
    assert startup_error(proxy.port)["C"] == "53300"  # a third client is over the new limit
    time.sleep(2)
    # The session accepted after the reload has the idle timeout; the one from before keeps none.
    with pytest.raises(psycopg2.OperationalError):
        with new.cursor() as cur:
            cur.execute("SELECT 1")
    with old.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
    old.close()
    new.close()


# MARK: TCP keepalive

def keepalive_timers(pid: int) -> dict:
    """The kernel's timer of each established socket of process `pid`, by (local, peer) port,
    read from `ss -o` (e.g. 'keepalive,41sec,0'); None for a socket without a timer."""
    out = subprocess.run(["ss", "-tnopH", "state", "established"], capture_output=True, text=True, check=True).stdout
    timers = {}
    for line in out.splitlines():
        if f"pid={pid}," not in line:
            continue
        fields = line.split()
        local, peer = int(fields[2].rsplit(":", 1)[1]), int(fields[3].rsplit(":", 1)[1])
        timer = next((f[len("timer:("):-1] for f in fields if f.startswith("timer:(")), None)
        timers[(local, peer)] = timer
    return timers


def seconds_of(timer: str) -> int:
    """'keepalive,1min16sec,0' -> 76."""
    left = timer.split(",")[1]
    minutes, _, rest = left.rpartition("min")
    return int(minutes or 0) * 60 + int(rest.rstrip("sec").split(".")[0] or 0)


def test_tcp_keepalive_is_set_on_client_and_server_sockets(start_proxy, tmp_path):
    proxy = proxy_with(start_proxy, tmp_path, "keepalive", """
[server]
tcp_keepalive_idle_seconds = 42
[upstream]
tcp_keepalive_idle_seconds = 77
tcp_user_timeout_ms = 5000
""")
    conn = connect_when_free(proxy.port)
    timers = keepalive_timers(proxy.proc.pid)
    client_side = [t for (local, _), t in timers.items() if local == proxy.port]
    server_side = [t for (_, peer), t in timers.items() if peer == PG_PORT]
    assert len(client_side) == 1 and len(server_side) == 1, timers
    assert client_side[0].startswith("keepalive") and 35 <= seconds_of(client_side[0]) <= 42, client_side
    assert server_side[0].startswith("keepalive") and 70 <= seconds_of(server_side[0]) <= 77, server_side
    conn.close()

    off = proxy_with(start_proxy, tmp_path, "keepalive-off", "[server]\ntcp_keepalive = false\n[upstream]\ntcp_keepalive = false\n")
    conn = connect_when_free(off.port)
    timers = keepalive_timers(off.proc.pid)
    assert len(timers) == 2 and all(t is None for t in timers.values()), timers
    conn.close()
