"""Writes the dispute-mail corpus (*.eml) and its expected outcomes (expected.json).

Run once by hand (``python tests/data/mail/make_corpus.py``); the files it writes are committed and
are what tests/unit/cases/test_mail_corpus.py reads. Most messages are written out raw, as a mail
client sends them; the encoded ones (quoted-printable windows-1252, base64, HTML-only) are built
with the standard library so their encoding is exactly what a client would produce.

The world they are checked against: three customers and three invoices (tests see WORLD).
  acme     compta@acme.fr        FX-2026-000001 issued 2026-03-02, TTC 1415.15 (window to 2026-03-22)
  globex   ap@globex.com         FX-2026-000002 issued 2026-03-02, TTC 600.00  (window to 2026-03-22)
  initech  factures@initech.fr   FX-2026-000017 issued 2026-04-01, TTC 2400.00 (window to 2026-04-21)
"""

from __future__ import annotations

import base64
import json
from email import quoprimime
from email.charset import BASE64, QP, Charset
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from html import escape
from pathlib import Path

HERE = Path(__file__).parent
CASES: list[tuple[str, bytes, dict]] = []


def raw(name: str, text: str, **expected: object) -> None:
    CASES.append((name, text.lstrip("\n").replace("\n", "\r\n").encode("utf-8"), expected))


def built(name: str, message: object, **expected: object) -> None:
    # Boundaries named after the message (the generator's are random): the files are written the same
    # way on every run.
    for i, part in enumerate(message.walk()):  # type: ignore[attr-defined]
        if part.is_multipart() and part.get_boundary() is None:
            part.set_boundary(f"===============corpus-{name}-{i}==")
    CASES.append((name, message.as_bytes(), expected))  # type: ignore[attr-defined]


def qp(text: str, charset: str) -> str:
    """``text`` in ``charset``, quoted-printable as the mail clients write it (76-character lines)."""
    return quoprimime.body_encode(text.encode(charset).decode("latin-1"), maxlinelen=76, eol="\n")


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def headers(msg: object, **h: str) -> object:
    for key, value in h.items():
        msg[key.replace("_", "-")] = value  # type: ignore[index]
    return msg


RCV = "Received: from mx.flexio.fr (mx.flexio.fr [10.0.0.5]) by imap.flexio.fr with LMTP; {}"

# ---------------------------------------------------------------------------------------------
# Valid disputes
raw("01-fr-plain-valid", f"""
{RCV.format("Tue, 10 Mar 2026 10:12:45 +0100")}
From: "Claire Martin" <compta@acme.fr>
To: compta@flexio.fr
Subject: Contestation facture FX-2026-000001
Date: Tue, 10 Mar 2026 10:12:01 +0100
Message-ID: <20260310101201.AB12@acme.fr>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Bonjour,

Nous contestons la ligne de dépassement de 40,00 € sur la facture FX-2026-000001, car notre tableau
de bord indique 26 000 crédits consommés en février, sous le plafond du forfait.

Cordialement,
Claire Martin
Service comptable ACME
""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=True, reasons=[],
    received_at="2026-03-10T10:12:45+01:00", acknowledge_by="2026-03-11", answer_by="2026-03-17")

raw("02-en-plain-valid", f"""
{RCV.format("Wed, 11 Mar 2026 16:40:00 +0000")}
From: Accounts Payable <ap@globex.com>
To: compta@flexio.fr
Subject: Dispute of invoice FX-2026-000002
Date: Wed, 11 Mar 2026 16:39:12 +0000
Message-ID: <CAK4p9xQ-globex-0311@mail.globex.com>
Content-Type: text/plain; charset="us-ascii"

Hello,

We dispute EUR 120.00 on invoice FX-2026-000002: the Advanced Support option was billed although we
never used it and it was ended in January according to our records.

Best regards,
Globex Accounts Payable
""", kind="dispute", invoice="FX-2026-000002", amount="120.00", valid=True, reasons=[],
    # 16:40 UTC is 17:40 in Paris, Wednesday: acknowledge Thursday 12, answer 11 + 7 = 18 March
    received_at="2026-03-11T17:40:00+01:00", acknowledge_by="2026-03-12", answer_by="2026-03-18")

m = MIMEText("", "plain")
cs = Charset("windows-1252")
cs.body_encoding = QP
m = MIMEText(
    "Bonjour,\n\nJe vous adresse une réclamation concernant la facture FX-2026-000001 : la ligne "
    "d'abonnement de 339,29 € est erronée car notre contrat a démarré le 10 février et non le 1er, "
    "comme l'indique le bon de commande signé.\n\nBien à vous,\nJérôme Lefèvre – ACME\n",
    "plain", cs,
)
built("03-fr-quoted-printable-windows-1252", headers(
    m, Received="from mx.flexio.fr by imap.flexio.fr; Thu, 12 Mar 2026 09:05:00 +0100",
    From="=?windows-1252?Q?J=E9r=F4me_Lef=E8vre?= <jerome.lefevre@acme.fr>", To="compta@flexio.fr",
    Subject="=?windows-1252?Q?R=E9clamation_facture_FX-2026-000001?=",
    Date="Thu, 12 Mar 2026 09:04:30 +0100", Message_ID="<qp1252.0312@acme.fr>",
), kind="dispute", invoice="FX-2026-000001", amount="339.29", valid=True, reasons=[],
    received_at="2026-03-12T09:05:00+01:00", acknowledge_by="2026-03-13", answer_by="2026-03-19")

cs = Charset("utf-8")
cs.body_encoding = BASE64
m = MIMEText(
    "Hi team,\n\nWe were overcharged €80.00 on FX-2026-000002 because the usage of 3 February was "
    "counted twice (duplicate events in your export, lines 1412 and 1413).\n\nThanks,\nDana Ng\n",
    "plain", cs,
)
built("04-en-base64-utf8", headers(
    m, Received="from mx.flexio.fr by imap.flexio.fr; Fri, 13 Mar 2026 18:30:00 +0100",
    From="Dana Ng <dana.ng@globex.com>", To="compta@flexio.fr", Subject="Overcharge on invoice",
    Date="Fri, 13 Mar 2026 18:29:00 +0100", Message_ID="<b64.dana.0313@globex.com>",
), kind="dispute", invoice="FX-2026-000002", amount="80.00", valid=True, reasons=[],
    # Friday 18:30: acknowledge Monday 16, answer 13 + 7 = 20 March
    received_at="2026-03-13T18:30:00+01:00", acknowledge_by="2026-03-16", answer_by="2026-03-20")

html = """<html><head><style>p{font-family:Arial}</style></head><body>
<p>Madame, Monsieur,</p>
<p>Nous contestons la facture <b>FX-2026-000017</b> pour un montant de <b>2&nbsp;400,00&nbsp;&euro;</b>,
alors que notre contrat a été suspendu le 3 mars, comme convenu avec votre gestionnaire de compte.</p>
<p>Cordialement,<br>Initech – Comptabilité</p></body></html>"""
built("05-fr-html-only", headers(
    MIMEText(html, "html", "utf-8"),
    Received="from mx.flexio.fr by imap.flexio.fr; Mon, 06 Apr 2026 11:00:00 +0200",
    From="factures@initech.fr", To="compta@flexio.fr", Subject="Facture FX-2026-000017",
    Date="Mon, 06 Apr 2026 10:59:00 +0200", Message_ID="<html-only-0406@initech.fr>",
), kind="dispute", invoice="FX-2026-000017", amount="2400.00", valid=True, reasons=[],
    # Monday 6 April 2026 is Easter Monday, a holiday: acknowledge Tuesday 7, answer 6 + 7 = 13 April
    received_at="2026-04-06T11:00:00+02:00", acknowledge_by="2026-04-07", answer_by="2026-04-13")

outer = MIMEMultipart("mixed")
alt = MIMEMultipart("alternative")
alt.attach(MIMEText("We dispute EUR 200.00 on invoice FX-2026-000017, see attached statement.\n", "plain"))
alt.attach(MIMEText("<p>We dispute EUR 200.00 on invoice FX-2026-000017, see attached statement.</p>", "html"))
outer.attach(alt)
pdf = MIMEApplication(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "pdf")
pdf.add_header("Content-Disposition", "attachment", filename="usage-statement-march.pdf")
outer.attach(pdf)
built("06-en-multipart-with-pdf-evidence", headers(
    outer, Received="from mx.flexio.fr by imap.flexio.fr; Tue, 07 Apr 2026 14:00:00 +0200",
    From="Peter Gibbons <p.gibbons@initech.fr>", To="compta@flexio.fr", Subject="Invoice FX-2026-000017 dispute",
    Date="Tue, 07 Apr 2026 13:58:00 +0200", Message_ID="<mixed-pdf-0407@initech.fr>",
), kind="dispute", invoice="FX-2026-000017", amount="200.00", valid=True, reasons=[], attachments=1,
    received_at="2026-04-07T14:00:00+02:00", acknowledge_by="2026-04-08", answer_by="2026-04-14")

raw("07-fr-reply-with-quoted-history", f"""
{RCV.format("Mon, 16 Mar 2026 08:01:00 +0100")}
From: Claire Martin <compta@acme.fr>
To: FLEXIO Comptabilite <compta@flexio.fr>
Subject: Re: Votre facture FX-2026-000001
In-Reply-To: <invoice-FX-2026-000001@flexio.fr>
Date: Mon, 16 Mar 2026 08:00:40 +0100
Message-ID: <reply-0316-acme@acme.fr>
Content-Type: text/plain; charset=utf-8

Bonjour,

Nous contestons 40,00 € de dépassement sur cette facture : le plafond du forfait a été relevé
à 50 000 crédits par l'avenant du 1er février.

Claire

Le 2 mars 2026 à 09:00, FLEXIO Comptabilité <compta@flexio.fr> a écrit :
> Bonjour,
> Veuillez trouver ci-joint la facture FX-2026-000001 d'un montant de 1 415,15 € TTC.
> Cordialement,
> FLEXIO
""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=True, reasons=[],
    # Monday 08:01: acknowledge Tuesday 17, answer 16 + 7 = 23 March
    received_at="2026-03-16T08:01:00+01:00", acknowledge_by="2026-03-17", answer_by="2026-03-23")

