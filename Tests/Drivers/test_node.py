"""node-pg (Debian's package, unpacked by scripts/install-node-pg.sh) through the target."""
import json
import os
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent
REPO = HERE.parents[1]


@pytest.fixture(scope="session")
def node_path():
    out = subprocess.run([str(REPO / "scripts" / "install-node-pg.sh")], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_node_pg_parameters_errors_and_notify(target, node_path):
    env = dict(os.environ, NODE_PATH=node_path)
    out = subprocess.run(["node", str(HERE / "node" / "check.js"), target.host, str(target.port)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    seen = json.loads(out.stdout)
    assert seen["params"] == {"n": 42, "t": "tab\t✓", "j": {"a": [1, 2]}, "isnull": True}
    assert seen["squares"] == [1, 4, 9, 16, 25]
    assert seen["error"] == {"code": "22012", "message": "division by zero", "severity": "ERROR"}
    assert seen["afterError"] == "ok"
    assert seen["notification"] == {"channel": "drivers_node", "payload": "from node ✓",
                                    "processId": seen["notifierPid"]}
