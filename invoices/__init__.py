"""Invoice computation for Flexio Billing: from one account-month to an invoice draft (BILLING_RULES §5, §8).

A draft has everything an issued invoice has except its number, status and PDF, which the
application layer adds when it issues (§7). Pure code: no web framework, driver or broker, and
no wall clock (the issue date is an argument).
"""
