"""The errors of the backend contract: a check failed, hit a rate limit, or found nothing new.

They sit below everything else in ``backends/`` (the HTTP client raises them, the budget and
every upstream module too), and :mod:`backends.base` re-exports them with the rest of the
contract, so callers import them from either.
"""

from __future__ import annotations

import datetime as dt


class BackendError(Exception):
    """A check failed; the message is shown to users on the project page and in the logs."""


class RateLimited(BackendError):
    """The upstream refuses more requests until ``reset_at``.

    ``scope`` names what is limited (a host, or a host plus a token), so that the scheduler
    can defer only the projects behind the same limit.
    """

    def __init__(self, reset_at: dt.datetime, scope: str, message: str | None = None) -> None:
        self.reset_at = reset_at
        self.scope = scope
        super().__init__(
            message or f'Rate limit was reached. Will be reset in "{reset_at.isoformat()}".'
        )


class NotModified(Exception):
    """The upstream answered 304 to a conditional request: nothing new since the last check."""
