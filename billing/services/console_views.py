"""What the finance console's pages show (issue 23), read here so the routes stay thin.

- an account's page: its fact history, invoices each with its lifecycle (the status history told by
  the invoice's events, with the payments received on it), payments (reversals included) and credit
  not applied, cases (overdue first), receivables with interest, rejected documents and page sessions;
- the cases of every account, overdue first (§8: acknowledged by the next business day, answered by the
  7th day);
- the rejected documents: issued invoices and credit notes whose PDF was not stored because they
  failed their Factur-X rules or could not be rendered (issue 11 §3, issue 17.6), with the reason;
- the health page: the projection's status (as ``GET /v1/admin/projection``), contract signals and the
  page sessions still open.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from billing.commands.receivables import ReceivablesOn
from billing.persistence.eventstore import Ledger
from billing.services.accounts import AccountService
from billing.services.cases import CaseService
from billing.services.corrections import CorrectionService
from billing.services.invoice_queries import InvoiceQueries
from billing.services.page_sessions import PageSessionService, StoredSession
from billing.services.ports import ReadModels
from billing.services.receivables import ReceivableService
from billing.services.signals import SignalService
from ledger.clock import PARIS, Clock
from ledger.errors import InvalidInput, Unavailable
from ledger.invoice import Invoice

PAGE_SIZE = 50
MAX_PAGE = 100_000
WAITING = ("open", "acknowledged")  # cases whose §8 answer is still due


class ConsoleQueries(Protocol):
    """The read-model queries of the console (``billing/persistence/queries/pages.py``)."""

    def payments(self, account: str) -> list[dict[str, Any]]:
        """The account's payments in the order received (a SEPA return is a negative amount):
        ``received_on`` (date), ``invoice``, ``amount`` (Decimal), ``method``, ``reference``."""

    def unapplied_credits(self, account: str) -> list[dict[str, Any]]:
        """Money received from the account that no invoice took, same keys as :meth:`payments`."""

    def rejected_documents(self, account: str | None, offset: int, limit: int) -> list[dict[str, Any]]:
        """Documents recorded without a stored PDF, newest issue first: ``number``, ``kind``,
        ``account``, ``legal_name``, ``issue_date`` (date), ``failures`` (the recorded rules)."""

    def rejected_count(self) -> int: ...


class ProjectionStatus(Protocol):
    def status(self) -> dict[str, Any]: ...


def case_order(case: dict[str, Any]) -> tuple[int, str, str]:
    """Overdue first, then the cases still waiting for their answer, then the others; within each,
    by the date the answer is due, then by receipt."""
    rank = 0 if case["overdue"] else 1 if case["status"] in WAITING else 2
    return rank, case["answer_by"], case["received_at"]


def rejection_reasons(failures: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    """The blocking failures (warnings alone never reject a document); all of them when none blocks."""
    found = [f for f in failures or [] if isinstance(f, dict)]
    blocking = [f for f in found if f.get("flag") != "warning"]
    reasons: list[dict[str, str]] = []
    for f in blocking or found:  # a rule two validators report (XSD, schematron) is shown once
        reason = {"rule": str(f.get("rule", "?")), "message": str(f.get("message", ""))}
        if reason not in reasons:
            reasons.append(reason)
    return reasons


def _day(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(PARIS).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 10:
        return value[:10]
    return None


def _lifecycle_step(name: str, event: Any, status: str) -> tuple[dict[str, Any], str] | None:
    """One invoice event as a lifecycle step, and the invoice's status after it."""
    on = _day(getattr(event, "on", None))
    if name == "Issued":
        return {"on": _day(event.document.get("issue_date")), "label": "émise"}, "issued"
    if name == "DocumentStored":
        return {"on": None, "label": "PDF Factur-X archivé"}, status
    if name == "DocumentRejected":
        rules = ", ".join(sorted({r["rule"] for r in rejection_reasons(event.failures)}))
        return {"on": None, "label": f"document rejeté ({rules})"}, status
    if name == "Mailed":
        return {"on": on, "label": f"envoyée à {event.to}"}, status
    if name == "MailFailed":
        return {"on": on, "label": f"envoi à {event.to} en échec"}, status
    if name == "Disputed":
        return {"on": on, "label": "contestée", "case": event.case}, "disputed"
    if name == "DisputeCleared":
        return {"on": on, "label": "contestation levée"}, "issued"
    if name == "Accepted":
        return {"on": on, "label": "contestation acceptée"}, "accepted"
    if name == "CreditNoteRecorded":
        after = "credited" if event.fully else "accepted" if status == "disputed" else status
        label = f"avoir {event.credit_note}" + (", soldée" if event.fully else "") + " (HT)"
        return {"on": on, "label": label, "amount": f"{event.amount_ht.amount:.2f}"}, after
    if name == "StatusChanged":
        return {"on": None, "label": f"statut {event.status} ({event.reason})"}, event.status
    return None


