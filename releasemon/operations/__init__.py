"""Running releasemon in production: what an operator and their monitoring look at.

- :mod:`~releasemon.operations.readiness`: the parts ``/readyz`` judges (database, broker,
  checks, outbox, deliveries), each ok or failing with one readable line;
- :mod:`~releasemon.operations.views`: ``/healthz``, ``/readyz`` and ``/metrics``.
"""
