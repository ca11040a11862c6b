"""Batch rendering: many documents per wkhtmltopdf process, split per document, Factur-X embedded.

Starting wkhtmltopdf costs most of its 0.3 s a document (ENGINEERING_NOTES), so a batch of
documents goes into ONE HTML page with a page break before each document; wkhtmltopdf's outline
(``--dump-outline``) says on which page each document's title falls, and pypdf splits the pages.

Determinism (issue 11 "re-render restores the identical hash"): the fonts wkhtmltopdf embeds are
subsets of the glyphs of the whole batch, so a document's bytes depend on the batch it was
rendered in. The batch (the ordered numbers) is therefore recorded with the hash, and a re-render
renders the same batch again. Every date in the PDF (info dictionary, XMP, embedded file) is the
document's issue date at noon UTC, never the wall clock.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import io
import logging
import multiprocessing
import os
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import facturx.facturx as facturx_module
import pdfkit
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from lxml import etree
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    EncodedStreamObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from billing.documents.cii import build_cii
from billing.documents.validation import RuleFailure, validator

TEMPLATES = Path(__file__).parent / "templates"
# The sRGB profile of the PDF/A output intent, shipped in the package (Zlib licence, icc/README):
# found at run time wherever the package is installed.
SRGB_PROFILE = Path(__file__).parent / "icc" / "sRGB.icc"
SRGB_CONDITION = "sRGB IEC61966-2.1"
WKHTMLTOPDF_OPTIONS: dict[str, str | None] = {
    "quiet": None,
    "disable-local-file-access": None,  # ENGINEERING_NOTES: no file or network resources
    "disable-javascript": None,
    "encoding": "UTF-8",
    "page-size": "A4",
    "margin-top": "14mm",
    "margin-bottom": "14mm",
    "margin-left": "14mm",
    "margin-right": "14mm",
}

# Debian's wkhtmltopdf (unpatched Qt) has no outline: each document's title is a link to
# MARKER + number, whose annotation tells on which page the document starts; it is removed after.
MARKER = "https://documents.invalid/"

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def _frdate(iso: str | None) -> str:
    if not iso:
        return "—"
    day = date.fromisoformat(iso)
    return f"{'1er' if day.day == 1 else day.day} {_MONTHS[day.month - 1]} {day.year}"


_THIN_SPACE = "\u202f"


def _eur(value: str | Decimal | None) -> str:
    """French money format: 1 415,15 € (narrow no-break space between thousands)."""
    if value is None:
        return "—"
    amount = Decimal(value).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{_THIN_SPACE.join(groups)},{cents} €"


def _eur_abs(value: str) -> str:
    return _eur(abs(Decimal(value)))


def _rate(value: str) -> str:
    return f"{Decimal(value).normalize():f}".replace(".", ",")


def _mask(iban: str | None) -> str:
    return "—" if not iban else f"{iban[:4]} •••• {iban[-4:]}"


_UNITS = {
    "plan_fee": "jours",
    "branding_removal": "jours",
    "reference_opt_out": "jours",
    "advanced_support": "jours",
    "support_extra_hours": "h",
    "intervention": "h",
    "overage": "blocs",
    "late_interest": "jours",
}


def _quantity(line: dict[str, Any]) -> str:
    """The line's quantity with its unit: days of service (19/28 jours), blocks of credits, hours."""
    quantity = str(line.get("quantity") or "1")
    unit = _UNITS.get(line["kind"], "")
    details = line.get("details") or {}
    if line["kind"] == "overage" and details.get("block_credits"):
        return f"{quantity} blocs de {_int(details['block_credits'])} crédits"
    text = quantity.replace(".", ",")
    return f"{text} {unit}".strip() if unit else text


def _int(value: Any) -> str:
    """1 234 567: French thousands separator."""
    return f"{int(value):,}".replace(",", _THIN_SPACE)


