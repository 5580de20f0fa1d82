"""Running releasemon in production: what an operator and their monitoring look at.

- :mod:`~releasemon.operations.readiness`: the parts ``/readyz`` judges (database, broker,
  checks, outbox, deliveries), each ok or failing with one readable line;
- :mod:`~releasemon.operations.views`: ``/healthz`` and ``/readyz``;
- :mod:`~releasemon.operations.metrics`: ``/metrics``;
- :mod:`~releasemon.operations.logs`: request ids and JSON log lines;
  :mod:`~releasemon.operations.gunicorn_logs`: gunicorn's own lines in the same format;
- :mod:`~releasemon.operations.error_reports`: optional reports to Sentry;
- :mod:`~releasemon.operations.status`, :mod:`~releasemon.operations.charts` and
  :mod:`~releasemon.operations.bars`: the admins' status page.
"""
