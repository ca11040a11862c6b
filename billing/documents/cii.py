"""The Factur-X XML (UN/CEFACT CII D16B, EN 16931 profile) of an invoice (380) or credit note (381).

Built from the frozen document only, so the XML of an issued invoice never changes. The French
CTC rules want the legal mentions in the XML too (ENGINEERING_NOTES "Validating e-invoices
offline"): notes with subject codes PMT (recovery indemnity), PMD (late-payment penalties) and
AAB (no early-payment discount).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}

# Mandatory mentions (L441-10 / art. 10.3), in the XML as well as on the PDF.
NOTE_PMT = "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 EUR."
NOTE_PMD = (
    "Pénalités de retard : taux directeur de la BCE majoré de 10 points, au minimum trois fois le taux "
    "d'intérêt légal, dus dès le lendemain de l'échéance (art. 10.3)."
)
NOTE_AAB = "Pas d'escompte pour paiement anticipé."

# BT-81 payment means (UNTDID 4461).
PAYMENT_MEANS = {"sepa_debit": "59", "transfer": "58", "cheque": "20"}
# BT-151 VAT category (UNTDID 5305) per regime (BILLING_RULES §5).
VAT_CATEGORY = {"standard": "S", "reverse_charge": "AE", "export": "G", "out_of_scope": "O"}
EXEMPTION = {"reverse_charge": "Autoliquidation", "export": "TVA non applicable, art. 259-1 du CGI"}
EXEMPTION_CODE = {"reverse_charge": "VATEX-EU-AE", "export": "VATEX-EU-G", "out_of_scope": "VATEX-EU-O"}
# Late-payment interest and the recovery indemnity are outside the scope of VAT (ENGINEERING_NOTES
# "French invoicing facts", BILLING_RULES §8): category O, whatever the customer's regime.
OUT_OF_SCOPE = "Hors champ d'application de la TVA (intérêts de retard et indemnité forfaitaire, art. L441-10)"


def vat_treatment(document: dict[str, Any]) -> str:
    """``standard``, ``reverse_charge``, ``export`` (the buyer's regime, §5), or ``out_of_scope``
    for a late-payment invoice (§8)."""
    if document.get("kind") == "late_payment":
        return "out_of_scope"
    return str(document["buyer"]["vat_regime"])


def _el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", **attrs)
    if text is not None:
        node.text = text
    return node


def _date(parent: Any, tag: str, iso: str, qualified: bool = False) -> None:
    holder = _el(parent, tag)
    _el(holder, "qdt:DateTimeString" if qualified else "udt:DateTimeString", iso.replace("-", ""), format="102")


def _amount(value: str | Decimal, negate: bool = False) -> str:
    amount = Decimal(value)
    if negate:
        amount = -amount
    return f"{amount.quantize(Decimal('0.01')):f}"


def _party(parent: Any, tag: str, party: dict[str, Any], *, seller: bool, vat_ids: bool = True) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party["name"] if seller else party["legal_name"])
    siren = party.get("siren")
    if siren:
        org = _el(node, "ram:SpecifiedLegalOrganization")
        _el(org, "ram:ID", siren, schemeID="0002")  # 0002: SIRENE
    address = party if seller else party["address"]
    postal = _el(node, "ram:PostalTradeAddress")
    _el(postal, "ram:PostcodeCode", address["postcode"])
    _el(postal, "ram:LineOne", address["line1"])
    if address.get("line2"):
        _el(postal, "ram:LineTwo", address["line2"])
    _el(postal, "ram:CityName", address["city"])
    _el(postal, "ram:CountryID", address["country"])
    email = party["email"] if seller else party["billing_email"]
    if siren:  # BT-34/BT-49: electronic address, SIREN scheme 0225 for the French platforms
        uri = _el(node, "ram:URIUniversalCommunication")
        _el(uri, "ram:URIID", siren, schemeID="0225")
    elif email:
        uri = _el(node, "ram:URIUniversalCommunication")
        _el(uri, "ram:URIID", email, schemeID="EM")
    vat = party.get("vat_number")
    if vat and vat_ids:  # BR-O-02: no VAT identifier on an invoice outside the scope of VAT
        reg = _el(node, "ram:SpecifiedTaxRegistration")
        _el(reg, "ram:ID", vat, schemeID="VA")


def _line_quantity(line: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """(quantity, net unit price) whose product is the line amount (EN 16931 BT-129, BT-146).

    A prorated fee (``19/28``) or a line without unit price is one unit at the line amount; the PDF
    shows the real quantity and unit price.
    """
    amount = Decimal(line["amount"])
    unit_price = line.get("unit_price")
    quantity = str(line.get("quantity") or "1")
    if unit_price is not None and "/" not in quantity:
        try:
            qty = Decimal(quantity)
        except ArithmeticError:
            qty = Decimal(0)
        price = Decimal(unit_price)
        if qty > 0 and (qty * price).quantize(Decimal("0.01")) == amount and price >= 0:
            return qty, price
    if amount < 0:
        return Decimal(-1), -amount  # BR-27: a net price is never negative; a credit line has quantity -1
    return Decimal(1), amount


def build_cii(document: dict[str, Any]) -> bytes:
    """The CII XML of an issued invoice or credit note document."""
    credit_note = document.get("document_type") == "credit_note"
    negate = credit_note  # a 381 carries positive amounts; our credit note amounts are negative
    seller, buyer = document["seller"], document["buyer"]
    regime = vat_treatment(document)
    category = VAT_CATEGORY[regime]
    rate: str | None = None if regime == "out_of_scope" else _amount(document["vat_rate"])  # BR-O-05, BR-O-09

    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", "S1")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", "urn:cen.eu:en16931:2017")

    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", document["number"])
    _el(header, "ram:TypeCode", "381" if credit_note else "380")
    _date(header, "ram:IssueDateTime", document["issue_date"])
    for subject, content in (("PMT", NOTE_PMT), ("PMD", NOTE_PMD), ("AAB", NOTE_AAB)):
        note = _el(header, "ram:IncludedNote")
        _el(note, "ram:Content", content)
        _el(note, "ram:SubjectCode", subject)
    if credit_note and document.get("reason"):
        note = _el(header, "ram:IncludedNote")
        _el(note, "ram:Content", f"Motif de l'avoir : {document['reason']}")
        _el(note, "ram:SubjectCode", "ACD")

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    line_total = Decimal(0)
    for index, line in enumerate(document["lines"], start=1):
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line["label"][:500])
        amount = Decimal(_amount(line["amount"], negate))
        qty, price = _line_quantity({**line, "amount": str(amount),
                                     "unit_price": None if negate else line.get("unit_price")})
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", f"{price:f}")
        _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", f"{qty.normalize():f}", unitCode="C62")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", category)
        if rate is not None:
            _el(tax, "ram:RateApplicablePercent", rate)
        _el(_el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"), "ram:LineTotalAmount", f"{amount:f}")
        line_total += amount

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _el(agreement, "ram:BuyerReference", buyer["account"])
    vat_ids = regime != "out_of_scope"
    _party(agreement, "ram:SellerTradeParty", seller, seller=True, vat_ids=vat_ids)
    _party(agreement, "ram:BuyerTradeParty", buyer, seller=False, vat_ids=vat_ids)

    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    if document.get("period_end"):
        event = _el(delivery, "ram:ActualDeliverySupplyChainEvent")
        _date(event, "ram:OccurrenceDateTime", document["period_end"])

    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    method = buyer["payment_method"]
    if method == "sepa_debit" and seller.get("creditor_id"):
        _el(settlement, "ram:CreditorReferenceID", seller["creditor_id"])
    _el(settlement, "ram:PaymentReference", document["number"])
    _el(settlement, "ram:InvoiceCurrencyCode", "EUR")
    means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    _el(means, "ram:TypeCode", PAYMENT_MEANS.get(method, "58"))
    mandate = buyer.get("mandate") or {}
    if method == "sepa_debit" and mandate.get("iban"):
        _el(_el(means, "ram:PayerPartyDebtorFinancialAccount"), "ram:IBANID", mandate["iban"])
    elif method == "transfer" and seller.get("iban"):
        _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", seller["iban"])

    total_ht = Decimal(_amount(document["total_ht"], negate))
    total_vat = Decimal(_amount(document["total_vat"], negate))
    total_ttc = Decimal(_amount(document["total_ttc"], negate))
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:CalculatedAmount", f"{total_vat:f}")
    _el(tax, "ram:TypeCode", "VAT")
    exemption = OUT_OF_SCOPE if regime == "out_of_scope" else EXEMPTION.get(regime)
    if exemption:
        _el(tax, "ram:ExemptionReason", exemption)
    _el(tax, "ram:BasisAmount", f"{total_ht:f}")
    _el(tax, "ram:CategoryCode", category)
    if exemption:
        _el(tax, "ram:ExemptionReasonCode", EXEMPTION_CODE[regime])
    if rate is not None:
        _el(tax, "ram:RateApplicablePercent", rate)
    if document.get("period_start") and document.get("period_end"):
        period = _el(settlement, "ram:BillingSpecifiedPeriod")
        _date(period, "ram:StartDateTime", document["period_start"])
        _date(period, "ram:EndDateTime", document["period_end"])
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _el(terms, "ram:Description", payment_terms_text(document))
    if document.get("due_date"):
        _date(terms, "ram:DueDateDateTime", document["due_date"])
    if method == "sepa_debit" and mandate.get("reference"):
        _el(terms, "ram:DirectDebitMandateID", mandate["reference"])
    summary = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summary, "ram:LineTotalAmount", f"{line_total:f}")
    _el(summary, "ram:TaxBasisTotalAmount", f"{total_ht:f}")
    _el(summary, "ram:TaxTotalAmount", f"{total_vat:f}", currencyID="EUR")
    _el(summary, "ram:GrandTotalAmount", f"{total_ttc:f}")
    _el(summary, "ram:DuePayableAmount", f"{total_ttc:f}")
    if credit_note:
        ref = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(ref, "ram:IssuerAssignedID", document["corrects"])
        _date(ref, "ram:FormattedIssueDateTime", document["corrects_issue_date"], qualified=True)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def payment_terms_text(document: dict[str, Any]) -> str:
    """BT-20: how and when to pay, the same words as on the PDF."""
    method = document["buyer"]["payment_method"]
    if document.get("document_type") == "credit_note":
        return "Avoir imputé sur la facture corrigée ou remboursé."
    due = document.get("due_date", "")
    if method == "sepa_debit":
        return f"Prélèvement SEPA le {document.get('collection_date') or due}."
    if method == "cheque":
        return f"Paiement par chèque à réception, au plus tard le {due}."
    return f"Paiement par virement au plus tard le {due}."
