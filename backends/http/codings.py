"""Content codings: an answer's ``Content-Encoding`` undone, as urllib3 undid it for requests.

The client asks for ``gzip`` and ``deflate`` (:data:`ACCEPTED_ENCODINGS`, its Accept-Encoding)
and :class:`ContentDecoder` undoes them, in the order applied; another coding passes through
as sent. Each decompression step yields at most the size of the pieces read, so a small
compressed answer cannot inflate past the size cap before the reader has counted it (a gzip
bomb stops at the cap, decompressed no further).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import requests


class ContentDecoder:
    """Undoes an answer's ``Content-Encoding`` (gzip and deflate, in the order applied), lazily:
    every decompression step yields at most ``piece`` bytes at a time."""

    def __init__(self, encoding: str | None, piece: int) -> None:
        codings = [part.strip().lower() for part in (encoding or "").split(",")]
        self._steps = [_Step(coding) for coding in reversed(codings) if coding in _WBITS]
        self._piece = piece

    def decode(self, data: bytes) -> Iterator[bytes]:
        pieces: Iterator[bytes] = iter((data,))
        for step in self._steps:
            pieces = step.stream(pieces, self._piece)
        return pieces

    def finish(self) -> Iterator[bytes]:
        pieces: Iterator[bytes] = iter(())
        for step in self._steps:
            pieces = step.stream(pieces, self._piece, finish=True)
        return pieces


_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
#: What the client asks for (Accept-Encoding): the codings :class:`ContentDecoder` undoes.
ACCEPTED_ENCODINGS = "gzip, deflate"
#: Input a deflate step keeps while it does not know yet whether the stream is raw.
_PROBE_BYTES = 64 * 1024


class _Step:
    """One coding's decompressor, as urllib3 decodes it: a gzip body may hold several members
    (garbage after a whole member is ignored); a deflate body is zlib-wrapped by the standard
    and raw from some servers, which is tried when the wrapped form fails before any output."""

    def __init__(self, coding: str) -> None:
        self.gzip = coding != "deflate"
        self._wbits = _WBITS[coding]
        self._zlib = zlib.decompressobj(self._wbits)
        self._probing = not self.gzip
        self._seen = b""
        self._members = 0  # whole gzip members decoded
        self._done = False  # what follows is not content

    def stream(
        self, pieces: Iterator[bytes], size: int, *, finish: bool = False
    ) -> Iterator[bytes]:
        for data in pieces:
            if self._probing:
                self._seen += data
                if len(self._seen) > _PROBE_BYTES:  # too long without output to be either
                    self._probing, self._seen = False, b""
            yield from self._feed(data, size)
        if finish and not self._done:
            try:
                rest = self._zlib.flush()
            except zlib.error as error:
                raise requests.exceptions.ContentDecodingError(error) from error
            if rest:
                yield rest

    def _feed(self, data: bytes, size: int) -> Iterator[bytes]:
        while data and not self._done:
            if self._zlib.eof:
                if not self.gzip:
                    self._done = True
                    return
                self._members += 1
                self._zlib = zlib.decompressobj(self._wbits)
            try:
                out = self._zlib.decompress(data, size)
            except zlib.error as error:
                if self._probing:  # not zlib-wrapped: raw deflate, from the first byte
                    self._probing = False
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    data, self._seen = self._seen, b""
                    continue
                if self._members:
                    self._done = True
                    return
                raise requests.exceptions.ContentDecodingError(error) from error
            if out:
                self._probing, self._seen = False, b""
                yield out
            data = self._zlib.unconsumed_tail or self._zlib.unused_data
