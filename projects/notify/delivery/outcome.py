"""What one attempt to send something came to: plain data the workers hand back."""

from __future__ import annotations

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
        object.__setattr__(self, "response_excerpt", self.response_excerpt[:EXCERPT_LENGTH])
        object.__setattr__(self, "error", _clip(self.error, ERROR_LENGTH))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
