"""Pure pricing arithmetic for Flexio Billing: proration, caps, overage blocks, art. 14 indemnity.

Kept apart from ``invoices`` so the same rules (BILLING_RULES §5) can be reused by previews,
termination quotes and the month close without pulling in invoice assembly. Nothing here imports a
web framework, a database driver or a broker, and nothing reads the wall clock: dates are arguments.
"""
