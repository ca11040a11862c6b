"""Exports for accountants: Excel workbooks, the FEC and SEPA direct-debit files."""
