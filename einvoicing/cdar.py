"""CDAR D22B lifecycle messages (XP Z12-012 "CDV"): schema validation, a parser, and our 212 Encaissée.

Every message is checked against the UN/CEFACT CDAR D22B schemas shipped in ``einvoicing/schemas/``
(their provenance in ``NOTICE.md`` there) before anything is read from it. The parser turns a message
into a frozen :class:`LifecycleMessage`; the builder :func:`build_encaissee` writes the 212 Encaissée
FLEXIO emits when an invoice of services is paid (VAT on receipts), shaped like the official example
``UC1_F202500003_07-CDV-212_Encaissee.xml`` of XP Z12-012 annex B, and validates what it wrote.

Data elements are named by their MDT number of XP Z12-012 in comments (the numbers the official examples
print beside each element). Times without a zone (formats 203 and 204) are read as French legal time
(Europe/Paris): the CDV carries no offset and the reform is French.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from einvoicing.lifecycle import LifecycleStatus
from ledger.money import Money

PARIS = ZoneInfo("Europe/Paris")

RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}

SCHEMA_DIR = Path(__file__).parent / "schemas" / "cdar-d22b"
SCHEMA_MAIN = SCHEMA_DIR / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"

#: A lifecycle message is a few kilobytes (the official examples are 4 to 8 KiB); this bounds what we parse.
MAX_MESSAGE_BYTES = 1024 * 1024

#: MDT-3 of an exchange between platforms and of one addressed to the PPF alone (BR-FR-CDV-02).
GUIDELINE_INVOICE = "urn.cpro.gouv.fr:1p0:CDV:invoice"


class CdarError(ValueError):
    """A message that is not a valid CDAR D22B lifecycle message; ``problems`` says each thing at fault."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems) or "invalid CDAR message")


# --- The record -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartyId:
    """One ``ram:GlobalID``: ``scheme`` 0002 is a SIREN, 0009 a SIRET, 0238 a platform's number."""

    value: str
    scheme: str | None


@dataclass(frozen=True, slots=True)
class TradeParty:
    ids: tuple[PartyId, ...] = ()
    name: str | None = None
    role: str | None = None  # WK platform, SE seller, BY buyer, DFH the tax administration's platform
    electronic_address: PartyId | None = None  # MDT-73, ram:URIUniversalCommunication/ram:URIID

    @property
    def siren(self) -> str | None:
        return next((i.value for i in self.ids if i.scheme == "0002"), None)


@dataclass(frozen=True, slots=True)
class StatusCharacteristic:
    """MDG-43 (``ram:SpecifiedDocumentCharacteristic``): an amount collected or paid, or a value at fault."""

    type_code: str | None  # MDT-207: MEN encaissé, MPA payé, DIV / DVA a value in dispute, ...
    data_id: str | None = None  # MDT-206, e.g. BT-152
    name: str | None = None  # MDT-211
    changed: bool | None = None  # MDT-209
    amount: Money | None = None  # MDT-215
    currency: str | None = None
    percent: Decimal | None = None  # MDT-224, the VAT rate of an Encaissée
    value_date: date | None = None


@dataclass(frozen=True, slots=True)
class StatusDetail:
    """MDG-37 (``ram:SpecifiedDocumentStatus``): the reason of a status, the action asked, the amounts."""

    sequence: int | None = None  # MDT-124-2
    status_code: str | None = None  # MDT-115
    reason_code: str | None = None  # MDT-113, e.g. TX_TVA_ERR
    reasons: tuple[str, ...] = ()  # MDT-114
    action_code: str | None = None  # MDT-121, e.g. NIN
    actions: tuple[str, ...] = ()  # MDT-122
    characteristics: tuple[StatusCharacteristic, ...] = ()


