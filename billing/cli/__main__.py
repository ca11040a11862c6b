"""``python -m billing.cli``: the same as the ``billing`` console script."""

from billing.cli.main import main

main()
