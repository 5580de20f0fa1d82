"""Reading API input the way Anitya's webargs/marshmallow read it, with its error texts.

Anitya validates query arguments and POST bodies with webargs; clients see marshmallow's
messages (``"Missing data for required field."``, ``"Not a valid integer."``, ...), the first
one per field, as ``{"message": {"<field>": "<text>"}}`` (contract §3.3). The DRF fields
below keep those texts and marshmallow's rules (strings must be strings, booleans accept
``"true"``/``"yes"``/``"1"``..., unknown body fields are refused), so the serializers that use
them also describe the bodies in the OpenAPI schema and draw the browsable API's forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.http import HttpRequest, QueryDict
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.request import Request

from projects.api.drf import Serializer

MISSING = "Missing data for required field."
NULL = "Field may not be null."
UNKNOWN = "Unknown field."
NOT_AN_INTEGER = "Not a valid integer."
NOT_A_STRING = "Not a valid string."
NOT_A_BOOLEAN = "Not a valid boolean."
TOO_SMALL = "Value must be greater than or equal to {minimum}."
TOO_LARGE = "Value must be less than or equal to {maximum}."

#: The browsable API's HTML forms carry Django's CSRF field; Anitya's clients never send it.
HTML_FORM_MARKER = "csrfmiddlewaretoken"

# marshmallow's Boolean: these strings and numbers, nothing else.
TRUTHY: frozenset[str | int] = frozenset(
    {"t", "T", "true", "True", "TRUE", "on", "On", "ON", "y", "Y", "yes", "Yes"}
)
TRUTHY |= {"YES", "1", 1}
FALSY: frozenset[str | int] = frozenset(
    {"f", "F", "false", "False", "FALSE", "off", "Off", "OFF", "n", "N", "no"}
)
FALSY |= {"No", "NO", "0", 0}

#: The largest id a database column holds; bigger numbers cannot name a row.
MAX_ID = 2**63 - 1


class InputError(Exception):
    """Invalid arguments: ``errors`` maps each field to its first message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(errors)
        self.errors = dict(sorted(errors.items()))

    @property
    def body(self) -> dict[str, dict[str, str]]:
        return {"message": self.errors}


def is_html_form(data: Any) -> bool:
    return isinstance(data, QueryDict) and HTML_FORM_MARKER in data


def first_value(data: Mapping[str, Any], name: str) -> Any:
    """A field's value; the first one when a form repeats it (Flask reads the first)."""
    if isinstance(data, QueryDict):
        values = data.getlist(name)
        return values[0] if values else empty
    return data.get(name, empty)


class _AnityaField:
    """Absent means absent (no HTML-form guessing), repeated form fields give the first."""

    field_name: str | None

    def get_value(self, dictionary: Mapping[str, Any]) -> Any:
        if self.field_name is None or self.field_name not in dictionary:
            return empty
        return first_value(dictionary, self.field_name)


class Text(_AnityaField, serializers.CharField):
    """marshmallow's ``Str``: a string as given (not stripped), blank allowed."""

    default_error_messages = {
        "required": MISSING,
        "null": NULL,
        "invalid": NOT_A_STRING,
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def get_value(self, dictionary: Mapping[str, Any]) -> Any:
        value = super().get_value(dictionary)
        # An empty box of the browsable API's form means "not given".
        if value == "" and is_html_form(dictionary):
            return empty
        return value

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates from JSON: no database can store them
            self.fail("invalid")
        return data


class Integer(_AnityaField, serializers.IntegerField):
    """marshmallow's ``Int``: integers, and strings Python's ``int()`` reads."""

    default_error_messages = {
        "required": MISSING,
        "null": NULL,
        "invalid": NOT_AN_INTEGER,
        "max_string_length": NOT_AN_INTEGER,
    }

    def get_value(self, dictionary: Mapping[str, Any]) -> Any:
        value = super().get_value(dictionary)
        if value == "" and is_html_form(dictionary):
            return empty
        return value

    def to_internal_value(self, data: Any) -> int:
        return parse_integer(data, fail=lambda: self.fail("invalid"))


class Boolean(_AnityaField, serializers.BooleanField):
    """marshmallow's ``Bool``: true/false, t/f, yes/no, on/off, 1/0 (a few spellings each)."""

    default_error_messages = {"required": MISSING, "null": NULL, "invalid": NOT_A_BOOLEAN}

    def get_value(self, dictionary: Mapping[str, Any]) -> Any:
        # An unticked checkbox of the browsable API's form is absent: it means false there.
        if self.field_name not in dictionary and is_html_form(dictionary):
            return False
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> bool:
        try:
            if data in TRUTHY:
                return True
            if data in FALSY:
                return False
        except TypeError:  # unhashable: a list or an object
            pass
        self.fail("invalid")
        raise AssertionError  # pragma: no cover (fail raises)


def parse_integer(data: Any, fail: Any) -> int:
    if isinstance(data, bool):
        fail()
    if isinstance(data, int):
        return data
    if isinstance(data, float) and data.is_integer():
        return int(data)
    if isinstance(data, str):
        try:
            return int(data)
        except ValueError:  # also more than 4300 digits
            pass
    fail()
    raise AssertionError  # pragma: no cover (fail raises)


class AnityaInput(Serializer):
    """A request body: known fields only (``"Unknown field."`` otherwise), JSON or form."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"_schema": ["Invalid input type."]})
        errors: dict[str, Any] = {}
        value: dict[str, Any] = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            # A serializer's own errors are always a dict by field; the stubs allow any detail.
            errors.update(cast("dict[str, Any]", error.detail))
        for name in data:
            if name not in self.fields and name != HTML_FORM_MARKER:
                errors[name] = [UNKNOWN]
        if errors:
            raise serializers.ValidationError(errors)
        return value


def validated(serializer_class: type[AnityaInput], data: Any) -> dict[str, Any]:
    """The validated body, or :class:`InputError` with each field's first message."""
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    errors = {}
    for field, messages in serializer.errors.items():
        first = messages[0] if isinstance(messages, list) and messages else messages
        errors[str(field)] = str(first)
    raise InputError(errors)


# -- query arguments ----------------------------------------------------------------------------


def query_value(request: Request | HttpRequest, name: str) -> str | None:
    """A query argument (the first, if repeated), None when absent."""
    values = request.GET.getlist(name)
    return values[0] if values else None


def query_integer(
    request: Request | HttpRequest,
    name: str,
    errors: dict[str, str],
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """An integer query argument; a problem is added to ``errors`` (webargs' texts)."""
    raw = query_value(request, name)
    if raw is None:
        return default

    def invalid() -> None:
        raise ValueError

    try:
        value = parse_integer(raw, fail=invalid)
    except ValueError:
        errors[name] = NOT_AN_INTEGER
        return default
    if minimum is not None and value < minimum:
        errors[name] = TOO_SMALL.format(minimum=minimum)
    elif maximum is not None and value > maximum:
        errors[name] = TOO_LARGE.format(maximum=maximum)
    return value


def usable_text(value: str | None) -> str | None:
    """``value`` if a database can compare it: text with a NUL character matches no row."""
    if value is None or "\x00" in value:
        return None
    return value


def valid_id(value: int | None) -> int | None:
    """``value`` if it can be a row id, else None (no row has it)."""
    if value is None or not 0 < value <= MAX_ID:
        return None
    return value
