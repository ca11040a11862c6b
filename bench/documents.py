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
import resource
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from billing.api.routes.documents import _zip_stream
from billing.documents.render import RenderPool, render_batch
from billing.documents.storage import DocumentStore, relative_path
from billing.documents.validation import validator
from invoices.document import Buyer, Seller, issued_document

INVOICES = 500
NAIVE_SAMPLE = 20
BATCH = 125
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


def timed_render_batch(batch: list[dict[str, Any]]) -> tuple[list[Any], float]:
    """render_batch in a pool worker, with the CPU seconds it took (its own and wkhtmltopdf's)."""
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    results = render_batch(batch)
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before, strict=True))
    return results, cpu


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
        pool = RenderPool(WORKERS)  # a render worker's pool: started and compiled once, then kept
        pool.warm()
        warm_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        cpu_s = 0.0
        stored = 0
        for results, cpu in pool.map(timed_render_batch, batches):
            stored += _store(store, results)
            cpu_s += cpu
        batched_s = time.perf_counter() - t1
        pool.close()
        rate = stored / batched_s
        cold_rate = stored / (batched_s + warm_s)
        cpu_per_invoice = cpu_s / stored
        print(f"[C] CPU in the render workers (wkhtmltopdf included): {cpu_per_invoice * 1000:.1f} ms an invoice, "
              f"a ceiling of {WORKERS / cpu_per_invoice:.0f} invoices/s on {WORKERS} idle cores", flush=True)
        print(f"[C] batched: pool start {warm_s:.2f} s, then {stored} invoices in {batched_s:.2f} s = "
              f"{rate:.1f} invoices/s ({rate / naive_rate:.1f}x naive); {cold_rate:.1f}/s counting the pool start",
              flush=True)

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
        "pool_start_s": warm_s, "cold_rate": cold_rate, "cpu_ms_per_invoice": cpu_per_invoice * 1000,
        "idle_ceiling_rate": WORKERS / cpu_per_invoice,
        "naive_sample": NAIVE_SAMPLE, "naive_s": naive_s, "naive_rate": naive_rate, "speedup": rate / naive_rate,
        "archive_invoices": ARCHIVE, "archive_ms": archive_ms,
    }


if __name__ == "__main__":
    print(run())
