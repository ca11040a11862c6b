"""Helpers the tests share: HTTP calls and the clock (api_helpers, http_helpers), request bodies
(factories), ledger set-ups (foundation_helpers), a private Dovecot (dovecot_server) and job senders
that hold their jobs (jobs)."""
