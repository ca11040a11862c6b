"""G. The whole month through the API: close, every PDF rendered, validated and stored, every invoice mailed.

A real server (``uvicorn billing.api:app`` on loopback, PostgreSQL, the API's in-process worker: no
broker URL) and a real SMTP server (aiosmtpd, started here, ``BILLING_SMTP_URL``). The accounts and
their October usage are seeded in-process beforehand (not timed, as in part B). Timed from the
``POST /v1/admin/months/2026-10/close`` to the last mail the SMTP server receives, with the moments the
month was ``closed`` and the last PDF stored; beside it the CPU floor: the CPU the server's process
tree spent (render workers and wkhtmltopdf included, PostgreSQL not) divided by the cores.
Then the next month's close (November, no usage: the same invoices), requested once October's
mails are out, timed through the API from the request to ``closed``, against a COPY of that
close's invoice and line rows made in the same run (as part B).
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from typing import Any

import httpx
import psycopg
from aiosmtpd.controller import Controller

from bench.close import seed
from bench.common import (
    copy_rows,
    copy_rows_pure_python,
    create_database,
    db_url,
    drop_database,
    free_port,
    migrate,
)
from bench.ingest import ADMIN_TOKEN, Server
from billing.bootstrap import bootstrap
from billing.settings import Settings
from ledger.clock import PARIS, FixedClock

FIRST, FIRST_ISSUE = "2026-10", "2026-11-02"
NEXT, NEXT_ISSUE = "2026-11", "2026-12-02"
POLL_S = 0.25
TIMEOUT_S = 3_600
_TICKS = os.sysconf("SC_CLK_TCK")


class MailCounter:
    """aiosmtpd handler: counts the messages received and keeps the time of the last one."""

    def __init__(self) -> None:
        self.count = 0
        self.last_at = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
            self.last_at = time.perf_counter()
        return "250 OK"


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and its live descendants, with what they reaped from their children."""
    from bench.common import _children

    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        todo.extend(_children(p))
    return total / _TICKS


def _progress(conn: psycopg.Connection[Any], month: str) -> dict[str, Any]:
    status = conn.execute("SELECT status, invoices FROM months WHERE month = %s", (month,)).fetchone()
    docs = conn.execute(
        "SELECT count(*) FILTER (WHERE d.sha256 IS NOT NULL),"
        " count(*) FILTER (WHERE d.sha256 IS NULL AND d.failures IS NOT NULL"
        " AND d.failures::text NOT IN ('null', '[]')),"
        " count(*) FILTER (WHERE d.mail_status = 'sent'), count(*) FILTER (WHERE d.mail_status = 'failed')"
        " FROM documents d JOIN invoices i ON i.number = d.number WHERE i.month = %s",
        (month,),
    ).fetchone()
    assert docs is not None
    return {"status": status[0] if status else None, "invoices": status[1] if status else 0,
            "stored": docs[0], "rejected": docs[1], "mailed": docs[2], "mail_failed": docs[3]}


def _close(client: httpx.Client, month: str, issue_date: str) -> None:
    r = client.post(f"/v1/admin/months/{month}/close", json={"issue_date": issue_date})
    assert r.status_code in (200, 202), r.text


def month_baseline(name: str, month: str) -> dict[str, Any]:
    """COPY the invoice and line rows of one month's close into plain tables (as part B's baseline)."""
    url = db_url(name)
    tables = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for table, where in (("invoices", "month = %s"),
                             ("invoice_lines", "number IN (SELECT number FROM invoices WHERE month = %s)")):
            cols = [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                (table,),
            )]
            rows = conn.execute(f"SELECT {', '.join(c + '::text' for c in cols)} FROM {table} WHERE {where}",
                                (month,)).fetchall()
            conn.execute(f"CREATE TABLE bench_{table} (LIKE {table})")
            tables[table] = (cols, rows)
    seconds = sum(copy_rows(url, f"bench_{table}", cols, rows) for table, (cols, rows) in tables.items())
    seconds_py = copy_rows_pure_python(url, {f"bench_{table}": spec for table, spec in tables.items()})
    return {"seconds": seconds, "py_seconds": seconds_py, "rows": {k: len(v[1]) for k, v in tables.items()}}


