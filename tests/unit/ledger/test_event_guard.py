"""The event guard (ledger/event_guard.py, issue 17): the rules, field by field, on events built by
the aggregates themselves (the domain's own checks bypassed by calling the event methods, as a path
that forgot them would)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ledger.account import CustomerAccount
from ledger.case import Case, CaseAssessment, CaseMail
from ledger.errors import InvalidInput
from ledger.event_guard import check_events, safe_text
from ledger.money import Money, _exact
from ledger.usage import UsageBatch, UsageColumns

ADDRESS = {"line1": "1 rue X", "postcode": "25000", "city": "Besançon", "country": "FR"}


def account(legal_name: str = "ACME SAS", address: dict[str, str] | None = None) -> CustomerAccount:
    return CustomerAccount(account="acme", legal_name=legal_name, siren=None, vat_number=None, vat_regime="standard",
                           billing_email="factures@acme.fr", address=address or ADDRESS)


def refused(events: list[object]) -> str:
    with pytest.raises(InvalidInput) as error:
        check_events(events)
    assert error.value.field is not None
    return error.value.field


def batch(ids: list[str], credits: list[object] | None = None, months: list[object] | None = None) -> list[object]:
    n = len(ids)
    columns = UsageColumns(ids=ids, accounts=["acme"] * n, at=[1_773_000_000_000_000] * n,
                           credits=credits or [7] * n, months=months or [24314] * n)  # type: ignore[arg-type]
    return list(UsageBatch.of(columns).collect_events())


def test_clean_events_pass() -> None:
    check_events(account().collect_events())
    check_events(batch([f"evt-{i:06d}" for i in range(5000)]))
    check_events(batch(["évènement-1", "事件-2"]))  # non-ASCII ids are text like any other


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\x1b[31m", "\x85", "\u202e", "\u2066", "\u2028", "\t", "\n"])
def test_a_control_character_in_a_one_line_field_is_refused_naming_it(bad: str) -> None:
    assert refused(account(legal_name=f"ACME{bad} SAS").collect_events()) == "legal_name"
    assert refused(account(address={**ADDRESS, "city": f"Besan{bad}çon"}).collect_events()) == "address.city"


def test_a_usage_batch_names_the_record() -> None:
    ids = [f"evt-{i:06d}" for i in range(5000)]
    assert refused(batch([*ids[:3], "evt\x00", *ids[4:]])) == "ids[3]"
    assert refused(batch([*ids[:7], "é\u202e", *ids[8:]])) == "ids[7]"  # the non-ASCII path
    assert refused(batch([*ids[:2], "x" * 129])) == "ids[2]"  # usage_keys.event_id is String(128)
    assert refused(batch(["a", "b"], credits=[7, 1.5])) == "credits[1]"
    assert refused(batch(["a", "b"], credits=[2**63, 7])) == "credits[0]"  # beyond bigint
    assert refused(batch(["a", "b"], months=[24314, 2**31])) == "months[1]"  # beyond Integer
    assert refused(batch(["a", "b"], credits=["7", 7])) == "credits[0]"


def test_multi_line_fields_keep_line_breaks_and_nothing_else() -> None:
    acme = account()
    acme._support_hours_recorded(on=date(2026, 3, 2), hours=Decimal("2.50"), note="call\nback\tlater\r\n")
    check_events(acme.collect_events())
    acme._support_hours_recorded(on=date(2026, 3, 2), hours=Decimal("2.50"), note="page\x0cbreak")
    assert refused(acme.collect_events()) == "note"


@pytest.mark.parametrize(
    ("hours", "why"),
    [(Decimal("NaN"), "finite"), (Decimal("Infinity"), "finite"), (Decimal("1E+8"), "less than"),
     (Decimal("1E-1000000"), "digits"), (2.5, "decimal"), ("2.5", "decimal")],
)
def test_numbers_out_of_their_column_are_refused(hours: object, why: str) -> None:
    acme = account()
    acme._support_hours_recorded(on=date(2026, 3, 2), hours=hours, note="")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=why) as error:
        check_events(acme.collect_events())
    assert error.value.field == "hours"


def test_amounts_dates_and_types() -> None:
    acme = account()
    # 99,999,999,999.99 is the largest Numeric(14, 2) amount; 10^12 is not.
    acme._penalty_credit_granted(credit_id="c1", requested=Money(Decimal("99999999999.99")),
                                 granted=Money(Decimal("1.00")), capped=False, reason="outage",
                                 incident_on=date(2026, 3, 3), granted_on=date(2026, 3, 5))
    check_events(acme.collect_events())
    for field, values in {
        "requested": {"requested": _exact(Decimal("1E+12"))},
        "granted": {"granted": Decimal("1.00")},  # a Decimal where the class says Money
        "incident_on": {"incident_on": date(1, 1, 1)},
        "granted_on": {"granted_on": datetime(2026, 3, 5, tzinfo=UTC)},  # an instant is not a date
        "capped": {"capped": 1},
    }.items():
        arguments = {"credit_id": "c1", "requested": Money(Decimal("1.00")), "granted": Money(Decimal("1.00")),
                     "capped": False, "reason": "outage", "incident_on": date(2026, 3, 3),
                     "granted_on": date(2026, 3, 5), **values}
        acme._penalty_credit_granted(**arguments)
        assert refused(acme.collect_events()) == field


def case(subject: str) -> Case:
    assessment = CaseAssessment(
        kind="dispute", invoice=None, amount=None, valid=False, reasons=("no_invoice",), flags=(),
        acknowledge_by=date(2026, 3, 11), answer_by=date(2026, 3, 17), received_on=date(2026, 3, 10),
        termination_kind=None, request=None, language="fr", account=None, sender="a@b.fr", subject=subject,
        reply_to=None)
    mail = CaseMail(sha256="0" * 64, size=10, sender="a@b.fr", sender_name="A", subject=subject, date=None,
                    text="Bonjour,\r\n\r\nCordialement", attachments=())
    return Case(message_id="m-1@b.fr", received_at=datetime(2026, 3, 10, 9, tzinfo=UTC), assessment=assessment,
                mail=mail)


def test_the_nul_subject_of_an_email_is_refused_in_the_records_of_its_event() -> None:
    check_events(case("Contestation facture").collect_events())
    assert refused(case("Contestation\x00 facture").collect_events()) == "assessment.subject"


def test_safe_text_shows_what_the_guard_refuses() -> None:
    assert safe_text("a\x00b\u202ec\ud800") == "a\\u0000b\\u202ec\\ud800"
    assert safe_text("x" * 600, 10) == "xxxxxxxxx…"
    check_events(case(safe_text("Contestation\x00 facture")).collect_events())
