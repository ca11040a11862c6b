"""Raw RFC 5322 messages to plain facts: sender, receipt time, readable text, attachments.

Messages come in every usual shape: text/plain or HTML only, multipart/alternative or mixed, quoted-
printable or base64, UTF-8, ISO-8859-1, windows-1252 or a charset nobody knows. What cannot be read
is read as Latin-1 rather than dropped, because every message must become a case or an ``other``
record (issue 13). The one exception is a message built to exhaust the parser (multiparts nested
1,000 deep, thousands of parts, megabytes of headers, a message above the size any mail server
takes): :func:`parse_message` refuses it with :class:`MessageRefused`, an ``InvalidInput`` (422 at
HTTP, the quarantine folder for the IMAP poller), before the email package sees it, and never with
a ``RecursionError`` or any other crash (it is fuzzed).

The sender is the address written in the raw ``From:`` header, parsed as structure (the stdlib's
header registry, cross-checked by ``email.utils``), never text found in its decoded display name:
``From: =?utf-8?b?<"Compta <factures@fx3.fr>">?= <attacker@evil.example>`` is attacker@evil.example.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import Message
from html.parser import HTMLParser

from ledger.errors import InvalidInput

__all__ = ["Attachment", "MessageRefused", "ParsedMail", "fresh_text", "html_to_text", "parse_message"]

# Bounds of what a person's mail can be (issue 19 item 4). Real messages from Outlook, Gmail, Apple
# Mail and Thunderbird stay far below each: a header block of 10-40 KB (Received, DKIM, ARC,
# Thread-Index), a handful of nested containers (mixed > related > alternative, a forwarded
# message/rfc822), a few dozen parts.
MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # what common mail servers accept (the HTTP intake answers 413 above it)
MAX_HEADER_BYTES = 256 * 1024  # one header block, the message's or a part's
MAX_CONTAINERS = 50  # multipart/* and message/* declarations: the nesting depth is at most this
MAX_PARTS = 500  # boundary delimiter lines, i.e. MIME parts
MAX_TEXT_CHARS = 200_000  # characters of each text part read (a dispute is a few lines)
MAX_HTML_CHARS = 300_000  # characters of an HTML part turned into text
MAX_FROM_CHARS = 2_000  # a From: longer than this names no sender we can trust


class MessageRefused(InvalidInput):
    """A message built to exhaust the parser: refused whole, nothing recorded (422, or quarantine)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="body")


@dataclass(frozen=True)
class Attachment:
    """An attachment as received; its bytes stay in the stored raw message."""

    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    sender: str  # the From address, lower case ("" when there is none)
    sender_name: str
    subject: str
    date: datetime | None  # the Date: header, aware
    received_at: datetime  # newest Received: header, else Date:, else the fallback given (API.md)
    text: str  # the body as text (text/plain preferred, else the HTML's text)
    fresh: str  # the text without quoted history (replies) or, for a forward, the whole text
    attachments: tuple[Attachment, ...] = ()
    auto_reply: bool = False  # out-of-office and other automatic replies (RFC 3834)
    bounce: bool = False  # delivery status notifications
    bulk: bool = False  # newsletters and lists
    forwarded: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def _decode_header(value: object) -> str:
    """A header value as text: RFC 2047 words decoded, unknown charsets read as Latin-1."""
    if value is None:
        return ""
    raw = str(value)
    try:
        parts = email.header.decode_header(raw)
    except Exception:  # malformed encoded words: keep the raw text
        return _clean(raw)
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(_bytes_to_text(chunk, charset))
        else:
            out.append(chunk)
    return _clean("".join(out))


def _clean(text: str) -> str:
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return re.sub(r"[\r\n\t]+", " ", text).strip()


