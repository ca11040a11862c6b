"""C. Dispute mail: raw messages parsed and recorded as cases (issue 13: at least 300 emails/s).

The corpus of tests/data/mail (50 messages of every shape) is replayed with fresh Message-IDs into a
throwaway PostgreSQL database and a SQLite file, through CaseService.record_emails as the IMAP
poller calls it (one sender directory per poll; 50 messages a chunk, one ledger save and one
read-model catch-up per chunk), and one by one as POST /v1/admin/disputes/emails records them (one
save and one catch-up a message). Also measured, as a reference: the pure parse + assessment.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import create_database, db_url, drop_database, migrate

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "mail"
CHUNK = 50


def messages(count: int) -> list[bytes]:
    corpus = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]
    out = []
    for i in range(count):
        raw = corpus[i % len(corpus)]
        header = f"Message-ID: <bench-{i:07d}@bench.flexio.fr>".encode()
        if re.search(rb"(?im)^message-id:", raw):
            raw = re.sub(rb"(?im)^message-id:[^\r\n]*", header, raw, count=1)
        else:
            raw = header + b"\r\n" + raw
        out.append(raw)
    return out


def _record(database_url: str, storage: Path, raws: list[bytes], one_by_one: bool = False) -> dict[str, Any]:
    from billing.bootstrap import bootstrap
    from billing.settings import Settings
    from ledger.clock import PARIS, FixedClock

    settings = Settings(database_url=database_url, admin_token="bench", storage_dir=storage)
    container = bootstrap(settings, FixedClock(datetime(2026, 3, 10, 12, tzinfo=PARIS)), migrate=settings.is_sqlite)
    try:
        cases = container.cases
        started = time.perf_counter()
        senders = cases.sender_directory()
        if one_by_one:  # as POST /v1/admin/disputes/emails does: one save and one catch-up a message
            for raw in raws:
                cases.record_email(raw)
        else:
            for start in range(0, len(raws), CHUNK):  # as the IMAP poller does, chunk by chunk
                cases.record_emails(raws[start : start + CHUNK], senders=senders)
        seconds = time.perf_counter() - started
        recorded = len(cases.list_cases())
    finally:
        container.close()
    return {"emails": len(raws), "recorded": recorded, "seconds": seconds, "emails_per_s": len(raws) / seconds}


def run(count: int = 3000) -> dict[str, Any]:
    from cases.business_calendar import PARIS
    from cases.disputes import assess
    from cases.mail import parse_message
    from cases.senders import SenderDirectory

    raws = messages(count)
    posted = datetime(2026, 3, 10, 12, tzinfo=PARIS)
    directory = SenderDirectory([("acme", "compta@acme.fr")])
    started = time.perf_counter()
    for raw in raws:
        mail = parse_message(raw, posted)
        assess(mail, directory.match(mail.sender), lambda _n: None)
    parse_s = time.perf_counter() - started
    result: dict[str, Any] = {"emails": count, "corpus": len(list(CORPUS.glob("*.eml"))), "parse_only_per_s": count / parse_s}

    for mode, one_by_one in (("poller", False), ("one_by_one", True)):
        work = Path(tempfile.mkdtemp(prefix="bench-mail-"))
        try:
            result[f"sqlite_{mode}"] = _record(f"sqlite:///{work}/billing.db", work / "documents", raws, one_by_one)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        name = create_database("bench_mail")
        work = Path(tempfile.mkdtemp(prefix="bench-mail-"))
        try:
            migrate(name)
            result[f"postgres_{mode}"] = _record(db_url(name), work / "documents", raws, one_by_one)
        finally:
            drop_database(name)
            shutil.rmtree(work, ignore_errors=True)
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
