"""Helpers the tests share: HTTP calls and the clock (api_helpers, http_helpers), request bodies
(factories), ledger set-ups (foundation_helpers) and a private Dovecot (dovecot_server)."""
