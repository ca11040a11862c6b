"""The lifecycle status codes: the list of BR-FR-CDV-CL-06 and the labels the official examples print."""

from __future__ import annotations

import pytest
from support.standards import cdar_examples

from einvoicing.cdar import parse_cdar
from einvoicing.lifecycle import LifecycleEffect, LifecycleStatus

# BR-FR-CDV-CL-06 (BR-FR-CDV-Schematron-CDAR_V1.4.0.04), copied from the rule's code list.
CL_06 = (
    "200 201 202 203 204 205 206 207 208 209 210 211 212 213 214"
    " 220 221 224 225 226 227 228 250 251 300 301 400 401 500 501 601"
)


def test_the_enum_is_exactly_the_closed_list_of_br_fr_cdv_cl_06() -> None:
    assert [s.code for s in LifecycleStatus] == CL_06.split()


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("200", "Déposée"),
        ("206", "Approuvée partiellement"),
        ("207", "En litige"),
        ("208", "Suspendue"),
        ("210", "Refusée"),
        ("212", "Encaissée"),
        ("213", "Rejetée"),
        ("221", "Erreur de routage"),
        ("501", "Irrecevable"),
    ],
)
def test_labels_named_by_the_french_rules(code: str, label: str) -> None:
    assert LifecycleStatus(code).label == label


def test_each_official_example_prints_our_label_for_its_code() -> None:
    """The examples write MDT-106 with underscores for spaces ("Paiement_transmis")."""
    seen = {}
    for path in cdar_examples():
        status = parse_cdar(path.read_bytes()).status
        seen[status.code] = status.message_label
    assert sorted(seen) == ["200", "202", "203", "204", "205", "211", "212"]
    for code, written in seen.items():
        ours = LifecycleStatus(code).label
        assert ours is not None
        assert written is not None
        assert written.replace("_", " ").lower() == ours.lower(), (code, written, ours)


def test_codes_without_a_label_in_the_sources_have_none_rather_than_a_guess() -> None:
    unlabelled = {s.code for s in LifecycleStatus if s.label is None}
    assert unlabelled == {"201", "209", "214", "220", "224", "225", "226", "227", "228", "250", "251",
                          "300", "301", "400", "401", "500", "601"}


def test_a_code_outside_the_list_is_kept_unknown_not_refused() -> None:
    assert LifecycleStatus.of("299") is None
    assert LifecycleStatus.of(" 212 ") is LifecycleStatus.ENCAISSEE


def test_statuses_that_need_a_reason_per_br_fr_cdv_15() -> None:
    assert {s.code for s in LifecycleStatus if s.requires_reason} == {"206", "207", "208", "210", "213", "501"}


def test_what_each_status_sets_off() -> None:
    assert LifecycleStatus.REJETEE.effect is LifecycleEffect.CORRECT_AND_RESEND
    assert LifecycleStatus.REFUSEE.effect is LifecycleEffect.OPEN_DISPUTE
    assert LifecycleStatus.EN_LITIGE.effect is LifecycleEffect.OPEN_DISPUTE
    others = {s.effect for s in LifecycleStatus} - {LifecycleEffect.CORRECT_AND_RESEND, LifecycleEffect.OPEN_DISPUTE}
    assert others == {LifecycleEffect.RECORD}
    assert [s.code for s in LifecycleStatus if s.effect is not LifecycleEffect.RECORD] == ["207", "210", "213"]
