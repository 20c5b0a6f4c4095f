"""Raw protocol sequences: pipelined extended queries with an error in the middle, frames split
byte by byte, startup options, protocol-version negotiation, CopyFail."""
import io
import socket
import struct
import time

import psycopg2
import pytest

from rawclient import (FLUSH, SYNC, RawClient, bind, cstr, describe, execute, message, parse)


def read_until_ready(raw):
    got = []
    while True:
        kind, payload = raw.read_message()
        got.append((kind, payload))
        if kind == b"Z":
            return got


def error_fields(payload):
    fields = {}
    for part in payload.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode()
    return fields


def test_pipelined_extended_queries_with_an_error_in_the_middle(target):
    raw = RawClient(target.host, target.port)
    try:
        batch = (parse("s1", "SELECT $1::int + 1") + describe(b"S", "s1")
                 + bind("", "s1", [1]) + execute() + bind("", "s1", [41]) + execute() + SYNC
                 + bind("", "s1", ["not a number"]) + execute() + bind("", "s1", [5]) + execute() + SYNC
                 + bind("p", "s1", [99]) + execute("p") + SYNC)
        raw.sock.sendall(batch)
        first = read_until_ready(raw)
        assert [k for k, _ in first] == [b"1", b"t", b"T", b"2", b"D", b"C", b"2", b"D", b"C", b"Z"]
        assert [p[6:] for k, p in first if k == b"D"] == [b"2", b"42"]
        second = read_until_ready(raw)
        # The error skips everything up to Sync, as the server does.
        assert [k for k, _ in second] == [b"E", b"Z"]
        fields = error_fields(second[0][1])
        assert fields["C"] == "22P02" and 'invalid input syntax for type integer: "not a number"' == fields["M"]
        assert second[1][1] == b"I"
        third = read_until_ready(raw)
        assert [k for k, _ in third] == [b"2", b"D", b"C", b"Z"]
        assert third[1][1][6:] == b"100"
    finally:
        raw.close()


def test_flush_without_sync_gets_answers_and_row_limits_suspend(target):
    raw = RawClient(target.host, target.port)
    try:
        raw.sock.sendall(message(b"Q", cstr("BEGIN")))
        read_until_ready(raw)
        raw.sock.sendall(parse("", "SELECT g FROM generate_series(1, 5) g") + bind("c", "") + execute("c", 2) + FLUSH)
        got = [raw.read_message()[0] for _ in range(5)]
        assert got == [b"1", b"2", b"D", b"D", b"s"]  # PortalSuspended, no ReadyForQuery yet
        raw.sock.sendall(execute("c", 0) + SYNC)
        rest = read_until_ready(raw)
        assert [k for k, _ in rest] == [b"D", b"D", b"D", b"C", b"Z"]
        assert rest[-1][1] == b"T"  # still in the transaction
    finally:
        raw.close()


def test_frames_split_byte_by_byte(target):
    # Startup and queries dribbled one byte per write: the proxy must reassemble frames.
    s = socket.create_connection((target.host, target.port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        body = struct.pack("!I", 196608) + cstr("user") + cstr("postgres") + cstr("database") + cstr("postgres") + b"\0"
        data = struct.pack("!I", len(body) + 4) + body
        for i in range(len(data)):
            s.send(data[i:i + 1])
            time.sleep(0.002)
        buf = b""
        while not buf.endswith(b"Z\x00\x00\x00\x05I"):
            buf += s.recv(65536)
        q = message(b"Q", cstr("SELECT 'dribbled ✓'"))
        for i in range(len(q)):
            s.send(q[i:i + 1])
            time.sleep(0.002)
        buf = b""
        while not buf.endswith(b"Z\x00\x00\x00\x05I"):
            buf += s.recv(65536)
        assert "dribbled ✓".encode() in buf
    finally:
        s.close()


def test_startup_options_are_forwarded(target):
    conn = psycopg2.connect(target.dsn(options="-c statement_timeout=1234 -c search_path=pg_catalog,public"))
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW statement_timeout")
            assert cur.fetchone()[0] == "1234ms"
            cur.execute("SHOW search_path")
            assert cur.fetchone()[0] == "pg_catalog,public"
    finally:
        conn.close()


def test_newer_protocol_minor_version_is_negotiated_by_the_server(target):
    # A 3.1 startup with a _pq_ option: PostgreSQL 15 answers NegotiateProtocolVersion ('v').
    s = socket.create_connection((target.host, target.port), timeout=10)
    try:
        body = (struct.pack("!I", (3 << 16) | 1) + cstr("user") + cstr("postgres") + cstr("database")
                + cstr("postgres") + cstr("_pq_.something_new") + cstr("on") + b"\0")
        s.sendall(struct.pack("!I", len(body) + 4) + body)
        buf = b""
        while b"Z\x00\x00\x00\x05I" not in buf:
            chunk = s.recv(65536)
            assert chunk, f"closed after {buf!r}"
            buf += chunk
        assert buf[:1] == b"v"
        length = struct.unpack("!I", buf[1:5])[0]
        newest, count = struct.unpack("!II", buf[5:13])
        assert (newest, count) == (196608, 1)  # the newest version the server speaks: 3.0
        assert buf[13:1 + length] == cstr("_pq_.something_new")
    finally:
        s.close()


def test_copy_fail_from_client_keeps_session(target):
    class Exploding(io.RawIOBase):
        def __init__(self):
            self.sent = False

        def readable(self):
            return True

        def readinto(self, b):
            if not self.sent:
                self.sent = True
                data = b"1\tone\n2\ttwo\n"
                b[:len(data)] = data
                return len(data)
            raise RuntimeError("client-side failure mid-COPY")

    conn = psycopg2.connect(target.dsn())
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE cf (id int, t text)")
            conn.commit()
            with pytest.raises(psycopg2.Error) as info:
                cur.copy_expert("COPY cf FROM STDIN", Exploding())
            # libpq sends CopyFail with the reason; the server answers with 57014.
            assert info.value.pgcode == "57014"
            assert "COPY from stdin failed" in str(info.value)
            conn.rollback()
            cur.execute("SELECT count(*) FROM cf")
            assert cur.fetchone()[0] == 0
    finally:
        conn.close()