raw("08-fr-forward-from-colleague", f"""
{RCV.format("Tue, 17 Mar 2026 15:20:00 +0100")}
From: Paul Durand <paul.durand@acme.fr>
To: compta@flexio.fr
Subject: TR: contestation facture
Date: Tue, 17 Mar 2026 15:19:00 +0100
Message-ID: <fwd-0317@acme.fr>
Content-Type: text/plain; charset=utf-8

Pour information, voir ci-dessous.

-------- Message transféré --------
Sujet : contestation facture
Date : Tue, 17 Mar 2026 11:02:00 +0100
De : Sophie Bernard <s.bernard@acme.fr>
Pour : Paul Durand <paul.durand@acme.fr>

Paul, peux-tu transmettre à FLEXIO : nous contestons 1 000,00 € sur la facture FX-2026-000001,
car les frais d'installation ont déjà été réglés sur la facture de janvier.
""", kind="dispute", invoice="FX-2026-000001", amount="1000.00", valid=True, reasons=[], flags=["forwarded"],
    received_at="2026-03-17T15:20:00+01:00", acknowledge_by="2026-03-18", answer_by="2026-03-24")

# The last day of the window is Sunday 22 March 2026: 23:30 in Paris is still in it.
raw("09-fr-last-day-of-window-sunday", f"""
{RCV.format("Sun, 22 Mar 2026 23:30:00 +0100")}
From: compta@acme.fr
To: compta@flexio.fr
Subject: Contestation FX-2026-000001
Date: Sun, 22 Mar 2026 23:29:00 +0100
Message-ID: <last-day-0322@acme.fr>

Nous contestons le montant de 40,00 EUR facturé en dépassement, car le compteur de notre tableau de bord
ne dépasse pas 27 143 crédits.
""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=True, reasons=[],
    received_at="2026-03-22T23:30:00+01:00", acknowledge_by="2026-03-23", answer_by="2026-03-29")

raw("10-en-amount-formats", f"""
{RCV.format("Thu, 09 Apr 2026 09:15:00 +0200")}
From: factures@initech.fr
To: compta@flexio.fr
Subject: Wrong amount on FX 2026 000017
Date: Thu, 09 Apr 2026 09:14:00 +0200
Message-ID: <amounts-0409@initech.fr>

Dear FLEXIO team,
The amount of EUR 1,234.56 on this invoice is incorrect: according to our order form the plan price
is 1 000,00 EUR per month, and we only used 12 000 credits.
Regards
""", kind="dispute", invoice="FX-2026-000017", amount="1234.56", valid=True, reasons=[],
    received_at="2026-04-09T09:15:00+02:00", acknowledge_by="2026-04-10", answer_by="2026-04-16")

raw("11-fr-several-received-headers", """
Received: from mx2.flexio.fr by imap.flexio.fr with LMTP; Wed, 18 Mar 2026 12:10:05 +0100
Received: from relay.acme.fr (relay.acme.fr [192.0.2.10]) by mx2.flexio.fr; Wed, 18 Mar 2026 12:09:59 +0100
Received: from pc-claire by relay.acme.fr; Wed, 18 Mar 2026 12:09:40 +0100
From: compta@acme.fr
To: compta@flexio.fr
Subject: Réclamation FX-2026-000001
Date: Wed, 18 Mar 2026 12:09:38 +0100
Message-ID: <multi-rcv-0318@acme.fr>

Nous contestons 339,29 € : le forfait est facturé depuis le 10 février alors que notre service n'a été
ouvert que le 20 février.
""", kind="dispute", invoice="FX-2026-000001", amount="339.29", valid=True, reasons=[],
    received_at="2026-03-18T12:10:05+01:00", acknowledge_by="2026-03-19", answer_by="2026-03-25")

raw("12-fr-no-received-header-uses-date", """
From: compta@acme.fr
To: compta@flexio.fr
Subject: Contestation facture FX-2026-000001
Date: Thu, 19 Mar 2026 17:45:00 +0100
Message-ID: <no-rcv-0319@acme.fr>

Nous contestons la somme de 40,00 € car le dépassement a déjà été facturé en janvier.
""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=True, reasons=[],
    received_at="2026-03-19T17:45:00+01:00", acknowledge_by="2026-03-20", answer_by="2026-03-26")

cs = Charset("iso-8859-1")
cs.body_encoding = QP
built("13-fr-latin1-qp", headers(
    MIMEText("Bonjour,\nNous contestons 80,00 EUR sur la facture FX-2026-000002 car la remise négociée "
             "de 10 % n'a pas été appliquée.\nCordialement\n", "plain", cs),
    Received="from mx.flexio.fr by imap.flexio.fr; Fri, 20 Mar 2026 10:00:00 +0100",
    From="=?iso-8859-1?Q?Fran=E7ois_Br=E9hat?= <ap@globex.com>", To="compta@flexio.fr",
    Subject="=?iso-8859-1?Q?R=E9clamation?=", Date="Fri, 20 Mar 2026 09:59:00 +0100",
    Message_ID="<latin1-0320@globex.com>",
), kind="dispute", invoice="FX-2026-000002", amount="80.00", valid=True, reasons=[],
    received_at="2026-03-20T10:00:00+01:00", acknowledge_by="2026-03-23", answer_by="2026-03-27")

# ---------------------------------------------------------------------------------------------
# Disputes that are not valid
raw("20-fr-late", f"""
{RCV.format("Wed, 25 Mar 2026 09:00:00 +0100")}
From: compta@acme.fr
To: compta@flexio.fr
Subject: Contestation facture FX-2026-000001
Date: Wed, 25 Mar 2026 08:59:00 +0100
Message-ID: <late-0325@acme.fr>

Nous contestons 40,00 € de dépassement car notre compteur indique 26 000 crédits seulement.
""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=False, reasons=["out_of_window"],
    received_at="2026-03-25T09:00:00+01:00", acknowledge_by="2026-03-26", answer_by="2026-04-01")

# 22 March 23:30 UTC is 23 March 00:30 in Paris: one day too late.
raw("21-en-late-by-timezone", """
Received: from mx.flexio.fr by imap.flexio.fr; Sun, 22 Mar 2026 23:30:00 +0000
From: ap@globex.com
To: compta@flexio.fr
Subject: Dispute FX-2026-000002
Date: Sun, 22 Mar 2026 18:30:00 -0500
Message-ID: <late-tz-0322@globex.com>

We dispute EUR 120.00 because the option was never used by our team.
""", kind="dispute", invoice="FX-2026-000002", amount="120.00", valid=False, reasons=["out_of_window"],
    received_at="2026-03-23T00:30:00+01:00", acknowledge_by="2026-03-24", answer_by="2026-03-30")

# Date: says 20 March (in the window) but the server received it on 24 March: Received: wins.
raw("22-fr-date-in-window-received-late", """
Received: from mx.flexio.fr by imap.flexio.fr; Tue, 24 Mar 2026 08:40:00 +0100
From: compta@acme.fr
To: compta@flexio.fr
Subject: Contestation FX-2026-000001
Date: Fri, 20 Mar 2026 18:00:00 +0100
Message-ID: <backdated-0320@acme.fr>

Nous contestons 40,00 € car le plafond de notre forfait a été relevé en février.
""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=False, reasons=["out_of_window"],
    received_at="2026-03-24T08:40:00+01:00", acknowledge_by="2026-03-25", answer_by="2026-03-31")

raw("23-fr-no-amount", f"""
{RCV.format("Tue, 10 Mar 2026 14:00:00 +0100")}
From: compta@acme.fr
To: compta@flexio.fr
Subject: Contestation facture FX-2026-000001
Date: Tue, 10 Mar 2026 13:59:00 +0100
Message-ID: <no-amount-0310@acme.fr>

Bonjour, nous contestons le dépassement facturé car notre tableau de bord indique une consommation
inférieure au plafond. Merci de corriger.
""", kind="dispute", invoice="FX-2026-000001", amount=None, valid=False, reasons=["no_amount"],
    received_at="2026-03-10T14:00:00+01:00", acknowledge_by="2026-03-11", answer_by="2026-03-17")

