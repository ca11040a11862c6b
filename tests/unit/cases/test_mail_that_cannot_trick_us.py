"""Mail that cannot trick us (issue 19 item 4; issue 17 item 7b/7c): the sender is the address of the
raw ``From:`` header, never its decoded display name; parser bombs are refused with an InvalidInput
(422 at HTTP, the quarantine for the IMAP poller), never a RecursionError.

The world: fx3 (factures@fx3.fr) owns FX-2026-000025 issued 2026-03-02, TTC 678.00 (window to 22 March).
"""

from __future__ import annotations

import base64
import email
import email.policy
import os
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.mail.acknowledgments import acknowledgment
from cases.business_calendar import PARIS
from cases.disputes import InvoiceFacts, assess
from cases.mail import MAX_CONTAINERS, MAX_PARTS, MessageRefused, parse_message
from cases.senders import SenderDirectory
from ledger.errors import InvalidInput

POSTED = datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)
FX3 = InvoiceFacts("FX-2026-000025", "fx3", date(2026, 3, 2), Decimal("678.00"), "issued")
SENDERS = SenderDirectory([("fx3", "factures@fx3.fr"), ("acme", "compta@acme.fr")])


def b64_word(text: str) -> str:
    """An RFC 2047 encoded word, as Python's email package and every client write it."""
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def dispute_from(from_header: str, *extra: str) -> bytes:
    lines = [
        "Received: from mx.flexio.fr by imap.flexio.fr; Tue, 10 Mar 2026 10:00:00 +0100",
        f"From: {from_header}",
        *extra,
        "To: compta@flexio.fr",
        "Subject: Contestation facture FX-2026-000025",
        "Date: Tue, 10 Mar 2026 09:59:00 +0100",
        "Message-ID: <spoof-0310@evil.example>",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Nous contestons 30,00 € de dépassement sur la facture FX-2026-000025, car notre tableau de bord",
        "indique une consommation sous le plafond du forfait.",
        "",
    ]
    return "\r\n".join(lines).encode()


def outcome_of(raw: bytes) -> tuple[str, str, tuple[str, ...]]:
    mail = parse_message(raw, POSTED)
    outcome = assess(mail, SENDERS.match(mail.sender), {FX3.number: FX3}.get)
    return mail.sender, mail.sender_name, outcome.reasons


@pytest.mark.parametrize(
    "display_name", ['"Compta <factures@fx3.fr>"', "Compta <factures@fx3.fr>", "factures@fx3.fr"]
)
def test_an_address_in_the_decoded_display_name_is_not_the_sender(display_name: str) -> None:
    # Before: the unquoted variant made a valid dispute of fx3's invoice from attacker@evil.example.
    sender, name, reasons = outcome_of(dispute_from(f"{b64_word(display_name)} <attacker@evil.example>"))
    assert sender == "attacker@evil.example"
    assert name == display_name  # shown to finance as written, never matched
    assert reasons == ("unknown_sender",)


def test_the_genuine_sender_makes_the_same_dispute_valid() -> None:
    sender, _name, reasons = outcome_of(dispute_from("=?utf-8?b?Q29tcHRhIEZYMw==?= <factures@fx3.fr>"))
    assert (sender, reasons) == ("factures@fx3.fr", ())


def test_a_display_name_holding_crlf_and_bcc_adds_no_recipient() -> None:
    # Before: the decoded name "Evil\r\nBcc: victim@evil.example" made the sender victim@evil.example,
    # and the acknowledgment went there.
    raw = dispute_from(f"{b64_word('Evil' + chr(13) + chr(10) + 'Bcc: victim@evil.example')} <factures@fx3.fr>")
    sender, name, reasons = outcome_of(raw)
    assert sender == "factures@fx3.fr"
    assert "\r" not in name and "\n" not in name
    assert reasons == ()


@pytest.mark.parametrize(
    "from_header",
    [
        "factures@fx3.fr <attacker@evil.example>",  # the two parsers disagree: the registry reads the first
        "factures@fx3.fr, attacker@evil.example",  # a list: nobody in particular
        "<=?utf-8?q?factures?=@fx3.fr>",  # the local part is an encoded word, not what the header says
        "=?utf-8?q?factures=40fx3.fr?=@evil.example",
        "undisclosed-recipients:;",
        '"factures@fx3.fr"@evil.example',
        "factures@[192.0.2.1]",
        "<>",
    ],
)
def test_a_from_that_names_no_single_plain_mailbox_names_nobody(from_header: str) -> None:
    sender, _name, reasons = outcome_of(dispute_from(from_header))
    assert sender == ""
    assert "unknown_sender" in reasons


