"""A case and a service level keep typed records, and get them back the same after a reload or a
snapshot (ledger/transcodings.py): replay gives the assessment made at receipt, never a re-parse."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from billing.persistence.eventstore import Ledger
from ledger.case import Case, CaseAssessment, CaseMail, MailAttachment
from ledger.errors import Conflict, InvalidInput
from ledger.money import Money
from ledger.service_level import IncidentTicket, PenaltyApproval, ServiceLevel, ServiceTerms

PARIS_SUMMER = timezone(timedelta(hours=2))


def _ledger() -> Ledger:
    return Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def _dispute() -> Case:
    # Received Friday 24 July 2026 at 19:00 in Paris: acknowledge by Monday 27, answer by Friday 31 (§8).
    assessment = CaseAssessment(
        kind="dispute", invoice="FX-2026-000042", amount=Decimal("120.00"), valid=True, reasons=(),
        flags=("forwarded",), acknowledge_by=date(2026, 7, 27), answer_by=date(2026, 7, 31),
        received_on=date(2026, 7, 24), termination_kind=None, request=None, language="fr",
        account="acme", sender="billing@acme.example", subject="Contestation FX-2026-000042", reply_to=None,
    )
    mail = CaseMail(
        sha256="ab" * 32, size=2048, sender="billing@acme.example", sender_name="ACME compta",
        subject="Contestation FX-2026-000042", date=datetime(2026, 7, 24, 18, 59, tzinfo=PARIS_SUMMER),
        text="Nous contestons la facture car ...",
        attachments=(MailAttachment(filename="releve.pdf", content_type="application/pdf", size=900, sha256="cd" * 32),),
    )
    return Case(message_id="<m1@acme.example>", received_at=datetime(2026, 7, 24, 17, 0, tzinfo=UTC),
                assessment=assessment, mail=mail)


def test_a_case_gives_back_its_assessment_and_life_typed_after_a_reload_and_a_snapshot() -> None:
    ledger = _ledger()
    case = _dispute()
    case.acknowledge(datetime(2026, 7, 27, 9, 0, tzinfo=PARIS_SUMMER), "billing@acme.example", "<ack-1@flexio.fr>")
    case.answer(date(2026, 7, 30), "credit note coming")
    case.resolve("accepted", date(2026, 7, 31), Money.of("100.00"), "partial")
    ledger.save(case)

    reloaded = ledger.repository.get(case.id)
    assert reloaded.assessment == case.assessment and reloaded.assessment.reasons == ()
    assert reloaded.assessment.flags == ("forwarded",) and reloaded.received_on == date(2026, 7, 24)
    assert reloaded.mail == case.mail
    assert reloaded.received_at == datetime(2026, 7, 24, 17, 0, tzinfo=UTC)
    assert reloaded.acknowledgment == case.acknowledgment and reloaded.answered_on == date(2026, 7, 30)
    assert reloaded.resolution == case.resolution and reloaded.resolution.amount_ht == Money.of("100.00")
    assert reloaded.status == "resolved"

    ledger.take_snapshot(case.id)
    from_snapshot = ledger.repository.get(case.id)
    assert from_snapshot.assessment == case.assessment and from_snapshot.mail == case.mail
    assert from_snapshot.resolution == case.resolution and from_snapshot.acknowledgment == case.acknowledgment


def test_an_accepted_dispute_needs_the_amount_of_its_credit_note() -> None:
    with pytest.raises(InvalidInput) as raised:
        _dispute().resolve("accepted", date(2026, 7, 31), None, "")
    assert raised.value.field == "amount_ht"


def test_a_service_level_gives_back_its_terms_tickets_and_approvals_typed() -> None:
    ledger = _ledger()
    level = ServiceLevel(account="acme")
    level.set_terms(Decimal("4"), Decimal("8.5"), Decimal("150.00"))
    level.open_ticket("INC-1", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), scheduled=False)
    level.confirm("INC-1", datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    level.restore("INC-1", datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    level.approve(2026, "sla-2026", Money.of("450.00"))
    ledger.save(level)

    for reloaded in (ledger.repository.get(level.id), _after_snapshot(ledger, level)):
        assert reloaded.terms == ServiceTerms(Decimal("4"), Decimal("8.5"), Decimal("150.00"))
        assert reloaded.tickets == {"INC-1": IncidentTicket(
            "INC-1", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), False,
            confirmed_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), restored_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        )}
        assert reloaded.approved == {"2026": PenaltyApproval("sla-2026", Money.of("450.00"))}
        with pytest.raises(Conflict):
            reloaded.approve(2026, "sla-2026", Money.of("450.00"))  # never granted twice, even from a snapshot


def test_a_restoration_before_its_notification_is_refused() -> None:
    level = ServiceLevel(account="acme")
    level.open_ticket("INC-1", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), scheduled=True)
    with pytest.raises(InvalidInput) as raised:
        level.restore("INC-1", datetime(2026, 3, 2, 10, 59, tzinfo=PARIS_SUMMER))  # 08:59 UTC
    assert raised.value.field == "at"


def _after_snapshot(ledger: Ledger, level: ServiceLevel) -> ServiceLevel:
    ledger.take_snapshot(level.id)
    restored: ServiceLevel = ledger.repository.get(level.id)
    return restored
