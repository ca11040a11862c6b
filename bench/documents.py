"""C. Invoice documents: 500 Factur-X PDFs, validated, against a naive one-process-per-invoice way.

Both ways produce the same thing for each invoice: the CII XML checked by XSD + EN 16931 + French
CTC XSLTs (compiled once per process), the PDF from wkhtmltopdf, the Factur-X embedding, the
SHA-256 and the file written under a storage directory. The naive way starts one wkhtmltopdf per
invoice (measured on a sample of the same run, then as a rate); the batched way renders 25
invoices per wkhtmltopdf process, splits the pages with pypdf, over a pool of 2 processes.
Also: serving an archive of 60 stored invoices (hash check of each file + zip + manifest).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from billing.api.routes.documents import _zip_stream
from billing.documents.render import render_batch, render_batches
from billing.documents.storage import DocumentStore, relative_path
from billing.documents.validation import validator
from invoices.document import Buyer, Seller, issued_document

INVOICES = 500
NAIVE_SAMPLE = 20
BATCH = 50
WORKERS = 2
ARCHIVE = 60

SELLER = Seller(name="FLEXIO SAS", legal_form_capital="SAS au capital de 460 000 EUR", line1="18 rue Alain Savary",
                postcode="25000", city="Besançon", country="FR", rcs="RCS Besançon 820 015 006", siren="820015006",
                vat_number="FR94820015006", email="compta@flexio.fr", website="https://www.flexio.fr",
                creditor_id="FR72ZZZ123456")


def invoice(seq: int) -> dict[str, Any]:
    """A realistic invoice: plan, overage, Advanced Support, every third one with a penalty credit."""
    buyer = Buyer(account=f"acct{seq:05d}", legal_name=f"Société Numéro {seq} SAS",
                  address={"line1": f"{seq} rue de l'Église", "postcode": "25000", "city": "Besançon", "country": "FR"},
                  siren="312456783", vat_number="FR94312456783", vat_regime="standard",
                  billing_email=f"factures{seq}@example.fr", payment_method="sepa_debit",
                  mandate={"reference": f"RUM-{seq:06d}", "signed_on": "2026-01-05",
                           "iban": "FR7630006000011234567890189", "bic": None})
    blocks = seq % 40
    lines = [
        {"kind": "plan_fee", "label": "Forfait Flexio Pro — février 2026", "quantity": "28/28",
         "unit_price": "500.00", "amount": "500.00", "details": {}},
        {"kind": "overage", "label": "Dépassement de forfait — février 2026", "quantity": str(blocks),
         "unit_price": "2.50", "amount": f"{blocks * 2.5:.2f}",
         "details": {"consumed": 40000 + blocks * 500, "cap": 40000, "excess": blocks * 500, "block_credits": 500}},
        {"kind": "advanced_support", "label": "Accompagnement Avancé AS4 — février 2026", "quantity": "28/28",
         "unit_price": "380.00", "amount": "380.00", "details": {}},
    ]
    if seq % 3 == 0:
        lines.append({"kind": "penalty_credit", "label": "Dédommagement (pénalités)", "quantity": "1",
                      "unit_price": None, "amount": "-50.00", "details": {}})
    from decimal import Decimal

    ht = sum(Decimal(line["amount"]) for line in lines)
    vat = (ht * Decimal("0.20")).quantize(Decimal("0.01"))
    draft = {"account": buyer.account, "month": "2026-02", "issue_date": "2026-03-02", "due_date": "2026-04-01",
             "dispute_deadline": "2026-03-22", "lines": lines, "total_ht": f"{ht:.2f}", "vat_rate": "20.00",
             "total_vat": f"{vat:.2f}", "total_ttc": f"{ht + vat:.2f}", "vat_mention": None,
             "payment_method": "sepa_debit", "collection_date": "2026-04-01", "mandate_reference": f"RUM-{seq:06d}",
             "penalty_allocations": [], "grid_version": "2026-A"}
    return issued_document(f"FX-2026-{seq:06d}", draft, SELLER, buyer)


def _store(store: DocumentStore, results: list[Any]) -> int:
    stored = 0
    for result in results:
        assert result.pdf is not None, (result.number, result.failures)
        store.put(relative_path(result.number, "invoice", 2026), result.pdf)
        stored += 1
    return stored


def run() -> dict[str, Any]:
    documents = [invoice(seq) for seq in range(1, INVOICES + 1)]
    validator()  # the naive way also reuses the compiled XSLTs: only wkhtmltopdf per invoice differs
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp:
        naive_store = DocumentStore(Path(tmp) / "naive")
        t0 = time.perf_counter()
        for document in documents[:NAIVE_SAMPLE]:
            _store(naive_store, render_batch([document]))
        naive_s = time.perf_counter() - t0
        naive_rate = NAIVE_SAMPLE / naive_s
        print(f"[C] naive: {NAIVE_SAMPLE} invoices in {naive_s:.2f} s = {naive_rate:.1f} invoices/s", flush=True)

        store = DocumentStore(Path(tmp) / "batched")
        batches = [documents[i : i + BATCH] for i in range(0, INVOICES, BATCH)]
        t0 = time.perf_counter()
        stored = sum(_store(store, results) for results in render_batches(batches, workers=WORKERS))
        batched_s = time.perf_counter() - t0
        rate = stored / batched_s
        print(f"[C] batched: {stored} invoices in {batched_s:.2f} s = {rate:.1f} invoices/s "
              f"({rate / naive_rate:.1f}x naive)", flush=True)

        # The archive: 60 stored invoices, each re-hashed against its recorded SHA-256, zipped.
        rows = []
        for document in documents[:ARCHIVE]:
            path = relative_path(document["number"], "invoice", 2026)
            digest = hashlib.sha256((store.root / path).read_bytes()).hexdigest()
            rows.append(SimpleNamespace(number=document["number"], kind="invoice", issue_date=date(2026, 3, 2),
                                        sha256=digest, path=path))
        t0 = time.perf_counter()
        files = [(row, store.read_verified(row.path, row.sha256)) for row in rows]
        manifest = {"documents": [{"number": r.number, "sha256": r.sha256} for r, _ in files]}
        body = b"".join(_zip_stream(files, manifest))
        archive_ms = (time.perf_counter() - t0) * 1000
        assert len(zipfile.ZipFile(io.BytesIO(body)).namelist()) == ARCHIVE + 1
        print(f"[C] archive of {ARCHIVE} stored invoices: {archive_ms:.0f} ms, {len(body) / 1e6:.1f} MB", flush=True)
    return {
        "invoices": stored, "batch": BATCH, "workers": WORKERS, "batched_s": batched_s, "rate": rate,
        "naive_sample": NAIVE_SAMPLE, "naive_s": naive_s, "naive_rate": naive_rate, "speedup": rate / naive_rate,
        "archive_invoices": ARCHIVE, "archive_ms": archive_ms,
    }


if __name__ == "__main__":
    print(run())
