"""SEPA direct debit (pain.008): what goes into a collection file, and the file itself.

Pure: typed rows in, XML bytes out. The selection rules (BILLING_RULES §8, API.md "Exports"):

- an invoice is collected when it is paid by direct debit, due on or before the collection date,
  still has something to collect (TTC - payments + credit notes, the credit notes being negative),
  is in no earlier file, and is not under a valid open dispute (status ``disputed``);
- the invoice is the pre-notification: it must have been issued at least 14 days before the collection;
- the sequence type is FRST for a mandate's first collection, RCUR afterwards (EPC SDD rulebook);
  a mandate whose only collections were returned before settlement starts again at FRST (see
  :func:`sequence_type`);
- collection dates are TARGET2 business days (§8).

Every file is checked against its XSD (sepaxml ships pain.008.001.02 and .08) before it leaves.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import sepaxml
from lxml import etree
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaDD
from stdnum.eu import at_02
from stdnum.exceptions import ValidationError as StdnumValidationError
from text_unidecode import unidecode

from invoices.payment_dates import is_target2_business_day
from ledger.errors import Conflict, InvalidInput
from ledger.invoice import InvoiceStatus

SCHEMES = ("CORE", "B2B")  # EPC SDD Core and SDD B2B rulebooks
VERSIONS = ("pain.008.001.08", "pain.008.001.02")  # the ISO 2019 version is the default (API.md)
DEFAULT_VERSION = "pain.008.001.08"
PRE_NOTIFICATION_DAYS = 14  # §8: the invoice is the pre-notification, at least 14 days before collection

# EPC "SEPA requirements for an extended character set": basic Latin only in the files.
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_STREET = re.compile(r"^\s*(?P<number>\d+[A-Za-z]?(?:\s*(?:bis|ter))?)[\s,]+(?P<street>.+?)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """A structured postal address: the EPC rulebook bans unstructured ones from 15 November 2026."""

    street: str
    building_number: str
    postcode: str
    town: str
    country: str

    def to_sepaxml(self) -> dict[str, str]:
        fields = {
            "street_name": sepa_text(self.street, 70),
            "building_number": sepa_text(self.building_number, 16),
            "postcode": sepa_text(self.postcode, 16),
            "town": sepa_text(self.town, 35),
            "country": self.country,
        }
        return {key: value for key, value in fields.items() if value}


def structured_address(line1: str, postcode: str, city: str, country: str) -> PostalAddress:
    """Split "18 rue Alain Savary" into building number 18 and street "rue Alain Savary"."""
    match = _STREET.match(line1)
    if match:
        return PostalAddress(match["street"], match["number"], postcode, city, country)
    return PostalAddress(line1.strip(), "", postcode, city, country)


def parse_one_line_address(text: str, country: str = "FR") -> PostalAddress:
    """The seller's address setting "18 rue Alain Savary, 25000 Besançon" as a structured address."""
    match = re.match(r"^\s*(?P<street>.+?),\s*(?P<postcode>\d{4,5})\s+(?P<town>.+?)\s*$", text)
    if match is None:
        raise InvalidInput(
            f"the creditor address {text!r} is not 'street, postcode town': a structured address is required",
            field="seller_address",
        )
    return structured_address(match["street"], match["postcode"], match["town"], country)


# What text-unidecode leaves outside the EPC basic Latin set, or writes in a way a bank would
# not (« » as << >>, ° as "deg"), mapped before it runs; anything still outside becomes a space.
_EPC_MAP = str.maketrans({
    "&": "+", "\"": "", "«": "", "»": "", "“": "", "”": "", "„": "", "‹": "", "›": "", "<": "", ">": "",
    "’": "'", "‘": "'", "`": "'", "´": "'", "‚": ",", "–": "-", "—": "-", "_": "-", "°": "o", "º": "o",
    "ª": "a", "@": "(at)", ";": ",", "!": ".", "*": ".", "#": "", "%": "", "=": "-", "|": "/", "\\": "/",
    "[": "(", "]": ")", "{": "(", "}": ")", "~": "-", "^": "", "$": "USD", "£": "GBP", "€": "EUR",
})


def sepa_text(text: str, limit: int) -> str:
    """Text in the EPC basic Latin set (EPC217-08, "SEPA requirements for an extended character
    set": a-z A-Z 0-9 / - ? : ( ) . , ' + and space), transliterated (Œ -> OE, ß -> ss, Ł -> L,
    ø -> o, Π -> P, & -> +, « » and " dropped) and cut to the field's length after transliteration,
    so a cut never leaves half a letter and the length counted is the one the bank counts."""
    latin = unidecode(text.translate(_EPC_MAP)).translate(_EPC_MAP)
    clean = " ".join(_NOT_SEPA.sub(" ", latin).split())
    return clean[:limit].rstrip()


def is_sepa_text(text: str) -> bool:
    """Whether ``text`` holds only the EPC basic Latin set (the check every text node passes)."""
    return _NOT_SEPA.search(text) is None


