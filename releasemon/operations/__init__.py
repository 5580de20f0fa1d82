"""Running releasemon in production: what an operator and their monitoring look at.

- :mod:`~releasemon.operations.readiness`: the parts ``/readyz`` judges (database, broker,
  checks, outbox, deliveries), each ok or failing with one readable line;
- :mod:`~releasemon.operations.views`: ``/healthz`` and ``/readyz``;
- :mod:`~releasemon.operations.metrics`: ``/metrics``;
- :mod:`~releasemon.operations.logs`: request ids and JSON log lines;
- :mod:`~releasemon.operations.error_reports`: optional reports to Sentry;
- :mod:`~releasemon.operations.status` and :mod:`~releasemon.operations.charts`: the admins'
  status page.
"""