def _bytes_to_text(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        name = candidate.strip().strip('"').lower()
        if name in ("unknown-8bit", "x-unknown", "us-ascii", "ascii"):
            name = "utf-8"
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return data.decode("cp1252", "replace") if _cp1252_ok(data) else data.decode("latin-1")


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _date(value: str) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:  # "-0000": the time is UTC with no claim about the local zone
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return parsed


def _received_time(headers: list[str]) -> datetime | None:
    """The newest time among the Received: headers (each ends with "; <date>")."""
    newest: datetime | None = None
    for header in headers:
        _, sep, stamp = str(header).rpartition(";")
        if not sep:
            continue
        when = _date(stamp.strip())
        if when is not None and (newest is None or when > newest):
            newest = when
    return newest


class _HtmlText(HTMLParser):
    """Text of an HTML body: blocks become lines, scripts and styles vanish, blockquotes are quoted."""

    BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        if tag == "blockquote":
            self.quote += 1
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title") and self.skip:
            self.skip -= 1
        if tag == "blockquote" and self.quote:
            self.quote -= 1
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.quote:
            lines = data.split("\n")
            data = "\n".join("> " + line if line.strip() else line for line in lines)
        self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient, but never let a broken page lose the message
        return re.sub(r"<[^>]*>", " ", html)
    text = "".join(parser.out)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


# Where quoted history starts, in the usual clients, French and English.
_QUOTE_START = re.compile(
    r"^(?:"
    # Gmail wraps a long attribution line ("On Mon, Mar 2, 2026 at 9:00 AM X <x@y.fr>\nwrote:")
    r"On [^\n]{0,200}(?:\n[^\n]{0,100})?wrote:\s*$"
    r"|Le [^\n]{0,200}(?:\n[^\n]{0,100})?\ba\s+écrit\s*:\s*$"
    r"|-{2,}\s*(?:Original Message|Message d'origine|Message original)\s*-{2,}"
    r"|_{10,}\s*$"
    r"|(?:From|De)\s*:\s.+\n(?:Sent|Envoyé|Date)\s*:"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
_FORWARD = re.compile(
    r"(?:-{2,}\s*(?:Forwarded message|Message transféré)\s*-{2,}"
    r"|Début du message réexpédié|Begin forwarded message)",
    re.IGNORECASE,
)


def fresh_text(text: str) -> str:
    """The part a person just wrote: before the first quoted-history marker, without "> " lines."""
    match = _QUOTE_START.search(text)
    head = text[: match.start()] if match else text
    return "\n".join(line for line in head.splitlines() if not line.lstrip().startswith(">")).strip()


def _unflow(text: str, delsp: bool) -> str:
    """format=flowed (RFC 3676, Thunderbird's default): a line ending in a space continues on the
    next line of the same quote depth (with delsp=yes that space is not part of the text); "-- "
    stays the signature mark."""
    out: list[str] = []
    carry: tuple[int, str] | None = None  # (quote depth, text so far) of a flowed paragraph
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if carry is not None and carry[0] == depth:
            content = carry[1] + (content[1:] if depth and content.startswith(" ") else content)
        elif carry is not None:
            out.append(">" * carry[0] + carry[1])
        carry = None
        if content.endswith(" ") and content.strip() and content.rstrip() != "--":
            carry = (depth, content[:-1] if delsp else content)
            continue
        out.append(">" * depth + content)
    if carry is not None:
        out.append(">" * carry[0] + carry[1])
    return "\n".join(out)


def _walk_parts(message: Message) -> tuple[str, str, list[Attachment]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        ctype = (part.get_content_type() or "text/plain").lower()
        disposition = str(part.get("Content-Disposition", "")).lower()
        filename = part.get_filename()
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = None
        if not isinstance(payload, bytes):
            raw_payload = part.get_payload()
            payload = raw_payload.encode("utf-8", "surrogateescape") if isinstance(raw_payload, str) else b""
        is_attachment = "attachment" in disposition or (filename is not None and not ctype.startswith("text/"))
        if is_attachment or not ctype.startswith(("text/plain", "text/html")):
            if ctype.startswith("message/delivery-status") or ctype == "text/rfc822-headers":
                plain.append(_bytes_to_text(payload, part.get_content_charset())[:MAX_TEXT_CHARS])
            attachments.append(
                Attachment(
                    filename=_decode_header(filename) if filename else "",
                    content_type=ctype,
                    size=len(payload),
                    sha256=hashlib.sha256(payload).hexdigest(),
                )
            )
            continue
        charset = None
        try:
            charset = part.get_content_charset()
        except Exception:
            charset = None
        text = _bytes_to_text(payload, charset)
        if ctype == "text/plain" and str(part.get_param("format") or "").lower() == "flowed":
            text = _unflow(text, str(part.get_param("delsp") or "").lower() == "yes")
        if ctype == "text/html":
            html.append(text[:MAX_HTML_CHARS])
        else:
            plain.append(text[:MAX_TEXT_CHARS])
    return "\n".join(plain), "\n".join(html), attachments


def _auto_reply(message: Message, subject: str) -> bool:
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    return bool(
        re.match(
            r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|absence|réponse automatique"
            r"|message d'absence|je suis absente?|autoreply)",
            subject,
            re.IGNORECASE,
        )
    )


def _bounce(message: Message, sender: str, subject: str) -> bool:
    ctype = str(message.get("Content-Type", "")).lower()
    if "multipart/report" in ctype and "delivery-status" in ctype:
        return True
    local = sender.split("@", 1)[0]
    if local in ("mailer-daemon", "postmaster"):
        return True
    return bool(
        re.match(
            r"^\s*(?:undeliver(?:ed|able)|delivery status notification|mail delivery (?:failed|failure)"
            r"|returned mail|non remis|échec de (?:la )?remise|message non délivré)",
            subject,
            re.IGNORECASE,
        )
    )


def _message_id(message: Message, raw: bytes) -> str:
    # Read raw (an encoded word is not an id) and kept to printable ASCII: the id goes back out in
    # the acknowledgment's In-Reply-To.
    try:
        value = _raw_header(message.get("Message-ID", "")).strip()
    except Exception:
        value = ""
    match = re.search(r"<([\x21-\x3b\x3d\x3f-\x7e]{1,500})>", value)
    if match:
        return match.group(1)
    if re.fullmatch(r"[\x21-\x3b\x3d\x3f-\x7e]{1,500}", value):
        return value
    # No usable Message-ID: the digest of the bytes still makes a repeat upload the same case.
    return "sha256:" + hashlib.sha256(raw).hexdigest()


_HEADER_END = re.compile(rb"\r?\n\r?\n")
_CONTAINER = re.compile(rb"^content-type[ \t]*:[ \t]*(?:\r?\n[ \t]+)?(?:multipart|message)/", re.IGNORECASE | re.MULTILINE)
_BOUNDARY = re.compile(rb"""boundary[ \t]*=[ \t]*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))""", re.IGNORECASE)
_DELIMITER = re.compile(rb"^--([^\r\n]{1,202}?)[ \t]*\r?$", re.MULTILINE)


def _header_block_end(raw: bytes, start: int) -> int:
    found = _HEADER_END.search(raw, start, start + MAX_HEADER_BYTES + 4)
    if found is None and len(raw) - start > MAX_HEADER_BYTES:
        raise MessageRefused(f"a header block is larger than {MAX_HEADER_BYTES} bytes")
    return found.end() if found else len(raw)


def _check_structure(raw: bytes) -> None:
    """Refuse a parser bomb from the raw bytes, in linear time and before the email package (whose
    parser recurses once per nested multipart and raised RecursionError at 1,000 levels, after
    several seconds of quadratic work). Containers are counted wherever a Content-Type declares one,
    so the nesting depth is bounded by their number whatever the structure."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MessageRefused(f"the message is larger than {MAX_MESSAGE_BYTES} bytes")
    _header_block_end(raw, 0)
    containers = len(_CONTAINER.findall(raw, 0, len(raw)))
    if containers > MAX_CONTAINERS:
        raise MessageRefused(f"the message nests more than {MAX_CONTAINERS} multipart or message parts")
    if not containers:
        return
    boundaries = {b.rstrip() for pair in _BOUNDARY.findall(raw) for b in pair if b}
    parts = 0
    for delimiter in _DELIMITER.finditer(raw):
        name = delimiter.group(1)
        if name in boundaries:
            parts += 1
            if parts > MAX_PARTS:
                raise MessageRefused(f"the message has more than {MAX_PARTS} parts")
            _header_block_end(raw, delimiter.end())


def _raw_header(value: object) -> str:
    """A header as written on the wire, RFC 2047 words left encoded: 8-bit bytes (RFC 6532) are read
    as UTF-8, never re-parsed from decoded text."""
    if isinstance(value, email.header.Header):  # compat32 wraps a value holding 8-bit bytes
        chunks = email.header.decode_header(value)
        return "".join(c.decode("utf-8", "replace") if isinstance(c, bytes) else c for c, _ in chunks)
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}")


# "Name <local@domain>", "\"Name\" <local@domain>", "<local@domain>" or "local@domain", with a plain
# dot-atom address and a display name (RFC 2047 words allowed) holding nothing an address parser
# could read as structure: no <, >, @, comma, semicolon, colon, parenthesis, backslash or bracket.
_PLAIN_ADDRESS = (
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}"
)
_SIMPLE_FROM = re.compile(
    rf"""[ \t]*(?:(?P<name>[^<>@",;:()\\\[\]\r\n]*?|"[^"\\<>@,;:\r\n]*")[ \t]*<(?P<angle>{_PLAIN_ADDRESS})>"""
    rf"""|(?P<bare>{_PLAIN_ADDRESS}))[ \t]*"""
)


def _sender(message: Message) -> tuple[str, str]:
    """(address, display name) of the one mailbox of the one ``From:`` header, or ("", name).

    The address is the structure of the raw header, read by the header registry AND by
    ``email.utils.getaddresses``; both must find exactly one mailbox, the same, written literally in
    the header (not produced by decoding an encoded word), with a plain local part and domain.
    Anything else (two From: headers, a list, a group with none, ``compta@acme.fr <x@evil>`` that
    the two parsers read differently) names nobody: the case is flagged ``unknown_sender`` for
    finance and no acknowledgment goes out. The display name is only ever shown, never matched."""
    try:
        values = message.get_all("From") or []
    except Exception:
        return "", ""
    if len(values) != 1:
        return "", ""
    raw = _raw_header(values[0])
    if len(raw) > MAX_FROM_CHARS:
        return "", ""
    simple = _SIMPLE_FROM.fullmatch(raw)
    if simple:  # the usual shapes, unambiguous to every parser: no need to run two (issue 19, bench D)
        address = simple.group("bare") or simple.group("angle")
        written = (simple.group("name") or "").strip()
        if len(written) >= 2 and written[0] == written[-1] == '"':
            written = written[1:-1]
        return address.lower(), _clean(_decode_header(written))
    try:
        found = email.utils.getaddresses([raw])
    except Exception:
        return "", ""
    mailboxes = [(name, address) for name, address in found if name or address]
    if len(mailboxes) != 1:
        return "", ""
    utils_name, utils_address = mailboxes[0]
    name = _decode_header(utils_name)
    try:
        # Raises ValueError for a display name decoding to CR or LF: the address structure is still
        # the one email.utils read from the raw text, whose name is then decoded apart.
        registry = email.policy.default.header_factory("From", raw).addresses
    except Exception:
        registry = None
    if registry is not None:
        if len(registry) != 1 or registry[0].addr_spec.lower() != utils_address.lower():
            return "", _clean(name)
        name = registry[0].display_name
    local, at, domain = utils_address.rpartition("@")
    if not at or "=?" in local or not _LOCAL_PART.fullmatch(local) or not _DOMAIN.fullmatch(domain):
        return "", _clean(name)
    if utils_address.lower() not in raw.lower():
        return "", _clean(name)
    try:  # the acknowledgment's To: is built from this address: the header registry must take it as is
        if Address(addr_spec=utils_address).addr_spec != utils_address:
            return "", _clean(name)
    except (ValueError, IndexError, email.errors.HeaderParseError):
        return "", _clean(name)
    return utils_address.lower(), _clean(name)


def parse_message(raw: bytes, fallback_received: datetime) -> ParsedMail:
    """Read one raw message. ``fallback_received`` (aware) is the receipt time when the message has
    neither a Received: nor a Date: header that can be read (the time it was handed to us).

    Raises :class:`MessageRefused` (an ``InvalidInput``) for a parser bomb, and nothing else."""
    _check_structure(raw)
    message = email.message_from_bytes(raw)
    subject = _decode_header(message.get("Subject", ""))
    address, name = _sender(message)
    dated = _date(str(message.get("Date", "")))
    try:
        received_headers = [str(h) for h in (message.get_all("Received") or [])]
    except Exception:
        received_headers = []
    received_at = _received_time(received_headers) or dated or fallback_received
    try:
        plain, html, attachments = _walk_parts(message)
    except Exception:  # a structure the email package cannot walk: keep the bytes as text
        plain, html, attachments = raw[:MAX_TEXT_CHARS].decode("latin-1"), "", []
    text = plain.strip()[:MAX_TEXT_CHARS] or html_to_text(html[:MAX_HTML_CHARS])[:MAX_TEXT_CHARS]
    forwarded = bool(re.match(r"^\s*(?:fwd?|tr|transf)\s*:", subject, re.IGNORECASE)) or bool(_FORWARD.search(text))
    fresh = text if forwarded else fresh_text(text)
    keep = ("List-Unsubscribe", "Precedence", "Auto-Submitted", "In-Reply-To", "References", "To")
    headers = {key: _decode_header(message.get(key)) for key in keep if message.get(key) is not None}
    precedence = headers.get("Precedence", "").lower()
    return ParsedMail(
        message_id=_message_id(message, raw),
        sender=address,
        sender_name=name,
        subject=subject,
        date=dated,
        received_at=received_at,
        text=text,
        fresh=fresh,
        attachments=tuple(attachments),
        auto_reply=_auto_reply(message, subject),
        bounce=_bounce(message, address, subject),
        bulk="List-Unsubscribe" in headers or precedence in ("bulk", "list", "junk"),
        forwarded=forwarded,
        headers=headers,
    )
