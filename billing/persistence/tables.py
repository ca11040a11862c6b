"""Read-model tables (SQLAlchemy Core). Every table but ``api_tokens`` and ``usage_keys`` is a
projection of the ledger and can be rebuilt from it (``billing rebuild-read-models``).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

AMOUNT = Numeric(14, 2)

# Not projections ------------------------------------------------------------------------------

# Pages (issue 23): not projections either; written by the sign-in service and the job tracking.

portal_sign_in_links = Table(
    "portal_sign_in_links",
    metadata,
    Column("link_hash", String(64), primary_key=True),  # sha256 of the one-time secret; never the secret
    Column("account", String(64), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

page_sessions = Table(
    "page_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),  # sha256 of the cookie's secret
    Column("id", String(32), nullable=False, unique=True),  # shown in lists and used to revoke
    Column("role", String(16), nullable=False),  # customer (portal) | admin (console)
    Column("account", String(64), index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

job_states = Table(
    "job_states",
    metadata,
    Column("id", String(64), primary_key=True),  # the Dramatiq message id the API returned
    Column("actor", String(64), nullable=False),
    Column("month", String(7)),  # the month of a close job
    Column("status", String(16), nullable=False),  # queued | running | done | failed
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("error", Text),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("account", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("id", String(32)),  # shown in lists and used to revoke; never the secret
    Column("revoked_at", DateTime(timezone=True)),
    UniqueConstraint("id", name="uq_api_tokens_id"),
)

# The idempotency index of usage, written in the event store's transaction (see eventstore.py).
usage_keys = Table(
    "usage_keys",
    metadata,
    Column("account", String(64), primary_key=True),
    Column("event_id", String(128), primary_key=True),
    Column("at_micros", BigInteger, nullable=False),
    Column("credits", BigInteger, nullable=False),
)

# Idempotency-Key of POST requests (API.md "Retries"), kept 30 days. The row is inserted in the
# event store's transaction of the request's first save (billing/persistence/idempotency.py), so a
# retry never runs the command again; the response is added once the request has answered.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key_hash", String(64), primary_key=True),  # sha256 of the caller's token and the key
    Column("request_hash", String(64), nullable=False),  # sha256 of method, path, query and body
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("status", Integer),  # NULL while the request is still answering
    Column("content_type", String(128)),
    Column("response", LargeBinary),
)

# Projections ----------------------------------------------------------------------------------

projection_tracking = Table(
    "projection_tracking",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

price_grids = Table(
    "price_grids",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("effective_from", Date, nullable=False, index=True),
    Column("notified_on", Date, nullable=False),
    Column("body", JSON, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("account", String(64), primary_key=True),
    Column("aggregate_id", String(32), nullable=False, unique=True),
    Column("legal_name", Text, nullable=False),
    Column("siren", String(9)),
    Column("vat_number", String(32)),
    Column("vat_regime", String(16), nullable=False),
    Column("billing_email", Text, nullable=False),
    Column("address", JSON, nullable=False),
    Column("plan", String(64)),
    Column("service_start", Date),
    Column("installation_fee", AMOUNT),
    Column("freemium", Boolean),
    Column("payment_method", String(16)),
    Column("mandate", JSON),
    Column("service_end", Date),
    Column("termination", JSON),
)

account_options = Table(
    "account_options",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(64), nullable=False, index=True),
    Column("option", String(32), nullable=False),
    Column("pack", String(32)),
    Column("accepted_on", Date, nullable=False),
    Column("ended_on", Date),
)

support_hours = Table(
    "support_hours",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(64), nullable=False, index=True),
    Column("on", Date, nullable=False),
    Column("hours", Numeric(10, 2), nullable=False),
    Column("note", Text),
)

interventions = Table(
    "interventions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(64), nullable=False, index=True),
    Column("on", Date, nullable=False),
    Column("hours", Numeric(10, 2), nullable=False),
    Column("description", Text),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(64), nullable=False, index=True),
    Column("invoice", String(32), index=True),
    Column("amount", AMOUNT, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("method", String(16), nullable=False),
    Column("reference", Text),
)

penalty_credits = Table(
    "penalty_credits",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account", String(64), nullable=False, index=True),
    Column("requested", AMOUNT, nullable=False),
    Column("granted", AMOUNT, nullable=False),
    Column("capped", Boolean, nullable=False),
    Column("reason", Text),
    Column("incident_on", Date, nullable=False),
    Column("granted_on", Date, nullable=False),
)

usage_monthly = Table(
    "usage_monthly",
    metadata,
    Column("account", String(64), primary_key=True),
    Column("booked_month", Integer, primary_key=True),  # Month.index()
    Column("origin_month", Integer, primary_key=True),
    Column("credits", BigInteger, nullable=False),
)

months = Table(
    "months",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("aggregate_id", String(32), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("issue_date", Date),
    Column("cutoff", BigInteger),
    Column("billable", Integer, nullable=False, default=0),
    Column("invoices", Integer, nullable=False, default=0),
    Column("total_ht", AMOUNT, nullable=False, default=0),
    Column("total_ttc", AMOUNT, nullable=False, default=0),
    Column("job", String(64)),
    Column("error", Text),  # §7: why a close job failed (status "failed"); cleared on resume
    Column("last_chunk_at", DateTime(timezone=True)),  # issue 17: when the close job last stored a chunk
)

# §7b: (account, closed month) pairs that a fact recorded after the month's close touched: the
# close of ``booked_month`` rates ``origin_month`` again and bills what is still due (catch-up).
catch_up_periods = Table(
    "catch_up_periods",
    metadata,
    Column("account", String(64), primary_key=True),
    Column("booked_month", Integer, primary_key=True),  # Month.index()
    Column("origin_month", Integer, primary_key=True),
)

invoices = Table(
    "invoices",
    metadata,
    Column("number", String(32), primary_key=True),
    Column("aggregate_id", String(32), nullable=False, unique=True),
    Column("account", String(64), nullable=False, index=True),
    Column("month", String(7), nullable=False, index=True),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("total_ht", AMOUNT, nullable=False),
    Column("total_vat", AMOUNT, nullable=False),
    Column("total_ttc", AMOUNT, nullable=False),
    Column("status", String(16), nullable=False),
    Column("paid", AMOUNT, nullable=False, default=0),
    Column("document", JSON, nullable=False),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("number", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("label", Text, nullable=False),
    Column("quantity", String(32)),
    Column("unit_price", Numeric(18, 6)),
    Column("amount", AMOUNT, nullable=False),
    # The receivables list (§8) asks which invoices are late-payment invoices by their line kind:
    # without it, a scan of every line ever issued (0009_speed).
    Index("ix_invoice_lines_kind", "kind", "number"),
)

penalty_allocations = Table(
    "penalty_allocations",
    metadata,
    Column("number", String(32), primary_key=True),
    Column("credit_id", String(64), primary_key=True),
    Column("account", String(64), nullable=False, index=True),
    Column("amount", AMOUNT, nullable=False),
)

# The raw messages of cases as received (attachments included), by SHA-256. Not a projection: written
# before the case is saved (content-addressed, so a retry writes nothing new), like api_tokens.
case_messages = Table(
    "case_messages",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("raw", LargeBinary, nullable=False),
)

# Customer cases (issue 13): every message to compta@flexio.fr, keyed by its Message-ID.
cases = Table(
    "cases",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("message_id", String(600), nullable=False, unique=True),
    Column("kind", String(16), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("account", String(64), index=True),
    Column("sender", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("invoice", String(32), index=True),
    Column("amount", AMOUNT),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("valid", Boolean, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("flags", JSON, nullable=False),
    Column("acknowledge_by", Date, nullable=False),
    Column("answer_by", Date, nullable=False),
    Column("termination_kind", String(16)),
    Column("request", String(32)),
    Column("reply_to", String(36), index=True),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("answered_on", Date),
    Column("outcome", String(16)),
    Column("resolved_amount_ht", AMOUNT),
    Column("resolution_note", Text),
)

# Messages the poller could not record as cases (issue 17): moved to the mailbox's Quarantine
# folder, listed for finance with why (ledger/mail_quarantine.py); texts made safe before they are stored.
mail_quarantine = Table(
    "mail_quarantine",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("sender", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("field", Text),
)

# Money in and out (issue 12) -----------------------------------------------------------------

# Issue 11: credit notes (amounts negative, API.md) and the stored documents with their hashes.
credit_notes = Table(
    "credit_notes",
    metadata,
    Column("number", String(32), primary_key=True),
    Column("account", String(64), index=True),
    Column("corrects", String(32), index=True),
    Column("issue_date", Date),
    Column("reason", Text),
    Column("vat_rate", Numeric(5, 2)),
    Column("total_ht", AMOUNT),
    Column("total_vat", AMOUNT),
    Column("total_ttc", AMOUNT),
    Column("document", JSON),
)

# BILLING_RULES §12, LPF art. A47 A-1: an FEC entry numbered once, when its fact is posted, per
# fiscal year, in ledger order (billing/persistence/handlers/fec.py); never updated, never deleted.
fec_entries = Table(
    "fec_entries",
    metadata,
    Column("fiscal_year", Integer, primary_key=True),
    Column("entry", Integer, primary_key=True),
    Column("journal", String(2), nullable=False),
    Column("entry_date", Date, nullable=False),
    Column("piece", String(64), nullable=False),
    Column("account", String(64), nullable=False),
    Column("legal_name", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("total_ht", AMOUNT, nullable=False),
    Column("total_vat", AMOUNT, nullable=False),
    Column("total_ttc", AMOUNT, nullable=False),
    Column("settles", String(64)),
    Column("valid_date", Date, nullable=False),
)

sepa_files = Table(
    "sepa_files",
    metadata,
    Column("collection_date", Date, primary_key=True),
    Column("scheme", String(8), primary_key=True),
    Column("aggregate_id", String(32), nullable=False, unique=True),
    Column("version", String(20), nullable=False),
    Column("message_id", String(35), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("debits", Integer, nullable=False),
    Column("total", AMOUNT, nullable=False),
)

sepa_debits = Table(
    "sepa_debits",
    metadata,
    Column("invoice", String(32), primary_key=True),
    Column("collection_date", Date, primary_key=True),
    Column("scheme", String(8), nullable=False),
    Column("account", String(64), nullable=False, index=True),
    Column("mandate", String(35), nullable=False, index=True),
    Column("sequence_type", String(4), nullable=False),
    Column("amount", AMOUNT, nullable=False),
    Column("returned_on", Date),
    Column("return_reason", String(4)),
)

unapplied_credits = Table(
    "unapplied_credits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(64), nullable=False, index=True),
    Column("invoice", String(32)),
    Column("amount", AMOUNT, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("method", String(16), nullable=False),
    Column("reference", Text),
)

documents = Table(
    "documents",
    metadata,
    Column("number", String(32), primary_key=True),  # an invoice or credit note number
    Column("kind", String(16), nullable=False),  # invoice | credit_note
    Column("account", String(64), nullable=False, index=True),
    Column("issue_date", Date, nullable=False),
    Column("sha256", String(64)),
    Column("path", Text),
    Column("failures", JSON),  # the Factur-X rules it failed, shown to finance
    Column("mail_status", String(16)),  # sent | failed
    Column("mail_detail", Text),  # where it went, or the last error
    # Issue 22: its transmission to the plateforme agréée (transmitted | rejected), shown to finance.
    Column("pa_status", String(16)),
    Column("pa_flow_id", Text),
    Column("pa_at", String(40)),
    Column("pa_error", JSON),  # {status, code, message, reasons} of a rejection
)

# Issue 22: the lifecycle statuses a plateforme agréée reported for an invoice (CDAR, XP Z12-012).
invoice_lifecycle = Table(
    "invoice_lifecycle",
    metadata,
    Column("number", String(32), nullable=False, index=True),
    Column("position", BigInteger, primary_key=True),  # the event's notification id: the order received
    Column("fact_key", Text, nullable=False),
    Column("code", String(16), nullable=False),
    Column("label", Text),
    Column("status_at", String(40), nullable=False),  # ISO 8601 with its offset, as the message gave it
    Column("reason", JSON),  # [{"code", "text"}] or null
    Column("message_id", Text, nullable=False),
)

PROJECTED_TABLES = (
    price_grids,
    accounts,
    account_options,
    support_hours,
    interventions,
    payments,
    penalty_credits,
    usage_monthly,
    catch_up_periods,
    months,
    invoices,
    invoice_lines,
    penalty_allocations,
    cases,
    mail_quarantine,
    credit_notes,
    sepa_files,
    sepa_debits,
    unapplied_credits,
    documents,
    fec_entries,
    invoice_lifecycle,
    projection_tracking,
)