def test_two_from_headers_name_nobody() -> None:
    sender, _name, reasons = outcome_of(dispute_from("factures@fx3.fr", "From: attacker@evil.example"))
    assert (sender, "unknown_sender" in reasons) == ("", True)


@pytest.mark.parametrize(
    ("from_header", "sender", "name"),
    [
        ("Claire Martin <compta@acme.fr>", "compta@acme.fr", "Claire Martin"),
        ('"Martin, Claire" <Compta@ACME.fr>', "compta@acme.fr", "Martin, Claire"),
        ("compta@acme.fr (Claire Martin)", "compta@acme.fr", ""),
        ("J. Martin <compta@acme.fr>", "compta@acme.fr", "J. Martin"),
        ("=?iso-8859-1?Q?J=E9r=F4me_Lef=E8vre?= <compta@acme.fr>", "compta@acme.fr", "Jérôme Lefèvre"),
        ('"=?utf-8?b?SsOpcsO0bWU=?=" <compta@acme.fr>', "compta@acme.fr", "Jérôme"),  # Outlook quotes it
    ],
)
def test_from_headers_as_clients_write_them(from_header: str, sender: str, name: str) -> None:
    mail = parse_message(dispute_from(from_header), POSTED)
    assert (mail.sender, mail.sender_name) == (sender, name)


def test_an_8bit_display_name_is_read_as_utf8() -> None:
    mail = parse_message(dispute_from("Jérôme Lefèvre <compta@acme.fr>"), POSTED)
    assert (mail.sender, mail.sender_name) == ("compta@acme.fr", "Jérôme Lefèvre")


def test_a_message_id_is_read_raw_and_printable() -> None:
    raw = dispute_from("compta@acme.fr").replace(b"<spoof-0310@evil.example>", b"=?utf-8?q?a=0D=0ABcc:_x?=")
    mail = parse_message(raw, POSTED)
    assert mail.message_id == "=?utf-8?q?a=0D=0ABcc:_x?="  # not decoded: no CR/LF in what goes out again


# ---------------------------------------------------------------------------------------------
# Parser bombs
HEAD = "From: compta@acme.fr\r\nSubject: x\r\nMessage-ID: <bomb@acme.fr>\r\nMIME-Version: 1.0\r\n"


def nested(depth: int) -> bytes:
    text = HEAD + 'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    for level in range(1, depth):
        text += f'--b{level - 1}\r\nContent-Type: multipart/mixed; boundary="b{level}"\r\n\r\n'
    text += f"--b{depth - 1}\r\nContent-Type: text/plain\r\n\r\nNous contestons 40,00 EUR.\r\n"
    for level in range(depth - 1, -1, -1):
        text += f"--b{level}--\r\n"
    return text.encode()


@pytest.mark.parametrize("depth", [MAX_CONTAINERS + 1, 1_000, 5_000])
def test_multiparts_nested_deeper_than_the_bound_are_refused(depth: int) -> None:
    # Before: RecursionError at 1,000 levels (a 500 at HTTP), after seconds of quadratic parsing.
    with pytest.raises(MessageRefused, match="nests more than") as refused:
        parse_message(nested(depth), POSTED)
    assert isinstance(refused.value, InvalidInput) and refused.value.field == "body"


def test_multiparts_nested_within_the_bound_are_read() -> None:
    mail = parse_message(nested(MAX_CONTAINERS), POSTED)
    assert mail.text == "Nous contestons 40,00 EUR."


def test_a_message_nesting_messages_is_bounded_too() -> None:
    forward = HEAD + 'Content-Type: message/rfc822\r\n\r\n' * (MAX_CONTAINERS + 1) + "\r\nbody\r\n"
    with pytest.raises(MessageRefused):
        parse_message(forward.encode(), POSTED)


def test_thousands_of_parts_are_refused() -> None:
    part = "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
    mixed = HEAD + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    with pytest.raises(MessageRefused, match=f"more than {MAX_PARTS} parts"):
        parse_message((mixed + part * 5_000 + "--b--\r\n").encode(), POSTED)
    fine = parse_message((mixed + part * 40 + "--b--\r\n").encode(), POSTED)
    assert fine.text.count("hi") == 40