def _hours(value: Any) -> str:
    """12,5 h: the hours of a line's details (plain decimal strings, §5.3)."""
    return f"{Decimal(str(value)).normalize():f}".replace(".", ",") + " h"


def _short_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _line_period(line: dict[str, Any], document: dict[str, Any]) -> str:
    details = line.get("details") or {}
    if line["kind"] == "late_interest" and details.get("from") and details.get("to"):  # §8: days late
        return f"{_short_date(details['from'])} – {_short_date(details['to'])}"
    if document.get("kind") == "late_payment":
        return "—"
    if line.get("period"):  # a catch-up line bills its original month (§7b)
        year, month = line["period"].split("-")
        return f"{_MONTHS[int(month) - 1]} {year}"
    if document.get("month"):
        year, month = document["month"].split("-")
        return f"{_MONTHS[int(month) - 1]} {year}"
    return "—"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(frdate=_frdate, eur=_eur, eur_abs=_eur_abs, rate=_rate, mask=_mask, quantity=_quantity,
                       line_period=_line_period, int=_int, hours=_hours)
    return env


_env = _environment()
log = logging.getLogger(__name__)


class RenderError(Exception):
    """wkhtmltopdf failed, or its outline does not match the batch."""


@dataclass(frozen=True)
class Rendered:
    """One document of a batch: its Factur-X PDF, or the rules it fails (then there is no PDF)."""

    number: str
    pdf: bytes | None
    failures: tuple[RuleFailure, ...]
    batch: tuple[str, ...]


def render_fragment(document: dict[str, Any]) -> Markup:
    """One document's HTML (its ``<div class="doc">``): raises if the document lacks what it must print."""
    return Markup(_env.get_template("document.html.j2").render(d=_for_template(document), marker_prefix=MARKER))


def render_html(documents: Sequence[dict[str, Any]]) -> str:
    return _page([render_fragment(d) for d in documents])


def _page(fragments: Sequence[Markup]) -> str:
    return _env.get_template("batch.html.j2").render(fragments=fragments)


def _for_template(document: dict[str, Any]) -> dict[str, Any]:
    data = dict(document)
    data.setdefault("kind", None)  # "late_payment" for an invoice of §8 charges
    data.setdefault("vat_mention", None)
    data.setdefault("corrects", None)
    data.setdefault("corrects_issue_date", None)
    data.setdefault("reason", None)
    data.setdefault("collection_date", None)
    data.setdefault("mandate_reference", None)
    buyer = dict(data["buyer"])
    buyer.setdefault("mandate", None)
    buyer["address"] = {"line2": None, **buyer["address"]}
    data["buyer"] = buyer
    data["lines"] = [{"period": None, "unit_price": None, "details": {}, **line} for line in data["lines"]]
    return data


def _start_wkhtmltopdf(html: str) -> Any:
    """Start wkhtmltopdf on the batch; its output is read by :func:`_finish_wkhtmltopdf`, so the
    Factur-X checks run in this process meanwhile."""
    command = pdfkit.PDFKit(html, "string", options=dict(WKHTMLTOPDF_OPTIONS)).command("-")
    # wkhtmltopdf copies its standard input to a wktemp-*.html file under TMPDIR and removes it only
    # when it exits normally: a batch abandoned (killed) would leave it behind, so give each run a
    # scratch directory of its own, removed whatever the outcome.
    scratch = tempfile.TemporaryDirectory(prefix="billing-wkhtmltopdf-")
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "TMPDIR": scratch.name})
    writer = threading.Thread(target=_feed, args=(process, html.encode("utf-8")), daemon=True)
    writer.start()
    return process, writer, scratch


def _feed(process: Any, data: bytes) -> None:
    try:
        process.stdin.write(data)
    except BrokenPipeError:
        pass  # abandoned: every document of the batch failed its checks
    finally:
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()


def _abandon(started: Any) -> None:
    process, writer, scratch = started
    process.kill()
    writer.join()
    process.stdout.close()
    process.stderr.close()
    process.wait()
    scratch.cleanup()