raw("24-fr-no-facts", f"""
{RCV.format("Tue, 10 Mar 2026 15:00:00 +0100")}
From: compta@acme.fr
To: compta@flexio.fr
Subject: Contestation
Date: Tue, 10 Mar 2026 14:59:00 +0100
Message-ID: <no-facts-0310@acme.fr>

Je conteste la facture FX-2026-000001 : 40,00 €.
""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=False, reasons=["no_facts"],
    received_at="2026-03-10T15:00:00+01:00", acknowledge_by="2026-03-11", answer_by="2026-03-17")

raw("25-en-no-invoice-number", f"""
{RCV.format("Thu, 12 Mar 2026 11:00:00 +0100")}
From: ap@globex.com
To: compta@flexio.fr
Subject: Billing error
Date: Thu, 12 Mar 2026 10:59:00 +0100
Message-ID: <no-number-0312@globex.com>

Hello, last month's invoice is wrong: we were charged EUR 120.00 for an option we never subscribed to,
as our signed order form shows.
""", kind="dispute", invoice=None, amount="120.00", valid=False, reasons=["no_invoice_number"],
    received_at="2026-03-12T11:00:00+01:00", acknowledge_by="2026-03-13", answer_by="2026-03-19")

raw("26-fr-unknown-invoice", f"""
{RCV.format("Thu, 12 Mar 2026 12:00:00 +0100")}
From: compta@acme.fr
To: compta@flexio.fr
Subject: Contestation FX-2026-000999
Date: Thu, 12 Mar 2026 11:59:00 +0100
Message-ID: <unknown-inv-0312@acme.fr>

Nous contestons 40,00 € sur la facture FX-2026-000999 car ce dépassement a déjà été facturé.
""", kind="dispute", invoice="FX-2026-000999", amount="40.00", valid=False, reasons=["unknown_invoice"],
    received_at="2026-03-12T12:00:00+01:00", acknowledge_by="2026-03-13", answer_by="2026-03-19")

raw("27-en-amount-above-invoice", f"""
{RCV.format("Thu, 12 Mar 2026 13:00:00 +0100")}
From: ap@globex.com
To: compta@flexio.fr
Subject: Dispute FX-2026-000002
Date: Thu, 12 Mar 2026 12:59:00 +0100
Message-ID: <too-much-0312@globex.com>

We dispute EUR 5,000.00 on FX-2026-000002 because the service was unavailable for most of February.
""", kind="dispute", invoice="FX-2026-000002", amount="5000.00", valid=False, reasons=["amount_exceeds_invoice"],
    received_at="2026-03-12T13:00:00+01:00", acknowledge_by="2026-03-13", answer_by="2026-03-19")

raw("28-fr-unknown-sender-gmail", f"""
{RCV.format("Fri, 13 Mar 2026 09:00:00 +0100")}
From: Jean Dupont <jean.dupont.1975@gmail.com>
To: compta@flexio.fr
Subject: Contestation facture FX-2026-000001
Date: Fri, 13 Mar 2026 08:59:00 +0100
Message-ID: <CAgmail-0313-xyz@mail.gmail.com>

Bonjour, je conteste 40,00 € sur la facture FX-2026-000001 car notre consommation était inférieure au plafond.
""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=False, reasons=["unknown_sender"],
    flags=["unknown_sender"],
    received_at="2026-03-13T09:00:00+01:00", acknowledge_by="2026-03-16", answer_by="2026-03-20")

raw("29-en-invoice-of-another-customer", f"""
{RCV.format("Fri, 13 Mar 2026 10:00:00 +0100")}
From: ap@globex.com
To: compta@flexio.fr
Subject: Dispute FX-2026-000001
Date: Fri, 13 Mar 2026 09:59:00 +0100
Message-ID: <other-cust-0313@globex.com>

We dispute EUR 40.00 on FX-2026-000001 because we never used that many credits.
""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=False, reasons=["invoice_of_another_customer"],
    received_at="2026-03-13T10:00:00+01:00", acknowledge_by="2026-03-16", answer_by="2026-03-20")

outer = MIMEMultipart("mixed")
outer.attach(MIMEText("", "plain"))
scan = MIMEApplication(b"%PDF-1.4 scanned registered letter", "pdf")
scan.add_header("Content-Disposition", "attachment", filename="courrier-LRAR-contestation.pdf")
outer.attach(scan)
built("30-fr-only-a-scanned-letter", headers(
    outer, Received="from mx.flexio.fr by imap.flexio.fr; Mon, 16 Mar 2026 10:00:00 +0100",
    From="compta@acme.fr", To="compta@flexio.fr", Subject="Courrier de contestation",
    Date="Mon, 16 Mar 2026 09:59:00 +0100", Message_ID="<scan-0316@acme.fr>",
), kind="dispute", invoice=None, amount=None, valid=False, reasons=["no_invoice_number", "no_amount"], attachments=1,
    received_at="2026-03-16T10:00:00+01:00", acknowledge_by="2026-03-17", answer_by="2026-03-23")

raw("31-fr-several-problems", f"""
{RCV.format("Mon, 30 Mar 2026 10:00:00 +0200")}
From: inconnu@example.org
To: compta@flexio.fr
Subject: Contestation
Date: Mon, 30 Mar 2026 09:59:00 +0200
Message-ID: <many-0330@example.org>

Je conteste la facture FX-2026-000002.
""", kind="dispute", invoice="FX-2026-000002", amount=None, valid=False,
    reasons=["out_of_window", "no_amount", "no_facts", "unknown_sender"], flags=["unknown_sender"],
    received_at="2026-03-30T10:00:00+02:00", acknowledge_by="2026-03-31", answer_by="2026-04-06")

# ---------------------------------------------------------------------------------------------
# Terminations (§9)
raw("40-fr-termination-end-of-period", f"""
{RCV.format("Wed, 01 Apr 2026 09:30:00 +0200")}
From: Direction ACME <direction@acme.fr>
To: compta@flexio.fr
Subject: Résiliation de notre contrat
Date: Wed, 01 Apr 2026 09:29:00 +0200
Message-ID: <term-0401@acme.fr>

Madame, Monsieur,
Par la présente, nous vous notifions la résiliation de notre contrat FLEXIO à l'échéance de la période en cours.
Veuillez agréer nos salutations distinguées.
""", kind="termination", invoice=None, amount=None, valid=True, reasons=[], termination_kind="end_of_period",
    received_at="2026-04-01T09:30:00+02:00", acknowledge_by="2026-04-02", answer_by="2026-04-08")

raw("41-en-early-termination", f"""
{RCV.format("Thu, 02 Apr 2026 16:00:00 +0200")}
From: ap@globex.com
To: compta@flexio.fr
Subject: Termination notice
Date: Thu, 02 Apr 2026 15:59:00 +0200
Message-ID: <term-early-0402@globex.com>

Dear FLEXIO,
We hereby give notice of termination of our contract, effective immediately. We understand the
early termination indemnity applies.
Regards
""", kind="termination", invoice=None, amount=None, valid=True, reasons=[], termination_kind="early",
    received_at="2026-04-02T16:00:00+02:00", acknowledge_by="2026-04-03", answer_by="2026-04-09")

raw("42-fr-termination-after-interruption", f"""
{RCV.format("Fri, 03 Apr 2026 11:00:00 +0200")}
From: factures@initech.fr
To: compta@flexio.fr
Subject: Résiliation anticipée
Date: Fri, 03 Apr 2026 10:59:00 +0200
Message-ID: <term-interr-0403@initech.fr>

Suite à 30 jours consécutifs d'interruption du service, nous demandons la résiliation de notre contrat
sans indemnité.
""", kind="termination", invoice=None, amount=None, valid=True, reasons=[], termination_kind="interruption",
    # Friday 3 April: the next business day is Tuesday 7 (Monday 6 is Easter Monday)
    received_at="2026-04-03T11:00:00+02:00", acknowledge_by="2026-04-07", answer_by="2026-04-10")

raw("43-fr-termination-unknown-sender", f"""
{RCV.format("Fri, 03 Apr 2026 12:00:00 +0200")}
From: someone@free.fr
To: compta@flexio.fr
Subject: Je souhaite résilier
Date: Fri, 03 Apr 2026 11:59:00 +0200
Message-ID: <term-unknown-0403@free.fr>

Bonjour, je souhaite résilier mon abonnement. Merci.
""", kind="termination", invoice=None, amount=None, valid=False, reasons=["unknown_sender"],
    termination_kind="end_of_period", flags=["unknown_sender"],
    received_at="2026-04-03T12:00:00+02:00", acknowledge_by="2026-04-07", answer_by="2026-04-10")

raw("44-en-termination-in-reply", f"""
{RCV.format("Tue, 14 Jul 2026 10:00:00 +0200")}
From: ap@globex.com
To: compta@flexio.fr
Subject: Re: Your renewal
Date: Tue, 14 Jul 2026 09:59:00 +0200
Message-ID: <term-reply-0714@globex.com>

We will not renew: please terminate our subscription at the end of the current period.

On Mon, 13 Jul 2026 at 09:00, FLEXIO <compta@flexio.fr> wrote:
> Your contract renews on 1 August for three months.
""", kind="termination", invoice=None, amount=None, valid=True, reasons=[], termination_kind="end_of_period",
    # Tuesday 14 July is a holiday; the next business day after it is Wednesday 15
    received_at="2026-07-14T10:00:00+02:00", acknowledge_by="2026-07-15", answer_by="2026-07-21")

# ---------------------------------------------------------------------------------------------
# Other messages: kept as `other` records, never dropped
raw("50-fr-out-of-office", f"""
{RCV.format("Tue, 03 Mar 2026 09:00:00 +0100")}
From: Claire Martin <compta@acme.fr>
To: compta@flexio.fr
Subject: Réponse automatique : Votre facture FX-2026-000001
Auto-Submitted: auto-replied
Date: Tue, 03 Mar 2026 09:00:00 +0100
Message-ID: <ooo-0303@acme.fr>

Je suis absente jusqu'au 9 mars. Pour toute contestation urgente, contactez Paul Durand.
""", kind="other", invoice="FX-2026-000001", amount=None, valid=False, reasons=[], flags=["auto_reply"],
    received_at="2026-03-03T09:00:00+01:00", acknowledge_by="2026-03-04", answer_by="2026-03-10")

raw("51-en-automatic-reply", f"""
{RCV.format("Tue, 03 Mar 2026 09:05:00 +0100")}
From: Accounts Payable <ap@globex.com>
To: compta@flexio.fr
Subject: Automatic reply: Your invoice FX-2026-000002
X-Autoreply: yes
Date: Tue, 03 Mar 2026 08:05:00 +0000
Message-ID: <autoreply-0303@globex.com>

I am out of the office until 10 March with limited access to email. For disputes about invoices
please write to finance@globex.com.
""", kind="other", invoice="FX-2026-000002", amount=None, valid=False, reasons=[], flags=["auto_reply"],
    received_at="2026-03-03T09:05:00+01:00", acknowledge_by="2026-03-04", answer_by="2026-03-10")

raw("52-bounce-delivery-status", """
Received: from mx.flexio.fr by imap.flexio.fr; Mon, 02 Mar 2026 09:10:00 +0100
From: Mail Delivery System <MAILER-DAEMON@mx.flexio.fr>
To: compta@flexio.fr
Subject: Undelivered Mail Returned to Sender
Date: Mon, 02 Mar 2026 09:10:00 +0100
Message-ID: <bounce-0302@mx.flexio.fr>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.flexio.fr. I'm sorry to have to inform you that your message
could not be delivered to one or more recipients.

<old-billing@initech.fr>: host mx.initech.fr said: 550 5.1.1 User unknown

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.flexio.fr
Final-Recipient: rfc822; old-billing@initech.fr
Action: failed
Status: 5.1.1

--BOUNDARY
Content-Type: message/rfc822

From: compta@flexio.fr
To: old-billing@initech.fr
Subject: Votre facture FX-2026-000017 - contestation possible sous 20 jours

Montant : 2 400,00 EUR
--BOUNDARY--
""", kind="other", invoice=None, amount=None, valid=False, reasons=[], flags=["unknown_sender", "bounce"],
    received_at="2026-03-02T09:10:00+01:00", acknowledge_by="2026-03-03", answer_by="2026-03-09")

raw("53-bounce-postmaster-french", """
Received: from mx.flexio.fr by imap.flexio.fr; Mon, 02 Mar 2026 09:12:00 +0100
From: postmaster@globex.com
To: compta@flexio.fr
Subject: Non remis : Votre facture FX-2026-000002
Date: Mon, 02 Mar 2026 09:12:00 +0100
Message-ID: <ndr-0302@globex.com>

Votre message n'a pas pu être remis à ces destinataires : billing-old@globex.com
""", kind="other", invoice="FX-2026-000002", amount=None, valid=False, reasons=[], flags=["bounce"],
    received_at="2026-03-02T09:12:00+01:00", acknowledge_by="2026-03-03", answer_by="2026-03-09")

news = """<!DOCTYPE html><html><head><title>Newsletter</title><style>.x{color:red}</style></head><body>
<table><tr><td><h1>Les nouveautés de mars</h1></td></tr>
<tr><td><p>Contestez vos amendes en un clic ! Offre spéciale : 49,00 € au lieu de 99,00 €.</p></td></tr>
<tr><td><a href="https://news.example.com/unsub">Se désabonner</a></td></tr></table>
<script>track()</script></body></html>"""
built("54-fr-html-newsletter", headers(
    MIMEText(news, "html", "utf-8"),
    Received="from mx.flexio.fr by imap.flexio.fr; Wed, 04 Mar 2026 07:00:00 +0100",
    From="Legal News <news@legal-news.example.com>", To="compta@flexio.fr",
    Subject="Les nouveautés de mars", Date="Wed, 04 Mar 2026 07:00:00 +0100",
    Message_ID="<news-0304@legal-news.example.com>",
    List_Unsubscribe="<https://news.example.com/unsub>", Precedence="bulk",
), kind="other", invoice=None, amount=None, valid=False, reasons=[], flags=["unknown_sender", "bulk"],
    received_at="2026-03-04T07:00:00+01:00", acknowledge_by="2026-03-05", answer_by="2026-03-11")

raw("55-en-payment-notice", f"""
{RCV.format("Wed, 25 Mar 2026 10:00:00 +0100")}
From: ap@globex.com
To: compta@flexio.fr
Subject: Payment FX-2026-000002
Date: Wed, 25 Mar 2026 09:59:00 +0100
Message-ID: <payment-0325@globex.com>

Hello, please note our transfer of EUR 600.00 for invoice FX-2026-000002, sent today.
""", kind="other", invoice="FX-2026-000002", amount=None, valid=False, reasons=[],
    received_at="2026-03-25T10:00:00+01:00", acknowledge_by="2026-03-26", answer_by="2026-04-01")

raw("56-fr-thanks", f"""
{RCV.format("Wed, 04 Mar 2026 10:00:00 +0100")}
From: compta@acme.fr
To: compta@flexio.fr
Subject: Re: Votre facture FX-2026-000001
Date: Wed, 04 Mar 2026 09:59:00 +0100
Message-ID: <thanks-0304@acme.fr>

Bien reçu, merci. Le règlement suivra à l'échéance.

Le 2 mars 2026 à 09:00, FLEXIO <compta@flexio.fr> a écrit :
> Veuillez trouver la facture FX-2026-000001. Vous pouvez la contester sous 20 jours.
""", kind="other", invoice="FX-2026-000001", amount=None, valid=False, reasons=[],
    received_at="2026-03-04T10:00:00+01:00", acknowledge_by="2026-03-05", answer_by="2026-03-11")

raw("57-en-question", f"""
{RCV.format("Thu, 05 Mar 2026 10:00:00 +0100")}
From: dana.ng@globex.com
To: compta@flexio.fr
Subject: Invoice copy
Date: Thu, 05 Mar 2026 09:59:00 +0100
Message-ID: <question-0305@globex.com>

Hi, could you send the PDF of our March invoice again? Our portal link expired.
""", kind="other", invoice=None, amount=None, valid=False, reasons=[],
    received_at="2026-03-05T10:00:00+01:00", acknowledge_by="2026-03-06", answer_by="2026-03-12")

raw("58-fr-resolved-reply-quotes-dispute", f"""
{RCV.format("Fri, 20 Mar 2026 10:00:00 +0100")}
From: compta@acme.fr
To: compta@flexio.fr
Subject: RE: Contestation facture FX-2026-000001
Date: Fri, 20 Mar 2026 09:59:00 +0100
Message-ID: <resolved-0320@acme.fr>

Merci pour l'avoir, c'est réglé pour nous.

-----Message d'origine-----
De : compta@acme.fr
Envoyé : mardi 10 mars 2026 10:12
Objet : Contestation facture FX-2026-000001

Nous contestons la ligne de dépassement de 40,00 € car notre tableau de bord indique 26 000 crédits.
""", kind="other", invoice="FX-2026-000001", amount=None, valid=False, reasons=[],
    received_at="2026-03-20T10:00:00+01:00", acknowledge_by="2026-03-23", answer_by="2026-03-27")

raw("59-empty", """
Received: from mx.flexio.fr by imap.flexio.fr; Thu, 05 Mar 2026 23:00:00 +0100
From: compta@acme.fr
To: compta@flexio.fr
Message-ID: <empty-0305@acme.fr>

""", kind="other", invoice=None, amount=None, valid=False, reasons=[],
    received_at="2026-03-05T23:00:00+01:00", acknowledge_by="2026-03-06", answer_by="2026-03-12")

raw("60-en-credit-note-question", f"""
{RCV.format("Mon, 23 Mar 2026 10:00:00 +0100")}
From: ap@globex.com
To: compta@flexio.fr
Subject: Credit note AV-2026-000003
Date: Mon, 23 Mar 2026 09:59:00 +0100
Message-ID: <av-question-0323@globex.com>

Hello, we did not receive the PDF of credit note AV-2026-000003 yet. Could you send it?
""", kind="other", invoice=None, amount=None, valid=False, reasons=[],
    received_at="2026-03-23T10:00:00+01:00", acknowledge_by="2026-03-24", answer_by="2026-03-30")

raw("61-unknown-charset", """
Received: from mx.flexio.fr by imap.flexio.fr; Tue, 10 Mar 2026 16:00:00 +0100
From: compta@acme.fr
To: compta@flexio.fr
Subject: Contestation FX-2026-000001
Date: Tue, 10 Mar 2026 15:59:00 +0100
Message-ID: <charset-0310@acme.fr>
Content-Type: text/plain; charset="x-unknown-charset"

Nous contestons 40,00 € car notre compteur indique 26 000 crédits.
""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=True, reasons=[],
    received_at="2026-03-10T16:00:00+01:00", acknowledge_by="2026-03-11", answer_by="2026-03-17")

