"""The Dramatiq worker entry point: ``dramatiq billing.worker`` (or ``billing worker``).

Importing this module is the worker's start-up: it reads the settings and declares the actors on
the configured broker, which dramatiq's CLI finds as the global broker. The container (ledger,
engines) is built on the first message and kept by ``jobs``.
"""

from __future__ import annotations

import dramatiq

from billing.jobs import Jobs
from billing.settings import load_settings

settings = load_settings()
if not settings.broker_url:
    raise SystemExit("BILLING_BROKER_URL is empty: jobs run inside the API process, no worker is needed")
jobs = Jobs.for_worker(settings)
broker = jobs.broker
dramatiq.set_broker(broker)
