"""A minimal protocol-3 client over a plain socket, for tests that need to control reading:
stop in the middle of a result, or read it slowly. Trust authentication only."""
import socket
import ssl
import struct


class RawClient:
    def __init__(self, host: str, port: int, user="postgres", database="postgres", rcvbuf=None, tls=False):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # A small receive buffer keeps the kernel from absorbing what the proxy must hold back.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(30)
        self.sock.connect((host, port))
        if tls:
            self.sock.sendall(struct.pack("!II", 8, 80877103))
            answer = self.recv_exact(1)
            if answer != b"S":
                raise RuntimeError(f"SSLRequest answered {answer!r}")
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            self.sock = context.wrap_socket(self.sock)
        self.backend_pid = None
        body = struct.pack("!I", 196608)
        for k, v in (("user", user), ("database", database), ("application_name", "rawclient")):
            body += k.encode() + b"\0" + v.encode() + b"\0"
        body += b"\0"
        self.sock.sendall(struct.pack("!I", len(body) + 4) + body)
        while True:
            kind, payload = self.read_message()
            if kind == b"R":
                code = struct.unpack("!I", payload[:4])[0]
                if code != 0:
                    raise RuntimeError(f"RawClient only does trust auth, server asked for {code}")
            elif kind == b"K":
                self.backend_pid = struct.unpack("!I", payload[:4])[0]
            elif kind == b"E":
                raise RuntimeError(f"startup failed: {payload!r}")
            elif kind == b"Z":
                return

    def recv_exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed")
            buf += chunk
        return bytes(buf)

    def read_message(self):
        header = self.recv_exact(5)
        length = struct.unpack("!I", header[1:])[0]
        return header[:1], self.recv_exact(length - 4)

    def send_query(self, sql: str):
        body = sql.encode() + b"\0"
        self.sock.sendall(b"Q" + struct.pack("!I", len(body) + 4) + body)

    def recv_some(self, n: int) -> bytes:
        data = self.sock.recv(n)
        if not data:
            raise ConnectionError("connection closed")
        return data

    def close(self):
        self.sock.close()


def send_cancel_request(host: str, port: int, pid: int, secret: int):
    """A CancelRequest on a connection of its own, as libpq's PQcancel sends it."""
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(struct.pack("!IIII", 16, 80877102, pid, secret))
        s.settimeout(5)
        try:
            return s.recv(1)  # the server closes without answering
        except socket.timeout:
            return None


def message(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!I", len(body) + 4) + body


def cstr(s: str) -> bytes:
    return s.encode() + b"\0"


def parse(name: str, sql: str) -> bytes:
    return message(b"P", cstr(name) + cstr(sql) + struct.pack("!H", 0))


def bind(portal: str, statement: str, params=()) -> bytes:
    body = cstr(portal) + cstr(statement) + struct.pack("!H", 0) + struct.pack("!H", len(params))
    for p in params:
        if p is None:
            body += struct.pack("!i", -1)
        else:
            data = str(p).encode()
            body += struct.pack("!i", len(data)) + data
    return message(b"B", body + struct.pack("!H", 0))


def execute(portal: str = "", max_rows: int = 0) -> bytes:
    return message(b"E", cstr(portal) + struct.pack("!I", max_rows))


def describe(kind: bytes, name: str) -> bytes:
    return message(b"D", kind + cstr(name))


SYNC = message(b"S")
FLUSH = message(b"H")