@pytest.mark.parametrize(
    "raw",
    [
        (HEAD.replace("Subject: x", "Subject: " + "a" * 1_000_000) + "\r\nbody\r\n").encode(),  # one huge header
        (HEAD + "X-Filler: b\r\n" * 300_000 + "\r\nbody\r\n").encode(),  # 300,000 header lines
        (HEAD.replace("From: compta@acme.fr", "From: " + "a <b@c.fr>, " * 100_000) + "\r\nbody\r\n").encode(),
        (HEAD + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n' + "X-Part: y\r\n" * 40_000
         + "\r\nbody\r\n--b--\r\n").encode(),  # a part's header block of 440 KB
    ],
    ids=["huge-subject", "many-header-lines", "huge-from", "huge-part-header"],
)
def test_huge_headers_are_refused(raw: bytes) -> None:
    with pytest.raises(MessageRefused, match="header block is larger"):
        parse_message(raw, POSTED)


def test_base64_that_would_decode_to_100_mb_is_refused_before_decoding() -> None:
    # 100 MB decoded is 133.3 MB of base64 (4 characters for 3 bytes): above the 25 MB any mail
    # server accepts, refused on its length before the email package decodes anything.
    body = b"QUFB" * (100 * 1024 * 1024 // 3)
    raw = (HEAD + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n").encode() + body
    with pytest.raises(MessageRefused, match="larger than"):
        parse_message(raw, POSTED)


def test_a_large_legitimate_text_is_read_in_bounded_time() -> None:
    # 6 MB of base64 text (4.5 MB decoded): read, its first 200,000 characters classified.
    body = base64.encodebytes(("Nous contestons 40,00 EUR car le compteur indique moins. " * 80_000).encode())
    raw = (HEAD + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n").encode() + body
    mail = parse_message(raw, POSTED)
    assert len(mail.text) <= 200_000 and mail.text.startswith("Nous contestons 40,00 EUR")


# ---------------------------------------------------------------------------------------------
# Whatever the From: header, the sender is nobody or one plain address, and the acknowledgment built
# for it goes to that address alone.
FROM_PIECES = st.sampled_from(
    ["compta@acme.fr", "factures@fx3.fr", "attacker@evil.example", "<", ">", ",", ";", ":", '"', "(", ")", "@",
     " ", "\t", "\r\n", "\r\n\t", "\r\nBcc: victim@evil.example", "=?utf-8?q?", "?=", "=0D=0A", "=2C",
     b64_word("Compta <factures@fx3.fr>"), b64_word("a@b.fr, c@d.fr"), b64_word("x\r\nBcc: v@evil.example"),
     b64_word('"'), "\u00e9", "\x85", "\u2028", "\x00", "Grp:", "[1.2.3.4]", "=?iso-8859-1?Q?J=E9r=F4me?="]
)


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None, database=None)
@given(st.lists(st.one_of(FROM_PIECES, st.text(max_size=8)), max_size=12))
def test_any_from_header_gives_nobody_or_one_address_acknowledged_alone(pieces: list[str]) -> None:
    header = "".join(pieces)
    raw = b"From: " + header.encode("utf-8", "surrogatepass") + b"\r\nSubject: s\r\nMessage-ID: <f@x.fr>\r\n\r\nbody\r\n"
    try:
        mail = parse_message(raw, POSTED)
    except MessageRefused:
        return
    if not mail.sender:
        return
    assert re.fullmatch(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9.-]+", mail.sender), mail.sender
    assert "\r" not in mail.sender_name and "\n" not in mail.sender_name
    view = {"kind": "dispute", "sender": mail.sender, "case": "c-1", "message_id": mail.message_id,
            "invoice": None, "received_at": "2026-03-10T10:12:45+01:00", "answer_by": "2026-03-17"}
    sent = email.message_from_bytes(bytes(acknowledgment(view, "fr", "Tue, 10 Mar 2026 11:00:00 +0100")),
                                    policy=email.policy.default)
    assert [str(a.addr_spec).lower() for a in sent["To"].addresses] == [mail.sender]
    assert sent["Bcc"] is None and sent["Cc"] is None
