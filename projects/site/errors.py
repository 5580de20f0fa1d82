"""How the site answers a change it could not make.

One table (:func:`refusal`) turns the services' errors, the limits' refusals and a failed
check into what people see: the status, the words, the form field they are about and the
context the form page adds. Views catch :data:`REFUSALS` and hand the error to one answer:
:func:`on_form` (next to its field, else at the top of the form), :func:`flash` (a message
on the next page), :func:`as_json` (the page's script) or :func:`url_value_refused` (a bad
value in the URL). So a refusal reads and numbers the same on every page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html

from backends.base import BackendError, RateLimited
from projects import limits, services
from projects.site.common import project_url, unprocessable

#: What a view catches around a service call, a limited slot or a check.
REFUSALS: tuple[type[Exception], ...] = (services.ServiceError, limits.Limited, BackendError)

#: The distro form's words for a name taken (Anitya's).
DISTRO_EXISTS = "Could not add this distro, already exists?"


@dataclass(frozen=True)
class Refusal:
    """The site's answer to one refused change."""

    status: int
    #: The reason in one line: a flash message, a JSON error, the top of a form. It may be
    #: safe HTML (a link to the project in the way).
    message: str
    #: The messages a form shows, by field; :data:`NON_FIELD_ERRORS` (or a field the form
    #: does not have) goes at the top.
    field_errors: Mapping[str, str]
    #: Added to the context of the re-rendered form.
    context: Mapping[str, Any] = field(default_factory=dict)
    #: Seconds before asking again may succeed (a limit), for ``Retry-After``.
    retry_after: int | None = None
    #: A whole sentence that says what was not done: flashed without the caller's prefix.
    standalone: bool = False
    #: An archived project's form pages are not found (as they are when opened).
    not_found: bool = False


def _at_top(status: int, message: str, **extra: Any) -> Refusal:
    return Refusal(status, message, {NON_FIELD_ERRORS: message}, **extra)


def exists_message(error: services.ProjectExists) -> str:
    """The service's reason, with a link to the project already there."""
    if error.existing is None:
        return str(error)
    return format_html(
        '{} See <a href="{}">{}</a>.',
        str(error),
        project_url(error.existing),
        error.existing.name,
    )


def clash_message(clash: services.MappingClash) -> str:
    """Anitya's words for a package name another project has, with a link to that project."""
    return format_html(
        "Could not edit the mapping of {name} on {distro}, there is already a package {name} on "
        '{distro} as part of the project <a href="{url}">{owner}</a>.',
        name=clash.package_name,
        distro=clash.distro,
        url=project_url(clash.owner),
        owner=clash.owner.name,
    )


def refusal(error: Exception) -> Refusal:
    """The site's answer to ``error``, one of :data:`REFUSALS`."""
    if isinstance(error, services.InvalidInput):
        return Refusal(400, str(error), error.errors)
    if isinstance(error, services.ProjectExists):
        return _at_top(409, exists_message(error), context={"existing": error.existing})
    if isinstance(error, services.ProjectArchived):
        return _at_top(400, str(error), not_found=True)
    if isinstance(error, services.DistroExists):
        return Refusal(409, str(error), {"name": DISTRO_EXISTS})
    if isinstance(error, services.MappingClash):
        message = clash_message(error)
        return Refusal(400, message, {"package_name": message}, standalone=True)
    if isinstance(error, limits.Limited):
        return _at_top(429, str(error), retry_after=error.retry_after)
    if isinstance(error, RateLimited):
        return _at_top(429, str(error))
    # A new project that finds no versions, any other service error, a failed check.
    return _at_top(400, str(error))


def on_form(form: forms.BaseForm, error: Exception) -> Refusal:
    """Show ``error`` on ``form``: each message next to its field, the rest at the top. The
    caller renders the form again with the refusal's ``status`` and ``context``."""
    refused = refusal(error)
    if refused.not_found:
        raise Http404("This project is archived.") from error
    for name, message in refused.field_errors.items():
        form.add_error(name if name in form.fields else None, message)
    return refused


def flash(request: HttpRequest, error: Exception, prefix: str = "") -> Refusal:
    """Say on the next page what was not done, after ``prefix`` (``"Not checked: "``)."""
    refused = refusal(error)
    messages.error(request, refused.message if refused.standalone else prefix + refused.message)
    return refused


def as_json(error: Exception) -> JsonResponse:
    """The page's script's answer: ``{"error": ...}``, with ``Retry-After`` for a limit."""
    refused = refusal(error)
    headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
    return JsonResponse({"error": refused.message}, status=refused.status, headers=headers)


def url_value_refused(error: Exception) -> HttpResponse:
    """A value in the URL the service refused (a flag's state): Anitya's 422, in plain text."""
    return unprocessable(" ".join(refusal(error).field_errors.values()))