def _finish_wkhtmltopdf(started: Any) -> bytes:
    process, writer, scratch = started
    pdf = process.stdout.read()
    stderr = process.stderr.read()
    process.wait()
    writer.join()
    scratch.cleanup()
    if process.returncode != 0 or not pdf.startswith(b"%PDF"):
        raise RenderError(f"wkhtmltopdf failed ({process.returncode}): {stderr.decode(errors='replace')[:500]}")
    return bytes(pdf)


_facturx_lock = threading.Lock()


@contextmanager
def _frozen_clock(moment: datetime) -> Iterator[None]:
    """The factur-x library stamps ``datetime.now()`` into the PDF; make it the document's date."""

    class _Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return moment if tz is None else moment.astimezone(tz)

    with _facturx_lock:
        original = facturx_module.datetime
        facturx_module.datetime = _Frozen
        try:
            yield
        finally:
            facturx_module.datetime = original


def embed_facturx(writer: PdfWriter, xml: bytes, document: dict[str, Any]) -> bytes:
    """The Factur-X PDF (PDF/A-3 metadata, the CII attached as factur-x.xml); deterministic bytes.

    Uses the factur-x library's own attachment and XMP code on the pages already split (what
    ``generate_from_binary`` does after re-reading a PDF file: that re-read cost 30 ms a document).
    """
    moment = datetime.combine(date.fromisoformat(document["issue_date"]), datetime.min.time(), UTC).replace(hour=12)
    kind = "Avoir" if document.get("document_type") == "credit_note" else "Facture"
    metadata = {
        "author": document["seller"]["name"],
        "keywords": "Factur-X, " + kind,
        "title": f"{document['seller']['name']} : {kind} {document['number']}",
        "subject": f"{kind} {document['number']} du {document['issue_date']} — {document['buyer']['legal_name']}",
    }
    writer._header = b"%PDF-1.6"  # as facturx.generate_from_file does (PDF/A-3 needs 1.6+ for its features)
    with _frozen_clock(moment):
        facturx_module._facturx_update_metadata_add_attachment(
            writer, xml, metadata, "factur-x", "en16931", lang="fr-FR",
            xmp_compression=False,  # ISO 19005: the metadata stream is not filtered, so any reader finds it
        )
    _make_pdfa(writer, xml, document["number"])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.cache
def _srgb_profile() -> bytes:
    """The profile, Flate-compressed once per process (every document embeds the same bytes)."""
    return zlib.compress(SRGB_PROFILE.read_bytes())


def _make_pdfa(writer: PdfWriter, xml: bytes, number: str) -> None:
    """What PDF/A-3 B (ISO 19005-3) wants beyond the Factur-X attachment and XMP (issue 19.1).

    - an output intent with an embedded ICC profile (6.2.4.2): wkhtmltopdf paints in DeviceRGB,
      which is device-independent only against the sRGB profile declared here;
    - a trailer ``/ID`` (6.1.3): two identical byte strings derived from the number and the CII
      XML, never from the clock or randomness, so a re-render gives the same bytes.
    """
    profile = EncodedStreamObject()
    profile[NameObject("/Filter")] = NameObject("/FlateDecode")
    profile._data = _srgb_profile()  # already compressed: pypdf writes _data as it is
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject({
        NameObject("/Type"): NameObject("/OutputIntent"),
        NameObject("/S"): NameObject("/GTS_PDFA1"),
        NameObject("/OutputConditionIdentifier"): TextStringObject(SRGB_CONDITION),
        NameObject("/Info"): TextStringObject(SRGB_CONDITION),
        NameObject("/RegistryName"): TextStringObject("http://www.color.org"),
        NameObject("/DestOutputProfile"): writer._add_object(profile),
    })
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    metadata: Any = writer._root_object["/Metadata"].get_object()
    info: Any = writer._info
    keywords = str(info.get_object().get("/Keywords", "")) if info is not None else ""
    metadata.set_data(_xmp_for_pdfa(metadata.get_data(), keywords))
    identifier = hashlib.md5(number.encode("utf-8") + b"\0" + xml, usedforsecurity=False).digest()
    writer._ID = ArrayObject([ByteStringObject(identifier), ByteStringObject(identifier)])


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_PDF_NS = "http://ns.adobe.com/pdf/1.3/"


