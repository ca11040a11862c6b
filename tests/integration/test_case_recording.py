"""Recording messages as cases on SQLite and PostgreSQL: one case per Message-ID whatever the path."""

from __future__ import annotations

from pathlib import Path

from billing.bootstrap import Container

CORPUS = Path(__file__).parents[1] / "data" / "mail"


def raw(name: str) -> bytes:
    return (CORPUS / f"{name}.eml").read_bytes()


def test_a_batch_meeting_a_case_the_read_model_has_not_seen_yet_falls_back_one_by_one(container: Container) -> None:
    cases = container.cases
    # Recorded in the ledger but not yet projected: the batch's read-model check misses it, its save
    # clashes on the case's id, and the fallback records each message exactly once.
    first = cases.record_email(raw("57-en-question"), catch_up=False)
    views = cases.record_emails([raw("57-en-question"), raw("59-empty"), b"  ", raw("59-empty")])
    assert views[0] is not None and views[0]["case"] == first["case"]
    assert views[1] is not None and views[3] is not None and views[1]["case"] == views[3]["case"]
    assert views[2] is None  # nothing to read: the poller keeps it in the Unreadable folder
    assert sorted(c["message_id"] for c in cases.list_cases()) == ["empty-0305@acme.fr", "question-0305@globex.com"]


def test_the_stored_message_is_returned_as_received(container: Container) -> None:
    message = raw("06-en-multipart-with-pdf-evidence")
    view = container.cases.record_email(message)
    assert container.cases.raw_message(view["case"]) == message  # the PDF attachment included
    assert container.cases.get(view["case"])["mail"]["attachments"][0]["filename"] == "usage-statement-march.pdf"
