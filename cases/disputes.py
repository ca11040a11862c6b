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

from cases.amounts import find_amount_spans, find_amounts, find_invoice_numbers
from cases.business_calendar import PARIS, next_business_day
from cases.mail import ParsedMail
from ledger.case import CaseKind

__all__ = [
    "ANSWER_DAYS",
    "DISPUTE_WINDOW_DAYS",
    "Assessment",
    "InvoiceFacts",
    "assess",
    "classify",
    "deadlines",
    "dispute_evidence",
    "disputed_amount",
    "disputed_invoice",
    "language_of",
    "option_request",
    "termination_kind",
]

DISPUTE_WINDOW_DAYS = 20  # art. 10.2 "dans un délai de vingt (20) jours à compter de son émission"
ANSWER_DAYS = 7  # art. 10.2 "une réponse au plus tard le 7eme jour suivant sa réception"

# What a person disputing an invoice writes (art. 10.2 "contester"), in two strengths: phrases that
# say a dispute, and words that only say something is wrong (a newsletter's "wrong choice", a
# phishing mail's "refund"): those count only beside other evidence (see classify).
_STRONG_DISPUTE = re.compile(
    r"contest|réclamation|reclamation|litige|\bdisput|désaccord|desaccord|overcharg|over-charg|surfactur"
    r"|trop factur|factur\w* (?:deux|2) fois|billed twice|charged twice|double[- ]factur|double[- ]charg"
    r"|do not agree|don't agree|disagree|pas d'accord|ne sommes pas d'accord|refusons de payer|refuse to pay",
    re.IGNORECASE,
)
_WEAK_DISPUTE = re.compile(
    r"erreur|erron[ée]|incorrect|wrong|not (?:been )?(?:used|consumed)|jamais (?:utilisé|consommé)|rembourse"
    r"|refund|mistake",
    re.IGNORECASE,
)
_DISPUTE = re.compile(f"{_STRONG_DISPUTE.pattern}|{_WEAK_DISPUTE.pattern}", re.IGNORECASE)
# Invoices and billing named in words (the number itself is stronger evidence).
_BILLING_WORDS = re.compile(r"factur|invoice|billing|billed|charged|prélev|prelev|abonnement|subscription|avoir", re.IGNORECASE)
# What bulk mail carries in its body even without a List-Unsubscribe header.
_BULK_BODY = re.compile(
    r"unsubscribe|se désabonner|se desabonner|désinscri|desinscri|désabonnement|view (?:this email |it )?in (?:your )?browser"
    r"|voir (?:la )?version en ligne|afficher (?:la )?version en ligne|manage (?:your )?(?:email )?preferences"
    r"|gérer (?:vos|mes) préférences|you(?:'re| are) receiving this|vous recevez (?:ce|cet)|all rights reserved"
    r"|tous droits réservés|click here|cliquez ici|limited time|offre (?:spéciale|limitée)|webinar|newsletter",
    re.IGNORECASE,
)
# A contested amount is the one a dispute phrase labels ("montant contesté : 30,00 €", "we dispute
# EUR 120.00", "erreur de 30 €"); the invoice's total quoted beside it is labelled as such ("d'un
# montant de 678,00 € TTC", "invoice total") and is the claim only when nothing else is (art. 10.2
# "le montant contesté").
_CONTESTED_NOUN = re.compile(
    r"montants? contesté?s?|sommes? contestée?s?|montants? (?:en )?litige|montants? réclamés?|montants? en désaccord"
    r"|contested amount|disputed amount|amount (?:in )?disputed?|amount contested|amount we dispute|amount in dispute",
    re.IGNORECASE,
)
_CONTESTED_LABEL = re.compile(
    _CONTESTED_NOUN.pattern + r"|erreur (?:de|d'un montant de)|error of|trop factur|surfactur|overcharged|over-charged"
    r"|billed (?:us )?an extra|contest\w*|réclam\w*|\bdisput\w*|désaccord|disagree\w*|rembourse\w*|refund\w*"
    r"|incorrect|wrong|erron\w*",
    re.IGNORECASE,
)
_TOTAL_LABEL = re.compile(
    r"d'un montant(?: total)? de|montant total|total (?:de la facture|TTC|HT|à payer)|\btotal\b|s'élevant à"
    r"|facture de|invoice (?:of|for|total)|total amount|amounting to|totalling|totaling|for a total of",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?\n](?!\d)")
_COLON = re.compile(r"[:;](?=\s)")

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
    r"|terminated|suspend|interruption|outage|panne|tarif|price|prix|grille|plan|forfait|remise|discount"
    # what is wrong, named: a line, an option, the overage, the hours (art. 10.2 "éléments de faits")
    r"|erreur sur|error (?:on|in)|dépassement|depassement|overage|ligne|line item|option|crédits|credits"
    r"|installation|mise en service|avenant|amendment|bon de commande|order form|accompagnement|support"
    r"|heures|hours|usage|utilisation",
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
    kind: CaseKind
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


# Evidence weights (classify): our own invoice number is the surest sign that the mail is about
# our invoice, a sender we know the next; a dispute phrase is needed, and words that only say
# "wrong" need the rest of the evidence beside them.
_WEIGHT_OUR_INVOICE = 3
_WEIGHT_KNOWN_SENDER = 2
_WEIGHT_STRONG_PHRASE = 3
_WEIGHT_WEAK_PHRASE = 1
_WEIGHT_AMOUNT = 1
_WEIGHT_BILLING_WORDS = 1
_WEIGHT_BULK_BODY = -5  # "unsubscribe", "view in browser": a real dispute with our number still passes
DISPUTE_EVIDENCE = 4  # what a dispute needs in all


