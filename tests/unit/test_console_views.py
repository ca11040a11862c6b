"""The console's views without a database (issue 23): an invoice's lifecycle told by its events (a
credit note settling it, a SEPA return), the order of cases, the reasons of a rejected document, and a
health page that still answers while the projector is stopped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, cast

from billing.services.console_views import ConsoleViews, case_order, rejection_reasons
from ledger.clock import PARIS, FixedClock
from ledger.errors import Unavailable
from ledger.money import Money

RECORDED = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # 12:00 in Paris


def event(name: str, **facts: Any) -> Any:
    """An object whose class is named like the invoice's event (``Invoice.Disputed`` → ``Disputed``)."""
    return type(name, (), {})() if not facts else type(name, (SimpleNamespace,), {})(timestamp=RECORDED, **facts)


def views(events: list[Any], **overrides: Any) -> ConsoleViews:
    ledger = SimpleNamespace(repository=SimpleNamespace(event_store=SimpleNamespace(get=lambda _id: events)))
    parts: dict[str, Any] = {"ledger": ledger, "queries": None, "read_models": None,
                             "clock": FixedClock(datetime(2026, 4, 20, 12, tzinfo=PARIS)), "accounts": None,
                             "corrections": None, "invoices": None, "cases": None, "receivables": None,
                             "signals": None, "sessions": None, "projection": None}
    parts.update(overrides)
    return ConsoleViews(**cast(dict[str, Any], parts))


def test_a_disputed_invoice_credited_in_full_then_paid_back_and_returned() -> None:
    events = [
        event("Issued", document={"issue_date": "2026-03-02"}),
        event("DocumentStored", number="FX-1"),
        event("Disputed", case="c-1", on=date(2026, 3, 5)),
        event("Accepted", on=date(2026, 3, 9)),
        event("CreditNoteRecorded", credit_note="AV-2026-000001", amount_ht=Money.of("1139.29"),
              amount_vat=Money.of("227.86"), on=date(2026, 3, 9), fully=True),
    ]
    payments = [{"received_on": "2026-03-06", "amount": "100.00", "reference": "VIR-1", "invoice": "FX-1"},
                {"received_on": "2026-03-20", "amount": "-100.00", "reference": "return AM04", "invoice": "FX-1"}]
    steps = views(events).lifecycle("FX-1", payments)
    assert [(s["on"], s["label"], s.get("amount"), s["status"]) for s in steps] == [
        ("2026-03-02", "émise", None, "issued"),
        ("2026-03-02", "PDF Factur-X archivé", None, "issued"),  # no date of its own: when it was recorded
        ("2026-03-05", "contestée", None, "disputed"),
        ("2026-03-06", "paiement reçu", "100.00", None),  # before the first event dated after it
        ("2026-03-09", "contestation acceptée", None, "accepted"),
        ("2026-03-09", "avoir AV-2026-000001, soldée (HT)", "1139.29", "credited"),
        ("2026-03-20", "paiement annulé (return AM04)", "-100.00", None),  # after everything dated before
    ]


def test_cases_overdue_first_then_waiting_by_answer_date_then_the_rest() -> None:
    def case(key: str, overdue: list[str], status: str, answer_by: str) -> dict[str, Any]:
        return {"case": key, "overdue": overdue, "status": status, "answer_by": answer_by,
                "received_at": "2026-03-01T10:00:00+01:00"}

    listed = [case("resolved", [], "resolved", "2026-03-02"), case("waiting-late", [], "open", "2026-03-20"),
              case("overdue", ["answer"], "acknowledged", "2026-03-10"), case("waiting-soon", [], "acknowledged", "2026-03-12"),
              case("ack-overdue", ["acknowledgment"], "open", "2026-03-09")]
    assert [c["case"] for c in sorted(listed, key=case_order)] == [
        "ack-overdue", "overdue", "waiting-soon", "waiting-late", "resolved"]


def test_the_reasons_of_a_rejection_are_its_blocking_rules_once_each() -> None:
    failures = [{"rule": "BR-S-02", "flag": "fatal", "message": "seller VAT", "source": "en16931"},
                {"rule": "BR-S-02", "flag": "fatal", "message": "seller VAT", "source": "en16931"},
                {"rule": "BR-FR-12", "flag": "warning", "message": "advice", "source": "fr"}]
    assert rejection_reasons(failures) == [{"rule": "BR-S-02", "message": "seller VAT"}]
    assert rejection_reasons(failures[2:]) == [{"rule": "BR-FR-12", "message": "advice"}]  # nothing else to say
    assert rejection_reasons(None) == []


def test_health_answers_while_the_projector_is_stopped() -> None:
    stopped = {"position": 10, "head": 12, "lag": 2, "stopped": True,
               "stopped_at": {"notification": 11, "topic": "t", "error": "boom", "since": "2026-04-20T12:00:00+02:00"}}

    def signals(_on: object) -> list[dict[str, Any]]:
        raise Unavailable("the read models are stopped at an event")

    page = views([], signals=SimpleNamespace(current_report=signals),
                 sessions=SimpleNamespace(sessions=lambda _account: []),
                 projection=SimpleNamespace(status=lambda: stopped)).health()
    assert page == {"projection": stopped, "signals": None, "sessions": []}
    from billing.services.page_sessions import PageSession
    from billing.web.common import templates

    html = templates.get_template("console/health.html").render(session=PageSession("s", "admin", None, "c" * 64),
                                                                  **page)
    assert "Arrêtée à l'événement 11 (t) depuis le 20/04/2026 : boom" in html
    assert "Indisponibles tant que la projection est arrêtée." in html
