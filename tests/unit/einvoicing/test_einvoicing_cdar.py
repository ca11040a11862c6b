"""CDAR lifecycle messages: every official example of XP Z12-012 parses, and bad messages are refused."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from support.standards import cdar_examples, standards_dir

from einvoicing.cdar import SCHEMA_DIR, CdarError, parse_cdar, parse_date_time, validate_cdar
from einvoicing.lifecycle import LifecycleStatus
from ledger.money import Money

PARIS = ZoneInfo("Europe/Paris")


def _example(fragment: str) -> bytes:
    (path,) = [p for p in cdar_examples() if p.name.endswith(fragment)]
    return path.read_bytes()


def test_the_packaged_schemas_are_the_published_ones_byte_for_byte() -> None:
    published = sorted((standards_dir() / "cdar-d22b").glob("*.xsd"))
    ours = sorted(SCHEMA_DIR.glob("*.xsd"))
    assert [p.name for p in ours] == [p.name for p in published]
    for mine, theirs in zip(ours, published, strict=True):
        assert hashlib.sha256(mine.read_bytes()).digest() == hashlib.sha256(theirs.read_bytes()).digest(), mine.name
    assert (SCHEMA_DIR / "NOTICE.md").is_file()


@pytest.mark.parametrize("path", cdar_examples(), ids=lambda p: p.name)
def test_every_official_example_parses(path: object) -> None:
    message = parse_cdar(path.read_bytes())  # type: ignore[attr-defined]
    assert len(message.statuses) == 1
    status = message.status
    assert status.invoice_number == "F202500003"  # UC1 is one invoice through its lifecycle
    assert status.status is not None and status.label == status.status.label
    assert status.invoice_date == date(2025, 7, 1)
    assert status.seller is not None and status.seller.siren == "100000009"
    assert status.at.tzinfo is not None


def test_nine_examples_are_present() -> None:
    assert len(cdar_examples()) == 9  # 7 statuses, two of them also in their form for the PPF


def test_the_deposee_of_the_transmission_phase() -> None:
    message = parse_cdar(_example("01-CDV-200_Deposee.xml"))
    status = message.status
    assert status.code == "200" and status.status is LifecycleStatus.DEPOSEE and status.label == "Déposée"
    assert status.acknowledgement_type == "305" and status.document_status_code == "10"
    # MDT-78 20250701151000, French time in July: UTC+2.
    assert status.at == datetime(2025, 7, 1, 15, 10, 0, tzinfo=PARIS)
    assert status.at.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]
    assert status.reason_codes == () and status.amounts == ()


def test_the_encaissee_carries_the_amount_collected_at_its_vat_rate() -> None:
    message = parse_cdar(_example("07-CDV-212_Encaissee.xml"))
    assert message.message_id == "F202500003_212_20250701151000#380_20250701"
    assert message.created_at == datetime(2025, 8, 2, 10, 5, 0, tzinfo=PARIS)  # MDT-8 20250802100500
    assert message.business_process == "REGULATED"
    assert message.guideline == "urn.cpro.gouv.fr:1p0:CDV:invoice"
    assert message.issuer is not None and message.issuer.siren == "100000009" and message.issuer.role == "SE"
    assert [(r.siren, r.role) for r in message.recipients] == [("200000008", "BY"), (None, "DFH")]
    assert message.recipients[0].electronic_address is not None
    assert message.recipients[0].electronic_address.value == "200000008"
    status = message.status
    assert status.status is LifecycleStatus.ENCAISSEE
    assert status.at == datetime(2025, 8, 2, 10, 0, 0, tzinfo=PARIS)  # MDT-78 20250802100000
    assert status.received_at == datetime(2025, 7, 1, 15, 10, 0, tzinfo=PARIS)  # MDT-95
    (collected,) = status.amounts
    # MEN 12000 EUR at 20.00 %: the example's 10,000 HT invoice, 10,000 x 1.20 = 12,000 TTC collected.
    assert collected.type_code == "MEN"
    assert collected.amount == Money.of("12000") and collected.currency == "EUR"
    assert collected.percent == Decimal("20.00") and collected.changed is False


def test_the_paiement_transmis_carries_the_amount_and_its_date() -> None:
    status = parse_cdar(_example("06-CDV-211_Paiement_transmis.xml")).status
    (paid,) = status.amounts
    assert (paid.type_code, paid.amount, paid.value_date) == ("MPA", Money.of("12000"), date(2025, 7, 30))
    assert paid.percent is None


def test_the_ppf_form_of_the_encaissee_names_the_platform_as_sender() -> None:
    message = parse_cdar(_example("07-CDV-212_Encaissee_POUR_PPF.xml"))
    assert message.guideline == "urn.cpro.gouv.fr:1p0:CDV:einvoicingF2"
    assert message.sender is not None and message.sender.name == "PA-E Vendeur"
    assert message.status.amounts[0].amount == Money.of("12000")


def _with_status(code: str, label: str, details: str) -> bytes:
    """The official 205 Approuvée turned into another status of ours, with a reason block (MDG-37)."""
    xml = _example("05-CDV-205_Approuvee.xml").decode("utf-8-sig")
    xml = xml.replace("<ram:ProcessConditionCode>205</ram:ProcessConditionCode>",
                      f"<ram:ProcessConditionCode>{code}</ram:ProcessConditionCode>")
    xml = xml.replace("<ram:ProcessCondition>Approuvée</ram:ProcessCondition>",
                      f"<ram:ProcessCondition>{label}</ram:ProcessCondition>")
    end = "</ram:ReferenceReferencedDocument>"
    assert xml.count(end) == 1
    return xml.replace(end, details + end).encode()


REASON = """<ram:SpecifiedDocumentStatus>
  <ram:ReasonCode>TX_TVA_ERR</ram:ReasonCode><ram:Reason>Taux de TVA erroné</ram:Reason>
  <ram:RequestedActionCode>NIN</ram:RequestedActionCode>
  <ram:RequestedAction>Créer une facture rectificative</ram:RequestedAction>
  <ram:SequenceNumeric>1</ram:SequenceNumeric>
  <ram:SpecifiedDocumentCharacteristic><ram:ID>BT-152</ram:ID><ram:TypeCode>DIV</ram:TypeCode>
    <ram:ValuePercent>10.00</ram:ValuePercent></ram:SpecifiedDocumentCharacteristic>
