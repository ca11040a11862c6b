"""What must always hold across the outputs of the ledger, written once (issue 18 items 1-3).

Documents, money and cases were each built and tested on their own; tried together they disagreed (a
repeated bank reference booked three times: the FEC's bank journal said 3,045.30, the workbook's
payment sheet 1,615.15). Each function below states one invariant over a typed :class:`Snapshot` of
the outputs *as exported* (the FEC text and the workbook parsed back, the SEPA files stored, the
documents stored, the receivables answered) and returns the :class:`Difference` s it finds. The same
functions run after every step of the model-based test (tests/integration/test_ledger_model.py) and
on live data in ``billing audit`` / ``GET /v1/admin/audit``; the adapter that gathers the snapshot is
``billing/services/audit.py``. Pure: no ``billing``, no database, no framework.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from invoices.draft import LATE_PAYMENT_KINDS as LATE_PAYMENT_LINE_KINDS

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
LATE_PAYMENT_KINDS = frozenset(LATE_PAYMENT_LINE_KINDS)
PENALTY_WINDOW = relativedelta(months=6)  # §6, art. 13: "six (6) derniers mois"


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the outputs disagree: the invariant's name, a sentence for finance, and the facts."""

    invariant: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"invariant": self.invariant, "message": self.message, "details": dict(self.details)}


@dataclass(frozen=True, slots=True)
class IssuedDocument:
    """An issued invoice or credit note (a credit note's amounts are negative, API.md)."""

    number: str
    kind: str  # "invoice" | "credit_note"
    account: str
    month: str  # the month it bills (a credit note: the month of its issue)
    issue_date: date
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    corrects: str | None = None
    late_payment: bool = False  # a late-payment invoice (§8): interest and indemnities, no service month
    catch_up_periods: tuple[str, ...] = ()  # §7b: the months its catch-up lines bill


@dataclass(frozen=True, slots=True)
class ServicePeriod:
    """An account's contract: service from ``start`` to ``end`` (None: still in service)."""

    account: str
    start: date
    end: date | None
    freemium: bool


@dataclass(frozen=True, slots=True)
class Receipt:
    """Money the bank or finance recorded for an account: the part applied to an invoice, or the
    unapplied rest of a receipt (``applied`` False). A direct-debit return is a negative applied part."""

    account: str
    invoice: str | None
    amount: Decimal
    received_on: date
    reference: str
    applied: bool


@dataclass(frozen=True, slots=True)
class FecLine:
    """One line of an exported FEC, parsed back from its text."""

    journal: str
    entry: int
    on: date
    account: str  # CompteNum
    aux: str  # CompAuxNum (the customer account, upper case) or ""
    piece: str
    label: str
    debit: Decimal
    credit: Decimal
    valid_date: date

    def kept_part(self) -> tuple[Any, ...]:
        """What an exported line must keep in every later export (lettering may be added later)."""
        return (self.journal, self.entry, self.on, self.account, self.aux, self.piece, self.label, self.debit,
                self.credit, self.valid_date)


@dataclass(frozen=True, slots=True)
class WorkbookPayment:
    """A row of the workbook's payment sheet, parsed back from the .xlsx."""

    account: str
    invoice: str | None
    amount: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class SepaDebit:
    """A debit in a stored pain.008 file, parsed back from its XML."""

    file: str
    created_on: date
    collection_date: date
    invoice: str
    account: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """What documents storage says of an issued number: the hash the ledger recorded, the hash of the
    file found on disk (None: missing), or the rejection with its reasons."""

    number: str
    recorded_sha256: str | None
    file_sha256: str | None
    rejected: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Dispute:
    """A dispute case on an invoice (§8): received, valid, and when it was resolved (None: open)."""

    invoice: str
    received_at: datetime
    valid: bool
    resolved_on: date | None


