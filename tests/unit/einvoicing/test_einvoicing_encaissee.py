"""Our 212 Encaissée: valid against the CDAR schema (ours and the published one), shaped like the official 212."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from lxml import etree
from support.standards import cdar_examples, standards_dir

from einvoicing.cdar import (
    NSMAP,
    CollectedAtRate,
    Encaissee,
    PartyId,
    TradeParty,
    build_encaissee,
    parse_cdar,
)
from einvoicing.lifecycle import LifecycleStatus
from ledger.money import Money

PARIS = ZoneInfo("Europe/Paris")

SELLER = TradeParty(ids=(PartyId("820015006", "0002"),), name="FLEXIO SAS")
BUYER = TradeParty(
    ids=(PartyId("200000008", "0002"),), name="ACHETEUR", electronic_address=PartyId("200000008", "0225")
)
PPF = TradeParty(ids=(PartyId("9998", "0238"),), name="PPF")


def _encaissee(**overrides: object) -> Encaissee:
    values: dict[str, object] = {
        "invoice_number": "FX-2026-000042",
        "invoice_date": date(2026, 3, 1),
        "deposited_at": datetime(2026, 3, 1, 9, 0, 0, tzinfo=PARIS),
        "collected_at": datetime(2026, 3, 28, 14, 30, 0, tzinfo=PARIS),
        "created_at": datetime(2026, 3, 28, 14, 31, 5, tzinfo=PARIS),
        "seller": SELLER,
        "buyer": BUYER,
        # Two rates: 1,000.00 HT at 20 % = 1,200.00 TTC, and 100.00 HT at 5.5 % = 105.50 TTC.
        "collected": (
            CollectedAtRate(rate=Decimal("5.5"), amount=Money.of("105.50")),
            CollectedAtRate(rate=Decimal("20"), amount=Money.of("1200.00")),
        ),
        "tax_platform": PPF,
    }
    values.update(overrides)
    return Encaissee(**values)  # type: ignore[arg-type]


def _published_schema() -> etree.XMLSchema:
    main = standards_dir() / "cdar-d22b" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
    return etree.XMLSchema(etree.parse(str(main)))


def test_the_encaissee_validates_against_the_published_schema() -> None:
    xml = build_encaissee(_encaissee())
    schema = _published_schema()
    assert schema.validate(etree.fromstring(xml)), schema.error_log


def test_it_reads_back_as_the_amounts_collected_per_rate() -> None:
    status = parse_cdar(build_encaissee(_encaissee())).status
    assert status.status is LifecycleStatus.ENCAISSEE and status.label == "Encaissée"
    assert status.invoice_number == "FX-2026-000042" and status.invoice_type_code == "380"
    assert status.at == datetime(2026, 3, 28, 14, 30, 0, tzinfo=PARIS)
    assert status.received_at == datetime(2026, 3, 1, 9, 0, 0, tzinfo=PARIS)
    assert status.invoice_date == date(2026, 3, 1)
    assert [(c.type_code, c.percent, c.amount, c.currency) for c in status.amounts] == [
        ("MEN", Decimal("20.00"), Money.of("1200.00"), "EUR"),
        ("MEN", Decimal("5.50"), Money.of("105.50"), "EUR"),
    ]
    assert status.details[0].sequence == 1


def test_its_message_id_follows_the_official_pattern() -> None:
    message = parse_cdar(build_encaissee(_encaissee()))
    # The example: F202500003_212_20250701151000#380_20250701 (number, status, Déposée at, type, invoice date).
    assert message.message_id == "FX-2026-000042_212_20260301090000#380_20260301"


def _shape(xml: bytes) -> list[str]:
    """The element paths of a message, in order, without repeats: its shape, whatever its values."""
    root = etree.fromstring(xml)
    tree = root.getroottree()
    prefixes = {v: k for k, v in NSMAP.items()}
    paths: list[str] = []
    for el in root.iter(etree.Element):
        path = tree.getpath(el)
        for uri, prefix in prefixes.items():
            path = path.replace("{" + uri + "}", prefix + ":")
        clean = "/".join(part.split("[")[0] for part in path.split("/"))
        if clean not in paths:
            paths.append(clean)
    return paths


def test_it_has_the_shape_of_the_official_212() -> None:
    (official,) = [p for p in cdar_examples() if p.name.endswith("07-CDV-212_Encaissee.xml")]
    expected = _shape(official.read_bytes())
    ours = _shape(build_encaissee(_encaissee()))
    # The only element we add is SequenceNumeric (MDT-124-2), which BR-FR-CDV-16 (V1.4.0.04) requires.
    sequence = (
        "/rsm:CrossDomainAcknowledgementAndResponse/rsm:AcknowledgementDocument"
        "/ram:ReferenceReferencedDocument/ram:SpecifiedDocumentStatus/ram:SequenceNumeric"
    )
    assert [p for p in ours if p != sequence] == expected


def test_without_the_tax_platform_the_buyer_is_the_only_recipient() -> None:
    message = parse_cdar(build_encaissee(_encaissee(tax_platform=None)))
    assert [r.role for r in message.recipients] == ["BY"]


def test_the_same_payment_gives_the_same_message() -> None:
    assert build_encaissee(_encaissee()) == build_encaissee(_encaissee())


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"collected": ()}, "at least one amount"),
        ({"collected": (CollectedAtRate(Decimal("20"), Money.of("1")), CollectedAtRate(Decimal("20.00"), Money.of("2")))},
         "one amount per VAT rate"),
        ({"collected": (CollectedAtRate(Decimal("20"), Money.of("10.005")),)}, "to the cent"),
        ({"collected": (CollectedAtRate(Decimal("20.125"), Money.of("10")),)}, "2 decimals"),
        ({"seller": TradeParty(name="no SIREN")}, "SIREN"),
        ({"buyer": TradeParty(ids=(PartyId("200000008", "0002"),))}, "electronic address"),
    ],
)
def test_what_an_encaissee_cannot_say(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        build_encaissee(_encaissee(**overrides))
