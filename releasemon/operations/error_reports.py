"""Optional error reports to Sentry (or a service speaking its protocol, such as GlitchTip).

Started by the settings when ``SENTRY_DSN`` is set: unhandled errors of views and tasks and
``logger.error`` lines go to the service. Nothing personal is sent (the SDK's default: no
cookies, no user e-mail, no IP address; a test holds it to that); performance tracing only when
``SENTRY_TRACES_SAMPLE_RATE`` is above 0.
"""

from __future__ import annotations

import logging

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration


class BadDsn(ValueError):
    """SENTRY_DSN cannot be used; the message says why in one line."""


def start_error_reports(
    dsn: str, *, environment: str, release: str, traces_sample_rate: float = 0.0
) -> None:
    try:
        sentry_sdk.utils.Dsn(dsn)
    except sentry_sdk.utils.BadDsn as error:
        raise BadDsn(f"SENTRY_DSN is not a Sentry DSN: {error}") from None
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=f"releasemon@{release}",
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), LoggingIntegration(event_level=logging.ERROR)],
    )
