"""The ``billing`` command line (typer): ``main.py`` the commands and ``main``, the console script
(pyproject ``billing = "billing.cli:main"``); ``export.py`` and ``rates.py`` the ``export`` and
``late-payment-rates`` groups; ``demo.py`` the demo data set ``billing demo`` loads (``make run``)."""

from billing.cli.main import app, main

__all__ = ["app", "main"]
