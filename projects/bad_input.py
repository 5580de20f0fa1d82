"""Bad input is a 4xx, never a 500 (issue #13): refuse malformed requests before any view.

:class:`RefuseBadInput` sits near the top of ``MIDDLEWARE`` and answers, without calling
the rest of the stack:

- **400** when the path, after percent-decoding, holds a control character (C0, DEL, C1) or
  is not UTF-8; PostgreSQL refuses NUL in text and nothing routes on the others;
- **400** when the query string has a malformed percent escape (``%`` not followed by two
  hex digits), is not UTF-8 once decoded, or holds a C0 control character other than tab,
  line feed and carriage return, in a name or a value;
- **400** when ``Content-Length`` is not a number;
- **413** when the body is larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``: by its
  ``Content-Length`` (refused before anything reads it), by its real size when the server
  buffered it (ASGI), and, for a chunked body under a WSGI server that terminates the input
  (gunicorn), by reading at most one byte past the limit. A chunked body within the limit is
  kept for the view, which Django alone would have read as empty. The site takes no file
  uploads, so the whole body counts.

Views can still meet bad input the middleware cannot see (a body parsed later, a header):
:func:`refusal_for` names the exceptions that mean "the client sent something unusable" and
the status they deserve; the API's exception handler and :meth:`RefuseBadInput.process_exception`
answer those with the same bodies instead of a 500 page (and so does an empty ``_to_field``
in the admin, which Django's admin looks up as a field name).

Under ``/api/`` the answer is JSON, ``{"error": "<reason>"}``; elsewhere a short HTML page.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.contrib.admin.options import TO_FIELD_VAR
from django.core.exceptions import (
    FieldDoesNotExist,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.handlers.wsgi import LimitedStream, WSGIRequest
from django.db import DataError
from django.http import HttpRequest, HttpResponse, UnreadablePostError

#: Control characters refused anywhere in a path: C0, DEL and C1.
PATH_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Control characters refused in query names and values: C0 except tab, LF and CR.
QUERY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MALFORMED_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


class BadInput(Exception):
    """A request refused as a whole: ``status`` and a reason for the client."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def is_api(request: HttpRequest) -> bool:
    path = request.path_info
    return path == "/api" or path.startswith("/api/")


def too_large(limit: int) -> BadInput:
    return BadInput(f"The request body is larger than {limit} bytes.", 413)


def refusal_response(request: HttpRequest, refusal: BadInput) -> HttpResponse:
    """The answer to a refused request: JSON under ``/api/``, a short page elsewhere."""
    if is_api(request):
        body = json.dumps({"error": refusal.reason}, ensure_ascii=False, separators=(",", ":"))
        return HttpResponse(body, status=refusal.status, content_type="application/json")
    title = "Request too large" if refusal.status == 413 else "Bad request"
    page = (
        f"<!DOCTYPE html>\n<html><head><title>{title}</title></head><body>"
        f"<h1>{title} ({refusal.status})</h1><p>{html.escape(refusal.reason)}</p>"
        '<p><a href="/">releasemon</a></p></body></html>\n'
    )
    return HttpResponse(page, status=refusal.status, content_type="text/html; charset=utf-8")


def refusal_for(exc: BaseException) -> BadInput | None:
    """The 4xx an exception raised while serving a request deserves, if it is bad input."""
    if isinstance(exc, BadInput):
        return exc
    if isinstance(exc, RequestDataTooBig):
        return too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return BadInput("The request body has too many fields.")
    if isinstance(exc, UnreadablePostError):
        return BadInput("The request body could not be read.")
    if isinstance(exc, DataError | ValueError) and "NUL (0x00)" in str(exc):
        # PostgreSQL (psycopg's DataError) refuses NUL characters in text.
        return BadInput("Text cannot contain NUL characters.")
    return None


# -- the checks --------------------------------------------------------------------------------


def check_path(path: str) -> None:
    if PATH_CONTROLS.search(path):
        raise BadInput("The path contains a control character.")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (an ASGI server's lenient decoding)
        raise BadInput("The path is not valid UTF-8.") from None
    # Django keeps the bytes of a path that are not UTF-8 as percent escapes.
    if ESCAPE.search(path):
        try:
            unquote_to_bytes(path).decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput("The path is not valid UTF-8.") from None


def _raw_query(request: HttpRequest) -> bytes:
    query: str | bytes = request.META.get("QUERY_STRING", "")
    if isinstance(query, bytes):
        return query
    if isinstance(request, WSGIRequest):
        # The raw bytes, as PEP 3333 carries them (a server may have decoded some as UTF-8).
        try:
            return query.encode("latin-1")
        except UnicodeEncodeError:
            pass
    return query.encode("utf-8")  # ASGI: Django decoded it as UTF-8


def check_query(raw: bytes) -> None:
    if not raw:
        return
    if MALFORMED_ESCAPE.search(raw):
        raise BadInput("The query string has a malformed percent escape.")
    for field in raw.split(b"&"):
        for part in field.split(b"=", 1):
            try:
                text = unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                raise BadInput("The query string is not valid UTF-8.") from None
            if QUERY_CONTROLS.search(text):
                raise BadInput("The query string contains a control character.")


def check_body_size(request: HttpRequest) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    declared = request.META.get("CONTENT_LENGTH")
    if declared not in (None, ""):
        try:
            length = int(declared)
        except (TypeError, ValueError):
            length = -1
        if length < 0:
            raise BadInput("The Content-Length header is not a number of bytes.")
        if limit is not None and length > limit:
            raise too_large(limit)
    if limit is None:
        return
    stream = getattr(request, "_stream", None)
    if isinstance(request, WSGIRequest):
        if declared in (None, "") and _chunked(request):
            _read_chunked(request, limit)
        return
    # ASGI buffers the whole body in a file: its real size, whatever the headers said.
    seekable = getattr(stream, "seekable", None)
    if stream is not None and seekable is not None and seekable():
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        if size > limit:
            raise too_large(limit)


def _chunked(request: WSGIRequest) -> bool:
    encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and bool(request.environ.get("wsgi.input_terminated"))


def _read_chunked(request: WSGIRequest, limit: int) -> None:
    """A chunked body (no Content-Length): read at most ``limit + 1`` bytes, refuse more,
    and hand what was read to the view as if it had come with its length."""
    stream = request.environ["wsgi.input"]
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(64 * 1024, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise too_large(limit)
    body = b"".join(chunks)
    request.META["CONTENT_LENGTH"] = str(len(body))
    # Django's WSGIRequest keeps its body in a LimitedStream; the stubs type it BinaryIO.
    request._stream = LimitedStream(io.BytesIO(body), len(body))  # type: ignore[assignment]


class RefuseBadInput:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_path(request.path_info)
            check_query(_raw_query(request))
            check_body_size(request)
        except BadInput as refusal:
            return refusal_response(request, refusal)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        refusal = refusal_for(exc)
        if refusal is None and isinstance(exc, FieldDoesNotExist) and _names_a_to_field(request):
            # The admin reads ``_to_field`` as a field name; an empty one reaches get_field().
            refusal = BadInput("The _to_field argument names no field.")
        return refusal_response(request, refusal) if refusal is not None else None


def _names_a_to_field(request: HttpRequest) -> bool:
    return TO_FIELD_VAR in request.GET or TO_FIELD_VAR in getattr(request, "_post", {})
