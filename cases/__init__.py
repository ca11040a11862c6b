"""Customer cases, pure: the French business calendar, mail parsing, classification, deadlines, SLA.

Imports no web framework, database driver or broker (STYLE.md "Where things go"): adapters in
``billing/`` feed it raw bytes and instants and store what it returns.
"""