@dataclass(frozen=True, slots=True)
class PenaltyGrant:
    account: str
    incident_on: date
    granted: Decimal


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The outputs, gathered by ``billing/services/audit.py`` on one day (``on``)."""

    on: date
    documents: tuple[IssuedDocument, ...] = ()
    closed_months: tuple[str, ...] = ()
    months_being_closed: tuple[str, ...] = ()  # closing, or failed half way (§7): some invoices issued
    service_periods: tuple[ServicePeriod, ...] = ()
    receipts: tuple[Receipt, ...] = ()
    receivables: Mapping[str, Decimal] = field(default_factory=dict)  # account -> outstanding on ``on``
    fec: Mapping[int, tuple[FecLine, ...]] = field(default_factory=dict)  # year -> its lines as exported
    previous_fec: Mapping[int, tuple[FecLine, ...]] = field(default_factory=dict)  # the last export kept
    workbook_payments: tuple[WorkbookPayment, ...] = ()
    workbook_balances: Mapping[str, Decimal] = field(default_factory=dict)  # account -> aged balance total
    sepa_debits: tuple[SepaDebit, ...] = ()
    stored_documents: tuple[StoredDocument, ...] = ()
    disputes: tuple[Dispute, ...] = ()
    penalty_grants: tuple[PenaltyGrant, ...] = ()
    read_model_differences: tuple[str, ...] = ()  # tables whose rows differ from a rebuild
    rebuild_checked: bool = False
    # A document not rendered yet (the render job runs after each close in the API and the workers, not
    # after `billing close` or `billing demo`) is pending, not missing: allowed unless strict.
    pending_documents_allowed: bool = False


Invariant = Callable[[Snapshot], list[Difference]]


def _d(value: Decimal) -> str:
    return f"{value.quantize(CENT):.2f}"


# --- numbering ------------------------------------------------------------------------------------

_SERIAL = re.compile(r"^(?P<series>.*?)(?P<seq>\d+)$")


def numbering_gapless(snapshot: Snapshot) -> list[Difference]:
    """Each series (invoices FX, credit notes AV, one per calendar year of issue) runs 1, 2, 3… with no gap,
    no number used twice, and numbers in issue-date order (CGI 242 nonies A: "numérotation continue")."""
    out: list[Difference] = []
    series: dict[tuple[str, str], list[tuple[int, IssuedDocument]]] = defaultdict(list)
    for doc in snapshot.documents:
        match = _SERIAL.match(doc.number)
        if match is None:
            out.append(Difference("numbering_gapless", f"{doc.number} has no sequence number", {"number": doc.number}))
            continue
        series[(doc.kind, match["series"])].append((int(match["seq"]), doc))
    for (kind, prefix), docs in sorted(series.items()):
        counts = Counter(seq for seq, _ in docs)
        reused = sorted(seq for seq, n in counts.items() if n > 1)
        if reused:
            out.append(Difference("numbering_gapless", f"numbers of {prefix}… used twice",
                                  {"series": prefix, "kind": kind, "sequences": reused}))
        seqs = sorted(counts)
        missing = sorted(set(range(1, seqs[-1] + 1)) - set(seqs))
        if missing:
            out.append(Difference("numbering_gapless", f"the series {prefix}… has gaps",
                                  {"series": prefix, "kind": kind, "missing": missing[:20]}))
        ordered = sorted(docs, key=lambda d: d[0])
        for (_, before), (_, after) in itertools.pairwise(ordered):
            if after.issue_date < before.issue_date:
                out.append(Difference("numbering_gapless", f"{after.number} is dated before {before.number}",
                                      {"before": before.number, "before_date": before.issue_date.isoformat(),
                                       "after": after.number, "after_date": after.issue_date.isoformat()}))
    return out


# --- service months ------------------------------------------------------------------------------


def _month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def service_months_invoiced_once(snapshot: Snapshot) -> list[Difference]:
    """Each closed month an account was in service is invoiced exactly once (§7: one invoice per account and
    month of service, freemium excluded); no invoice bills a month outside its account's service; a month
    whose close failed half way has at most one invoice per account."""
    out: list[Difference] = []
    closed = set(snapshot.closed_months)
    regular: Counter[tuple[str, str]] = Counter(
        (d.account, d.month) for d in snapshot.documents if d.kind == "invoice" and not d.late_payment
    )
    periods = {p.account: p for p in snapshot.service_periods}
    expected: set[tuple[str, str]] = set()
    for period in snapshot.service_periods:
        if period.freemium:
            continue
        last = _month_of(period.end) if period.end is not None else max(closed, default="0000-00")
        for month in _months_between(_month_of(period.start), last):
            if month in closed:
                expected.add((period.account, month))
    for key in sorted(expected):
        if regular[key] != 1:
            out.append(Difference("service_months_invoiced_once",
                                  f"{key[0]} in service in {key[1]} has {regular[key]} invoices for it",
                                  {"account": key[0], "month": key[1], "invoices": regular[key]}))
    being_closed = set(snapshot.months_being_closed)
    for key, count in sorted(regular.items()):
        known = periods.get(key[0])
        if key[1] in being_closed and count == 1:
            continue  # a close that failed half way keeps the invoices of its whole chunks (§7)
        if key not in expected and not (known is not None and known.freemium):
            out.append(Difference("service_months_invoiced_once",
                                  f"{key[0]} has {count} invoices for {key[1]}, a month it was not billable in",
                                  {"account": key[0], "month": key[1], "invoices": count}))
    return out


def catch_up_once_per_period(snapshot: Snapshot) -> list[Difference]:
    """A catch-up (§7b) bills a closed month's late facts on the first open month's invoice: it only ever
    names a month that was closed before the invoice carrying it, never that invoice's own month."""
    out: list[Difference] = []
    for doc in snapshot.documents:
        for period in doc.catch_up_periods:
            if period >= doc.month:
                out.append(Difference("catch_up_once_per_period",
                                      f"{doc.number} ({doc.month}) carries a catch-up line for {period}",
                                      {"number": doc.number, "month": doc.month, "period": period}))
    return out