@dataclass(frozen=True, slots=True)
class Creditor:
    """FLEXIO as SEPA creditor: name, creditor identifier (ICS), account and structured address."""

    name: str
    creditor_id: str
    iban: str
    bic: str | None
    address: PostalAddress


def check_creditor(name: str, creditor_id: str, iban: str, bic: str, address: PostalAddress) -> Creditor:
    """Refuse to write a file without valid creditor settings (API.md: BILLING_SEPA_CREDITOR_*).

    The creditor identifier (AT-02) is checked with python-stdnum: ISO 7064 mod 97-10 over the
    national identifier, the country code and the check digits ("ZZZ" business code excluded).
    """
    missing = [
        variable
        for variable, value in (
            ("BILLING_SEPA_CREDITOR_ID", creditor_id),
            ("BILLING_SEPA_CREDITOR_IBAN", iban),
        )
        if not value.strip()
    ]
    if missing:
        raise Conflict("SEPA creditor settings are missing: " + ", ".join(missing), details={"missing": missing})
    try:
        clean_id = at_02.validate(creditor_id)
    except StdnumValidationError:
        raise Conflict(
            f"BILLING_SEPA_CREDITOR_ID {creditor_id!r} is not a valid SEPA creditor identifier",
            details={"setting": "BILLING_SEPA_CREDITOR_ID"},
        ) from None
    try:
        clean_iban = IBAN(iban).compact
    except SchwiftyException:
        raise Conflict(
            "BILLING_SEPA_CREDITOR_IBAN is not a valid IBAN", details={"setting": "BILLING_SEPA_CREDITOR_IBAN"}
        ) from None
    clean_bic: str | None = None
    if bic.strip():
        try:
            clean_bic = str(BIC(bic))
        except SchwiftyException:
            raise Conflict(
                "BILLING_SEPA_CREDITOR_BIC is not a valid BIC", details={"setting": "BILLING_SEPA_CREDITOR_BIC"}
            ) from None
    return Creditor(name=name, creditor_id=clean_id, iban=clean_iban, bic=clean_bic, address=address)


def check_request(collection_date: date, scheme: str, version: str, today: date) -> None:
    """The checks on a file request that need no data (§8, API.md "Exports"): each a clear 422."""
    if scheme not in SCHEMES:
        raise InvalidInput(f"scheme must be one of {', '.join(SCHEMES)}", field="scheme")
    if version not in VERSIONS:
        raise InvalidInput(f"version must be one of {', '.join(VERSIONS)}", field="version")
    if collection_date < today:
        raise InvalidInput(
            f"collection_date {collection_date.isoformat()} is in the past (today is {today.isoformat()})",
            field="collection_date",
        )
    if collection_date == today:
        # EPC SDD rulebook: the creditor's bank needs the file at least one TARGET2 day before collection.
        raise InvalidInput("collection_date is today: a file must reach the bank the business day before",
                           field="collection_date")
    if not is_target2_business_day(collection_date):
        raise InvalidInput(
            f"collection_date {collection_date.isoformat()} is not a TARGET2 business day", field="collection_date"
        )


@dataclass(frozen=True, slots=True)
class DebitCandidate:
    """An issued invoice paid by direct debit, with what is needed to collect it."""

    invoice: str
    account: str
    debtor_name: str
    debtor_address: PostalAddress
    mandate_reference: str
    mandate_signed_on: date
    iban: str
    bic: str | None
    issue_date: date
    due_date: date
    total_ttc: Decimal
    paid: Decimal
    credited: Decimal  # the credit notes' TTC, negative (API.md)
    status: str  # invoices.status: issued | disputed | accepted | credited

    @property
    def outstanding(self) -> Decimal:
        """TTC still to collect: what was paid and what credit notes took off are not debited again."""
        return self.total_ttc + self.credited - self.paid


@dataclass(frozen=True, slots=True)
class Debit:
    """One collection in a file."""

    invoice: str
    account: str
    amount: Decimal
    sequence_type: str  # FRST | RCUR
    mandate_reference: str


@dataclass(frozen=True, slots=True)
class Held:
    """An invoice left out of a file, and why (shown to finance with the file)."""

    invoice: str
    reason: str


@dataclass(frozen=True, slots=True)
class Selection:
    debits: tuple[tuple[Debit, DebitCandidate], ...]
    held: tuple[Held, ...]


def sequence_type(mandate: str, collected_mandates: set[str]) -> str:
    """FRST for a mandate's first collection, RCUR after (EPC SDD rulebook).

    ``collected_mandates`` holds the mandates with a collection in an earlier file that was not
    returned: a first collection rejected before settlement (R-transaction) does not count, so the
    next one is presented as FRST again.
    """
    return "RCUR" if mandate in collected_mandates else "FRST"


