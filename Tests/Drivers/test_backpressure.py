"""Backpressure both ways: a slow reader of a huge result, and a fast writer to a busy server, must not
make the proxy buffer without bound: its memory stays flat."""
import struct
import time

import pytest

from rawclient import RawClient

RSS_GROWTH_LIMIT = 64 * 1024 * 1024


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_slow_reader_keeps_proxy_memory_flat(request, tls, admin):
    target = request.getfixturevalue("tls_target" if tls else "target")
    if not target.is_proxy:
        pytest.skip("measures the proxy's own memory; nothing to measure when talking to Postgres directly")
    raw = RawClient(target.host, target.port, rcvbuf=64 * 1024, tls=tls)
    try:
        baseline = rss_bytes(target.pid)
        # About 2 GB of rows; Postgres can produce them far faster than this client reads.
        raw.send_query("SELECT repeat('x', 1000) FROM generate_series(1, 2e6)")
        received, peak = 0, baseline
        started = time.monotonic()
        while time.monotonic() - started < 8:
            received += len(raw.recv_some(16384))
            time.sleep(0.01)  # about 1.5 MB/s at most
            peak = max(peak, rss_bytes(target.pid))
        assert received > 100_000, "the result never started streaming"
        growth = peak - baseline
        assert growth < RSS_GROWTH_LIMIT, \
            f"proxy RSS grew by {growth / 2**20:.1f} MiB while the client had read {received / 2**20:.1f} MiB"
        # And the server really was held back, not racing ahead into the proxy: it is still sending.
        with admin.cursor() as cur:
            cur.execute("SELECT state, wait_event FROM pg_stat_activity WHERE query LIKE "
                        "'SELECT repeat(''x'', 1000)%' AND application_name = 'rawclient'")
            row = cur.fetchone()
            assert row is not None and row[0] == "active", row
    finally:
        raw.close()


def test_fast_writer_to_a_busy_server_keeps_proxy_memory_flat(target):
    # The other direction: while the server sleeps it reads nothing, so a client pushing queries must
    # be held back by TCP, not by the proxy's memory.
    if not target.is_proxy:
        pytest.skip("measures the proxy's own memory; nothing to measure when talking to Postgres directly")
    raw = RawClient(target.host, target.port)
    try:
        baseline = rss_bytes(target.pid)
        raw.send_query("SELECT pg_sleep(6)")
        padding = "-- " + "y" * (1024 * 1024) + "\nSELECT 1"
        chunk = b"Q" + struct.pack("!I", len(padding) + 5) + padding.encode() + b"\0"
        raw.sock.setblocking(False)
        sent, peak = 0, baseline
        pending = memoryview(chunk)
        started = time.monotonic()
        while time.monotonic() - started < 4:
            try:
                # A non-blocking send may take part of a message: the rest goes next, or the
                # stream would no longer be valid protocol.
                n = raw.sock.send(pending)
                sent += n
                pending = pending[n:] if n < len(pending) else memoryview(chunk)
            except BlockingIOError:
                time.sleep(0.01)
            peak = max(peak, rss_bytes(target.pid))
        growth = peak - baseline
        assert growth < RSS_GROWTH_LIMIT, \
            f"proxy RSS grew by {growth / 2**20:.1f} MiB while the client pushed {sent / 2**20:.1f} MiB"
        assert sent < RSS_GROWTH_LIMIT + 16 * 2**20, f"the client could push {sent / 2**20:.1f} MiB"
    finally:
        raw.close()