def penalty_cap_every_window(snapshot: Snapshot) -> list[Difference]:
    """§6 (art. 13): for every incident date t of a granted credit, the credits of incidents in
    [t − 6 months, t] stay within the HT value of the payments received in that window (amount × HT / TTC
    of the invoice paid; unapplied credit is not a payment)."""
    out: list[Difference] = []
    invoices = {d.number: d for d in snapshot.documents if d.kind == "invoice"}
    by_account: dict[str, list[PenaltyGrant]] = defaultdict(list)
    for grant in snapshot.penalty_grants:
        by_account[grant.account].append(grant)
    for account, grants in sorted(by_account.items()):
        paid = [r for r in snapshot.receipts if r.account == account and r.applied]
        for t in sorted({g.incident_on for g in grants if g.granted > 0}):
            start = t - PENALTY_WINDOW
            credits = sum((g.granted for g in grants if start <= g.incident_on <= t), ZERO)
            room = ZERO
            for r in paid:
                if start <= r.received_on <= t:
                    inv = invoices.get(r.invoice or "")
                    ratio = (inv.total_ht / inv.total_ttc) if inv is not None and inv.total_ttc else Decimal(1)
                    room += r.amount * ratio
            if credits > room.quantize(CENT) + CENT / 2:
                out.append(Difference("penalty_cap_every_window",
                                      f"{account}: penalty credits {_d(credits)} exceed the cap {_d(room)} "
                                      f"of the window ending {t.isoformat()}",
                                      {"account": account, "window_end": t.isoformat(), "credits": _d(credits),
                                       "cap": _d(room)}))
    return out


# --- money -----------------------------------------------------------------------------------------


def bank_reference_counted_once(snapshot: Snapshot) -> list[Difference]:
    """A bank reference is one receipt: per account and invoice at most one applied part carries it, and per
    account at most one unapplied rest (one transfer may pay several invoices, each its own part; a returned
    debit's reversal aside). Otherwise money received once is counted twice."""
    out: list[Difference] = []
    counts: Counter[tuple[str, str, str, bool]] = Counter(
        (r.account, r.reference, (r.invoice or "") if r.applied else "", r.applied)
        for r in snapshot.receipts if r.reference and r.amount > 0
    )
    for (account, reference, invoice, applied), n in sorted(counts.items()):
        if n > 1:
            out.append(Difference("bank_reference_counted_once",
                                  f"{account}: the bank reference {reference!r} is counted {n} times",
                                  {"account": account, "reference": reference, "times": n,
                                   "part": f"applied to {invoice}" if applied else "unapplied"}))
    return out


