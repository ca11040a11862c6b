"""The French e-invoicing reform, pure part (issue 22): what goes to and comes from a plateforme agréée.

- :mod:`einvoicing.lifecycle`: the lifecycle status codes of XP Z12-012 and their French labels;
- :mod:`einvoicing.cdar`: CDAR D22B lifecycle messages, validated against the schemas shipped in
  ``einvoicing/schemas/``, parsed into records, and our own 212 Encaissée;
- :mod:`einvoicing.flow_info`: the ``flowInfo`` of the Flow Service (XP Z12-013) ``POST /v1/flows``;
- :mod:`einvoicing.numbering`: invoice numbers under BR-FR-01/02.

No web framework, database driver or HTTP client: the adapter that talks to the platform is
``billing/pa/``.
"""
