"""The process's edge, shared by the API, the CLI and the workers: the wall clock, how a database
outage is told, the request's Idempotency-Key context, the start-up checks."""