def receipts_fully_allocated(snapshot: Snapshot) -> list[Difference]:
    """Per account, allocations to invoices + unapplied credit = payments received, as the FEC's bank
    journal (512) records them; and no invoice is allocated more than it owes (issue 12)."""
    out: list[Difference] = []
    received: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for lines in snapshot.fec.values():
        for line in lines:
            if line.journal == "BQ" and line.account.startswith("512"):
                partner = next((x.aux for x in lines if x.entry == line.entry and x.aux), "")
                received[partner] += line.debit - line.credit
    allocated: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in snapshot.receipts:
        allocated[r.account.upper()] += r.amount
    for account in sorted(set(received) | set(allocated)):
        if received[account] != allocated[account]:
            out.append(Difference("receipts_fully_allocated",
                                  f"{account}: allocations and unapplied credit {_d(allocated[account])} "
                                  f"but the bank journal received {_d(received[account])}",
                                  {"account": account, "allocated": _d(allocated[account]),
                                   "received": _d(received[account])}))
    # What an invoice owed when money was applied to it: its TTC less the credit notes issued before
    # the day of the last receipt applied (one issued the same day may come after it). A credit note
    # issued once the invoice is paid does not undo the payment: it leaves the customer a credit,
    # which the FEC's 411 balance shows (balances_agree), so it cannot make the allocation too much.
    ttc = {d.number: d.total_ttc for d in snapshot.documents if d.kind == "invoice"}
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    last_receipt: dict[str, date] = {}
    for r in snapshot.receipts:
        if r.applied and r.invoice:
            paid[r.invoice] += r.amount
            last_receipt[r.invoice] = max(r.received_on, last_receipt.get(r.invoice, r.received_on))
    for number, amount in sorted(paid.items()):
        if number not in ttc:
            continue
        owed = ttc[number] + sum((d.total_ttc for d in snapshot.documents
                                  if d.kind == "credit_note" and d.corrects == number
                                  and d.issue_date < last_receipt[number]), ZERO)
        if amount > owed:
            out.append(Difference("receipts_fully_allocated",
                                  f"{number} is allocated {_d(amount)} but owed only {_d(owed)} when it was paid",
                                  {"invoice": number, "allocated": _d(amount), "owed": _d(owed)}))
    return out


def balances_agree(snapshot: Snapshot) -> list[Difference]:
    """Per account on the audit day, one debt whichever output shows it (art. A47 A-1 and §8):
    - the FEC's 411 balance = invoices TTC − credit notes − payments − unapplied credit (the ledger's sum);
    - receivables outstanding = the workbook's aged balance = the sum, over its invoices, of what each still
      owes (TTC − its credit notes − its payments), counting only invoices that owe something: an invoice
      credited after it was paid leaves the customer a credit, which the FEC shows and receivables do not.
    """
    out: list[Difference] = []
    ledger: dict[str, Decimal] = defaultdict(lambda: ZERO)
    outstanding_per_invoice: dict[str, Decimal] = {}
    for d in snapshot.documents:
        if d.issue_date <= snapshot.on:
            ledger[d.account] += d.total_ttc
            key = d.corrects if d.kind == "credit_note" and d.corrects else d.number
            outstanding_per_invoice[key] = outstanding_per_invoice.get(key, ZERO) + d.total_ttc
    account_of = {d.number: d.account for d in snapshot.documents}
    for r in snapshot.receipts:
        if r.received_on <= snapshot.on:
            ledger[r.account] -= r.amount
            if r.applied and r.invoice:
                outstanding_per_invoice[r.invoice] = outstanding_per_invoice.get(r.invoice, ZERO) - r.amount
    open_items: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for number, amount in outstanding_per_invoice.items():
        if amount > 0 and number in account_of:
            open_items[account_of[number]] += amount
    fec_411: dict[str, Decimal] = defaultdict(lambda: ZERO)
    accounts_by_aux = {a.upper(): a for a in ledger}
    for lines in snapshot.fec.values():
        for line in lines:
            if line.account.startswith("411") and line.on <= snapshot.on:
                fec_411[accounts_by_aux.get(line.aux, line.aux.lower())] += line.debit - line.credit
    for account in sorted(set(ledger) | set(fec_411) | set(snapshot.receivables) | set(snapshot.workbook_balances)):
        if snapshot.fec and fec_411[account] != ledger[account]:
            out.append(Difference("balances_agree",
                                  f"{account}: the FEC's 411 balance is {_d(fec_411[account])}, its invoices, credit "
                                  f"notes and receipts {_d(ledger[account])}",
                                  {"account": account, "fec_411": _d(fec_411[account]), "ledger": _d(ledger[account])}))
        views = {"receivables": snapshot.receivables.get(account, ZERO),
                 "workbook": snapshot.workbook_balances.get(account, ZERO), "invoices": open_items[account]}
        if len(set(views.values())) > 1:
            out.append(Difference("balances_agree", f"{account}: the outputs disagree on what it still owes",
                                  {"account": account, **{k: _d(v) for k, v in views.items()}}))
    return out


