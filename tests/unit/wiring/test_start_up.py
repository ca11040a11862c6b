"""Wiring happens at start-up, never at import (STYLE.md): importing the jobs, the bootstrap or the
API builds no broker and no engine, and the application services never see the broker."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import gc
import billing.jobs, billing.bootstrap, billing.api
import dramatiq.broker
import sqlalchemy

assert dramatiq.broker.global_broker is None, dramatiq.broker.global_broker
built = [o for o in gc.get_objects() if isinstance(o, (dramatiq.broker.Broker, sqlalchemy.Engine))]
assert not built, built
print("nothing built")
"""


def test_importing_the_jobs_the_bootstrap_and_the_api_builds_no_broker_and_no_engine() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "nothing built"


def test_the_application_services_import_nothing_from_dramatiq() -> None:
    for path in sorted((ROOT / "billing" / "services").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not [n for n in names if n.split(".")[0] == "dramatiq"], f"{path.name} imports dramatiq"