class ConsoleViews:
    def __init__(self, ledger: Ledger, queries: ConsoleQueries, read_models: ReadModels, clock: Clock,
                 accounts: AccountService, corrections: CorrectionService, invoices: InvoiceQueries,
                 cases: CaseService, receivables: ReceivableService, signals: SignalService,
                 sessions: PageSessionService, projection: ProjectionStatus) -> None:
        self.ledger = ledger
        self.queries = queries
        self.read_models = read_models
        self.clock = clock
        self.accounts = accounts
        self.corrections = corrections
        self.invoices = invoices
        self.cases_service = cases
        self.receivables = receivables
        self.signals = signals
        self.sessions = sessions
        self.projection = projection

    # -- an account ----------------------------------------------------------------------------

    def account_page(self, account: str) -> dict[str, Any]:
        """Everything the account's page shows; 404 (NotFound) for an unknown account."""
        customer = self.accounts.get(account)
        code = customer.account
        history = self.corrections.history(code)  # syncs the read models
        payments = [_payment(p) for p in self.queries.payments(code)]
        invoices = self.invoices.list(account=code)
        for invoice in invoices:
            invoice["lifecycle"] = self.lifecycle(invoice["number"],
                                                  [p for p in payments if p["invoice"] == invoice["number"]])
        receivables = self.receivables.receivables(ReceivablesOn.from_request(None), account=code)["invoices"]
        return {
            "customer": customer,
            "history": history,
            "invoices": invoices,
            "payments": payments,
            "unapplied": [_payment(p) for p in self.queries.unapplied_credits(code)],
            "cases": self.cases(code),
            "receivables": receivables,
            "rejected": [_rejected(r) for r in self.queries.rejected_documents(code, 0, MAX_PAGE)],
            "sessions": self._open_sessions(code),
        }

    def lifecycle(self, number: str, payments: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The invoice's status history, oldest first: its events in the order recorded (a step with
        no date of its own is dated when it was recorded), each payment received on it placed before
        the first later-dated event."""
        steps: list[dict[str, Any]] = []
        status = "issued"
        for event in self.ledger.repository.event_store.get(Invoice.create_id(number)):
            name = type(event).__qualname__.split(".")[-1]
            found = _lifecycle_step(name, event, status)
            if found is None:
                continue
            step, status = found
            step["dated"] = step["on"] is not None
            if step["on"] is None:
                step["on"] = _day(getattr(event, "timestamp", None))
            step["status"] = status
            steps.append(step)
        for payment in payments:
            label = ("paiement reçu" if not payment["amount"].startswith("-")
                     else f"paiement annulé ({payment['reference']})")
            step = {"on": payment["received_on"], "label": label, "amount": payment["amount"], "dated": True,
                    "status": None, "payment": True}
            at = next((i for i, s in enumerate(steps) if s["dated"] and s["on"] > payment["received_on"]), len(steps))
            steps.insert(at, step)
        return steps

    # -- lists ---------------------------------------------------------------------------------

    def cases(self, account: str | None = None) -> list[dict[str, Any]]:
        listed = [case for case in self.cases_service.list_cases() if account is None or case["account"] == account]
        return sorted(listed, key=case_order)

    def rejected_documents(self, page: int = 1) -> dict[str, Any]:
        if not 1 <= page <= MAX_PAGE:
            raise InvalidInput(f"page: from 1 to {MAX_PAGE}", field="page")
        self.read_models.sync()
        rows = self.queries.rejected_documents(None, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
        return {"documents": [_rejected(r) for r in rows[:PAGE_SIZE]], "page": page,
                "next": page + 1 if len(rows) > PAGE_SIZE else None, "total": self.queries.rejected_count()}

    def health(self) -> dict[str, Any]:
        """The projection's status, and the signals unless the read models cannot be current (a stopped
        projector is when this page is needed: it still answers, saying why the signals are missing)."""
        signals: list[dict[str, Any]] | None
        try:
            signals = self.signals.current_report(None)
        except Unavailable:
            signals = None
        return {"projection": self.projection.status(), "signals": signals, "sessions": self._open_sessions(None)}

    def _open_sessions(self, account: str | None) -> list[StoredSession]:
        """Sessions neither revoked nor expired (those are signed out already)."""
        now = self.clock.now()
        return [s for s in self.sessions.sessions(account) if not s.revoked and s.expires_at > now]


def _payment(row: dict[str, Any]) -> dict[str, Any]:
    return {"received_on": row["received_on"].isoformat(), "invoice": row["invoice"],
            "amount": f"{row['amount']:.2f}", "method": row["method"], "reference": row["reference"] or ""}


def _rejected(row: dict[str, Any]) -> dict[str, Any]:
    return {"number": row["number"], "kind": row["kind"], "account": row["account"],
            "legal_name": row["legal_name"], "issue_date": row["issue_date"].isoformat(),
            "reasons": rejection_reasons(row["failures"])}
