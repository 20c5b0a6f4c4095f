"""Protocol paths that common drivers rarely take: empty queries, FunctionCall, notices, parameter
status, portal suspension, very large values, GSSENCRequest, forged cancel keys."""
import asyncio
import socket
import struct
import threading
import time

import asyncpg
import psycopg2
import psycopg2.extensions
import pytest

from rawclient import RawClient, send_cancel_request


def test_empty_query_gets_empty_query_response(target):
    raw = RawClient(target.host, target.port)
    try:
        raw.send_query("")
        kinds = []
        while not kinds or kinds[-1] != b"Z":
            kinds.append(raw.read_message()[0])
        assert kinds == [b"I", b"Z"]
        raw.send_query("SELECT 1; ;")
        kinds = []
        while not kinds or kinds[-1] != b"Z":
            kinds.append(raw.read_message()[0])
        assert kinds == [b"T", b"D", b"C", b"Z"]
    finally:
        raw.close()


def test_notices_and_parameter_status_reach_the_client(target):
    conn = psycopg2.connect(target.dsn())
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("DO $$ BEGIN RAISE NOTICE 'hello % from plpgsql', 42; RAISE WARNING 'careful'; END $$")
            assert conn.notices == ["NOTICE:  hello 42 from plpgsql\n", "WARNING:  careful\n"]
            cur.execute("SET TIME ZONE 'Asia/Tokyo'")
            assert conn.get_parameter_status("TimeZone") == "Asia/Tokyo"
            cur.execute("SET application_name = 'renamed-app'")
            assert conn.get_parameter_status("application_name") == "renamed-app"
            assert conn.get_parameter_status("server_version").startswith("15.")
    finally:
        conn.close()


def test_large_objects_use_function_call(target):
    # libpq's lo_* functions speak the FunctionCall ('F') message.
    conn = psycopg2.connect(target.dsn())
    try:
        payload = bytes(range(256)) * 4096  # 1 MiB
        lo = conn.lobject(0, "wb")
        oid = lo.oid
        assert lo.write(payload) == len(payload)
        lo.close()
        conn.commit()
        lo = conn.lobject(oid, "rb")
        lo.seek(1000)
        assert lo.read(10) == payload[1000:1010]
        lo.seek(0)
        assert lo.read() == payload
        lo.unlink()
        conn.commit()
    finally:
        conn.close()


def test_portal_suspended_by_row_limit(target):
    async def main():
        conn = await asyncpg.connect(host=target.host, port=target.port, user="postgres", database="postgres",
                                     ssl=False)
        try:
            async with conn.transaction():
                total, count = 0, 0
                # prefetch=7 makes asyncpg Execute with a row limit: the server answers PortalSuspended.
                async for row in conn.cursor("SELECT g FROM generate_series(1, 1000) g", prefetch=7):
                    total += row["g"]
                    count += 1
                cur = await conn.cursor("SELECT g FROM generate_series(1, 100) g")
                assert [r["g"] for r in await cur.fetch(5)] == [1, 2, 3, 4, 5]
                await cur.forward(90)
                assert [r["g"] for r in await cur.fetch(10)] == [96, 97, 98, 99, 100]
            return total, count
        finally:
            await conn.close()
    assert asyncio.run(main()) == (500500, 1000)


def test_very_large_values_both_ways(target):
    async def main():
        conn = await asyncpg.connect(host=target.host, port=target.port, user="postgres", database="postgres",
                                     ssl=False)
        try:
            blob = bytes(range(251)) * (64 * 1024 * 1024 // 251)  # ~64 MiB, spans many reads
            back = await conn.fetchval("SELECT $1::bytea", blob)
            assert back == blob
            text = await conn.fetchval("SELECT repeat('ab✓', 8 * 1024 * 1024)")
            assert len(text) == 24 * 1024 * 1024 and text.endswith("ab✓")
        finally:
            await conn.close()
    asyncio.run(asyncio.wait_for(main(), timeout=120))


def test_gssenc_request_is_declined_and_startup_goes_on(target):
    if not target.is_proxy:
        pytest.skip("Postgres built with GSSAPI answers 'G'; the proxy answers 'N' (issue 2)")
    with socket.create_connection((target.host, target.port), timeout=10) as s:
        s.sendall(struct.pack("!II", 8, 80877104))
        assert s.recv(1) == b"N"
        body = struct.pack("!I", 196608) + b"user\0postgres\0database\0postgres\0\0"
        s.sendall(struct.pack("!I", len(body) + 4) + body)
        kinds = []
        buf = b""
        while b"Z" not in kinds:
            while len(buf) < 5 or len(buf) < 1 + struct.unpack("!I", buf[1:5])[0]:
                buf += s.recv(65536)
            n = 1 + struct.unpack("!I", buf[1:5])[0]
            kinds.append(buf[:1])
            buf = buf[n:]
        assert kinds[0] == b"R" and b"K" in kinds


def test_forged_cancel_key_cancels_nothing(target):
    victim = psycopg2.connect(target.dsn())
    try:
        pid = victim.get_backend_pid()
        started = time.monotonic()
        timer = threading.Timer(0.5, lambda: send_cancel_request(target.host, target.port, pid, 12345))
        timer.start()
        with victim.cursor() as cur:
            cur.execute("SELECT pg_sleep(1.5), 'completed'")
            assert cur.fetchone()[1] == "completed"
        timer.join()
        assert time.monotonic() - started >= 1.5
    finally:
        victim.close()


def test_cancel_while_idle_is_harmless(target):
    conn = psycopg2.connect(target.dsn())
    try:
        conn.cancel()
        with conn.cursor() as cur:
            cur.execute("SELECT 'fine'")
            assert cur.fetchone()[0] == "fine"
    finally:
        conn.close()