@dataclass(frozen=True, slots=True)
class InvoiceStatus:
    """One status of one invoice (a ``ram:ReferenceReferencedDocument``)."""

    invoice_number: str  # MDT-87: BT-1 of the invoice, our number and the flow's trackingId
    code: str  # MDT-105, as written
    at: datetime  # MDT-78: when the status was deposited
    label: str | None  # ours (einvoicing.lifecycle) where we have one, else the message's MDT-106
    message_label: str | None = None  # MDT-106 as written (the examples use underscores: "Paiement_transmis")
    invoice_type_code: str | None = None  # MDT-91: 380 invoice, 381 credit note, ...
    invoice_date: date | None = None  # MDT-100 (BT-2)
    received_at: datetime | None = None  # MDT-95
    acknowledgement_type: str | None = None  # MDT-77: 305 transmission phase, 23 processing phase
    document_status_code: str | None = None  # MDT-88
    seller: TradeParty | None = None  # MDT-129
    details: tuple[StatusDetail, ...] = ()

    @property
    def status(self) -> LifecycleStatus | None:
        return LifecycleStatus.of(self.code)

    @property
    def fact_key(self) -> str:
        """The same status of the same invoice deposited at the same moment is one fact, however often
        (and in whichever message) it arrives: the key a ledger records it under once."""
        return f"{self.invoice_number}|{self.code}|{self.at.isoformat()}"

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(d.reason_code for d in self.details if d.reason_code)

    @property
    def reason_texts(self) -> tuple[str, ...]:
        return tuple(text for d in self.details for text in d.reasons)

    @property
    def amounts(self) -> tuple[StatusCharacteristic, ...]:
        return tuple(c for d in self.details for c in d.characteristics if c.amount is not None)


@dataclass(frozen=True, slots=True)
class LifecycleMessage:
    message_id: str  # MDT-4
    created_at: datetime  # MDT-8
    statuses: tuple[InvoiceStatus, ...]
    name: str | None = None  # MDT-5
    business_process: str | None = None  # MDT-2: REGULATED, ...
    guideline: str | None = None  # MDT-3
    sender: TradeParty | None = None  # MDG-9
    issuer: TradeParty | None = None  # MDT-38..40
    recipients: tuple[TradeParty, ...] = field(default=())

    @property
    def status(self) -> InvoiceStatus:
        """The first status: a "MONO" message (MDT-74 false) carries exactly one."""
        return self.statuses[0]


# --- Validation and parsing -------------------------------------------------------------------------