def fec_entries_balanced(snapshot: Snapshot) -> list[Difference]:
    """Every FEC entry is balanced: its debits equal its credits (art. A47 A-1, PCG art. 420-1)."""
    out: list[Difference] = []
    for year, lines in sorted(snapshot.fec.items()):
        sums: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for line in lines:
            sums[line.entry] += line.debit - line.credit
        for entry, value in sorted(sums.items()):
            if value != 0:
                out.append(Difference("fec_entries_balanced", f"FEC {year}: entry {entry} is off by {_d(value)}",
                                      {"year": year, "entry": entry, "difference": _d(value)}))
    return out


def bank_journal_matches_workbook(snapshot: Snapshot) -> list[Difference]:
    """Per account, the FEC's bank journal (512) = the workbook's payment sheet: one set of receipts."""
    out: list[Difference] = []
    fec: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for lines in snapshot.fec.values():
        entries: dict[int, list[FecLine]] = defaultdict(list)
        for line in lines:
            if line.journal == "BQ":
                entries[line.entry].append(line)
        for entry_lines in entries.values():
            partner = next((x.aux for x in entry_lines if x.aux), "")
            fec[partner] += sum((x.debit - x.credit for x in entry_lines if x.account.startswith("512")), ZERO)
    sheet: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in snapshot.workbook_payments:
        sheet[p.account.upper()] += p.amount
    for account in sorted(set(fec) | set(sheet)):
        if fec[account] != sheet[account]:
            out.append(Difference("bank_journal_matches_workbook",
                                  f"{account}: the FEC bank journal says {_d(fec[account])}, "
                                  f"the workbook's payment sheet {_d(sheet[account])}",
                                  {"account": account, "fec": _d(fec[account]), "workbook": _d(sheet[account])}))
    return out


def sepa_never_collects_settled(snapshot: Snapshot) -> list[Difference]:
    """No SEPA file collects more than its invoice owed when the file was written: nothing paid, credited,
    or under a valid open dispute (§8: a disputed amount is held back)."""
    out: list[Difference] = []
    docs = {d.number: d for d in snapshot.documents}
    for debit in snapshot.sepa_debits:
        invoice = docs.get(debit.invoice)
        if invoice is None:
            out.append(Difference("sepa_never_collects_settled", f"{debit.file} collects an unknown invoice",
                                  {"file": debit.file, "invoice": debit.invoice}))
            continue
        owed = invoice.total_ttc
        owed += sum((d.total_ttc for d in snapshot.documents
                     if d.corrects == debit.invoice and d.issue_date <= debit.created_on), ZERO)
        owed -= sum((r.amount for r in snapshot.receipts
                     if r.invoice == debit.invoice and r.applied and r.received_on < debit.created_on), ZERO)
        if debit.amount > owed:
            out.append(Difference("sepa_never_collects_settled",
                                  f"{debit.file} collects {_d(debit.amount)} on {debit.invoice}, which owed {_d(owed)}",
                                  {"file": debit.file, "invoice": debit.invoice, "amount": _d(debit.amount),
                                   "owed": _d(owed)}))
        for dispute in snapshot.disputes:
            if (dispute.invoice == debit.invoice and dispute.valid
                    and dispute.received_at.date() <= debit.created_on
                    and (dispute.resolved_on is None or dispute.resolved_on > debit.created_on)):
                out.append(Difference("sepa_never_collects_settled",
                                      f"{debit.file} collects {debit.invoice}, under an open dispute",
                                      {"file": debit.file, "invoice": debit.invoice}))
    return out


