"""The bodies v2's POST endpoints accept (JSON or form fields), with Anitya's field rules.

They validate, describe the bodies in the OpenAPI schema and draw the browsable API's forms;
the views pass what they validated to the services.
"""

from __future__ import annotations

from rest_framework import serializers

from projects.api.inputs import AnityaInput, Boolean, Integer, Text


class PackageCreateInput(AnityaInput):
    """Map a project to a package of a distribution."""

    distribution = Text(help_text="An existing distribution (any case).")
    package_name = Text(help_text="The package's name in that distribution.")
    project_name = Text(help_text="The project's name (any case).")
    project_ecosystem = Text(
        help_text="The project's ecosystem (pypi, npm, ...); for a project outside a package "
        "index, its homepage."
    )


class ProjectCreateInput(AnityaInput):
    """Create a project; its upstream is asked once first, and nothing is stored if that fails."""

    name = Text()
    homepage = Text(help_text="An http(s) URL.")
    backend = Text(help_text="A backend's name, e.g. `GitHub`, `PyPI`, `custom` (any case).")
    version_url = Text(
        allow_null=True,
        default=None,
        help_text="What the backend reads (a URL, owner/repo, ...); `custom` and `folder` need it.",
    )
    version_scheme = Text(default="RPM", help_text="RPM, Semantic, Calendar, Python (PEP 440).")
    version_pattern = Text(allow_null=True, default=None, help_text="For the Calendar scheme.")
    version_prefix = Text(allow_null=True, default=None, help_text="`;`-separated prefixes.")
    pre_release_filter = Text(allow_null=True, default=None)
    version_filter = Text(allow_null=True, default=None)
    regex = Text(allow_null=True, default=None, help_text="For `custom`: finds the versions.")
    insecure = Boolean(default=False, help_text="Do not verify the upstream's TLS certificate.")
    releases_only = Boolean(default=False, help_text="GitHub, Gitea: releases, not tags.")
    check_release = Boolean(
        default=False,
        help_text="Accepted for compatibility: a new project's validating check is "
        "always stored as its first check.",
    )


class VersionCheckInput(AnityaInput):
    """Check a project now (dry run by default), or preview a project that does not exist.

    The project is `id`, else the one whose `name` and/or `homepage` match (any case). Fields
    given are applied to it first (stored only when `dry_run` is false); fields not given keep
    their stored value. Without a matching project, `name`, `homepage` and `backend` describe
    a temporary project, which is only ever previewed.
    """

    id = Integer(required=False, help_text="The project's id.")
    name = Text(required=False)
    homepage = Text(required=False)
    backend = Text(required=False)
    version_url = Text(required=False, allow_null=True)
    version_scheme = Text(required=False, allow_null=True)
    version_pattern = Text(required=False, allow_null=True)
    version_prefix = Text(required=False, allow_null=True)
    pre_release_filter = Text(required=False, allow_null=True)
    version_filter = Text(required=False, allow_null=True)
    regex = Text(required=False, allow_null=True)
    insecure = Boolean(required=False)
    releases_only = Boolean(required=False)
    dry_run = Boolean(
        default=True, initial=True, help_text="Store nothing (the default): a preview."
    )


class ProjectPreviewInput(AnityaInput):
    """Preview an edit of a project: the fields given change, the others keep their stored
    value (as the edit would apply them); nothing is saved. `check` also runs a fresh check
    with the new values."""

    name = Text(required=False)
    homepage = Text(required=False, help_text="An http(s) URL.")
    backend = Text(required=False)
    version_url = Text(required=False, allow_null=True)
    version_scheme = Text(required=False, allow_null=True)
    version_pattern = Text(required=False, allow_null=True)
    version_prefix = Text(required=False, allow_null=True, help_text="`;`-separated prefixes.")
    pre_release_filter = Text(required=False, allow_null=True)
    version_filter = Text(required=False, allow_null=True)
    regex = Text(required=False, allow_null=True)
    insecure = Boolean(required=False)
    releases_only = Boolean(required=False)
    check = Boolean(
        default=False,
        help_text="Also ask the upstream now with the new values (limited like a dry run).",
    )


class PurlLookupInput(AnityaInput):
    """Projects by Package URL, many at once: an answer for each, in the order given."""

    # Describes the body; projects/api/v2/purls.py reads it, each PURL on its own.

    purls = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        max_length=1000,
        help_text="Up to 1,000 Package URLs (pkg:pypi/requests, pkg:npm/%40types/node, "
        "pkg:github/psf/requests, ...); versions, qualifiers and subpaths are ignored.",
    )