def _xmp_for_pdfa(xmp: bytes, keywords: str) -> bytes:
    """factur-x's XMP packet, each ``rdf:Description`` with ``rdf:about=""`` and its own namespace
    declarations (ISO 19005-3 6.6.2.1, XMP 7.4), and ``pdf:Keywords`` equal to the info
    dictionary's /Keywords (6.6.2.2 wants the two in agreement); the properties stay factur-x's."""
    source = etree.fromstring(xmp)
    root = etree.Element("{adobe:ns:meta/}xmpmeta", nsmap={"x": "adobe:ns:meta/"})
    rdf = etree.SubElement(root, f"{{{_RDF}}}RDF", nsmap={"rdf": _RDF})
    for description in source.iter(f"{{{_RDF}}}Description"):
        used = {node.prefix: etree.QName(node).namespace for node in description.iter(etree.Element)
                if node is not description and node.prefix not in (None, "rdf", "xml")}
        copy = etree.SubElement(rdf, f"{{{_RDF}}}Description", nsmap=used)
        copy.set(f"{{{_RDF}}}about", "")
        copy.extend(child.__copy__() for child in description)
        if keywords and _PDF_NS in used.values():
            etree.SubElement(copy, f"{{{_PDF_NS}}}Keywords").text = keywords
    body = etree.tostring(root, encoding="UTF-8", pretty_print=True)
    return b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' + body + b'<?xpacket end="w"?>'


def _split(pdf: bytes, numbers: Sequence[str]) -> list[PdfWriter]:
    """One PDF per document: the pages from its marker up to the next document's marker."""
    reader = PdfReader(io.BytesIO(pdf))
    starts: dict[str, int] = {}
    for index, page in enumerate(reader.pages):
        annots = page.get("/Annots")
        if not annots:
            continue
        kept = ArrayObject()
        for annot in annots:
            uri = str((annot.get_object().get("/A") or {}).get("/URI", ""))
            if uri.startswith(MARKER):
                starts.setdefault(uri[len(MARKER):], index)
            else:
                kept.append(annot)
        if kept:
            page[NameObject("/Annots")] = kept
        else:
            del page[NameObject("/Annots")]
    if [starts.get(n) for n in numbers] != sorted(starts.values()) or len(starts) != len(numbers):
        raise RenderError(f"document markers found for {len(starts)} of {len(numbers)} documents")
    bounds = [starts[n] for n in numbers] + [len(reader.pages)]
    _stable_font_tags(reader)
    parts = []
    for index in range(len(numbers)):
        writer = PdfWriter()
        for page_index in range(bounds[index], bounds[index + 1]):
            writer.add_page(reader.pages[page_index])
        parts.append(writer)
    return parts


def _stable_font_tags(reader: PdfReader) -> None:
    """Qt names each embedded font subset with a tag (``QOAAAA+DejaVuSans``) that varies from one
    wkhtmltopdf run to the next; rename the subsets ``AAAAAA+``, ``AAAAAB+``… in order of first use,
    so the same batch always gives the same bytes."""
    renamed: dict[str, str] = {}

    def stable(name: str) -> str:
        if "+" not in name:
            return name
        base = name.lstrip("/").split("+", 1)[1]
        if name not in renamed:
            index, letters = len(renamed), ""
            for _ in range(6):
                letters = chr(ord("A") + index % 26) + letters
                index //= 26
            renamed[name] = f"/{letters}+{base}"
        return renamed[name]

    def fix(font: Any) -> None:
        font = font.get_object()
        if "/BaseFont" in font:
            font[NameObject("/BaseFont")] = NameObject(stable(str(font["/BaseFont"])))
        descriptor = font.get("/FontDescriptor")
        if descriptor is not None:
            descriptor = descriptor.get_object()
            if "/FontName" in descriptor:
                descriptor[NameObject("/FontName")] = NameObject(stable(str(descriptor["/FontName"])))
        for descendant in font.get("/DescendantFonts") or []:
            fix(descendant)

    for page in reader.pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        if fonts is None:
            continue
        fonts = fonts.get_object()
        for key in sorted(fonts.keys()):
            fix(fonts[key])


