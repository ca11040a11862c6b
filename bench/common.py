"""Shared helpers of the benchmarks: throwaway PostgreSQL databases, RSS sampling, COPY baselines."""

from __future__ import annotations

import json
import os
import pickle
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def db_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def create_database(prefix: str = "bench") -> str:
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exc:  # pragma: no cover - best effort
        print(f"warning: could not drop {name}: {exc}", file=sys.stderr)


def migrate(name: str) -> None:
    env = {**os.environ, "BILLING_DATABASE_URL": db_url(name), "BILLING_AUTO_MIGRATE": "false"}
    subprocess.run([str(BIN / "billing"), "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)


def postgres_version() -> str:
    with psycopg.connect(PG_ADMIN) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- memory ----------------------------------------------------------------------------------------

def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(entry))
    return kids


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants (uvicorn's supervisor + workers), in MB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss_kb(p)
        todo.extend(_children(p))
    return total / 1024


class RssSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[float] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.samples.append(tree_rss_mb(self.pid))
            self._stop_event.wait(self.interval)

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return max(self.samples, default=0.0)


# -- COPY baselines ---------------------------------------------------------------------------------

REPEATS = 3  # the baseline is short (a fraction of a second): keep the best of a few runs


def copy_rows(url: str, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> float:
    """COPY rows into ``table`` over one connection, best of REPEATS (emptied between); seconds, commit included."""
    best = float("inf")
    with psycopg.connect(url) as conn:
        for _ in range(REPEATS):
            conn.execute(f"TRUNCATE {table}")
            conn.commit()
            cur = conn.cursor()
            started = time.perf_counter()
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            best = min(best, time.perf_counter() - started)
    return best


def copy_rows_pure_python(url: str, tables: dict[str, tuple[Sequence[str], Sequence[Sequence[Any]]]]) -> float:
    """The same COPY (``copy_rows`` per table, summed) by psycopg's pure-Python implementation."""
    with tempfile.NamedTemporaryFile(suffix=".pickle") as f:
        f.write(pickle.dumps({name: (list(cols), list(rows)) for name, (cols, rows) in tables.items()}))
        f.flush()
        done = subprocess.run(
            [sys.executable, "-m", "bench.copy_baseline", url, f.name],
            cwd=ROOT, env={**os.environ, "PSYCOPG_IMPL": "python"}, check=True, capture_output=True, text=True,
        )
    return float(json.loads(done.stdout)["seconds"])


class CpuMeter:
    """CPU seconds spent by this process and by the PostgreSQL backends serving one database.

    Wall time swings with whatever else the two cores run; CPU time much less (it still grows
    somewhat under contention: shared caches). So a part can print both, and an A/B of two versions
    of the code on a busy machine compares CPU seconds. Backends are found in ``pg_stat_activity``
    and read in ``/proc/<pid>/stat`` (utime + stime); one that ends between the two readings loses
    its time, so the figure is a floor (the pools keep their connections for the whole part).
    """

    def __init__(self, database: str) -> None:
        self.database = database
        self._start_own = 0.0
        self._start_db: dict[int, float] = {}

    def _backends(self) -> dict[int, float]:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            pids = [r[0] for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,))]
        ticks = os.sysconf("SC_CLK_TCK")
        seconds: dict[int, float] = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return seconds

    def start(self) -> None:
        own = os.times()
        self._start_own = own.user + own.system
        self._start_db = self._backends()

    def stop(self) -> dict[str, float]:
        own = os.times()
        db = self._backends()
        db_s = sum(total - self._start_db.get(pid, 0.0) for pid, total in db.items())
        own_s = own.user + own.system - self._start_own
        return {"cpu_s": own_s + db_s, "process_cpu_s": own_s, "postgres_cpu_s": db_s}
