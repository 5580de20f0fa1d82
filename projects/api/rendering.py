"""How the API reads and writes bodies: Anitya's JSON, whatever the client sends.

Anitya answers with Flask's ``jsonify`` (keys sorted) whatever the ``Accept`` header says, and
reads a POST body as JSON when it is ``application/json`` and as form fields otherwise. DRF
would answer 406 to an unknown ``Accept`` and 415 to an unknown ``Content-Type``; the classes
here keep Anitya's leniency, and add the browsable API for browsers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import QueryDict
from rest_framework import renderers
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from projects.api.parsers import DepthLimitedJSONParser
from projects.representations import RawJSON


class AnityaJSONRenderer(renderers.JSONRenderer):
    """Compact JSON with sorted keys, as Flask's ``jsonify`` sends it."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if isinstance(data, RawJSON):
            if indent is None:
                return data.content
            data = json.loads(data.content)  # the browsable API shows it indented
        text = json.dumps(
            data,
            cls=self.encoder_class,  # DRF's: lazy texts, error details, dates...
            ensure_ascii=False,
            indent=indent,
            separators=(",", ":") if indent is None else None,
            sort_keys=True,
        )
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


class PlainTextRenderer(BaseRenderer):
    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, RawJSON):  # a cached answer, already encoded
            return data.content
        return str(data).encode(self.charset)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """The browsable API; a body too large to be read in a browser is shown cut short."""

    MAX_SHOWN = 2_000_000

    def get_content(
        self,
        renderer: Any,
        data: Any,
        accepted_media_type: str | None,
        renderer_context: Mapping[str, Any],
    ) -> str:
        content = super().get_content(renderer, data, accepted_media_type, renderer_context)
        if len(content) > self.MAX_SHOWN:
            return content[: self.MAX_SHOWN] + "\n\n[... cut: request it as JSON for all of it]"
        return content


class LenientContentNegotiation(DefaultContentNegotiation):
    """An ``Accept`` header nothing matches gets the first renderer (JSON), never a 406."""

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        candidates = list(renderers)
        try:
            chosen: tuple[BaseRenderer, str] = super().select_renderer(
                request, candidates, format_suffix
            )
        except NotAcceptable:
            return candidates[0], candidates[0].media_type
        return chosen


class AnyBodyParser(BaseParser):
    """Any other content type reads as an empty form, as Anitya reads it (never a 415)."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return QueryDict("", mutable=False)


JSON_OR_FORM = [DepthLimitedJSONParser, FormParser, MultiPartParser, AnyBodyParser]
FORM_ONLY = [FormParser, MultiPartParser, AnyBodyParser]
