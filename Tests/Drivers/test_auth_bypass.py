"""No sequence of messages gets a client past the server's authentication through the proxy: a
Query where a password belongs, a second StartupMessage, a BackendKeyData sent by the client. Each
test first shows the same path with the right password works, so a refusal is the server's
decision and not a broken test."""
import socket
import struct

import psycopg2
import pytest

from rawclient import cstr, message

AUTH_OK, AUTH_MD5 = 0, 5


def startup(user: str, database="postgres") -> bytes:
    body = struct.pack("!I", 196608) + cstr("user") + cstr(user) + cstr("database") + cstr(database) + b"\0"
    return struct.pack("!I", len(body) + 4) + body


class Conn:
    def __init__(self, target):
        self.sock = socket.create_connection((target.host, target.port), timeout=10)

    def send(self, data: bytes):
        self.sock.sendall(data)

    def read(self):
        """(kind, payload), or None once the peer closed."""
        header = self._exact(5)
        if header is None:
            return None
        length = struct.unpack("!I", header[1:])[0]
        return header[:1], self._exact(length - 4) or b""

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except (ConnectionResetError, socket.timeout):
                return None
            if not chunk:
                return None
            buf += chunk
        return buf

    def drain(self):
        """Every message until the connection closes (or 10 s pass)."""
        messages = []
        while (m := self.read()) is not None:
            messages.append(m)
        return messages

    def close(self):
        self.sock.close()


def sqlstate(payload: bytes) -> str:
    for field in payload.split(b"\0"):
        if field[:1] == b"C":
            return field[1:].decode()
    return ""


def kinds(messages):
    return [k for k, _ in messages]


@pytest.mark.parametrize("user", ["md5user", "scramuser"])
def test_query_in_place_of_password_is_refused(target, user):
    conn = Conn(target)
    try:
        conn.send(startup(user))
        kind, payload = conn.read()
        assert kind == b"R" and struct.unpack("!I", payload[:4])[0] != AUTH_OK, "the server must ask for a password"
        conn.send(message(b"Q", cstr("SELECT 'leaked'")))
        rest = conn.drain()
        assert b"E" in kinds(rest), rest
        assert sqlstate(dict(rest)[b"E"]) in ("08P01", "28P01", "28000"), rest
        assert not any(b"leaked" in p for k, p in rest if k == b"D"), "a query ran before authentication"
        assert b"Z" not in kinds(rest), "the session became ready without a password"
    finally:
        conn.close()


def test_second_startup_message_does_not_change_the_user(target):
    good = psycopg2.connect(target.dsn(user="md5user", password="secret"))
    with good.cursor() as cur:
        cur.execute("SELECT current_user")
        assert cur.fetchone() == ("md5user",)
    good.close()
    # A trusted session sends a second StartupMessage naming a superuser: it is garbage in the
    # message phase, and the session ends without the user changing.
    conn = Conn(target)
    try:
        conn.send(startup("rawuser_that_does_not_exist_but_is_trusted_nowhere"))
        first = conn.drain()
        assert b"E" in kinds(first)
    finally:
        conn.close()
    conn = Conn(target)
    try:
        conn.send(startup("postgres"))
        while (m := conn.read())[0] != b"Z":
            pass
        conn.send(startup("md5user") + message(b"Q", cstr("SELECT current_user")))
        rest = conn.drain()
        users = [p for k, p in rest if k == b"D"]
        assert all(b"md5user" not in p for p in users), rest
        assert b"E" in kinds(rest), "a second StartupMessage must be refused"
    finally:
        conn.close()


def test_backend_key_data_from_the_client_is_refused_and_registers_nothing(target):
    victim = psycopg2.connect(target.dsn())
    victim_pid = victim.get_backend_pid()
    conn = Conn(target)
    try:
        conn.send(startup("postgres"))
        while (m := conn.read())[0] != b"Z":
            pass
        # The client claims the victim's process id with a key of its choosing.
        conn.send(message(b"K", struct.pack("!II", victim_pid, 4242)))
        rest = conn.drain()
        assert b"E" in kinds(rest), rest
    finally:
        conn.close()
    # A cancel with that forged key reaches nobody: the victim's statement completes.
    import threading
    import time
    from rawclient import send_cancel_request
    timer = threading.Timer(0.3, lambda: send_cancel_request(target.host, target.port, victim_pid, 4242))
    timer.start()
    with victim.cursor() as cur:
        cur.execute("SELECT pg_sleep(1), 'completed'")
        assert cur.fetchone()[1] == "completed"
    timer.join()
    victim.close()