@cache
def cdar_schema() -> etree.XMLSchema:
    """The CDAR D22B schema from the package's own copy (loaded once)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMA_MAIN), parser))


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True)


def validate_cdar(xml: bytes) -> etree._Element:
    """Parse ``xml`` safely and check it against the CDAR schema; raise :class:`CdarError` if it fails."""
    if len(xml) > MAX_MESSAGE_BYTES:
        raise CdarError([f"message of {len(xml)} bytes, more than the {MAX_MESSAGE_BYTES} accepted"])
    try:
        root = etree.fromstring(xml, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise CdarError([f"not well-formed XML: {exc}"]) from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise CdarError(["a document type declaration is not accepted"])
    schema = cdar_schema()
    if not schema.validate(root):
        raise CdarError(f"line {e.line}: {e.message}" for e in schema.error_log)
    return root


def parse_cdar(xml: bytes) -> LifecycleMessage:
    """A validated lifecycle message as a record. Raises :class:`CdarError` for any message we cannot read."""
    root = validate_cdar(xml)
    problems: list[str] = []
    doc = root.find("rsm:ExchangedDocument", NSMAP)
    assert doc is not None  # required by the schema
    message_id = _text(doc, "ram:ID")
    created_at = _datetime(doc.find("ram:IssueDateTime", NSMAP), problems, "MDT-8")
    if not message_id:
        problems.append("MDT-4 (ExchangedDocument/ID) is missing")
    statuses: list[InvoiceStatus] = []
    for ack in root.iterfind("rsm:AcknowledgementDocument", NSMAP):
        at = _datetime(ack.find("ram:IssueDateTime", NSMAP), problems, "MDT-78")
        ack_type = _text(ack, "ram:TypeCode")
        for ref in ack.iterfind("ram:ReferenceReferencedDocument", NSMAP):
            statuses.append(_invoice_status(ref, at, ack_type, problems))
    if not statuses:
        problems.append("no ReferenceReferencedDocument: the message says nothing of an invoice")
    if problems or created_at is None:
        raise CdarError(problems or ["MDT-8 is missing"])
    context = root.find("rsm:ExchangedDocumentContext", NSMAP)
    return LifecycleMessage(
        message_id=message_id or "",
        created_at=created_at,
        statuses=tuple(statuses),
        name=_text(doc, "ram:Name"),
        business_process=_text(context, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
        guideline=_text(context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
        sender=_party(doc.find("ram:SenderTradeParty", NSMAP)),
        issuer=_party(doc.find("ram:IssuerTradeParty", NSMAP)),
        recipients=tuple(p for p in map(_party, doc.iterfind("ram:RecipientTradeParty", NSMAP)) if p is not None),
    )


def _invoice_status(
    ref: etree._Element, at: datetime | None, ack_type: str | None, problems: list[str]
) -> InvoiceStatus:
    number = _text(ref, "ram:IssuerAssignedID")
    code = _text(ref, "ram:ProcessConditionCode")
    if not number:
        problems.append("MDT-87 (the invoice number, IssuerAssignedID) is missing")
    if not code:
        problems.append(f"MDT-105 (the status code, ProcessConditionCode) is missing for {number or 'an invoice'}")
    if at is None:
        problems.append("MDT-78 (the status date-time, AcknowledgementDocument/IssueDateTime) is missing")
    message_label = _text(ref, "ram:ProcessCondition")
    known = LifecycleStatus.of(code or "")
    label = known.label if known is not None and known.label else message_label
    return InvoiceStatus(
        invoice_number=number or "",
        code=code or "",
        at=at or datetime.min.replace(tzinfo=UTC),
        label=label,
        message_label=message_label,
        invoice_type_code=_text(ref, "ram:TypeCode"),
        invoice_date=_date(ref.find("ram:FormattedIssueDateTime", NSMAP), problems, "MDT-100"),
        received_at=_datetime(ref.find("ram:ReceiptDateTime", NSMAP), problems, "MDT-95"),
        acknowledgement_type=ack_type,
        document_status_code=_text(ref, "ram:StatusCode"),
        seller=_party(ref.find("ram:IssuerTradeParty", NSMAP)),
        details=tuple(_detail(s, problems) for s in ref.iterfind("ram:SpecifiedDocumentStatus", NSMAP)),
    )


def _detail(status: etree._Element, problems: list[str]) -> StatusDetail:
    sequence = _text(status, "ram:SequenceNumeric")
    seq: int | None = None
    if sequence is not None:
        try:
            seq = int(Decimal(sequence))
        except (InvalidOperation, ValueError):
            problems.append(f"MDT-124-2 is not a number: {sequence!r}")
    return StatusDetail(
        sequence=seq,
        status_code=_text(status, "ram:ProcessConditionCode"),
        reason_code=_text(status, "ram:ReasonCode"),
        reasons=_texts(status, "ram:Reason"),
        action_code=_text(status, "ram:RequestedActionCode"),
        actions=_texts(status, "ram:RequestedAction"),
        characteristics=tuple(
            _characteristic(c, problems) for c in status.iterfind("ram:SpecifiedDocumentCharacteristic", NSMAP)
        ),
    )


def _characteristic(char: etree._Element, problems: list[str]) -> StatusCharacteristic:
    amount_el = char.find("ram:ValueAmount", NSMAP)
    amount = currency = None
    if amount_el is not None and amount_el.text is not None:
        amount = Money.of(amount_el.text.strip())  # an xsd:decimal: the schema has checked it
        currency = amount_el.get("currencyID")
    percent_text = _text(char, "ram:ValuePercent")
    changed = _text(char, "ram:ValueChangedIndicator/udt:IndicatorString") or _text(
        char, "ram:ValueChangedIndicator/udt:Indicator"
    )
    return StatusCharacteristic(
        type_code=_text(char, "ram:TypeCode"),
        data_id=_text(char, "ram:ID"),
        name=_text(char, "ram:Name"),
        changed=None if changed is None else changed.lower() == "true",
        amount=amount,
        currency=currency,
        percent=Decimal(percent_text) if percent_text is not None else None,
        value_date=_date(char.find("ram:ValueDateTime", NSMAP), problems, "MDT-216"),
    )


def _party(el: etree._Element | None) -> TradeParty | None:
    if el is None:
        return None
    ids = tuple(
        PartyId(value=(g.text or "").strip(), scheme=g.get("schemeID")) for g in el.iterfind("ram:GlobalID", NSMAP)
    )
    uri = el.find("ram:URIUniversalCommunication/ram:URIID", NSMAP)
    address = PartyId(value=(uri.text or "").strip(), scheme=uri.get("schemeID")) if uri is not None else None
    return TradeParty(ids=ids, name=_text(el, "ram:Name"), role=_text(el, "ram:RoleCode"), electronic_address=address)


def _text(el: etree._Element | None, path: str) -> str | None:
    if el is None:
        return None
    found = el.find(path, NSMAP)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _texts(el: etree._Element, path: str) -> tuple[str, ...]:
    return tuple(t.text.strip() for t in el.iterfind(path, NSMAP) if t.text and t.text.strip())


def _date_time_string(el: etree._Element | None) -> tuple[str, str] | None:
    if el is None:
        return None
    for tag in ("udt:DateTimeString", "qdt:DateTimeString"):
        found = el.find(tag, NSMAP)
        if found is not None and found.text:
            return found.text.strip(), found.get("format") or ""
    return None


def _datetime(el: etree._Element | None, problems: list[str], mdt: str) -> datetime | None:
    """A ``DateTimeString`` in format 204 (CCYYMMDDHHMMSS), 203 (…HHMM), 205 (…HHMM±HHMM) or 102 (a day)."""
    found = _date_time_string(el)
    if found is None:
        return None
    text, fmt = found
    try:
        return parse_date_time(text, fmt)
    except ValueError as exc:
        problems.append(f"{mdt}: {exc}")
        return None


def _date(el: etree._Element | None, problems: list[str], mdt: str) -> date | None:
    found = _date_time_string(el)
    if found is None:
        return None
    text, fmt = found
    try:
        return parse_date_time(text, fmt).date()
    except ValueError as exc:
        problems.append(f"{mdt}: {exc}")
        return None


def parse_date_time(text: str, fmt: str) -> datetime:
    """UN/EDIFACT 2379 date-time formats used by the CDV, as an aware datetime (Paris when no zone)."""
    patterns = {"102": "%Y%m%d", "203": "%Y%m%d%H%M", "204": "%Y%m%d%H%M%S"}
    if fmt in patterns:
        if len(text) != {"102": 8, "203": 12, "204": 14}[fmt] or not text.isdigit():
            raise ValueError(f"{text!r} is not in format {fmt}")
        return datetime.strptime(text, patterns[fmt]).replace(tzinfo=PARIS)
    if fmt == "205":  # CCYYMMDDHHMMZHHMM, Z the sign of the offset
        if len(text) != 17 or text[12] not in "+-" or not (text[:12] + text[13:]).isdigit():
            raise ValueError(f"{text!r} is not in format 205")
        offset = timedelta(hours=int(text[13:15]), minutes=int(text[15:17]))
        zone = timezone(offset if text[12] == "+" else -offset)
        return datetime.strptime(text[:12], "%Y%m%d%H%M").replace(tzinfo=zone)
    raise ValueError(f"date-time format {fmt!r} is not one we read (102, 203, 204, 205)")


# --- Our 212 Encaissée ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CollectedAtRate:
    """The amount collected (TTC) on an invoice at one VAT rate: one MEN characteristic (BR-FR-CDV-14)."""

    rate: Decimal  # VAT rate in percent, e.g. Decimal("20")
    amount: Money  # collected, VAT included, to the cent


@dataclass(frozen=True, slots=True)
class Encaissee:
    """What a 212 Encaissée says: which invoice, collected when, how much at each VAT rate, between whom.

    ``seller`` is FLEXIO (SIREN and name), ``buyer`` the customer (SIREN, name and electronic address,
    MDT-73, mandatory for a buyer recipient: BR-FR-CDV-08), ``tax_platform`` the DFH recipient the
    official example adds (GlobalID 0238 "9998", "PPF") or ``None`` to address the buyer alone.
    """

    invoice_number: str
    invoice_date: date
    deposited_at: datetime  # when the invoice was Déposée (MDT-95 for the issuer)
    collected_at: datetime  # when the status is deposited (MDT-78)
    created_at: datetime  # when this message is written (MDT-8)
    seller: TradeParty
    buyer: TradeParty
    collected: tuple[CollectedAtRate, ...]
    tax_platform: TradeParty | None = None
    invoice_type_code: str = "380"
    business_process: str = "REGULATED"  # MDT-2, BR-FR-CDV-CL-01
    currency: str = "EUR"


def encaissee_message_id(e: Encaissee) -> str:
    """MDT-4 as the official example writes it: ``{number}_212_{deposited}#{type}_{invoice date}``.

    One id per invoice and status: the same Encaissée written twice has the same id.
    """
    return f"{e.invoice_number}_212_{_fmt204(e.deposited_at)}#{e.invoice_type_code}_{e.invoice_date:%Y%m%d}"


def build_encaissee(e: Encaissee) -> bytes:
    """The 212 Encaissée CDAR of ``e``, checked against the schema before it is returned."""
    if not e.collected:
        raise ValueError("an Encaissée needs at least one amount collected at a VAT rate (BR-FR-CDV-14)")
    if len({c.rate for c in e.collected}) != len(e.collected):
        raise ValueError("one amount per VAT rate")
    if e.seller.siren is None:
        raise ValueError("the seller needs its SIREN (GlobalID schemeID 0002: MDT-38 and MDT-129)")
    if e.buyer.electronic_address is None:
        raise ValueError("the buyer needs its electronic address (MDT-73, BR-FR-CDV-08)")

    root = etree.Element(etree.QName(RSM, "CrossDomainAcknowledgementAndResponse"), nsmap=NSMAP)
    context = _sub(root, RSM, "ExchangedDocumentContext")
    _sub(_sub(context, RAM, "BusinessProcessSpecifiedDocumentContextParameter"), RAM, "ID", e.business_process)
    _sub(_sub(context, RAM, "GuidelineSpecifiedDocumentContextParameter"), RAM, "ID", GUIDELINE_INVOICE)

    doc = _sub(root, RSM, "ExchangedDocument")
    _sub(doc, RAM, "ID", encaissee_message_id(e))
    _sub(doc, RAM, "Name", f"{e.invoice_number}-CDV-212_Encaissee")
    _date_time(_sub(doc, RAM, "IssueDateTime"), UDT, "204", _fmt204(e.created_at))
    _sub(_sub(doc, RAM, "SenderTradeParty"), RAM, "RoleCode", "WK")  # MDT-21, as in the example
    _write_party(_sub(doc, RAM, "IssuerTradeParty"), e.seller, "SE")
    _write_party(_sub(doc, RAM, "RecipientTradeParty"), e.buyer, "BY")
    if e.tax_platform is not None:
        _write_party(_sub(doc, RAM, "RecipientTradeParty"), e.tax_platform, "DFH")

    ack = _sub(root, RSM, "AcknowledgementDocument")
    _sub(_sub(ack, RAM, "MultipleReferencesIndicator"), UDT, "Indicator", "false")  # MDT-74: MONO
    _sub(ack, RAM, "TypeCode", "23")  # MDT-77: processing phase
    _date_time(_sub(ack, RAM, "IssueDateTime"), UDT, "204", _fmt204(e.collected_at))
    ref = _sub(ack, RAM, "ReferenceReferencedDocument")
    _sub(ref, RAM, "IssuerAssignedID", e.invoice_number)
    _sub(ref, RAM, "StatusCode", "47")  # MDT-88, as in the example (BR-FR-CDV-CL-05 allows it for type 23)
    _sub(ref, RAM, "TypeCode", e.invoice_type_code)
    _date_time(_sub(ref, RAM, "ReceiptDateTime"), UDT, "204", _fmt204(e.deposited_at))
    _date_time(_sub(ref, RAM, "FormattedIssueDateTime"), QDT, "102", f"{e.invoice_date:%Y%m%d}")
    _sub(ref, RAM, "ProcessConditionCode", LifecycleStatus.ENCAISSEE.code)
    _sub(ref, RAM, "ProcessCondition", LifecycleStatus.ENCAISSEE.label or "")
    _sub(_sub(ref, RAM, "IssuerTradeParty"), RAM, "GlobalID", e.seller.siren, schemeID="0002")
    status = _sub(ref, RAM, "SpecifiedDocumentStatus")
    _sub(status, RAM, "SequenceNumeric", "1")  # MDT-124-2, required by BR-FR-CDV-16 (V1.4.0.04)
    for c in sorted(e.collected, key=lambda c: c.rate, reverse=True):
        char = _sub(status, RAM, "SpecifiedDocumentCharacteristic")
        _sub(char, RAM, "TypeCode", "MEN")
        _sub(_sub(char, RAM, "ValueChangedIndicator"), UDT, "IndicatorString", "false")
        _sub(char, RAM, "ValueAmount", _amount(c.amount), currencyID=e.currency)
        _sub(char, RAM, "ValuePercent", _percent(c.rate))

    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate_cdar(xml)  # never hand out a message the schema refuses
    return xml


def _write_party(el: etree._Element, party: TradeParty, role: str) -> None:
    for pid in party.ids:
        attrs = {"schemeID": pid.scheme} if pid.scheme else {}
        _sub(el, RAM, "GlobalID", pid.value, **attrs)
    if party.name:
        _sub(el, RAM, "Name", party.name)
    _sub(el, RAM, "RoleCode", party.role or role)
    if party.electronic_address is not None:
        attrs = {"schemeID": party.electronic_address.scheme} if party.electronic_address.scheme else {}
        _sub(_sub(el, RAM, "URIUniversalCommunication"), RAM, "URIID", party.electronic_address.value, **attrs)


def _sub(parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, etree.QName(ns, tag), attrs)
    if text is not None:
        el.text = text
    return el


def _date_time(parent: etree._Element, ns: str, fmt: str, text: str) -> None:
    _sub(parent, ns, "DateTimeString", text, format=fmt)


def _fmt204(moment: datetime) -> str:
    """Format 204 in Paris time (an aware moment is converted; a naive one is taken as Paris time)."""
    local = moment.astimezone(PARIS) if moment.tzinfo is not None else moment
    return f"{local:%Y%m%d%H%M%S}"


def _amount(m: Money) -> str:
    cents = m.to_cents()
    if cents != m:
        raise ValueError(f"an amount collected is to the cent: {m.amount}")
    return f"{cents.amount:.2f}"


def _percent(rate: Decimal) -> str:
    if rate < 0 or rate != rate.quantize(Decimal("0.01")):
        raise ValueError(f"a VAT rate is a positive percentage with at most 2 decimals: {rate}")
    return f"{rate:.2f}"
