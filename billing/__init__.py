"""Flexio Billing wiring: settings, persistence adapters, application services, API, CLI, worker."""
