"""What one attempt to send something came to: plain data the workers hand back."""

from __future__ import annotations

import time
from dataclasses import dataclass

#: The longest receiver answer and error kept in the delivery log (the model's columns).
EXCERPT_LENGTH = 500
ERROR_LENGTH = 500


@dataclass(frozen=True)
class Outcome:
    """One attempt: whether it worked, the receiver's answer, and what went wrong."""

    ok: bool
    status_code: int | None = None
    latency_ms: int | None = None
    response_excerpt: str = ""
    error: str = ""

    def __post_init__(self) -> None:
        # A receiver's answer is anything: PostgreSQL refuses NUL in text (and the whole
        # batch's write with it), so it goes, as in the error (which may quote the server).
        excerpt = self.response_excerpt.replace("\x00", "")[:EXCERPT_LENGTH]
        object.__setattr__(self, "response_excerpt", excerpt)
        object.__setattr__(self, "error", _clip(self.error.replace("\x00", ""), ERROR_LENGTH))


def elapsed_ms(started: float) -> int:
    """Milliseconds since ``started`` (a :func:`time.monotonic` time), for the log's latency."""
    return max(0, round((time.monotonic() - started) * 1000))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
