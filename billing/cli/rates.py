"""``billing late-payment-rates add|list``: the §8 table finance keeps, from the command line (§12)."""

from __future__ import annotations

import typer

rates_app = typer.Typer(help="Late-payment rates per half-year (BILLING_RULES §8)", no_args_is_help=True)


@rates_app.command("add")
def add(
    half_year: str = typer.Argument(..., help="YYYY-H1 (January-June) or YYYY-H2"),
    ecb_rate: str = typer.Argument(..., help="ECB main refinancing rate, percent, e.g. 2.15"),
    legal_rate: str = typer.Argument(..., help="French legal interest rate for professionals, percent, e.g. 2.62"),
) -> None:
    """Record a half-year's published rates once (a half-year already recorded is refused)."""
    from billing.bootstrap import bootstrap
    from billing.cli.main import fail, require_database
    from billing.commands.late_payment_rates import RecordLatePaymentRates
    from ledger.errors import BillingError

    try:
        command = RecordLatePaymentRates.from_request(half_year, ecb_rate, legal_rate)
    except BillingError as exc:
        raise fail(exc.message) from None
    require_database()
    container = bootstrap()
    try:
        rate = container.late_payment_rates.record(command)
    except BillingError as exc:
        raise fail(exc.message) from None
    finally:
        container.close()
    typer.echo(f"{rate['half_year']}\tECB {rate['ecb_rate']}\tlegal {rate['legal_rate']}")


@rates_app.command("list")
def list_rates() -> None:
    """Every half-year recorded: half-year, ECB rate, legal rate (tab-separated)."""
    from billing.bootstrap import bootstrap
    from billing.cli.main import require_database

    require_database()
    container = bootstrap()
    try:
        for rate in container.late_payment_rates.list():
            typer.echo(f"{rate['half_year']}\t{rate['ecb_rate']}\t{rate['legal_rate']}")
    finally:
        container.close()
