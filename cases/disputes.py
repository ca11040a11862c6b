"""What a message asks, and whether a dispute is valid (BILLING_RULES §8, contract art. 10.2, 9.3, 14).

A dispute is valid only if received within 20 days of the invoice's issue (by email to
compta@flexio.fr) AND it names the invoice number, the disputed amount and the facts. FLEXIO
acknowledges by the next business day after receipt and answers by the 7th day after receipt.
Each reason a dispute is not valid is a short code, listed in the order checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from cases.amounts import find_amounts, find_invoice_numbers
from cases.calendar import PARIS, next_business_day
from cases.mail import ParsedMail

__all__ = [
    "ANSWER_DAYS",
    "DISPUTE_WINDOW_DAYS",
    "Assessment",
    "InvoiceFacts",
    "assess",
    "classify",
    "deadlines",
    "language_of",
    "option_request",
    "termination_kind",
]

DISPUTE_WINDOW_DAYS = 20  # art. 10.2 "dans un délai de vingt (20) jours à compter de son émission"
ANSWER_DAYS = 7  # art. 10.2 "une réponse au plus tard le 7eme jour suivant sa réception"

_DISPUTE = re.compile(
    r"contest|réclamation|reclamation|litige|\bdisput|désaccord|desaccord|erreur|erron[ée]|incorrect|wrong"
    r"|overcharg|over-charg|surfactur|trop factur|factur\w* (?:deux|2) fois|billed twice|charged twice|double[- ]factur"
    r"|double[- ]charg|do not agree|don't agree|disagree|pas d'accord|ne sommes pas d'accord|refusons de payer"
    r"|refuse to pay|not (?:been )?(?:used|consumed)|jamais (?:utilisé|consommé)|rembourse|refund|mistake",
    re.IGNORECASE,
)
_TERMINATION = re.compile(
    r"résili|resili|mettre fin (?:à|a|au) (?:notre |mon |le )?(?:contrat|abonnement)|\bterminat|\bcancel(?:l?ing|l?ation)?\b"
    r"(?:.{0,30})(?:contract|subscription|account|service)|end (?:our|the|my) (?:contract|subscription)"
    r"|notice of termination|préavis",
    re.IGNORECASE | re.DOTALL,
)
_EARLY = re.compile(r"anticip|immédiat|immediat|early|immediately|sans attendre|dès (?:que possible|maintenant)", re.IGNORECASE)
_INTERRUPTION = re.compile(r"interruption|panne|outage|indisponib|unavailab|down for", re.IGNORECASE)
# Words that give facts (art. 10.2 "éléments de faits justifiant la contestation").
_FACTS = re.compile(
    r"\bcar\b|parce qu|puisque|alors qu|en raison|du fait|suite à|pourtant|cependant|au lieu d|selon|d'après"
    r"|n'avons|n'a pas|n'ont pas|jamais|déjà|deja|doublon|deux fois|relevé|compteur|tableau de bord|contrat"
    r"|because|since|whereas|although|however|instead of|according to|our records|dashboard|already|never"
    r"|twice|duplicate|did not|didn't|was not|wasn't|only used|we used|nous avons utilis|consomm|résili|resili"
    r"|terminated|suspend|interruption|outage|panne|tarif|price|prix|grille|plan|forfait|remise|discount",
    re.IGNORECASE,
)
# art. 17.1: the customer may object to being cited as a commercial reference (privacy@flexio.fr).
_REFERENCE = re.compile(
    r"r[ée]f[ée]rences? commerciales?|\blogo\b|nos r[ée]f[ée]rences|vos r[ée]f[ée]rences|(?:customer|client|commercial)"
    r" references?|reference list|as a reference|your references",
    re.IGNORECASE,
)
_OBJECT = re.compile(
    r"oppos|retir|supprim|ne (?:plus|pas) (?:être|etre|figurer|citer|mentionner|utiliser)|remove|opt[- ]?out|withdraw"
    r"|no longer|do not|don't|stop (?:using|citing|listing)|object",
    re.IGNORECASE,
)
PRIVACY_ADDRESS = "privacy@flexio.fr"
_FRENCH = re.compile(r"\b(?:le|la|les|des|nous|vous|facture|bonjour|merci|montant|est|pour|avec|cordialement)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(?:the|and|we|you|invoice|hello|thanks|amount|is|for|with|regards|dear)\b", re.IGNORECASE)
_EVIDENCE_TYPES = ("application/pdf", "image/", "text/csv", "application/vnd", "application/msword", "application/zip")


@dataclass(frozen=True)
class InvoiceFacts:
    """What validity needs from an issued invoice (read model)."""

    number: str
    account: str
    issue_date: date
    total_ttc: Decimal
    status: str


@dataclass(frozen=True)
class Assessment:
    kind: str  # "dispute" | "termination" | "other"
    invoice: str | None
    amount: Decimal | None
    received_at: datetime
    valid: bool
    reasons: tuple[str, ...]
    acknowledge_by: date
    answer_by: date
    flags: tuple[str, ...]  # unknown_sender, auto_reply, bounce, bulk, forwarded
    language: str  # "fr" | "en"
    termination_kind: str | None  # §9: one of TERMINATION_KINDS
    request: str | None = None  # "reference_opt_out" (art. 17.1): an option request finance accepts


TERMINATION_KINDS = ("end_of_period", "early", "interruption")  # §9, as the email asks


def deadlines(received_at: datetime) -> tuple[date, date]:
    """(acknowledge by, answer by) for a message received at ``received_at`` (art. 10.2).

    Example: received Friday 24 July 2026 at 19:00 in Paris -> acknowledge by Monday 27 July,
    answer by Friday 31 July (24 + 7)."""
    day = received_at.astimezone(PARIS).date()
    return next_business_day(day), day + timedelta(days=ANSWER_DAYS)


def language_of(text: str) -> str:
    return "fr" if len(_FRENCH.findall(text)) >= len(_ENGLISH.findall(text)) else "en"


def classify(mail: ParsedMail) -> str:
    """``dispute``, ``termination`` or ``other``. Automatic replies, bounces and newsletters are
    ``other`` whatever they quote; a message naming an invoice in a complaint is a dispute even when
    it also threatens to terminate."""
    if mail.auto_reply or mail.bounce or mail.bulk:
        return "other"
    written = f"{_own_subject(mail.subject)}\n{mail.fresh}"
    disputes = bool(_DISPUTE.search(written))
    terminates = bool(_TERMINATION.search(written))
    names_invoice = any(n.startswith("FX-") for n in find_invoice_numbers(written))
    if terminates and not (disputes and names_invoice):
        return "termination"
    if disputes:
        return "dispute"
    return "other"


def _own_subject(subject: str) -> str:
    """A reply's subject repeats ours ("Re: Contestation FX-..."): only a new subject says what the
    sender asks now, so replies are classified on what they write."""
    return "" if re.match(r"^\s*(?:re|ré|réf|aw|sv)\s*:", subject, re.IGNORECASE) else subject


def option_request(mail: ParsedMail) -> str | None:
    """``reference_opt_out`` when the customer objects to being cited as a reference (art. 17.1)."""
    if mail.auto_reply or mail.bounce or mail.bulk:
        return None
    written = f"{_own_subject(mail.subject)}\n{mail.fresh}"
    to_privacy = PRIVACY_ADDRESS in mail.headers.get("To", "").lower()
    if _REFERENCE.search(written) and (_OBJECT.search(written) or to_privacy):
        return "reference_opt_out"
    return None


def termination_kind(text: str) -> str:
    """The §9 kind a termination email asks for: after 30 days of interruption, early, or at the end
    of the period (the default of art. 9.3)."""
    if _INTERRUPTION.search(text):
        return "interruption"
    if _EARLY.search(text):
        return "early"
    return "end_of_period"


def _disputed_amount(text: str) -> Decimal | None:
    """The amount in the first sentence that complains, else the first amount written."""
    for sentence in re.split(r"(?<=[.!?;:])\s+|\n", text):
        if _DISPUTE.search(sentence):
            amounts = find_amounts(sentence)
            if amounts:
                return amounts[0]
    amounts = find_amounts(text)
    return amounts[0] if amounts else None


def _has_facts(mail: ParsedMail) -> bool:
    words = re.findall(r"\w+", mail.fresh)
    if len(words) >= 10 and _FACTS.search(mail.fresh):
        return True
    return any(a.content_type.startswith(_EVIDENCE_TYPES) for a in mail.attachments)


def assess(
    mail: ParsedMail,
    sender_account: str | None,
    invoice_of: Callable[[str], InvoiceFacts | None],
) -> Assessment:
    """Classify ``mail`` and, for a dispute, check it against the invoice it names (§8)."""
    kind = classify(mail)
    acknowledge_by, answer_by = deadlines(mail.received_at)
    flags = [
        name
        for name, on in (
            ("unknown_sender", sender_account is None),
            ("auto_reply", mail.auto_reply),
            ("bounce", mail.bounce),
            ("bulk", mail.bulk),
            ("forwarded", mail.forwarded),
        )
        if on
    ]
    written = f"{mail.subject}\n{mail.fresh}"
    numbers = [n for n in find_invoice_numbers(written) if n.startswith("FX-")]
    invoice = numbers[0] if numbers else None
    amount = _disputed_amount(mail.fresh) if kind == "dispute" else None
    reasons: list[str] = []
    if kind == "dispute":
        facts = invoice_of(invoice) if invoice else None
        if invoice is None:
            reasons.append("no_invoice_number")
        elif facts is None:
            reasons.append("unknown_invoice")
        if facts is not None:
            received_day = mail.received_at.astimezone(PARIS).date()
            if received_day > facts.issue_date + timedelta(days=DISPUTE_WINDOW_DAYS):
                reasons.append("out_of_window")
        if amount is None:
            reasons.append("no_amount")
        elif facts is not None and amount > facts.total_ttc:
            reasons.append("amount_exceeds_invoice")
        if not _has_facts(mail):
            reasons.append("no_facts")
        if sender_account is None:
            reasons.append("unknown_sender")
        elif facts is not None and facts.account != sender_account:
            reasons.append("invoice_of_another_customer")
    elif kind == "termination" and sender_account is None:
        reasons.append("unknown_sender")
    valid = kind != "other" and not reasons
    return Assessment(
        kind=kind,
        invoice=invoice,
        amount=amount,
        received_at=mail.received_at,
        valid=valid,
        reasons=tuple(reasons),
        acknowledge_by=acknowledge_by,
        answer_by=answer_by,
        flags=tuple(flags),
        language=language_of(mail.fresh or mail.text),
        termination_kind=termination_kind(written) if kind == "termination" else None,
        request=option_request(mail) if kind == "other" else None,
    )
