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
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)

metadata = MetaData()

AMOUNT = Numeric(14, 2)

# Not projections ------------------------------------------------------------------------------

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("account", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
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
)

penalty_allocations = Table(
    "penalty_allocations",
    metadata,
    Column("number", String(32), primary_key=True),
    Column("credit_id", String(64), primary_key=True),
    Column("account", String(64), nullable=False, index=True),
    Column("amount", AMOUNT, nullable=False),
)

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
    months,
    invoices,
    invoice_lines,
    penalty_allocations,
    credit_notes,
    documents,
    projection_tracking,
)
