"""A TCP forwarder on loopback that can break the network between pgcutover and PostgreSQL on
command: `stall()` stops moving bytes in both directions (the sockets stay open, as when a link or
a middlebox hangs), `reset()` aborts every connection with a TCP RST, `heal()` goes back to
forwarding. New connections made while stalled are accepted and stall too."""
import select
import socket
import struct
import threading


class FaultInjector:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.stalled = threading.Event()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket):
        peers = {a: b, b: a}
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 0.05)
                if self.stalled.is_set():
                    continue  # bytes stay in the kernel buffers; nothing moves
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return self._close(a, b)
                    peers[sock].sendall(data)
        except OSError:
            self._close(a, b)

    def _close(self, a, b):
        for sock in (a, b):
            try:
                sock.close()
            except OSError:
                pass

    @property
    def connections(self) -> int:
        with self.lock:
            return sum(1 for c, s in self.pairs if c.fileno() != -1)

    def stall(self):
        self.stalled.set()

    def heal(self):
        self.stalled.clear()

    def reset(self):
        """Aborts every open connection with RST (SO_LINGER 0), both towards the proxy and the server."""
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.close()
                except OSError:
                    pass

    def close(self):
        self.closed = True
        self.listener.close()
        self.reset()