def run(accounts: int = 10_000) -> dict[str, Any]:
    name = create_database()
    mails = MailCounter()
    smtp_port = free_port()
    controller = Controller(mails, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    saved_env = dict(os.environ)
    try:
        migrate(name)
        settings = Settings.model_validate(
            {"database_url": db_url(name), "auto_migrate": False, "storage_dir": f"/tmp/{name}-docs"}
        )
        container = bootstrap(settings, FixedClock(datetime(2026, 11, 26, 11, 0, tzinfo=PARIS)), migrate=False)
        try:
            t0 = time.perf_counter()
            seeding = seed(container, accounts)
        finally:
            container.close()
        print(f"[G] seeded {accounts:,} accounts in {time.perf_counter() - t0:.1f} s", flush=True)

        os.environ.update({
            "BILLING_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "BILLING_SELLER_VAT_NUMBER": os.environ.get("BILLING_SELLER_VAT_NUMBER", "FR94820015006"),
            "BILLING_SEPA_CREDITOR_ID": os.environ.get("BILLING_SEPA_CREDITOR_ID", "FR72ZZZ123456"),
            "BILLING_SEPA_CREDITOR_IBAN": os.environ.get("BILLING_SEPA_CREDITOR_IBAN", "FR7630006000011234567890189"),
            "BILLING_SEPA_CREDITOR_BIC": os.environ.get("BILLING_SEPA_CREDITOR_BIC", "AGRIFRPP"),
        })
        server = Server(name, 1)
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        try:
            with httpx.Client(base_url=server.base, headers=headers, timeout=120) as client, \
                    psycopg.connect(db_url(name), autocommit=True) as conn:
                cpu0 = tree_cpu_s(server.proc.pid)
                started = time.perf_counter()
                _close(client, FIRST, FIRST_ISSUE)
                closed_at = stored_at = None
                cpu_closed = 0.0
                state: dict[str, Any] = {}
                while time.perf_counter() - started < TIMEOUT_S:
                    state = _progress(conn, FIRST)
                    now = time.perf_counter()
                    if closed_at is None and state["status"] == "closed":
                        closed_at, cpu_closed = now, tree_cpu_s(server.proc.pid)
                    if closed_at and stored_at is None and state["stored"] + state["rejected"] >= state["invoices"]:
                        stored_at = now
                    if stored_at and mails.count >= state["stored"] and state["mailed"] >= state["stored"]:
                        break
                    if state["status"] == "failed":
                        raise RuntimeError(f"the close failed: {state}")
                    time.sleep(POLL_S)
                else:
                    raise RuntimeError(f"the month did not finish in {TIMEOUT_S} s: {state}")
                assert closed_at is not None and stored_at is not None
                cpu_end = tree_cpu_s(server.proc.pid)
                last_mail = mails.last_at
                total_s = last_mail - started
                invoices = state["invoices"]
                print(f"[G] {invoices:,} invoices: closed {closed_at - started:.1f} s, last PDF stored "
                      f"{stored_at - started:.1f} s, last mail {total_s:.1f} s ({state})", flush=True)

                # The next month, once October's PDFs are stored and mailed.
                t1 = time.perf_counter()
                _close(client, NEXT, NEXT_ISSUE)
                while _progress(conn, NEXT)["status"] != "closed":
                    if time.perf_counter() - t1 > TIMEOUT_S:
                        raise RuntimeError("the next close did not finish")
                    time.sleep(POLL_S / 5)
                next_s = time.perf_counter() - t1
                print(f"[G] next month's close through the API: {next_s:.2f} s", flush=True)
        finally:
            server.stop()
        cores = os.cpu_count() or 1
        baseline = month_baseline(name, NEXT)
        cpu_month = cpu_end - cpu0
        cpu_docs = cpu_end - cpu_closed
        return {
            "accounts": accounts, "month": FIRST, "issue_date": FIRST_ISSUE, "seeding": seeding,
            "invoices": invoices, "stored": state["stored"], "rejected": state["rejected"],
            "mailed": state["mailed"], "smtp_received": mails.count,
            "total_s": total_s, "close_s": closed_at - started,
            "render_s": stored_at - closed_at, "mail_tail_s": last_mail - stored_at,
            "server_cpu_s": cpu_month, "cpu_ms_per_document": 1000 * cpu_docs / max(invoices, 1),
            "cpu_ms_per_invoice_month": 1000 * cpu_month / max(invoices, 1),
            "cpu_floor_s": cpu_month / cores, "cores": cores,
            "next_close_s": next_s, "copy": baseline,
            "next_close_ratio": next_s / baseline["seconds"], "next_close_ratio_py": next_s / baseline["py_seconds"],
        }
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        controller.stop()
        drop_database(name)
