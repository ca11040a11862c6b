"""Settings from the environment (API.md "Running it"), validated once at start-up."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service reads from its environment. Built by :func:`load_settings`, never at import."""

    model_config = SettingsConfigDict(env_prefix="BILLING_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///var/billing.db",
        description="Event store and read models: sqlite:///path or postgresql://user@host:port/db",
    )
    broker_url: str = Field("", description="redis://… or amqp://…; empty runs jobs in-process")
    admin_token: str = Field("", description="Bootstrap bearer token accepted as admin")
    storage_dir: Path = Field(Path("var/documents"), description="Issued PDFs and exports")
    smtp_url: str = Field("", description="Outgoing mail; empty writes .eml files under var/outbox")
    imap_url: str = Field("", description="The compta@flexio.fr mailbox polled for disputes")
    sepa_creditor_id: str = ""
    sepa_creditor_iban: str = ""
    sepa_creditor_bic: str = ""
    auto_migrate: bool | None = Field(None, description="Default: true on SQLite, false otherwise")

    # The seller (BILLING_RULES §1b): printed on every invoice.
    seller_name: str = "FLEXIO SAS"
    seller_capital: str = "460 000 EUR"
    seller_address: str = "18 rue Alain Savary, 25000 Besançon"
    seller_rcs: str = "RCS Besançon 820 015 006"
    seller_siren: str = "820015006"
    seller_vat_number: str = Field("", description="FLEXIO's VAT number (no default, BILLING_RULES §1b)")
    # Issue 11: the seller's address as structured fields (Factur-X BT-35..40) and its contact.
    seller_street: str = "18 rue Alain Savary"
    seller_postcode: str = "25000"
    seller_city: str = "Besançon"
    seller_country: str = "FR"
    seller_email: str = "compta@flexio.fr"
    seller_website: str = "https://www.flexio.fr"

    invoice_number_format: str = "FX-{year}-{seq:06d}"
    credit_note_number_format: str = "AV-{year}-{seq:06d}"
    max_request_bytes: int = Field(8 * 1024 * 1024, description="Largest accepted request body")
    postgres_pool_size: int = 8
    postgres_lock_timeout: int = 10
    # Issue 17: how long a decision about money (close, preview, exports, receivables) waits for the
    # read models to project every event stored before the request, before answering 503.
    read_model_wait: float = Field(5.0, gt=0, le=300, description="Seconds money waits for a current view")
    # Issue 17: a ``closing`` month whose job stored no chunk for this long is resumed by the
    # watchdog of the workers (and of the API's in-process worker).
    close_stall_seconds: int = Field(
        300, ge=1, le=86_400, description="Seconds without progress before a close job is sent again"
    )

    # Issue 22: the plateforme agréée (AFNOR XP Z12-013 Flow Service) and its OAuth2 client credentials.
    # All four empty (the default): nothing is transmitted and the service works as before.
    pa_url: str = Field("", description="Flow Service base URL (its /v1/flows…); empty: no platform")
    pa_token_url: str = Field("", description="OAuth2 token endpoint of the platform (client credentials)")
    pa_client_id: str = ""
    pa_client_secret: SecretStr = SecretStr("")

    @field_validator("invoice_number_format", "credit_note_number_format")
    @classmethod
    def _legal_numbers(cls, value: str) -> str:
        """BR-FR-01/02 (issue 22): every number the format can give is ≤ 35 letters, digits and + - _ /."""
        from einvoicing.numbering import number_format_problems

        problems = number_format_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("pa_url", "pa_token_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and (urlsplit(value).scheme not in {"http", "https"} or not urlsplit(value).netloc):
            raise ValueError("must be empty or an http(s):// URL")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _pa_all_or_nothing(self) -> Settings:
        given = {
            "BILLING_PA_URL": bool(self.pa_url),
            "BILLING_PA_TOKEN_URL": bool(self.pa_token_url),
            "BILLING_PA_CLIENT_ID": bool(self.pa_client_id),
            "BILLING_PA_CLIENT_SECRET": bool(self.pa_client_secret.get_secret_value()),
        }
        if any(given.values()) and not all(given.values()):
            missing = ", ".join(name for name, present in given.items() if not present)
            raise ValueError(f"the plateforme agréée needs all four BILLING_PA_* settings; missing: {missing}")
        return self

    @property
    def pa_enabled(self) -> bool:
        """True when a plateforme agréée is configured (all four BILLING_PA_* set)."""
        return bool(self.pa_url)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in {"sqlite", "postgresql", "postgres", "postgresql+psycopg"}:
            raise ValueError(
                "BILLING_DATABASE_URL must start with sqlite:/// or postgresql:// "
                f"(got scheme {scheme!r})"
            )
        if scheme == "sqlite" and not value.startswith("sqlite:///"):
            raise ValueError("BILLING_DATABASE_URL for SQLite is sqlite:///relative/path or sqlite:////abs/path")
        return value

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in {"redis", "rediss", "amqp", "amqps"}:
            raise ValueError("BILLING_BROKER_URL must be empty, redis://… or amqp://…")
        return value

    @model_validator(mode="after")
    def _default_auto_migrate(self) -> Settings:
        if self.auto_migrate is None:
            self.auto_migrate = self.is_sqlite
        return self

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @cached_property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @cached_property
    def postgres(self) -> dict[str, str]:
        """The parts of a PostgreSQL URL, for eventsourcing's POSTGRES_* keys."""
        parts = urlsplit(self.database_url)
        return {
            "dbname": parts.path.lstrip("/") or "postgres",
            "host": parts.hostname or "127.0.0.1",
            "port": str(parts.port or 5432),
            "user": parts.username or "postgres",
            "password": parts.password or "",
        }

    @cached_property
    def sqlalchemy_url(self) -> str:
        if self.is_sqlite:
            return f"sqlite:///{self.sqlite_path}"
        p = self.postgres
        auth = p["user"] + (f":{p['password']}" if p["password"] else "")
        return f"postgresql+psycopg://{auth}@{p['host']}:{p['port']}/{p['dbname']}"


class SettingsError(SystemExit):
    """Raised at start-up when a setting is invalid: the message names each variable at fault."""


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; a bad value stops the start with a message naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = [
            f"  BILLING_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        ]
        raise SettingsError("invalid settings:\n" + "\n".join(problems)) from None
