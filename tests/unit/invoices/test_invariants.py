"""The invariants of issue 18 (invoices/invariants.py), each on a small world written out by hand: one that
holds, and the defect it exists to catch (a repeated bank reference counted twice, a gap in a series, an
FEC entry renumbered, a SEPA debit of a paid invoice, a document whose file does not match its hash)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from invoices.invariants import (
    Dispute,
    FecLine,
    IssuedDocument,
    PenaltyGrant,
    Receipt,
    SepaDebit,
    ServicePeriod,
    Snapshot,
    StoredDocument,
    WorkbookPayment,
    balances_agree,
    bank_journal_matches_workbook,
    bank_reference_counted_once,
    check,
    documents_stored,
    fec_entries_balanced,
    fec_entries_kept,
    numbering_gapless,
    penalty_cap_every_window,
    receipts_fully_allocated,
    sepa_never_collects_settled,
    service_months_invoiced_once,
)

D = Decimal
ON = date(2026, 4, 30)
# acme's February invoice (BILLING_RULES §10): HT 1179.29, VAT 20 % 235.86, TTC 1415.15, issued 2026-03-02.
FEB = IssuedDocument("FX-2026-000001", "invoice", "acme", "2026-02", date(2026, 3, 2), D("1179.29"), D("235.86"),
                     D("1415.15"))
# March: 500.00 HT, 100.00 VAT, 600.00 TTC, issued 2026-04-02.
MAR = IssuedDocument("FX-2026-000002", "invoice", "acme", "2026-03", date(2026, 4, 2), D("500.00"), D("100.00"),
                     D("600.00"))
PAID_FEB = Receipt("acme", FEB.number, D("1415.15"), date(2026, 3, 30), "bank:VIR-1", True)


def fec_for(documents: list[IssuedDocument], receipts: list[Receipt]) -> tuple[FecLine, ...]:
    """The FEC lines the exporter writes: VE 411 debit TTC / 706 credit HT / 44571 credit VAT; BQ 512 / 411."""
    lines: list[FecLine] = []
    entry = 0
    for d in documents:
        entry += 1
        lines += [FecLine("VE", entry, d.issue_date, "411000", "ACME", d.number, "Facture", d.total_ttc, D(0),
                          d.issue_date),
                  FecLine("VE", entry, d.issue_date, "706000", "", d.number, "Facture", D(0), d.total_ht, d.issue_date),
                  FecLine("VE", entry, d.issue_date, "445710", "", d.number, "Facture", D(0), d.total_vat,
                          d.issue_date)]
    for r in receipts:
        entry += 1
        lines += [FecLine("BQ", entry, r.received_on, "512000", "", r.reference, "Règlement", r.amount, D(0),
                          r.received_on),
                  FecLine("BQ", entry, r.received_on, "411000", "ACME", r.reference, "Règlement", D(0), r.amount,
                          r.received_on)]
    return tuple(lines)


def world(receipts: tuple[Receipt, ...] = (PAID_FEB,), **changes: object) -> Snapshot:
    """Feb paid in full, March open: acme owes 600.00 whichever output is asked."""
    base = Snapshot(
        on=ON, documents=(FEB, MAR), closed_months=("2026-02", "2026-03"),
        service_periods=(ServicePeriod("acme", date(2026, 2, 10), None, False),),
        receipts=receipts, receivables={"acme": D("600.00")},
        fec={2026: fec_for([FEB, MAR], list(receipts))},
        workbook_payments=tuple(WorkbookPayment("acme", r.invoice, r.amount, r.reference) for r in receipts),
        workbook_balances={"acme": D("600.00")},
        stored_documents=(StoredDocument(FEB.number, "a" * 64, "a" * 64), StoredDocument(MAR.number, None, None,
                                                                                          ("BR-S-02",))),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def names(differences: list) -> list[str]:  # type: ignore[type-arg]
    return [d.invariant for d in differences]


def test_a_consistent_world_passes_every_invariant() -> None:
    result = check(world())
    assert result.ok, result.differences
    assert "read_models_match_rebuild" not in result.checked  # no rebuild was made
    assert result.as_dict() == {"ok": True, "checked": list(result.checked), "differences": []}


def test_a_gap_a_reused_number_and_a_number_out_of_date_order_are_each_found() -> None:
    third = replace(MAR, number="FX-2026-000004")  # 000003 missing
    assert names(numbering_gapless(world(documents=(FEB, third)))) == ["numbering_gapless"]
    twice = replace(MAR, number=FEB.number)
    assert "numbering_gapless" in names(numbering_gapless(world(documents=(FEB, twice))))
    earlier = replace(MAR, issue_date=date(2026, 3, 1))  # 000002 dated before 000001
    found = numbering_gapless(world(documents=(FEB, earlier)))
    assert [d.message for d in found] == ["FX-2026-000002 is dated before FX-2026-000001"]


def test_a_month_in_service_without_its_invoice_or_invoiced_twice_is_found() -> None:
    missing = service_months_invoiced_once(world(documents=(FEB,)))
    assert [(d.details["month"], d.details["invoices"]) for d in missing] == [("2026-03", 0)]
    again = replace(MAR, number="FX-2026-000003", month="2026-02")
    twice = service_months_invoiced_once(world(documents=(FEB, MAR, again)))
    assert [(d.details["month"], d.details["invoices"]) for d in twice] == [("2026-02", 2)]
    # A late-payment invoice carries the month of the latest invoice it charges: not a second invoice.
    late = replace(MAR, number="FX-2026-000003", late_payment=True)
    assert service_months_invoiced_once(world(documents=(FEB, MAR, late))) == []
    # April's close failed half way after acme's chunk: its invoice stays issued, April is not closed yet.
    april = replace(MAR, number="FX-2026-000003", month="2026-04", issue_date=date(2026, 5, 2))
    assert service_months_invoiced_once(world(documents=(FEB, MAR, april), months_being_closed=("2026-04",))) == []
    assert names(service_months_invoiced_once(world(documents=(FEB, MAR, april)))) == ["service_months_invoiced_once"]
    freemium = (ServicePeriod("acme", date(2026, 2, 10), None, True),)
    assert service_months_invoiced_once(world(documents=(), service_periods=freemium)) == []


def test_a_repeated_bank_reference_counted_twice_is_found() -> None:
    # The defect users found: one bank line booked again, 1,415.15 twice.
    twice = (PAID_FEB, PAID_FEB)
    found = bank_reference_counted_once(world(receipts=twice))
    assert [(d.details["reference"], d.details["times"]) for d in found] == [("bank:VIR-1", 2)]
    # One transfer of 2,015.15 paying February and March: one part on each invoice, counted once.
    both = (PAID_FEB, replace(PAID_FEB, invoice=MAR.number, amount=D("600.00")))
    assert bank_reference_counted_once(world(receipts=both)) == []
    # A receipt split into its applied part and its unapplied rest carries one reference twice: fine.
    split = (PAID_FEB, Receipt("acme", FEB.number, D("10.00"), date(2026, 3, 30), "bank:VIR-1", False))
    assert bank_reference_counted_once(world(receipts=split)) == []


def test_the_bank_journal_and_the_workbook_payment_sheet_must_say_the_same() -> None:
    # FEC 512 debits 1,415.15; the sheet lists it twice: 2,830.30.
    sheet = (WorkbookPayment("acme", FEB.number, D("1415.15"), "bank:VIR-1"),) * 2
    found = bank_journal_matches_workbook(world(workbook_payments=sheet))
    assert [(d.details["fec"], d.details["workbook"]) for d in found] == [("1415.15", "2830.30")]


def test_an_unbalanced_fec_entry_is_found() -> None:
    lines = list(fec_for([FEB], []))
    lines[1] = replace(lines[1], credit=D("1179.28"))  # 1415.15 − 1179.28 − 235.86 = 0.01
    found = fec_entries_balanced(world(fec={2026: tuple(lines)}))
    assert [d.details["difference"] for d in found] == ["0.01"]


def test_an_exported_fec_entry_renumbered_in_a_later_export_is_found() -> None:
    before = fec_for([FEB], [PAID_FEB])
    # A payment dated 2026-03-01 recorded later is numbered 2 and pushes the February payment to 3.
    early = Receipt("acme", MAR.number, D("1.00"), date(2026, 3, 1), "VIR-0", True)
    now = fec_for([FEB], [early, PAID_FEB])
    found = fec_entries_kept(world(previous_fec={2026: before}, fec={2026: now}))
    assert [d.details["entry"] for d in found] == [2]
    assert fec_entries_kept(world(previous_fec={2026: before}, fec={2026: fec_for([FEB], [PAID_FEB, early])})) == []


def test_balances_disagreeing_between_fec_receivables_and_workbook_are_found() -> None:
    # Receivables forget March: 0.00 against 600.00 in the workbook and on the invoices.
    found = balances_agree(world(receivables={}))
    assert [(d.details["receivables"], d.details["workbook"], d.details["invoices"]) for d in found] == [
        ("0.00", "600.00", "600.00")]
    # The FEC misses the February payment: 411 at 2015.15, the ledger's sum 600.00.
    found = balances_agree(world(fec={2026: fec_for([FEB, MAR], [])}))
    assert [(d.details["fec_411"], d.details["ledger"]) for d in found] == [("2015.15", "600.00")]
    # Unapplied credit of 10.00: the FEC's 411 is 590.00 (as the ledger), receivables still 600.00 (per invoice).
    rest = Receipt("acme", FEB.number, D("10.00"), date(2026, 3, 30), "bank:VIR-1", False)
    receipts = (PAID_FEB, rest)
    assert balances_agree(world(receipts=receipts, fec={2026: fec_for([FEB, MAR], list(receipts))})) == []
    # February credited 120.00 TTC after it was paid: acme is owed 120.00 on it, receivables show March only.
    credit = IssuedDocument("AV-2026-000001", "credit_note", "acme", "2026-04", date(2026, 4, 10), D("-100.00"),
                            D("-20.00"), D("-120.00"), FEB.number)
    documents = (FEB, MAR, credit)
    assert balances_agree(world(documents=documents, fec={2026: fec_for(list(documents), [PAID_FEB])})) == []


def test_allocations_beyond_what_an_invoice_owes_or_beyond_the_bank_are_found() -> None:
    over = (replace(PAID_FEB, amount=D("1500.00")),)
    found = receipts_fully_allocated(world(receipts=over, fec={2026: fec_for([FEB, MAR], list(over))}))
    assert [d.message for d in found] == ["FX-2026-000001 is allocated 1500.00 but owed only 1415.15 when it was paid"]
    # February credited 120.00 TTC (AV-2026-000001): issued after its payment of 30 March, the credit
    # leaves acme a credit of 120.00 and the 1415.15 applied stays right; issued before it, February
    # owed 1415.15 - 120.00 = 1295.15 when it was paid, so 1415.15 applied is 120.00 too much.
    after = IssuedDocument("AV-2026-000001", "credit_note", "acme", "2026-04", date(2026, 4, 10), D("-100.00"),
                           D("-20.00"), D("-120.00"), FEB.number)
    before = replace(after, month="2026-03", issue_date=date(2026, 3, 20))
    assert receipts_fully_allocated(world(documents=(FEB, MAR, after))) == []
    found = receipts_fully_allocated(world(documents=(FEB, MAR, before)))
    assert [(d.details["allocated"], d.details["owed"]) for d in found] == [("1415.15", "1295.15")]
    # The bank journal shows nothing received while an allocation of 1415.15 is recorded.
    found = receipts_fully_allocated(world(fec={2026: fec_for([FEB, MAR], [])}))
    assert [(d.details["allocated"], d.details["received"]) for d in found] == [("1415.15", "0.00")]


def test_a_sepa_file_collecting_a_paid_or_disputed_invoice_is_found() -> None:
    paid = SepaDebit("f.xml", date(2026, 4, 5), date(2026, 4, 10), FEB.number, "acme", D("1415.15"))
    found = sepa_never_collects_settled(world(sepa_debits=(paid,)))
    assert [(d.details["amount"], d.details["owed"]) for d in found] == [("1415.15", "0.00")]
    open_march = SepaDebit("f.xml", date(2026, 4, 5), date(2026, 4, 10), MAR.number, "acme", D("600.00"))
    assert sepa_never_collects_settled(world(sepa_debits=(open_march,))) == []
    disputed = (Dispute(MAR.number, datetime(2026, 4, 3, 10, 0), True, None),)
    found = sepa_never_collects_settled(world(sepa_debits=(open_march,), disputes=disputed))
    assert [d.message for d in found] == ["f.xml collects FX-2026-000002, under an open dispute"]


def test_a_document_missing_or_not_matching_its_hash_is_found() -> None:
    tampered = (StoredDocument(FEB.number, "a" * 64, "b" * 64), StoredDocument(MAR.number, None, None, ("BR-S-02",)))
    assert [d.details["number"] for d in documents_stored(world(stored_documents=tampered))] == [FEB.number]
    pending = (StoredDocument(FEB.number, "a" * 64, "a" * 64),)
    assert [d.details["number"] for d in documents_stored(world(stored_documents=pending))] == [MAR.number]
    assert documents_stored(world(stored_documents=pending, pending_documents_allowed=True)) == []


def test_penalty_credits_beyond_the_payments_of_their_window_are_found() -> None:
    # §6: 1415.15 TTC paid on 2026-03-30 for 1179.29 HT: HT value 1179.29; credits in the window of
    # 2026-04-15 ([2025-10-15, 2026-04-15]): 1000.00 + 200.00 = 1200.00 > 1179.29.
    grants = (PenaltyGrant("acme", date(2026, 4, 1), D("1000.00")), PenaltyGrant("acme", date(2026, 4, 15), D("200.00")))
    found = penalty_cap_every_window(world(penalty_grants=grants))
    assert [(d.details["window_end"], d.details["credits"], d.details["cap"]) for d in found] == [
        ("2026-04-15", "1200.00", "1179.29")]
    assert penalty_cap_every_window(world(penalty_grants=grants[:1])) == []