def check_document(document: dict[str, Any]) -> tuple[bytes, list[RuleFailure]]:
    """The document's CII XML and the rules it fails (XSD, EN 16931, French CTC)."""
    xml = build_cii(document)
    return xml, validator().errors(xml)


def unrenderable(stage: str, exc: BaseException) -> RuleFailure:
    """Why a document could not be rendered at all (issue 17.6): finance sees it like a failed rule."""
    detail = f"{type(exc).__name__}: {exc}"
    return RuleFailure("RENDER", "fatal", f"the document could not be {stage} ({detail[:300]})", "render")


def _number(document: dict[str, Any], index: int) -> str:
    number = document.get("number") if isinstance(document, dict) else None
    return str(number) if number else f"#{index}"


def render_batch(documents: Sequence[dict[str, Any]]) -> list[Rendered]:
    """Render, split and embed a batch; one ``Rendered`` per document, in order, whatever happens.

    Issue 17.6: a document that fails (its HTML, its XML, its checks, its embedding) is rejected
    with the reason and never stops the others. When the batch's single wkhtmltopdf run fails as a
    whole, each document that could still be stored is rendered again alone, so the failure stays
    with the document that causes it.
    """
    numbers = [_number(d, i) for i, d in enumerate(documents)]
    failed: dict[int, tuple[RuleFailure, ...]] = {}
    fragments: dict[int, Markup] = {}
    for index, document in enumerate(documents):
        try:
            fragments[index] = render_fragment(document)
        except Exception as exc:  # one document's defect is its own rejection
            failed[index] = (unrenderable("laid out", exc),)
    batch = tuple(numbers[i] for i in fragments)
    started = _start_wkhtmltopdf(_page(list(fragments.values()))) if fragments else None  # runs meanwhile
    checked: dict[int, bytes] = {}
    for index, document in enumerate(documents):
        try:
            xml, failures = check_document(document)
        except Exception as exc:
            failures = [unrenderable("converted to Factur-X XML", exc)]
            xml = b""
        if failures and index not in failed:
            failed[index] = tuple(failures)
        elif not failures:
            checked[index] = xml
    storable = [i for i in fragments if i not in failed]
    results: dict[int, Rendered] = {i: Rendered(numbers[i], None, f, batch) for i, f in failed.items()}
    if started is not None and not storable:  # nothing to store: no need for the PDF
        _abandon(started)
    elif started is not None:
        try:
            pages = dict(zip(fragments, _split(_finish_wkhtmltopdf(started), batch), strict=True))
        except OSError:
            raise  # the machine, not a document (see render_batch_or_reject)
        except Exception:  # the batch as a whole: find out which document it is
            if len(fragments) == 1:
                raise
            log.warning("batch %s..%s failed to render as a whole: rendering its documents one by one",
                        batch[0], batch[-1], exc_info=True)
            for index in storable:
                results[index] = _render_alone(documents[index], numbers[index])
        else:
            for index in storable:
                try:
                    pdf = embed_facturx(pages[index], checked[index], documents[index])
                except Exception as exc:
                    results[index] = Rendered(numbers[index], None, (unrenderable("made PDF/A-3", exc),), batch)
                else:
                    results[index] = Rendered(numbers[index], pdf, (), batch)
    return [results[i] for i in range(len(documents))]


def _render_alone(document: dict[str, Any], number: str) -> Rendered:
    try:
        [result] = render_batch([document])
    except OSError:
        raise
    except Exception as exc:
        return Rendered(number, None, (unrenderable("rendered", exc),), (number,))
    return result


