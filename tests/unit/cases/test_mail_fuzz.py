"""The parser and the classifier never let an exception escape, whatever the bytes (issue 13), except
the MessageRefused (an InvalidInput) they raise on purpose for a parser bomb (issue 19).

Three generators: raw bytes, messages built from hostile header and body pieces, and corpus
messages mutated byte by byte. The default run (``make test``) tries FUZZ_EXAMPLES=150 inputs per
generator; ``make fuzz`` runs 34,000 per generator (136,000 in total, 102,000 of them whole messages).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.amounts import find_amounts, find_invoice_numbers
from cases.business_calendar import PARIS
from cases.disputes import InvoiceFacts, assess
from cases.mail import MessageRefused, parse_message
from cases.senders import SenderDirectory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
POSTED = datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)
CORPUS = [p.read_bytes() for p in sorted((Path(__file__).parents[2] / "data" / "mail").glob("*.eml"))]
SENDERS = SenderDirectory([("acme", "compta@acme.fr")])
INVOICE = InvoiceFacts("FX-2026-000001", "acme", date(2026, 3, 2), Decimal("1415.15"), "issued")


def check(raw: bytes) -> None:
    try:
        mail = parse_message(raw, POSTED)
    except MessageRefused:  # a parser bomb, refused on purpose (an InvalidInput): the only exception allowed
        return
    outcome = assess(mail, SENDERS.match(mail.sender), lambda n: INVOICE if n == INVOICE.number else None)
    assert outcome.kind in ("dispute", "termination", "other")
    assert outcome.received_at.tzinfo is not None
    assert outcome.acknowledge_by > outcome.received_at.astimezone(PARIS).date() or outcome.received_at.year > 9998
    assert mail.message_id
    if outcome.amount is not None:
        assert outcome.amount == outcome.amount.quantize(Decimal("0.01"))


HEADER_NAMES = st.sampled_from(
    ["From", "To", "Subject", "Date", "Received", "Message-ID", "Content-Type", "Content-Transfer-Encoding",
     "Content-Disposition", "Auto-Submitted", "MIME-Version", "List-Unsubscribe", "X-Autoreply", "Precedence"]
)
PIECES = st.sampled_from(
    [
        "text/plain; charset=windows-1252", "text/html; charset=\"utf-8\"", "multipart/mixed; boundary=\"b\"",
        "multipart/alternative; boundary=b", "multipart/report; report-type=delivery-status; boundary=b",
        "base64", "quoted-printable", "8bit", "attachment; filename=\"=?utf-8?B?w6k=?=.pdf\"",
        "=?utf-8?B?????=", "=?x-unknown?Q?=E9=?=", "=?windows-1252?Q?R=E9clamation?=", "<a@b>", "<>", "<<<",
        "Tue, 10 Mar 2026 10:12:45 +0100", "Thu, 31 Dec 9999 23:59:59 -1200", "Mon, 01 Jan 0001 00:00:00 +1400",
        "from x by y; Tue, 99 Foo 2026 99:99:99 +9999", "from x; ", ";", "auto-replied", "no",
        "\"Ünïcödé\" <compta@acme.fr>", "MAILER-DAEMON@x", "compta@acme.fr", "bulk",
        "Contestation FX-2026-000001 40,00 €", "résiliation immédiate", "FX-2026-000001", "1 234,56 €",
        "EUR 1,234.56", "\x00\x01", "\u202f", "=\r\n", "--b", "--b--",
    ]
)


@st.composite
def hostile_messages(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        name = draw(HEADER_NAMES)
        value = draw(st.one_of(PIECES, st.text(max_size=40)))
        lines.append(f"{name}: {value}")
    body_parts = draw(st.lists(st.one_of(PIECES, st.text(max_size=60)), max_size=12))
    text = "\r\n".join(lines) + "\r\n\r\n" + "\r\n".join(body_parts)
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "cp1252", "utf-16"]))
    return text.encode(encoding, "replace") + draw(st.binary(max_size=40))


@FUZZ
@given(st.binary(max_size=2000))
def test_raw_bytes_never_raise(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(hostile_messages())
def test_hostile_headers_and_bodies_never_raise(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(
    st.sampled_from(CORPUS),
    st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=0, max_size=8)), min_size=1, max_size=6),
    st.integers(0, 10_000),
)
def test_mutated_corpus_messages_never_raise(raw: bytes, edits: list[tuple[int, bytes]], cut: int) -> None:
    data = bytearray(raw)
    for at, replacement in edits:
        at %= max(len(data), 1)
        data[at : at + len(replacement)] = replacement
    check(bytes(data[: max(cut, len(data) // 2)]))


@FUZZ
@given(st.text(max_size=300))
def test_amount_and_number_finders_never_raise(text: str) -> None:
    for amount in find_amounts(text):
        assert amount >= 0
    for number in find_invoice_numbers(text):
        assert number[:3] in ("FX-", "AV-")
