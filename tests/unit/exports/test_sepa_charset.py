"""SEPA text in the EPC basic Latin set (issue 19.2): every text node of a pain.008, on European names.

The checks are ours only in what they require: the set is written here from the EPC's "SEPA
requirements for an extended character set" (EPC217-08: a-z A-Z 0-9 / - ? : ( ) . , ' + and space),
and the file is validated by libxml2 (lxml) against the pain.008.001.08 XSD sepaxml bundles, not by
sepaxml's own check.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
from lxml import etree

from exports.sepa import DebitCandidate, check_creditor, select_debits, sepa_text, structured_address, write_pain008
from ledger.errors import InvalidInput

EPC_BASIC_LATIN = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")
XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.08.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}
IBAN = "FR7630006000011234567890189"

# (name as the customer wrote it, street, town, the name as the bank must receive it)
NAMES = [
    ("Société Générale & Cie « Œuvres »", "12 rue de l'Église", "Besançon", "Societe Generale + Cie OEuvres"),
    ("Müller & Söhne GmbH", "3 Straße des 17. Juni", "Köln", "Muller + Sohne GmbH"),
    ("Łukasz Żółć Sp. z o.o.", "7 ulica Świętokrzyska", "Łódź", "Lukasz Zolc Sp. z o.o."),
    ("Dvořák a synové s.r.o.", "5 Náměstí Míru", "Plzeň", "Dvorak a synove s.r.o."),
    ("Ærøskøbing Ølbryggeri ApS", "9 Søndergade", "Ærøskøbing", "AEroskobing Olbryggeri ApS"),
    ("Åsa Löfgren AB", "1 Götgatan", "Göteborg", "Asa Lofgren AB"),
    ("Þórður Guðmundsson ehf.", "4 Laugavegur", "Reykjavík", "Thordur Gudmundsson ehf."),
    ("Παπαδόπουλος Α.Ε.", "10 Οδός Ερμού", "Αθήνα", "Papadopoulos A.E."),
    ("O'Brien & Ó Súilleabháin Ltd", "2 Sráid na Siopaí", "Baile Átha Cliath", "O'Brien + O Suilleabhain Ltd"),
    ('"Le Petit Café" SARL_2026 n° 5', "8bis Place d’Armes", "Saint-Étienne", "Le Petit Cafe SARL-2026 no 5"),
    ("Straßenbahn-Großhandel " * 5, "1 A", "Wien", None),  # 115 letters: cut at 70 after transliteration
]


def candidate(n: int, name: str, street: str, town: str) -> DebitCandidate:
    return DebitCandidate(
        invoice=f"FX-2026-{n:06d}", account=f"acct{n}", debtor_name=name,
        debtor_address=structured_address(street, "25000", town, "FR"), mandate_reference=f"RUM-{n}",
        mandate_signed_on=date(2026, 2, 1), iban=IBAN, bic=None, issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1), total_ttc=Decimal("100.00"), paid=Decimal(0), credited=Decimal(0),
        status="issued")


def written() -> bytes:
    creditor = check_creditor("FLEXIO SAS — Facturation « Pro »", "FR72ZZZ123456", IBAN, "AGRIFRPP",
                              structured_address("18 rue Alain Savary", "25000", "Besançon", "FR"))
    rows = [candidate(n, name, street, town) for n, (name, street, town, _) in enumerate(NAMES, start=1)]
    selection = select_debits(rows, date(2026, 4, 1), set(), set())
    return write_pain008(creditor, selection.debits, date(2026, 4, 1), "CORE", "pain.008.001.08",
                         datetime(2026, 3, 30, 9, 0))


def test_every_text_node_of_the_file_is_in_the_epc_basic_latin_set_and_the_xsd_holds() -> None:
    content = written()
    root = etree.fromstring(content)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    schema.assertValid(root)
    texts = [node.text for node in root.iter() if isinstance(node.tag, str) and node.text and node.text.strip()]
    assert texts and all(EPC_BASIC_LATIN.fullmatch(text) for text in texts), [
        t for t in texts if not EPC_BASIC_LATIN.fullmatch(t)]
    names = [n.text for n in root.iterfind(".//p:DrctDbtTxInf/p:Dbtr/p:Nm", NS)]
    assert names[:-1] == [expected for *_, expected in NAMES[:-1]]
    assert len(names[-1]) == 70 and names[-1].startswith("Strassenbahn-Grosshandel Strassenbahn")
    assert root.findtext(".//p:Cdtr/p:Nm", namespaces=NS) == "FLEXIO SAS - Facturation Pro"
    towns = [n.text for n in root.iterfind(".//p:DrctDbtTxInf/p:Dbtr/p:PstlAdr/p:TwnNm", NS)]
    assert towns[:4] == ["Besancon", "Koln", "Lodz", "Plzen"] and towns[7] == "Athena"  # text-unidecode reads η as e
    streets = [n.text for n in root.iterfind(".//p:DrctDbtTxInf/p:Dbtr/p:PstlAdr/p:StrtNm", NS)]
    assert streets[1] == "Strasse des 17. Juni" and streets[9] == "Place d'Armes"


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("Œ", 70, "OE"), ("ß", 70, "ss"), ("«Zoé»", 70, "Zoe"), ("A & B", 70, "A + B"), ("ä", 70, "a"),
    ("ø", 70, "o"), ("Ł", 70, "L"), ('say "hi"', 70, "say hi"), ("Éléonore", 4, "Eleo"), ("ŒŒŒ", 4, "OEOE"),
    ("a  \t b", 70, "a b"), ("x " + "y" * 69, 70, "x " + "y" * 68),
])
def test_text_is_transliterated_then_cut_to_the_field(text: str, limit: int, expected: str) -> None:
    assert sepa_text(text, limit) == expected


def test_a_mandate_reference_outside_the_set_is_refused_not_rewritten() -> None:
    creditor = check_creditor("FLEXIO SAS", "FR72ZZZ123456", IBAN, "", structured_address("1 rue X", "25000", "B", "FR"))
    row = candidate(1, "ACME", "1 rue X", "Besançon")
    row = DebitCandidate(**{**{f: getattr(row, f) for f in row.__dataclass_fields__}, "mandate_reference": "RUM_ÉTÉ"})
    selection = select_debits([row], date(2026, 4, 1), set(), set())
    with pytest.raises(InvalidInput, match="mandate reference 'RUM_ÉTÉ' is outside the SEPA character set"):
        write_pain008(creditor, selection.debits, date(2026, 4, 1), "CORE", "pain.008.001.08",
                      datetime(2026, 3, 30, 9, 0))