raw("62-no-message-id", """
Received: from mx.flexio.fr by imap.flexio.fr; Tue, 10 Mar 2026 16:30:00 +0100
From: compta@acme.fr
To: compta@flexio.fr
Subject: Bonjour
Date: Tue, 10 Mar 2026 16:29:00 +0100

Pouvez-vous nous rappeler au sujet de notre compte ?
""", kind="other", invoice=None, amount=None, valid=False, reasons=[],
    received_at="2026-03-10T16:30:00+01:00", acknowledge_by="2026-03-11", answer_by="2026-03-17")

alt = MIMEMultipart("alternative")
alt.attach(MIMEText("Sorry, see HTML.", "plain", "utf-8"))
cs = Charset("utf-8")
cs.body_encoding = BASE64
alt.attach(MIMEText(
    "<div>We disagree with invoice FX-2026-000002: EUR 120.00 was billed for support hours that our "
    "team never used.</div><blockquote>On Mon, 2 Mar 2026, FLEXIO wrote: your invoice of EUR 600.00</blockquote>",
    "html", cs))
built("63-en-html-base64-with-blockquote", headers(
    alt, Received="from mx.flexio.fr by imap.flexio.fr; Wed, 11 Mar 2026 09:00:00 +0100",
    From="ap@globex.com", To="compta@flexio.fr", Subject="Re: Your invoice",
    Date="Wed, 11 Mar 2026 08:59:00 +0100", Message_ID="<html-b64-0311@globex.com>",
), kind="other", invoice=None, amount=None, valid=False, reasons=[],
    # text/plain wins when present ("Sorry, see HTML."): the part a client shows first; finance reads it
    received_at="2026-03-11T09:00:00+01:00", acknowledge_by="2026-03-12", answer_by="2026-03-18")

built("64-en-html-only-base64-dispute", headers(
    MIMEText(
        "<div>We disagree with invoice FX-2026-000002: EUR 120.00 was billed for support hours that our "
        "team never used.</div><blockquote>On Mon, 2 Mar 2026, FLEXIO wrote: your invoice of EUR 600.00"
        "</blockquote>", "html", cs),
    Received="from mx.flexio.fr by imap.flexio.fr; Wed, 11 Mar 2026 09:30:00 +0100",
    From="ap@globex.com", To="compta@flexio.fr", Subject="Re: Your invoice",
    Date="Wed, 11 Mar 2026 09:29:00 +0100", Message_ID="<html-only-b64-0311@globex.com>",
), kind="dispute", invoice="FX-2026-000002", amount="120.00", valid=True, reasons=[],
    received_at="2026-03-11T09:30:00+01:00", acknowledge_by="2026-03-12", answer_by="2026-03-18")