def render_batch_or_reject(documents: Sequence[dict[str, Any]]) -> list[Rendered]:
    """:func:`render_batch` that rejects, with the reason, what an unexpected error left unrendered.

    An ``OSError`` (wkhtmltopdf missing or not starting, no space left for its scratch files) is the
    machine's, not a document's: it is raised, so the job fails and is retried with every document
    still pending, instead of rejecting them all for good (a rejection is final).
    """
    try:
        return render_batch(documents)
    except OSError:
        raise
    except Exception as exc:
        log.exception("batch of %d documents failed to render", len(documents))
        numbers = tuple(_number(d, i) for i, d in enumerate(documents))
        return [Rendered(n, None, (unrenderable("rendered", exc),), numbers) for n in numbers]


# Issue 20: rendering is bulk work that two render processes can keep both cores busy with for
# minutes; at this niceness (it passes to their wkhtmltopdf children) the scheduler serves a
# customer's request, a close or a mail job first, and the PDFs take the cores those leave idle.
RENDER_NICENESS = 10


def _warm_worker() -> None:
    """A pool worker lowers its priority, then compiles the XSLTs once, before its first batch."""
    os.nice(RENDER_NICENESS)
    validator()


def _ready(_index: int) -> int:
    time.sleep(0.05)  # keeps this worker busy so the next ping starts another one
    return os.getpid()


class RenderPool:
    """Render worker processes that live as long as their owner (a Dramatiq worker, the bench):
    each compiles the XSLTs once, then renders batch after batch."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                                         initializer=_warm_worker)

    def warm(self) -> None:
        """Start every worker and let it compile its validator."""
        list(self._pool.map(_ready, range(self.workers)))

    def render(self, batches: Sequence[Sequence[dict[str, Any]]]) -> Iterator[list[Rendered]]:
        yield from self._pool.map(render_batch_or_reject, batches)

    def map(self, function: Any, batches: Sequence[Any]) -> Iterator[Any]:
        """Run a module-level ``function`` (importable by the workers) on each batch, in order."""
        yield from self._pool.map(function, batches)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


_pool: RenderPool | None = None
_pool_lock = threading.Lock()


def shared_pool(workers: int) -> RenderPool:
    """This process's render pool, started on first use and kept (closed at exit)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.workers != workers:
            if _pool is not None:
                _pool.close()
            _pool = RenderPool(workers)
            atexit.register(_pool.close)
        return _pool


def render_batches(batches: Sequence[Sequence[dict[str, Any]]], workers: int = 1) -> Iterator[list[Rendered]]:
    """Render batches in order; with ``workers`` > 1 and several batches, on the process's render
    pool (one wkhtmltopdf per batch, validators compiled once per worker process)."""
    if workers <= 1 or len(batches) < 2:
        for batch in batches:
            yield render_batch_or_reject(batch)
        return
    yield from shared_pool(workers).render(batches)


def _check_one(document: dict[str, Any]) -> list[dict[str, str]]:
    try:
        return [f.to_dict() for f in check_document(document)[1]]
    except Exception as exc:  # issue 17.6: a draft that cannot be converted is reported, not a 500
        return [unrenderable("converted to Factur-X XML", exc).to_dict()]


def _check_chunk(documents: Sequence[dict[str, Any]]) -> list[list[dict[str, str]]]:
    return [_check_one(d) for d in documents]


def check_many(documents: Sequence[dict[str, Any]], workers: int = 1, chunk: int = 100) -> list[list[dict[str, str]]]:
    """The Factur-X failures of each document (a preview of thousands of drafts uses the pool)."""
    if workers <= 1 or len(documents) <= chunk:
        return _check_chunk(documents)
    chunks = [documents[i : i + chunk] for i in range(0, len(documents), chunk)]
    return [failures for part in shared_pool(workers).map(_check_chunk, chunks) for failures in part]
