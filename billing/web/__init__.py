"""The pages people use (issue 23): the customer portal at ``/portal/`` and the finance console at
``/console/``. Server-rendered Jinja2 with the vendored htmx (``static/``), no build step, no CDN.

Each page reads and writes through the same services (and the same route functions) as the API, with a
principal built from the page session: a customer session sees its own account only (404 otherwise).
"""
