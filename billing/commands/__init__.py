"""Typed commands: what a route (or the CLI, or a job) asks an application service to do.

A route turns its validated request model into one of these frozen dataclasses; the service takes
it and never reads a dict. Fields hold domain values (``Money``, ``date``, ``Month``) once the edge
has parsed them; one module per resource, named after the service that runs the commands.
"""
