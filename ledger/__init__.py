"""The event-sourced domain of Flexio Billing: value types, aggregates and their rules.

Nothing here imports a web framework, a database driver or a broker.
"""
