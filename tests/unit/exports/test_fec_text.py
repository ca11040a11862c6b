"""FEC text fields are never read as formulas (issue 17 item 7e): pure, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from exports.fec import BankMove, SaleDocument, check_fec, fec_lines, write_fec


def test_text_fields_starting_with_a_formula_character_are_neutralised() -> None:
    hostile = "=HYPERLINK(\"http://x.example\",\"clic\")"
    doc = SaleDocument("FX-2026-000001", "acme", hostile, date(2026, 3, 2), Decimal("100.00"), Decimal("20.00"),
                       Decimal("120.00"))
    moves = [
        BankMove(date(2026, 3, 10), "acme", hostile, "FX-2026-000001", Decimal("60.00"), "+33 CALL"),
        BankMove(date(2026, 3, 11), "acme", hostile, "FX-2026-000001", Decimal("50.00"), "-2+3"),
        BankMove(date(2026, 3, 12), "acme", hostile, "FX-2026-000001", Decimal("10.00"), "@SUM(A1)"),
    ]
    content = write_fec(fec_lines([doc], moves))
    assert check_fec(content, 2026) == []
    rows = [line.split("\t") for line in content.decode("iso-8859-15").split("\r\n")[1:] if line]
    customer_lines = [r for r in rows if r[4] == "411000"]
    assert {r[7] for r in customer_lines} == {"'" + hostile}  # CompAuxLib
    assert [r[8] for r in rows if r[0] == "BQ" and r[4] == "512000"] == ["'+33 CALL", "'-2+3", "'@SUM(A1)"]  # PieceRef
    for row in rows:  # no text column of any line starts a formula
        for column in (1, 5, 7, 8, 10):
            assert not row[column].startswith(("=", "+", "-", "@")), row
    # An ordinary text is left as it is.
    plain = write_fec(fec_lines([SaleDocument("FX-2026-000002", "beta", "Béta SARL", date(2026, 3, 2),
                                              Decimal("1.00"), Decimal("0.20"), Decimal("1.20"))], []))
    assert "\tBéta SARL\t" in plain.decode("iso-8859-15")