def dispute_evidence(mail: ParsedMail, known_sender: bool) -> int:
    """How strongly ``mail`` reads as a dispute of one of our invoices (0 without a dispute phrase)."""
    written = f"{_own_subject(mail.subject)}\n{mail.fresh}"
    if _STRONG_DISPUTE.search(written):
        phrase = _WEIGHT_STRONG_PHRASE
    elif _WEAK_DISPUTE.search(written):
        phrase = _WEIGHT_WEAK_PHRASE
    else:
        return 0
    score = phrase
    if any(n.startswith("FX-") for n in find_invoice_numbers(f"{mail.subject}\n{mail.fresh}")):
        score += _WEIGHT_OUR_INVOICE
    if known_sender:
        score += _WEIGHT_KNOWN_SENDER
    if find_amounts(written):
        score += _WEIGHT_AMOUNT
    if _BILLING_WORDS.search(written):
        score += _WEIGHT_BILLING_WORDS
    if _BULK_BODY.search(mail.text):
        score += _WEIGHT_BULK_BODY
    return score


def classify(mail: ParsedMail, known_sender: bool = False) -> CaseKind:
    """``dispute``, ``termination`` or ``other``. Automatic replies, bounces and newsletters are
    ``other`` whatever they quote; a message naming an invoice in a complaint is a dispute even when
    it also threatens to terminate. A dispute weighs its evidence (:func:`dispute_evidence`): a
    newsletter or a phishing mail saying "wrong" or "refund", from nobody we know and about no
    invoice of ours, is ``other``."""
    if mail.auto_reply or mail.bounce or mail.bulk:
        return CaseKind.OTHER
    written = f"{_own_subject(mail.subject)}\n{mail.fresh}"
    disputes = dispute_evidence(mail, known_sender) >= DISPUTE_EVIDENCE
    terminates = bool(_TERMINATION.search(written))
    names_invoice = any(n.startswith("FX-") for n in find_invoice_numbers(written))
    if terminates and not (disputes and names_invoice):
        return CaseKind.TERMINATION
    if disputes:
        return CaseKind.DISPUTE
    return CaseKind.OTHER


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


def disputed_invoice(mail: ParsedMail) -> str | None:
    """The invoice the sender names (art. 10.2 "le numéro de la facture"): a new subject first, then
    what they write now; a reply's subject ("RE: Votre facture FX-2026-000009") is the thread's, so
    the number written above the quoted history comes before it."""
    own = _own_subject(mail.subject)
    order = (own, mail.fresh) if own else (mail.fresh, mail.subject)
    numbers = [n for n in find_invoice_numbers("\n".join(order)) if n.startswith("FX-")]
    return numbers[0] if numbers else None


def disputed_amount(text: str) -> Decimal | None:
    """The amount the sender disputes (art. 10.2 "le montant contesté").

    Each amount is read with the label nearest before it in its clause: a dispute label
    ("montant contesté :", "nous contestons", "we dispute", "erreur de") makes it the claim; an
    invoice-total label ("d'un montant de … TTC", "invoice total") makes it the total quoted beside
    the claim. The first labelled claim wins, else the first amount of a sentence that complains,
    else the first amount that is not a total, else the total itself (a whole invoice disputed).
    Example: "la facture FX-2026-000025 d'un montant de 678,00 € TTC : erreur sur le dépassement
    (montant contesté : 30,00 €)" disputes 30.00."""
    best: tuple[int, int] | None = None  # (rank, position): lower is better
    chosen: Decimal | None = None
    for value, start, _end in find_amount_spans(text):
        sentence_start = max((m.end() for m in _SENTENCE_END.finditer(text, max(0, start - 300), start)), default=0)
        sentence_end = _SENTENCE_END.search(text, start)
        sentence = text[sentence_start : sentence_end.start() if sentence_end else len(text)]
        rank = _label_rank(text[max(sentence_start, start - 80) : start])
        if rank is None:
            rank = 1 if _DISPUTE.search(sentence) else 2
        if best is None or (rank, start) < best:
            best, chosen = (rank, start), value
    return chosen


def _label_rank(before: str) -> int | None:
    """0 when the nearest label before an amount says it is disputed, 3 when it says it is the
    invoice's total, None without a label. A colon ends a clause ("… est incorrect: the plan price
    is 1 000,00 EUR" labels nothing), except that the label just before it names what follows
    ("montant contesté : 30,00 €", "Invoice total: EUR 678.00")."""
    colons = list(_COLON.finditer(before))
    clause = before[colons[-1].end() :] if colons else before
    contested = [m.end() for m in _CONTESTED_LABEL.finditer(clause)]
    totals = [m.end() for m in _TOTAL_LABEL.finditer(clause)]
    if not contested and not totals and colons:
        head = before[: colons[-1].start()].rstrip()
        contested = [1 for m in _CONTESTED_NOUN.finditer(head) if m.end() >= len(head) - 4]
        totals = [1 for m in _TOTAL_LABEL.finditer(head) if m.end() >= len(head) - 4]
    if contested and (not totals or contested[-1] > totals[-1]):
        return 0
    if totals:
        return 3
    return None


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
    kind = classify(mail, known_sender=sender_account is not None)
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
    invoice = disputed_invoice(mail)
    amount = disputed_amount(mail.fresh) if kind == CaseKind.DISPUTE else None
    reasons: list[str] = []
    if kind == CaseKind.DISPUTE:
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
    elif kind == CaseKind.TERMINATION and sender_account is None:
        reasons.append("unknown_sender")
    valid = kind != CaseKind.OTHER and not reasons
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
        termination_kind=termination_kind(written) if kind == CaseKind.TERMINATION else None,
        request=option_request(mail) if kind == CaseKind.OTHER else None,
    )
