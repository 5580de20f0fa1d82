"""JSON request bodies with a bounded nesting depth (issue #13).

Python's ``json`` module parses arrays and objects recursively: a body of 100,000 ``[``
raises ``RecursionError``, which DRF's ``JSONParser`` does not catch (a 500). This parser
first measures the nesting with a linear scan that uses no recursion (brackets inside strings
do not count), and refuses a body nested deeper than :data:`MAX_JSON_DEPTH` with DRF's
``ParseError`` (a 400), code ``json_too_deep``. Nothing the API accepts comes close: its
bodies are flat objects.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ParseError

# DRF 3.18 has get_encoding (text encodings only); djangorestframework-stubs 3.18.1 lacks it.
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]
from rest_framework.utils import json

#: The deepest nesting of arrays and objects a JSON body may have.
MAX_JSON_DEPTH = 64
TOO_DEEP = f"JSON nested deeper than {MAX_JSON_DEPTH} levels."

_STRUCTURE = re.compile(r'[\[\]{}"]')
# The rest of a string after its opening quote: escapes skipped, up to the closing quote.
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def nesting_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON ``text`` nests arrays/objects deeper than ``limit``, in one pass
    without recursion. Malformed text is measured as far as it goes (json then says why)."""
    depth = 0
    position = 0
    search = _STRUCTURE.search
    while True:
        found = search(text, position)
        if found is None:
            return False
        char = found.group()
        position = found.end()
        if char == '"':
            end = _STRING_REST.match(text, position)
            if end is None:  # an unterminated string: nothing after it is structure
                return False
            position = end.end()
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1


class DepthLimitedJSONParser(JSONParser):
    """DRF's ``JSONParser`` (same media type, same errors) refusing deep nesting."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = get_encoding(parser_context or {})  # text encodings only, as DRF's
        try:
            text = stream.read().decode(encoding)
        except (LookupError, ValueError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if nesting_exceeds(text):
            raise ParseError(TOO_DEEP, code="json_too_deep")
        parse_constant = json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except RecursionError:  # cannot happen below the limit; kept as a guard
            raise ParseError(TOO_DEEP, code="json_too_deep") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
