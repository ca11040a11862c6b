"""The HTTP API. ``billing.api:app`` is the ASGI app; its container is built at start-up."""

from billing.api.app import create_app

app = create_app()
