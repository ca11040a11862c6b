"""Adapters from the domain to storage: the event store, read-model tables, projections."""