def select_debits(
    candidates: Iterable[DebitCandidate],
    collection_date: date,
    already_filed: set[str],
    collected_mandates: set[str],
) -> Selection:
    """Pick the invoices for a file on ``collection_date`` (§8, API.md "Exports")."""
    debits: list[tuple[Debit, DebitCandidate]] = []
    held: list[Held] = []
    for row in sorted(candidates, key=lambda c: (c.due_date, c.invoice)):
        if row.invoice in already_filed or row.due_date > collection_date:
            continue  # each invoice in at most one file; not yet due
        amount = row.outstanding
        if amount <= 0:
            continue  # paid or fully credited
        if row.status == InvoiceStatus.DISPUTED:
            held.append(Held(row.invoice, "under a valid open dispute (§8)"))
            continue
        if row.issue_date + timedelta(days=PRE_NOTIFICATION_DAYS) > collection_date:
            held.append(Held(row.invoice, f"issued less than {PRE_NOTIFICATION_DAYS} days before collection (§8)"))
            continue
        kind = sequence_type(row.mandate_reference, collected_mandates)
        debits.append((Debit(row.invoice, row.account, amount, kind, row.mandate_reference), row))
    return Selection(tuple(debits), tuple(held))


def message_id(collection_date: date, scheme: str) -> str:
    """Deterministic per file: the same date always names the same file (Max35Text)."""
    return f"FLEXIO-SDD-{scheme}-{collection_date:%Y%m%d}"


def write_pain008(
    creditor: Creditor,
    selection: Sequence[tuple[Debit, DebitCandidate]],
    collection_date: date,
    scheme: str,
    version: str,
    created_at: datetime,
) -> bytes:
    """The pain.008 file, validated against its XSD (sepaxml's bundled schema) before it is returned.

    An IBAN that fails schwifty's checksum is refused here too: the ledger checked it when the
    mandate was signed, but a file must never carry one a bank would reject.
    """
    if version == "pain.008.001.02" and creditor.bic is None:
        raise Conflict(
            "pain.008.001.02 needs the creditor BIC: set BILLING_SEPA_CREDITOR_BIC",
            details={"missing": ["BILLING_SEPA_CREDITOR_BIC"]},
        )
    config: dict[str, object] = {
        "name": sepa_text(creditor.name, 70),
        "IBAN": creditor.iban,
        "batch": True,
        "creditor_id": creditor.creditor_id,
        "currency": "EUR",
        "instrument": scheme,
        "address": creditor.address.to_sepaxml(),
    }
    if creditor.bic:
        config["BIC"] = creditor.bic
    document = SepaDD(config, schema=version, clean=True)
    for debit, row in selection:
        try:
            iban = IBAN(row.iban).compact
        except SchwiftyException:
            raise InvalidInput(f"invoice {debit.invoice}: the mandate's IBAN is not valid", field="iban") from None
        if not is_sepa_text(debit.mandate_reference) or not debit.mandate_reference.strip():
            # The mandate reference (RUM) is the agreed identifier: transliterated it would name
            # another mandate, so it is refused rather than rewritten (EPC basic Latin set).
            raise InvalidInput(f"invoice {debit.invoice}: mandate reference {debit.mandate_reference!r} is outside "
                               "the SEPA character set a-z A-Z 0-9 / - ? : ( ) . , ' +", field="mandate")
        payment: dict[str, object] = {
            "name": sepa_text(row.debtor_name, 70),
            "IBAN": iban,
            "amount": int((debit.amount * 100).to_integral_exact()),
            "type": debit.sequence_type,
            "collection_date": collection_date,
            "mandate_id": debit.mandate_reference,
            "mandate_date": row.mandate_signed_on,
            "description": sepa_text(f"Facture {debit.invoice}", 140),
            "endtoend_id": sepa_text(debit.invoice, 35),
            "address": row.debtor_address.to_sepaxml(),
        }
        if row.bic:
            payment["BIC"] = row.bic
        document.add_payment(payment)
    # sepaxml stamps the header with its random id and the wall clock; a file is named by its date
    # and dated by the service's clock instead (same date, same file).
    header = document._xml.find("CstmrDrctDbtInitn/GrpHdr")
    assert header is not None
    _set(header, "MsgId", message_id(collection_date, scheme))
    _set(header, "CreDtTm", created_at.strftime("%Y-%m-%dT%H:%M:%S"))
    out: bytes = document.export(validate=False)
    validate_pain008(out, version)
    return out


@lru_cache(maxsize=4)
def _schema(version: str) -> etree.XMLSchema:
    """sepaxml's bundled XSD of ``version``, compiled once by libxml2.

    sepaxml's own check (``export(validate=True)``) runs the same XSD through the pure-Python
    xmlschema package: 20 s for 10,000 debits, against well under a second here.
    """
    path = Path(sepaxml.__file__).parent / "schemas" / f"{version}.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def validate_pain008(content: bytes, version: str) -> None:
    """Refuse a file that does not validate against its pain.008 XSD (never handed to the bank)."""
    schema = _schema(version)
    if not schema.validate(etree.fromstring(content)):
        errors = [f"line {e.line}: {e.message}" for e in list(schema.error_log)[:5]]
        raise InvalidInput(f"the {version} file does not validate against its XSD", details={"errors": errors})


def _set(parent: ET.Element, tag: str, text: str) -> None:
    node = parent.find(tag)
    assert node is not None
    node.text = text