</ram:SpecifiedDocumentStatus>
<ram:SpecifiedDocumentStatus>
  <ram:ReasonCode>MONTANTTOTAL_ERR</ram:ReasonCode><ram:Reason>Total faux</ram:Reason>
  <ram:SequenceNumeric>2</ram:SequenceNumeric>
</ram:SpecifiedDocumentStatus>"""


def test_a_dispute_gives_its_reason_codes_and_texts() -> None:
    status = parse_cdar(_with_status("207", "En_litige", REASON)).status
    assert status.status is LifecycleStatus.EN_LITIGE and status.label == "En litige"
    assert status.reason_codes == ("TX_TVA_ERR", "MONTANTTOTAL_ERR")
    assert status.reason_texts == ("Taux de TVA erroné", "Total faux")
    assert status.details[0].action_code == "NIN" and status.details[0].sequence == 1
    assert status.details[0].characteristics[0].percent == Decimal("10.00")
    assert status.amounts == ()  # a percentage at fault is not an amount


def test_a_code_outside_the_list_keeps_the_label_the_message_gives() -> None:
    status = parse_cdar(_with_status("299", "Bilatéral", "")).status
    assert status.code == "299" and status.status is None and status.label == "Bilatéral"


def test_a_code_of_the_list_without_a_label_of_ours_shows_the_message_label() -> None:
    status = parse_cdar(_with_status("209", "Complétée", "")).status
    assert status.status is LifecycleStatus.STATUS_209 and status.label == "Complétée"


def test_not_xml_is_refused() -> None:
    with pytest.raises(CdarError, match="well-formed"):
        parse_cdar(b"<rsm:CrossDomain")


def test_another_document_is_refused_by_the_schema() -> None:
    with pytest.raises(CdarError) as caught:
        parse_cdar(b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')
    assert caught.value.problems


def test_a_message_missing_a_required_block_is_refused_by_the_schema() -> None:
    xml = _example("05-CDV-205_Approuvee.xml").decode("utf-8-sig")
    start, end = xml.index("<rsm:ExchangedDocument>"), xml.index("</rsm:ExchangedDocument>")
    broken = (xml[:start] + xml[end + len("</rsm:ExchangedDocument>"):]).encode()
    with pytest.raises(CdarError, match=r"AcknowledgementDocument|ExchangedDocument"):
        parse_cdar(broken)


def test_an_amount_that_is_not_a_decimal_is_refused_by_the_schema() -> None:
    xml = _example("07-CDV-212_Encaissee.xml").replace(b">12000</ram:ValueAmount>", b">12 000</ram:ValueAmount>")
    with pytest.raises(CdarError):
        parse_cdar(xml)


def test_entities_are_never_expanded() -> None:
    xml = _example("05-CDV-205_Approuvee.xml").decode("utf-8-sig")
    xml = xml.replace('<?xml version="1.0" encoding="UTF-8"?>',
                      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    xml = xml.replace("<ram:IssuerAssignedID>F202500003<", "<ram:IssuerAssignedID>&x;<")
    with pytest.raises(CdarError):
        parse_cdar(xml.encode())


def test_an_oversized_message_is_refused_before_parsing() -> None:
    with pytest.raises(CdarError, match="bytes"):
        validate_cdar(b" " * (1024 * 1024 + 1))


def test_date_time_formats() -> None:
    assert parse_date_time("20250101093000", "204") == datetime(2025, 1, 1, 9, 30, tzinfo=PARIS)
    assert parse_date_time("202501010930", "203") == datetime(2025, 1, 1, 9, 30, tzinfo=PARIS)
    assert parse_date_time("202501010930+0100", "205").utcoffset().total_seconds() == 3600  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        parse_date_time("2025-01-01", "102")
    with pytest.raises(ValueError):
        parse_date_time("20250101", "999")


def test_a_status_sent_again_in_another_message_is_the_same_fact() -> None:
    first = parse_cdar(_example("07-CDV-212_Encaissee.xml")).status
    again = parse_cdar(_example("07-CDV-212_Encaissee_POUR_PPF.xml")).status  # another message id, same status
    assert first.fact_key == again.fact_key == "F202500003|212|2025-08-02T10:00:00+02:00"
    other = parse_cdar(_example("06-CDV-211_Paiement_transmis.xml")).status
    assert other.fact_key != first.fact_key
