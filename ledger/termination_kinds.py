"""Kinds of termination: who initiated it, why, and the indemnity each implies (BILLING_RULES §9, art. 14).

- by the customer at the end of a period (``customer``/``notice``, not early): no indemnity;
- early, by the customer, whatever the reason (``customer``/``notice`` early): the indemnity, the
  monthly fees still due for the current period;
- early, by FLEXIO for the customer's breach (``flexio``/``breach``): the same indemnity;
- early, by common agreement after 30 consecutive days of interruption attributable only to FLEXIO
  (``interruption``, either side): no indemnity;
- freemium, by FLEXIO, 7 days after an unanswered formal notice (``flexio``/``freemium_notice``):
  immediate, no indemnity.
FLEXIO giving notice at the end of a period (``flexio``/``notice``, not early) owes nothing either;
FLEXIO cannot end a contract early for no reason (422).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.contract_terms import TerminationOutcome, period_containing, termination_effective_end
from ledger.errors import InvalidInput

INITIATORS = ("customer", "flexio")
REASONS = ("notice", "breach", "interruption", "freemium_notice")


@dataclass(frozen=True, slots=True)
class TerminationKind:
    outcome: TerminationOutcome
    owes_indemnity: bool  # art. 14: the monthly fees still due for the current period


def _immediate_end(notified_on: date, requested_end: date | None) -> date:
    if requested_end is not None and requested_end < notified_on:
        raise InvalidInput("the requested end cannot be before the notice", field="requested_end")
    return notified_on if requested_end is None else requested_end


def termination_kind(
    service_start: date,
    notified_on: date,
    requested_end: date | None,
    initiated_by: str,
    reason: str,
    freemium: bool,
) -> TerminationKind:
    """The end date, whether it is early, and whether the indemnity is owed, for one kind (§9)."""
    if initiated_by not in INITIATORS:
        raise InvalidInput(f"initiated_by must be one of {', '.join(INITIATORS)}", field="initiated_by")
    if reason not in REASONS:
        raise InvalidInput(f"reason must be one of {', '.join(REASONS)}", field="reason")
    by_notice = termination_effective_end(service_start, notified_on, requested_end)
    if reason == "notice":
        if initiated_by == "flexio" and by_notice.early:
            raise InvalidInput(
                "FLEXIO ends a contract early only for the customer's breach, by agreement after an"
                " interruption, or for a freemium account after a formal notice",
                field="reason",
            )
        return TerminationKind(by_notice, owes_indemnity=by_notice.early and not freemium)
    if reason == "freemium_notice":
        if initiated_by != "flexio":
            raise InvalidInput("a freemium termination after a formal notice is FLEXIO's", field="initiated_by")
        if not freemium:
            raise InvalidInput("freemium_notice applies to freemium accounts only", field="reason")
    if reason == "breach" and initiated_by != "flexio":
        raise InvalidInput("a termination for the customer's breach is FLEXIO's", field="initiated_by")
    end = _immediate_end(notified_on, requested_end)
    _, period_end = period_containing(service_start, max(end, service_start))
    # breach: "the monthly fees still due for the current period" (art. 14), up to the period's end.
    normal_end = period_end if reason == "breach" else by_notice.normal_end
    outcome = TerminationOutcome(effective_end=end, normal_end=max(normal_end, end), early=end < normal_end)
    return TerminationKind(outcome, owes_indemnity=reason == "breach" and outcome.early and not freemium)