raw("65-fr-dispute-threatens-termination", f"""
{RCV.format("Thu, 19 Mar 2026 11:00:00 +0100")}
From: compta@acme.fr
To: compta@flexio.fr
Subject: Contestation FX-2026-000001
Date: Thu, 19 Mar 2026 10:59:00 +0100
Message-ID: <threat-0319@acme.fr>

Nous contestons 40,00 € de dépassement car notre plafond a été relevé. Sans correction, nous
envisagerons la résiliation du contrat.
""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=True, reasons=[],
    received_at="2026-03-19T11:00:00+01:00", acknowledge_by="2026-03-20", answer_by="2026-03-26")

raw("66-en-dispute-on-friday-before-holiday-weekend", f"""
{RCV.format("Thu, 14 May 2026 20:00:00 +0200")}
From: factures@initech.fr
To: compta@flexio.fr
Subject: Dispute FX-2026-000017
Date: Thu, 14 May 2026 19:59:00 +0200
Message-ID: <ascension-0514@initech.fr>

We dispute EUR 400.00 because the plan changed on 1 April as agreed with our account manager.
""", kind="dispute", invoice="FX-2026-000017", amount="400.00", valid=False, reasons=["out_of_window"],
    # Ascension Thursday 14 May 2026 (holiday): next business day Friday 15; issued 1 April, window to 21 April
    received_at="2026-05-14T20:00:00+02:00", acknowledge_by="2026-05-15", answer_by="2026-05-21")

raw("67-fr-amount-with-dots", f"""
{RCV.format("Wed, 08 Apr 2026 10:00:00 +0200")}
From: factures@initech.fr
To: compta@flexio.fr
Subject: Réclamation FX-2026-000017
Date: Wed, 08 Apr 2026 09:59:00 +0200
Message-ID: <dots-0408@initech.fr>

Nous contestons la somme de 1.200,00 EUR facturée au titre du forfait, car nous avons changé de
forfait au 1er avril.
""", kind="dispute", invoice="FX-2026-000017", amount="1200.00", valid=True, reasons=[],
    received_at="2026-04-08T10:00:00+02:00", acknowledge_by="2026-04-09", answer_by="2026-04-15")

# ---------------------------------------------------------------------------------------------
# Option requests (art. 17.1): the customer objects to being cited as a commercial reference
raw("70-fr-reference-opt-out-to-privacy", f"""
{RCV.format("Tue, 05 May 2026 10:00:00 +0200")}
From: Direction ACME <direction@acme.fr>
To: privacy@flexio.fr
Subject: Références commerciales
Date: Tue, 05 May 2026 09:59:00 +0200
Message-ID: <optout-0505@acme.fr>

Madame, Monsieur,
Nous nous opposons à ce que FLEXIO mentionne notre marque et utilise notre logo dans ses références
commerciales, conformément à l'article 17.1 des conditions spécifiques.
""", kind="other", invoice=None, amount=None, valid=False, reasons=[], request="reference_opt_out",
    received_at="2026-05-05T10:00:00+02:00", acknowledge_by="2026-05-06", answer_by="2026-05-12")

raw("71-en-reference-opt-out", f"""
{RCV.format("Wed, 06 May 2026 10:00:00 +0200")}
From: ap@globex.com
To: compta@flexio.fr, privacy@flexio.fr
Subject: Customer references
Date: Wed, 06 May 2026 09:59:00 +0200
Message-ID: <optout-0506@globex.com>

Hello, please remove Globex from your customer references and stop using our logo on your website.
""", kind="other", invoice=None, amount=None, valid=False, reasons=[], request="reference_opt_out",
    # Friday 8 May is a holiday (Victoire 1945) but the next business day after Wednesday 6 is Thursday 7
    received_at="2026-05-06T10:00:00+02:00", acknowledge_by="2026-05-07", answer_by="2026-05-13")

# ---------------------------------------------------------------------------------------------
# Messages as the usual clients write them (issue 19 item 4): each client's own headers, boundaries
# and encodings. Outlook: Thread-Topic/Thread-Index, Content-Language, X-MS-Has-Attach,
# =?iso-8859-1?Q? words, MsoNormal HTML, "De : … Envoyé : …" quote headers, winmail.dat. Gmail:
# 000000000000… boundaries, <CA…@mail.gmail.com> ids, wrapped "On … wrote:" lines, gmail_quote.
# Apple Mail: Apple-Mail= boundaries, "Mime-Version: 1.0 (Mac OS X Mail …)", "Début du message
# réexpédié". Thunderbird: User-Agent, Content-Language, format=flowed ISO-8859-1.
OUTLOOK_FR_HTML = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" \
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" \
xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;}
span.EmailStyle17
	{mso-style-type:personal-compose;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]-->
</head>
<body lang="FR" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
<p class="MsoNormal">Bonjour,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Nous revenons vers vous au sujet de la facture FX-2026-000001 d&#8217;un montant de \
1&nbsp;415,15&nbsp;&#8364; TTC&nbsp;: \
erreur sur le d\u00e9passement (montant contest\u00e9&nbsp;: 40,00&nbsp;&#8364;). Notre avenant du 1<sup>er</sup> f\u00e9vrier \
a relev\u00e9 le plafond \u00e0 50&nbsp;000 cr\u00e9dits.<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Bien cordialement,<o:p></o:p></p>
<p class="MsoNormal"><b><span style="color:#1F3864">Claire MARTIN</span></b><span style="color:#1F3864"><br>
Responsable comptabilit\u00e9 fournisseurs &#8211; ACME<o:p></o:p></span></p>
</div>
</body>
</html>
"""
raw("14-fr-outlook-html-only-quoted-printable", f"""
Received: from EUR03-AM7-obe.outbound.protection.outlook.com
 (mail-am7eur03on2098.outbound.protection.outlook.com [40.107.105.98])
\tby mx.flexio.fr (Postfix) with ESMTPS id 4ZKq2m0xQzz9sWb
\tfor <compta@flexio.fr>; Wed, 11 Mar 2026 10:02:14 +0100 (CET)
Received: from PAXPR02MB7263.eurprd02.prod.outlook.com (2603:10a6:102:1c1::14)
 by AS8PR02MB9625.eurprd02.prod.outlook.com with HTTPS; Wed, 11 Mar 2026 09:02:11 +0000
From: MARTIN Claire <compta@acme.fr>
To: "compta@flexio.fr" <compta@flexio.fr>
Subject: =?iso-8859-1?Q?R=E9clamation_facture_FX-2026-000001?=
Thread-Topic: =?iso-8859-1?Q?R=E9clamation_facture_FX-2026-000001?=
Thread-Index: AdqUl3mJq0mGfGx1SC2Yb4N7u1c0Aw==
Date: Wed, 11 Mar 2026 09:02:09 +0000
Message-ID: <PAXPR02MB72639E4B1D2A7C3F5E0B8A41D9A62@PAXPR02MB7263.eurprd02.prod.outlook.com>
Accept-Language: fr-FR, en-US
Content-Language: fr-FR
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
x-ms-exchange-senderadcheck: 1
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

{qp(OUTLOOK_FR_HTML, "iso-8859-1")}""", kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=True, reasons=[],
    # the total 1 415,15 € TTC is quoted beside the claim; the contested amount is 40,00 €.
    # Wednesday 10:02 in Paris: acknowledge Thursday 12, answer 11 + 7 = 18 March
    received_at="2026-03-11T10:02:14+01:00", acknowledge_by="2026-03-12", answer_by="2026-03-18")

raw("15-en-gmail-reply-above-quoted-history", """
Received: by mail-lj1-f171.google.com with SMTP id 38308e7fff4ca-2f3f1c5a8f5so51211fa.1
        for <compta@flexio.fr>; Thu, 12 Mar 2026 08:47:21 -0700 (PDT)
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=globex.com; s=google; t=1773330441; x=1773935241;
        h=to:subject:message-id:date:from:in-reply-to:references:mime-version:from:to:cc:subject;
        bh=Xq7pXv0pFLa9Rz2f1Yq7qcb3kFZ1w2m0s3xWm8hQjxU=;
        b=NkP3Yf0xK2b4u9GfT1jYc8k3Qm2sVh6pZ1RrC0aE7wL5uD9oB4iM6tN8yS2xJ0qH
MIME-Version: 1.0
References: <invoice-globex-0302@flexio.fr>
In-Reply-To: <invoice-globex-0302@flexio.fr>
From: Dana Ng <dana.ng@globex.com>
Date: Thu, 12 Mar 2026 16:47:09 +0100
Message-ID: <CAJx3Kq8mV0n7yF1c+bW2t9dPzQ4R8xLk5sE3hN6o_fG1uA0pYw@mail.gmail.com>
Subject: Re: Your March invoices
To: FLEXIO =?UTF-8?Q?Comptabilit=C3=A9?= <compta@flexio.fr>
Content-Type: multipart/alternative; boundary="0000000000004f8e1c0614c3a7d2"

--0000000000004f8e1c0614c3a7d2
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Hello,

We dispute EUR 120.00 on invoice FX-2026-000002: the Advanced Support option
was ended in January and we never used it in February.

Thanks,
Dana

On Mon, Mar 2, 2026 at 9:00=E2=80=AFAM FLEXIO Comptabilit=C3=A9 <compta@flexio=
.fr>
wrote:

> Hello,
>
> Please find attached invoice FX-2026-000009 of EUR 950.00 and invoice
> FX-2026-000002 of EUR 600.00. Any dispute must reach us within 20 days.
>
> FLEXIO
>

--0000000000004f8e1c0614c3a7d2
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr"><div>Hello,</div><div><br></div><div>We dispute EUR 120.00 o=
n invoice FX-2026-000002: the Advanced Support option was ended in January an=
d we never used it in February.</div><div><br></div><div>Thanks,</div><div>Da=
na</div></div><br><div class=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_=
attr">On Mon, Mar 2, 2026 at 9:00=E2=80=AFAM FLEXIO Comptabilit=C3=A9 &lt;<a h=
ref=3D"mailto:compta@flexio.fr">compta@flexio.fr</a>&gt; wrote:<br></div><bloc=
kquote class=3D"gmail_quote" style=3D"margin:0px 0px 0px 0.8ex;border-left:1p=
x solid rgb(204,204,204);padding-left:1ex">Hello,<br><br>Please find attached=
 invoice FX-2026-000009 of EUR 950.00 and invoice FX-2026-000002 of EUR 600.0=
0. Any dispute must reach us within 20 days.<br><br>FLEXIO<br></blockquote></=
div>

--0000000000004f8e1c0614c3a7d2--
""", kind="dispute", invoice="FX-2026-000002", amount="120.00", valid=True, reasons=[],
    # the quoted history names FX-2026-000009 and EUR 950.00 first: history, not the claim.
    # 08:47 PDT is 15:47 UTC, 16:47 in Paris, Thursday: acknowledge Friday 13, answer 12 + 7 = 19 March
    received_at="2026-03-12T16:47:21+01:00", acknowledge_by="2026-03-13", answer_by="2026-03-19")

APPLE_TEXT = """Pour suite à donner, voir ci-dessous.

Peter

> Début du message réexpédié :
>
> De: Samir Nagheenanajar <samir@initech.fr>
> Objet: Facture FX-2026-000017
> Date: 7 avril 2026 à 09:12:33 UTC+2
> À: Peter Gibbons <p.gibbons@initech.fr>
>
> Peter, peux-tu transmettre à FLEXIO : la facture FX-2026-000017 d’un montant de 2 400,00 € TTC
> facture le forfait Pro depuis le 1er mars, alors que nous sommes passés au forfait Start au 1er
> mars (montant contesté : 350,00 €).
>
> Samir
"""
APPLE_HTML = """<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body \
style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">Pour suite à donner, \
voir ci-dessous.<div><br></div><div>Peter<br id="lineBreakAtBeginningOfMessage"><div><br><blockquote type="cite">\
<div>Début du message réexpédié&nbsp;:</div><br class="Apple-interchange-newline"><div style="margin: 0px;"><span \
style="font-family: -webkit-system-font;"><b>De: </b></span>Samir Nagheenanajar &lt;samir@initech.fr&gt;</div>\
<div><b>Objet: </b>Facture FX-2026-000017</div><div><b>Date: </b>7 avril 2026 à 09:12:33 UTC+2</div><div><b>À: </b>\
Peter Gibbons &lt;p.gibbons@initech.fr&gt;</div><br><div>Peter, peux-tu transmettre à FLEXIO : la facture \
FX-2026-000017 d’un montant de 2&nbsp;400,00&nbsp;€ TTC facture le forfait Pro depuis le 1er mars, alors que nous \
sommes passés au forfait Start au 1er mars (montant contesté : 350,00&nbsp;€).</div><div><br></div><div>Samir</div>\
</blockquote></div><br></div></body></html>
"""
raw("16-fr-apple-mail-forward", f"""
Received: from smtpclient.apple (lfbn-bes-1-712-34.w92-150.abo.wanadoo.fr [92.150.34.12])
\tby mx.initech.fr (Postfix) with ESMTPSA id 8F2D1C0142
\tfor <compta@flexio.fr>; Tue,  7 Apr 2026 18:44:58 +0200 (CEST)
Received: from mx.initech.fr by mx.flexio.fr (Postfix) with ESMTPS; Tue, 07 Apr 2026 18:45:00 +0200
From: Peter Gibbons <p.gibbons@initech.fr>
Content-Type: multipart/alternative;
\tboundary="Apple-Mail=_6C1F2B4E-91A7-4D3B-9E0F-2A8C5D7B3E61"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.400.131.1.6\\))
Subject: Fwd: Facture FX-2026-000017
Date: Tue, 7 Apr 2026 18:44:51 +0200
References: <5B0D3E2A-7F1C-4E6B-A2D9-0C8E4F1B7A35@initech.fr>
To: compta@flexio.fr
Message-Id: <A4E7C2B9-3D51-4F08-8B6A-E1C9D27F5043@initech.fr>
X-Mailer: Apple Mail (2.3826.400.131.1.6)


--Apple-Mail=_6C1F2B4E-91A7-4D3B-9E0F-2A8C5D7B3E61
Content-Transfer-Encoding: quoted-printable
Content-Type: text/plain;
\tcharset=utf-8

{qp(APPLE_TEXT, "utf-8")}
--Apple-Mail=_6C1F2B4E-91A7-4D3B-9E0F-2A8C5D7B3E61
Content-Transfer-Encoding: quoted-printable
Content-Type: text/html;
\tcharset=utf-8

{qp(APPLE_HTML, "utf-8")}
--Apple-Mail=_6C1F2B4E-91A7-4D3B-9E0F-2A8C5D7B3E61--
""", kind="dispute", invoice="FX-2026-000017", amount="350.00", valid=True, reasons=[], flags=["forwarded"],
    # Apple Mail quotes the forwarded message with "> ": a forward is read whole. Tuesday 18:45:
    # acknowledge Wednesday 8, answer 7 + 7 = 14 April; the total 2 400,00 € TTC is not the claim
    received_at="2026-04-07T18:45:00+02:00", acknowledge_by="2026-04-08", answer_by="2026-04-14")

THUNDERBIRD_TEXT = """Bonjour,

Nous contestons 80,00 EUR sur la facture FX-2026-000002 : la remise \n\
n\u00e9goci\u00e9e de 10 % n'a pas \u00e9t\u00e9 appliqu\u00e9e sur l'abonnement de f\u00e9vrier.

Cordialement,

Fran\u00e7ois Br\u00e9hat
Comptabilit\u00e9 fournisseurs - Globex

Le 02/03/2026 \u00e0 09:00, FLEXIO Comptabilit\u00e9 a \u00e9crit\u00a0:
> Bonjour,
>
> Veuillez trouver ci-joint la facture FX-2026-000002 d'un montant de \n\
> 600,00 \u20ac TTC.
>
> Cordialement,
> FLEXIO
"""
raw("17-fr-thunderbird-latin1-flowed", f"""
Received: from [192.168.1.23] (bzq-79-180-12-4.red.bezeqint.net [79.180.12.4])
\tby smtp.globex.com (Postfix) with ESMTPSA id 4C1F2A03E1
\tfor <compta@flexio.fr>; Mon, 16 Mar 2026 09:31:00 +0100 (CET)
Received: from smtp.globex.com by mx.flexio.fr (Postfix) with ESMTPS; Mon, 16 Mar 2026 09:31:02 +0100
Message-ID: <8d2f7c1e-5b4a-4e93-a0c6-3f9e21b7d480@globex.com>
Date: Mon, 16 Mar 2026 09:30:57 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: Votre facture FX-2026-000002
Content-Language: fr
To: =?ISO-8859-1?Q?FLEXIO_Comptabilit=E9?= <compta@flexio.fr>
References: <invoice-FX-2026-000002@flexio.fr>
From: =?ISO-8859-1?Q?Fran=E7ois_Br=E9hat?= <ap@globex.com>
In-Reply-To: <invoice-FX-2026-000002@flexio.fr>
Content-Type: text/plain; charset=ISO-8859-1; format=flowed
Content-Transfer-Encoding: quoted-printable

{qp(THUNDERBIRD_TEXT.replace(chr(0x20ac), "EUR"), "iso-8859-1")}""", kind="dispute", invoice="FX-2026-000002",
    amount="80.00", valid=True, reasons=[],
    # format=flowed: a line ending in a space continues on the next. The quoted 600,00 EUR TTC is
    # history. Monday 09:31: acknowledge Tuesday 17, answer 16 + 7 = 23 March
    received_at="2026-03-16T09:31:02+01:00", acknowledge_by="2026-03-17", answer_by="2026-03-23")

# A TNEF stream as Outlook writes winmail.dat: the signature 0x223E9F78, a key, then attributes.
TNEF = bytes.fromhex("789f3e22a1b3010690080004000000000001000100010790060008000000e4040000000000e8000108800700") + (
    b"\x18\x00IPM.Microsoft Mail.Note\x00" + bytes(48))
raw("18-en-outlook-winmail-dat", f"""
Received: from mail.initech.fr (mail.initech.fr [198.51.100.44]) by mx.flexio.fr (Postfix) with ESMTPS
\tid 4ZPr7b1cM2z9sVd for <compta@flexio.fr>; Thu,  9 Apr 2026 11:20:03 +0200 (CEST)
Received: from EXCH01.initech.local (10.1.2.11) by EXCH01.initech.local (10.1.2.11) with Microsoft SMTP Server
 (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.1544.4; Thu, 9 Apr 2026 11:19:58 +0200
From: Accounts Payable <factures@initech.fr>
To: "compta@flexio.fr" <compta@flexio.fr>
Subject: Dispute - invoice FX-2026-000017
Thread-Topic: Dispute - invoice FX-2026-000017
Thread-Index: AQHaqS1m0v7Hk9uQO0e6b3T5yX2cAg==
Date: Thu, 9 Apr 2026 09:19:57 +0000
Message-ID: <4f1b2c3d5e6f4a7b8c9d0e1f2a3b4c5d@EXCH01.initech.local>
Accept-Language: en-US
Content-Language: en-US
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator: <4f1b2c3d5e6f4a7b8c9d0e1f2a3b4c5d@EXCH01.initech.local>
X-Mailer: Microsoft Outlook 16.0
Content-Type: multipart/mixed; boundary="_002_4f1b2c3d5e6f4a7b8c9d0e1f2a3b4c5dEXCH01initechlocal_"
MIME-Version: 1.0

--_002_4f1b2c3d5e6f4a7b8c9d0e1f2a3b4c5dEXCH01initechlocal_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Dear FLEXIO team,

Invoice total: EUR 2,400.00. Disputed amount: EUR 400.00.

The Advanced Support pack was billed for April although it was ended on 31 M=
arch, as confirmed by your account manager. The usage statement is attached.

Kind regards,
Initech Accounts Payable

--_002_4f1b2c3d5e6f4a7b8c9d0e1f2a3b4c5dEXCH01initechlocal_
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Description: winmail.dat
Content-Disposition: attachment; filename="winmail.dat"; size={len(TNEF)};
\tcreation-date="Thu, 09 Apr 2026 09:19:57 GMT";
\tmodification-date="Thu, 09 Apr 2026 09:19:57 GMT"
Content-Transfer-Encoding: base64

{b64(TNEF)}
--_002_4f1b2c3d5e6f4a7b8c9d0e1f2a3b4c5dEXCH01initechlocal_--
""", kind="dispute", invoice="FX-2026-000017", amount="400.00", valid=True, reasons=[], attachments=1,
    # Thursday 11:20: acknowledge Friday 10, answer 9 + 7 = 16 April
    received_at="2026-04-09T11:20:03+02:00", acknowledge_by="2026-04-10", answer_by="2026-04-16")

OUTLOOK_FORWARD = """Bonjour,

Je vous transf\u00e8re la r\u00e9clamation de ma coll\u00e8gue, pour traitement.

Paul Durand
ACME

________________________________
De : Sophie Bernard <s.bernard@acme.fr>
Envoy\u00e9 : mercredi 18 mars 2026 17:02
\u00c0 : Paul Durand <paul.durand@acme.fr>
Objet : Facture FX-2026-000001

Paul,

La facture FX-2026-000001 d'un montant de 1 415,15 \u20ac TTC comporte une erreur sur le d\u00e9passement (montant \n\
contest\u00e9 : 40,00 \u20ac) : notre plafond a \u00e9t\u00e9 relev\u00e9 \u00e0 50 000 cr\u00e9dits par \
l'avenant de f\u00e9vrier.

Sophie
"""
m = MIMEMultipart("alternative")
cs = Charset("iso-8859-1")
cs.body_encoding = QP
m.attach(MIMEText(OUTLOOK_FORWARD.replace("\u20ac", "EUR"), "plain", cs))
m.attach(MIMEText("<html><body lang=\"FR\"><div class=\"WordSection1\">" + "".join(
    f"<p class=\"MsoNormal\">{escape(line).replace(chr(0x20ac), '&#8364;') or '&nbsp;'}<o:p></o:p></p>\n"
    for line in OUTLOOK_FORWARD.splitlines()) + "</div></body></html>", "html", cs))
built("19-fr-outlook-forward", headers(
    m, Received="from mx.acme.fr by mx.flexio.fr (Postfix) with ESMTPS; Thu, 19 Mar 2026 08:15:00 +0100",
    From="DURAND Paul <paul.durand@acme.fr>", To="\"compta@flexio.fr\" <compta@flexio.fr>",
    Subject="TR: Facture FX-2026-000001",
    Thread_Topic="Facture FX-2026-000001", Thread_Index="AQHatQ2d6Jm0y9iFhk2U1J0nS3yC4QAAxU3w",
    Date="Thu, 19 Mar 2026 07:14:52 +0000",
    Message_ID="<AM9PR02MB71561F0C3E2B4D5A6C7E8F90A1B2C@AM9PR02MB7156.eurprd02.prod.outlook.com>",
    Accept_Language="fr-FR, en-US", Content_Language="fr-FR", X_MS_Has_Attach="", X_MS_TNEF_Correlator="",
), kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=True, reasons=[], flags=["forwarded"],
    # "TR :" is French Outlook's forward; the forwarded text is read whole. Thursday 08:15:
    # acknowledge Friday 20, answer 19 + 7 = 26 March
    received_at="2026-03-19T08:15:00+01:00", acknowledge_by="2026-03-20", answer_by="2026-03-26")

raw("32-en-gmail-reply-no-amount-quoted-amount", """
Received: by mail-ed1-f44.google.com with SMTP id 4fb4d7f45d1cf-5c96a3d1e0cso88021a12.0
        for <compta@flexio.fr>; Tue, 17 Mar 2026 07:05:40 -0700 (PDT)
MIME-Version: 1.0
References: <invoice-globex-0302@flexio.fr>
In-Reply-To: <invoice-globex-0302@flexio.fr>
From: Accounts Payable <ap@globex.com>
Date: Tue, 17 Mar 2026 15:05:31 +0100
Message-ID: <CAB9pQ2s4Wn1xT7r0Ld3oE8vK5cYh6ZgM1aUf2bJk9Rq=Xw3nPA@mail.gmail.com>
Subject: Re: Your March invoices
To: compta@flexio.fr
Content-Type: multipart/alternative; boundary="000000000000b7c2d90614f1e2a4"

--000000000000b7c2d90614f1e2a4
Content-Type: text/plain; charset="UTF-8"

We dispute invoice FX-2026-000002 because the Advanced Support option was
cancelled in January, according to our records.

On Mon, Mar 2, 2026 at 9:00 AM FLEXIO <compta@flexio.fr> wrote:

> Please find attached invoice FX-2026-000009 of EUR 950.00 and invoice
> FX-2026-000002 of EUR 600.00.
>

--000000000000b7c2d90614f1e2a4
Content-Type: text/html; charset="UTF-8"

<div dir="ltr">We dispute invoice FX-2026-000002 because the Advanced Support option was cancelled in January, \
according to our records.</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Mar 2, 2026 \
at 9:00 AM FLEXIO &lt;<a href="mailto:compta@flexio.fr">compta@flexio.fr</a>&gt; wrote:<br></div><blockquote \
class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">\
Please find attached invoice FX-2026-000009 of EUR 950.00 and invoice FX-2026-000002 of EUR 600.00.<br></blockquote></div>

--000000000000b7c2d90614f1e2a4--
""", kind="dispute", invoice="FX-2026-000002", amount=None, valid=False, reasons=["no_amount"],
    # the only amounts are in the quoted history: the claim names none (art. 10.2). 07:05 PDT is
    # 15:05 in Paris, Tuesday: acknowledge Wednesday 18, answer 17 + 7 = 24 March
    received_at="2026-03-17T15:05:40+01:00", acknowledge_by="2026-03-18", answer_by="2026-03-24")

OUTLOOK_REPLY = """Bonjour,

Merci pour votre retour. En revanche, nous contestons toujours 40,00 \u20ac sur la facture FX-2026-000001 : \n\
le d\u00e9passement y est calcul\u00e9 sur 35 000 cr\u00e9dits alors que notre relev\u00e9 en indique 26 000.

Cordialement,
Claire MARTIN

De : FLEXIO Comptabilit\u00e9 <compta@flexio.fr>
Envoy\u00e9 : lundi 9 mars 2026 16:40
\u00c0 : MARTIN Claire <compta@acme.fr>
Objet : Votre facture FX-2026-000009

Bonjour,

Votre facture FX-2026-000009 d'un montant de 950,00 \u20ac TTC est disponible. Le montant contest\u00e9 de \n\
120,00 \u20ac sur la facture pr\u00e9c\u00e9dente a fait l'objet d'un avoir.

FLEXIO \u2013 Comptabilit\u00e9
"""
m = MIMEMultipart("alternative")
cs = Charset("windows-1252")
cs.body_encoding = QP
m.attach(MIMEText(OUTLOOK_REPLY.replace(" \n", "\n"), "plain", cs))
m.attach(MIMEText("<html><body lang=\"FR\"><div class=\"WordSection1\">" + "".join(
    f"<p class=\"MsoNormal\">{escape(line).replace(chr(0x20ac), '&#8364;') or '&nbsp;'}<o:p></o:p></p>\n"
    for line in OUTLOOK_REPLY.splitlines()) + "</div></body></html>", "html", cs))
built("33-fr-outlook-reply-subject-names-another-invoice", headers(
    m, Received="from mx.acme.fr by mx.flexio.fr (Postfix) with ESMTPS; Tue, 10 Mar 2026 11:05:00 +0100",
    From="MARTIN Claire <compta@acme.fr>", To="FLEXIO =?windows-1252?Q?Comptabilit=E9?= <compta@flexio.fr>",
    Subject="RE: Votre facture FX-2026-000009", Thread_Topic="Votre facture FX-2026-000009",
    Thread_Index="AQHasR5n2Ck0t8WmTUq9Fh3c7Jp1AgAAbYxQ", In_Reply_To="<invoice-FX-2026-000009@flexio.fr>",
    References="<invoice-FX-2026-000009@flexio.fr>", Date="Tue, 10 Mar 2026 10:04:48 +0000",
    Message_ID="<PAXPR02MB7263A1C4E9F0B2D3E5A6B7C8D9E0F@PAXPR02MB7263.eurprd02.prod.outlook.com>",
    Accept_Language="fr-FR, en-US", Content_Language="fr-FR", X_MS_Has_Attach="", X_MS_TNEF_Correlator="",
), kind="dispute", invoice="FX-2026-000001", amount="40.00", valid=True, reasons=[],
    # the reply's subject and its quoted history name FX-2026-000009, 950,00 € and a "montant
    # contesté" of 120,00 €: all the thread's; the claim is written above them. Tuesday 11:05:
    # acknowledge Wednesday 11, answer 10 + 7 = 17 March
    received_at="2026-03-10T11:05:00+01:00", acknowledge_by="2026-03-11", answer_by="2026-03-17")

# ---------------------------------------------------------------------------------------------
# Newsletters and spam that say "wrong" (issue 19 item 4): none is a dispute. Before, each of them
# was one, because one word decided. Several carry no List-Unsubscribe header (sent by a small
# vendor's own SMTP, or forwarded by a colleague), so only their evidence can tell.
raw("72-en-newsletter-saas-release-notes", """
Received: from mta-201.updates.stackly.io (mta-201.updates.stackly.io [203.0.113.201])
\tby mx.flexio.fr (Postfix) with ESMTPS id 4ZJ0q1Rw3Zz9sTt for <compta@flexio.fr>; Mon,  9 Mar 2026 07:30:12 +0100 (CET)
From: Stackly Product Team <news@updates.stackly.io>
To: compta@flexio.fr
Subject: What went wrong in February, and what's new in Stackly 4.2
Date: Mon, 09 Mar 2026 06:30:05 +0000
Message-ID: <20260309063005.7f3a9c1e2b4d@updates.stackly.io>
MIME-Version: 1.0
X-Mailer: Customer.io
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hi there,

Something went wrong with CSV exports on 12 February: invoices with more than 1,000 lines were cut
short. That is fixed, and every affected workspace got a refund of one month.

New in 4.2: scheduled reports, and the Team plan now starts at €12 per seat per month.

Read the full release notes: https://stackly.io/changelog/4-2

You are receiving this email because you signed up for Stackly product updates.
Manage your email preferences or unsubscribe: https://updates.stackly.io/prefs/7f3a9c1e
""", kind="other", invoice=None, amount=None, valid=False, reasons=[], flags=["unknown_sender"],
    received_at="2026-03-09T07:30:12+01:00", acknowledge_by="2026-03-10", answer_by="2026-03-16")

news_fr = """<html><head><meta charset="utf-8"><title>Facturo</title></head><body>
<table width="600" align="center"><tr><td><a href="https://facturo.example/v/0310">Voir la version en ligne</a></td></tr>
<tr><td><h1>5 erreurs de facturation qui coûtent cher</h1>
<p>Un mauvais taux de TVA, une facture erronée, une mention légale oubliée : ce qui tourne mal (what goes wrong)
quand on facture à la main, et comment Facturo l'évite.</p>
<p>Offre de printemps : 19,00 € HT par mois au lieu de 29,00 €.</p></td></tr>
<tr><td><small>Vous recevez cet email car vous êtes inscrit à la lettre de Facturo. <a href="https://facturo.example/u/
0310">Se désabonner</a></small></td></tr></table></body></html>"""
built("73-fr-newsletter-invoicing-software", headers(
    MIMEText(news_fr, "html", "utf-8"),
    Received="from smtp.facturo.example by mx.flexio.fr (Postfix) with ESMTPS; Tue, 10 Mar 2026 06:00:00 +0100",
    From="Facturo <bonjour@facturo.example>", To="compta@flexio.fr",
    Subject="=?utf-8?Q?5_erreurs_de_facturation_qui_co=C3=BBtent_cher?=",
    Date="Tue, 10 Mar 2026 05:59:41 +0100", Message_ID="<lettre-0310.a81c@facturo.example>",
    X_Mailer="Sendinblue",
), kind="other", invoice=None, amount=None, valid=False, reasons=[], flags=["unknown_sender"],
    received_at="2026-03-10T06:00:00+01:00", acknowledge_by="2026-03-11", answer_by="2026-03-17")

raw("74-en-newsletter-from-a-customer-domain", """
Received: from mail.initech.fr (mail.initech.fr [198.51.100.44])
	by mx.flexio.fr (Postfix) with ESMTPS; Wed, 11 Mar 2026 08:00:04 +0100
From: Initech Insights <marketing@initech.fr>
To: compta@flexio.fr
Subject: Initech Insights #12: three things that go wrong with recurring invoices
Date: Wed, 11 Mar 2026 08:00:00 +0100
Message-ID: <insights-12-0311@initech.fr>
MIME-Version: 1.0
X-Mailer: Initech Campaigns 3.1
Content-Type: text/plain; charset=utf-8

INITECH INSIGHTS #12

Three things that go wrong with recurring invoices, and how our TPS module fixes them:
1. A wrong billing address on the first invoice.
2. Prorated plans billed twice in the month of a change.
3. Credit notes that never reach the customer.

TPS Cloud starts at EUR 49.00 a month. Book a demo: https://www.initech.fr/demo

You are receiving this newsletter as an Initech contact. Unsubscribe: https://www.initech.fr/u/cf93
(c) 2026 Initech. All rights reserved.
""", kind="other", invoice=None, amount=None, valid=False, reasons=[],
    # initech.fr is a customer's billing domain, so the sender is known (no unknown_sender flag):
    # the words still say a newsletter, with no invoice of ours
    received_at="2026-03-11T08:00:04+01:00", acknowledge_by="2026-03-12", answer_by="2026-03-18")

raw("75-en-webinar-invitation", """
Received: from mail177-9.suw61.mandrillapp.com (mail177-9.suw61.mandrillapp.com [198.2.177.9])
\tby mx.flexio.fr (Postfix) with ESMTPS; Thu, 12 Mar 2026 16:00:09 +0100
From: "SaaS Metrics Live" <events@saasmetrics.example>
Reply-To: events@saasmetrics.example
To: compta@flexio.fr
Subject: Webinar: why your revenue recognition is probably wrong
Date: Thu, 12 Mar 2026 15:00:02 +0000
Message-ID: <20260312150002.12087.5566@saasmetrics.example>
MIME-Version: 1.0
X-MC-User: 4c2a9d1f07be6a3e55b1c0d92
X-Mailer: Mailchimp Mailer - **CID1b2c3d4e5f**
Content-Type: text/plain; charset=utf-8

Join our free webinar on 26 March: "Why your revenue recognition is probably wrong".

Usage-based billing, refunds and mid-month upgrades: our CFO panel walks through the mistakes
auditors find most often in SaaS invoicing.

Register: https://saasmetrics.example/webinar-0326

View this email in your browser: https://saasmetrics.example/v/0312
""", kind="other", invoice=None, amount=None, valid=False, reasons=[], flags=["unknown_sender"],
    received_at="2026-03-12T16:00:09+01:00", acknowledge_by="2026-03-13", answer_by="2026-03-19")

raw("76-fr-newsletter-forwarded-by-customer", """
Received: from mx.acme.fr by mx.flexio.fr (Postfix) with ESMTPS; Fri, 13 Mar 2026 09:00:02 +0100
From: Claire Martin <compta@acme.fr>
To: compta@flexio.fr
Subject: TR: Les erreurs de facturation les plus fréquentes
Date: Fri, 13 Mar 2026 08:59:47 +0100
Message-ID: <fwd-newsletter-0313@acme.fr>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Pour info, cet article pourrait vous intéresser.

-------- Message transféré --------
Sujet : Les erreurs de facturation les plus fréquentes
Date : Thu, 12 Mar 2026 07:00:00 +0100
De : La Lettre du DAF <lettre@daf-magazine.example>

Les erreurs de facturation les plus fréquentes : la mauvaise TVA (wrong VAT rate), la facture
erronée envoyée deux fois, l'avoir oublié. Abonnement à la lettre : 9,90 € par mois.
Vous recevez cet email car vous êtes abonné à La Lettre du DAF. Se désabonner.
""", kind="other", invoice=None, amount=None, valid=False, reasons=[], flags=["forwarded"],
    received_at="2026-03-13T09:00:02+01:00", acknowledge_by="2026-03-16", answer_by="2026-03-20")

raw("77-en-newsletter-status-digest", """
Received: from o1.email.uptimewatch.example (o1.email.uptimewatch.example [192.0.2.77])
\tby mx.flexio.fr (Postfix) with ESMTPS; Mon, 16 Mar 2026 05:00:31 +0100
From: UptimeWatch <digest@uptimewatch.example>
To: compta@flexio.fr
Subject: Your monthly digest: what went wrong in February
Date: Mon, 16 Mar 2026 04:00:20 +0000
Message-ID: <digest.2026-02.a7c3@uptimewatch.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

February at a glance: 2 incidents, 99.97% uptime.

What went wrong: a DNS provider outage on 18 February made 4 checks report incorrect results for
11 minutes. Customers on the Business plan were credited automatically on their next invoice.

Upgrade to Business for EUR 29.00 a month: https://uptimewatch.example/pricing

Unsubscribe from digests: https://uptimewatch.example/settings/notifications
""", kind="other", invoice=None, amount=None, valid=False, reasons=[], flags=["unknown_sender"],
    received_at="2026-03-16T05:00:31+01:00", acknowledge_by="2026-03-17", answer_by="2026-03-23")

raw("78-en-phishing-refund-spam", """
Received: from vps-41d2.hosting.example (unknown [198.51.100.203])
\tby mx.flexio.fr (Postfix) with ESMTP id 4ZLk9w2Hn8z9sQp for <compta@flexio.fr>; Tue, 17 Mar 2026 03:12:44 +0100 (CET)
From: =?utf-8?b?RkxFWElPIEJpbGxpbmcgPGNvbXB0YUBmbGV4aW8uZnI+?= <no-reply@flexio-secure-payments.example>
To: compta@flexio.fr
Subject: Your invoice is wrong - refund pending
Date: Tue, 17 Mar 2026 02:12:40 +0000
Message-ID: <9a8b7c6d5e4f3a2b1c0d@flexio-secure-payments.example>
MIME-Version: 1.0
X-Mailer: Microsoft Outlook 16.0
X-Priority: 1 (Highest)
Content-Type: text/plain; charset=utf-8

Dear customer,

We found a mistake on your last invoice INV-2026-88231: you were charged EUR 249.00 twice.
Your refund is pending. Click here to confirm your bank details within 24 hours:
http://flexio-secure-payments.example/refund?id=88231

FLEXIO Billing Department
""", kind="other", invoice=None, amount=None, valid=False, reasons=[], flags=["unknown_sender"],
    # the display name decodes to "FLEXIO Billing <compta@flexio.fr>": the sender is the address,
    # no-reply@flexio-secure-payments.example, nobody we know
    received_at="2026-03-17T03:12:44+01:00", acknowledge_by="2026-03-18", answer_by="2026-03-24")


def main() -> None:
    for old in HERE.glob("*.eml"):
        old.unlink()
    expected = {}
    for name, data, outcome in CASES:
        (HERE / f"{name}.eml").write_bytes(data)
        outcome.setdefault("flags", [])
        outcome.setdefault("attachments", 0)
        outcome.setdefault("termination_kind", None)
        outcome.setdefault("request", None)
        expected[name] = outcome
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(CASES)} messages written")


if __name__ == "__main__":
    main()