def fec_entries_kept(snapshot: Snapshot) -> list[Difference]:
    """An FEC entry, once exported, keeps its number, lines and ValidDate in every later export
    (LPF art. A47 A-1 and BOI-CF-IOR-60-40-20: entries are validated, then irreversible)."""
    out: list[Difference] = []
    for year, before in sorted(snapshot.previous_fec.items()):
        now = snapshot.fec.get(year, ())
        now_by_entry: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for line in now:
            now_by_entry[line.entry].append(line.kept_part())
        before_by_entry: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for line in before:
            before_by_entry[line.entry].append(line.kept_part())
        for entry, lines in sorted(before_by_entry.items()):
            if sorted(now_by_entry.get(entry, [])) != sorted(lines):
                first = lines[0]
                out.append(Difference("fec_entries_kept",
                                      f"FEC {year}: entry {entry} ({first[5]}) changed since the previous export",
                                      {"year": year, "entry": entry, "piece": first[5],
                                       "now": [str(x[5]) for x in now_by_entry.get(entry, [])][:2]}))
                if len(out) >= 20:
                    return out
    return out


def documents_stored(snapshot: Snapshot) -> list[Difference]:
    """Every issued invoice and credit note has its stored document matching the hash in the ledger, or a
    rejection with its reasons (the Factur-X checks it failed): nothing issued is silently without a PDF."""
    out: list[Difference] = []
    stored = {s.number: s for s in snapshot.stored_documents}
    for doc in snapshot.documents:
        found = stored.get(doc.number)
        if found is None and snapshot.pending_documents_allowed:
            continue
        if found is None or (found.recorded_sha256 is None and not found.rejected):
            out.append(Difference("documents_stored", f"{doc.number} has neither a stored document nor a rejection",
                                  {"number": doc.number}))
        elif found.recorded_sha256 is not None and found.file_sha256 != found.recorded_sha256:
            out.append(Difference("documents_stored",
                                  f"{doc.number}: the stored file does not match the hash in the ledger",
                                  {"number": doc.number, "recorded": found.recorded_sha256,
                                   "file": found.file_sha256}))
    return out


def read_models_match_rebuild(snapshot: Snapshot) -> list[Difference]:
    """The read models equal a rebuild from the ledger alone: every fact is an event and the read models
    are only its projection (README "Architecture")."""
    return [Difference("read_models_match_rebuild", f"the read model {table} differs from a rebuild from the ledger",
                       {"table": table}) for table in snapshot.read_model_differences]


INVARIANTS: tuple[tuple[str, Invariant], ...] = (
    ("numbering_gapless", numbering_gapless),
    ("service_months_invoiced_once", service_months_invoiced_once),
    ("catch_up_once_per_period", catch_up_once_per_period),
    ("penalty_cap_every_window", penalty_cap_every_window),
    ("bank_reference_counted_once", bank_reference_counted_once),
    ("receipts_fully_allocated", receipts_fully_allocated),
    ("balances_agree", balances_agree),
    ("fec_entries_balanced", fec_entries_balanced),
    ("bank_journal_matches_workbook", bank_journal_matches_workbook),
    ("sepa_never_collects_settled", sepa_never_collects_settled),
    ("fec_entries_kept", fec_entries_kept),
    ("documents_stored", documents_stored),
    ("read_models_match_rebuild", read_models_match_rebuild),
)


@dataclass(frozen=True, slots=True)
class AuditResult:
    checked: tuple[str, ...]
    differences: tuple[Difference, ...]

    @property
    def ok(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict[str, Any]:
        """API.md "Operations and audit": ``{"ok", "checked", "differences"}``."""
        return {"ok": self.ok, "checked": list(self.checked), "differences": [d.as_dict() for d in self.differences]}


def check(snapshot: Snapshot, skip: Iterable[str] = ()) -> AuditResult:
    """Run every invariant (but those in ``skip``) over the snapshot."""
    skipped = set(skip)
    if not snapshot.rebuild_checked:
        skipped.add("read_models_match_rebuild")
    checked, differences = [], []
    for name, invariant in INVARIANTS:
        if name in skipped:
            continue
        checked.append(name)
        differences.extend(invariant(snapshot))
    return AuditResult(tuple(checked), tuple(differences))
