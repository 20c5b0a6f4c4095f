"""The pgcutover process the Python suites run tests through: start it on a free loopback port in
front of the project's PostgreSQL, wait until it accepts, stop it with SIGTERM. Shared by
Tests/Drivers and Tests/Rewrite."""
import os
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def proxy_binary(default: str = ".build/release/pgcutover") -> Path:
    """PGCUTOVER_BIN, relative to the repo unless absolute."""
    path = Path(os.environ.get("PGCUTOVER_BIN", default))
    return path if path.is_absolute() else REPO / path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_accepting(host: str, port: int, proc: subprocess.Popen, log: Path, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"proxy exited with {proc.returncode} before accepting; log:\n"
                               + log.read_text(errors="replace")[-4000:])
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"proxy did not accept on {host}:{port} within {timeout}s")


class ProxyProcess:
    """`pgcutover serve` in front of 127.0.0.1:upstream_port, logging to RUN_DIR/proxy-NAME.log.
    PGCUTOVER_PROXY_ARGS adds flags to every proxy a suite starts."""

    def __init__(self, name: str, upstream_port: int, extra_args=(), *, run_dir: Path, binary: Path,
                 upstream_host: str = "127.0.0.1"):
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"proxy binary {binary} is missing: build it (swift build --product pgcutover) "
                               "or set PGCUTOVER_BIN")
        run_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.log = run_dir / f"proxy-{name}.log"
        args = [str(binary), "serve", "--listen", f"127.0.0.1:{self.port}",
                "--upstream", f"{upstream_host}:{upstream_port}", *extra_args,
                *shlex.split(os.environ.get("PGCUTOVER_PROXY_ARGS", ""))]
        self.logfile = open(self.log, "wb")
        self.logfile.write(("$ " + " ".join(args) + "\n").encode())
        self.logfile.flush()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.logfile,
                                     stderr=self.logfile, cwd=REPO)
        try:
            wait_accepting("127.0.0.1", self.port, self.proc, self.log)
        except Exception:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logfile.close()
