"""API v2's bulk lookup of projects by Package URL: ``POST /api/v2/projects/purls/``.

The body is ``{"purls": [<PURL>, ...]}`` (at most :data:`MAX_PURLS`; as form fields, ``purls``
repeated). The answer has one entry per PURL, in the order given, in two lists of the same
length::

    {"errors": [null, null, "Not a Package URL: ..."],
     "items": [<v2 project JSON>, null, null]}

``items[i]`` is the project ``purls[i]`` names (v2's project JSON, the one added first when
several projects watch one repository), or null: no project has it, or it could not be read;
``errors[i]`` is then why it could not be read (a malformed PURL), or null. A malformed item
never fails the others; a body that is not such a list, or a longer one, is 400 in v2's field
error shape. It is a read: anonymous callers may ask, signed-in sessions send their CSRF token
as for every POST, and one request counts once against the rate limit. It costs a bounded
number of queries whatever the number of PURLs (``projects/selectors/purls.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.http import QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from projects import representations, selectors
from projects.api import inputs, schema
from projects.api.inputs import InputError
from projects.api.v2.common import V2View
from projects.api.v2.serializers import PurlLookupInput
from projects.representations import RawJSON

MAX_PURLS = 1_000
NOT_A_LIST = "Not a valid list."
TOO_MANY = f"Longer than maximum length {MAX_PURLS}."
INVALID_BODY = "Invalid input type."
#: Reading the projects' JSON again when one was deleted in between; then they count as gone.
READ_ATTEMPTS = 2


class PurlLookupApi(V2View):
    """Projects by Package URL, many at once."""

    name = "v2 project purls"

    # A read, with a body only because a thousand PURLs do not fit in a URL.
    permission_classes = [AllowAny]
    serializer_class = PurlLookupInput

    @extend_schema(
        operation_id="v2_projects_by_purl",
        tags=["v2"],
        request=PurlLookupInput,
        responses={200: schema.PURL_LOOKUP, 400: schema.FIELD_ERRORS},
    )
    def post(self, request: Request) -> Response:
        texts = requested_purls(request.data)
        return Response(lookup_answer(selectors.projects_for_purls(texts)))


def requested_purls(data: Any) -> list[object]:
    """The PURLs of the body, unchecked (each is read on its own), or :class:`InputError`."""
    if isinstance(data, QueryDict):  # form fields
        fields = set(data) - {inputs.HTML_FORM_MARKER}
        values: Any = data.getlist("purls") if "purls" in data else None
    elif isinstance(data, Mapping):
        fields = set(data)
        values = data.get("purls")
    else:
        raise InputError({"_schema": INVALID_BODY})
    errors = {str(field): inputs.UNKNOWN for field in fields - {"purls"}}
    if "purls" not in fields:
        errors["purls"] = inputs.MISSING
    elif values is None:
        errors["purls"] = inputs.NULL
    elif not isinstance(values, list):
        errors["purls"] = NOT_A_LIST
    elif len(values) > MAX_PURLS:
        errors["purls"] = TOO_MANY
    if errors:
        raise InputError(errors)
    return list(values)


def lookup_answer(matches: Sequence[selectors.PurlMatch]) -> RawJSON:
    """The answer's JSON: each project's v2 JSON from the fragment cache (two queries per
    chunk of projects not in it)."""
    ids = list(dict.fromkeys(project_id for project_id, _ in matches if project_id is not None))
    shown: dict[int, str] = {}
    for _ in range(READ_ATTEMPTS):
        stamps = representations.stamps_of(ids)
        texts = representations.fragments(stamps, extended=True)
        if len(texts) == len(stamps):  # else one was deleted meanwhile: read again
            shown = {project_id: text for (project_id, _), text in zip(stamps, texts, strict=True)}
            break
    items = [
        shown.get(project_id, "null") if project_id is not None else "null"
        for project_id, _ in matches
    ]
    errors = representations.dumps([error for _, error in matches])
    return representations.raw_answer(f'{{"errors":{errors},"items":[{",".join(items)}]}}')
