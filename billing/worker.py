"""The Dramatiq worker entry point: ``dramatiq billing.worker`` (or ``billing worker``).

Importing this module is the worker's start-up: it reads the settings and declares the actors on
the configured broker. The container (ledger, engines) is built on the first message.
"""

from __future__ import annotations

from billing.jobs import Jobs, make_broker
from billing.settings import load_settings

settings = load_settings()
if not settings.broker_url:
    raise SystemExit("BILLING_BROKER_URL is empty: jobs run inside the API process, no worker is needed")
jobs = Jobs(make_broker(settings))
broker = jobs.broker
