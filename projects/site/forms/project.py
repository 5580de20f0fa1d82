"""The project form (adding and editing a project) and the help it shows per backend.

Forms check shapes (required, lengths, choices); the services check the rest (URLs, regexes,
calendar patterns, uniqueness), and ``projects.site.errors`` puts their errors back on the
fields, so the user sees every problem next to the field it is about."""

from __future__ import annotations

from typing import Any

from django import forms

from backends import registry, versions
from backends.base import Backend
from projects import services
from projects.models import Project

#: The project fields only some backends read: shown when the backend's ``fields`` lists them.
BACKEND_FIELDS = ("version_url", "regex", "insecure", "releases_only")

#: Labels and help when the backend says nothing about a field.
DEFAULT_HELP: dict[str, tuple[str, str]] = {
    "name": ("Project name", "The project's name as upstream spells it."),
    "homepage": ("Homepage", "The project's web page (http or https)."),
    "backend": ("Backend", "Where and how releasemon finds the versions."),
    "version_url": ("Version URL", "Where the backend looks for versions."),
    "version_scheme": (
        "Version scheme",
        "How versions are ordered. Empty: the default of the ecosystem or backend.",
    ),
    "version_pattern": (
        "Calendar version pattern",
        "For the Calendar scheme: e.g. YYYY.MM.DD or YY.0M.MICRO.",
    ),
    "version_prefix": (
        "Version prefix",
        "Text to remove before versions, e.g. 'release-'; separate several with ';'.",
    ),
    "pre_release_filter": (
        "Pre-release filter",
        "Versions containing one of these ';'-separated strings are pre-releases, e.g. "
        "'rc;beta'; '!odds' marks odd minor versions.",
    ),
    "version_filter": (
        "Version filter",
        "Versions containing one of these ';'-separated strings are ignored.",
    ),
    "regex": ("Regex", "Finds the versions on the page."),
    "insecure": ("Insecure", "Do not verify the site's TLS certificate."),
    "releases_only": ("Check releases instead of tags", "Read releases instead of tags."),
    "distro": ("Distribution", "Optional: map the project to a package of this distribution."),
    "package_name": ("Package name", "The package's name in that distribution."),
    "check_release": (
        "Check latest release on submit",
        "Run a full check right after saving, storing what it finds.",
    ),
    "forget_credentials": (
        "Forget the stored credentials",
        "Credentials typed into a URL (https://user:password@host/) are stored apart and never "
        "shown; a URL typed again without them keeps them, unless this is ticked.",
    ),
}


def backend_help(backend: Backend) -> dict[str, Any]:
    """What the project form shows for ``backend``: the JSON its script reads, per backend."""
    fields = {}
    for field in ("name", *BACKEND_FIELDS):
        help_ = backend.fields.get(field)
        if help_ is None:
            if field == "name":  # every backend uses the name, most keep its label
                fields[field] = {
                    "label": DEFAULT_HELP[field][0],
                    "help": DEFAULT_HELP[field][1],
                    "required": True,
                }
            continue
        fields[field] = {
            "label": help_.label,
            "help": help_.help_text,
            "required": help_.required or (field == "version_url" and backend.required_version_url),
        }
    return {
        "fields": fields,
        "examples": list(backend.examples),
        "default_regex": backend.default_regex or "",
        "more_info": backend.more_info or "",
        "default_version_scheme": backend.default_version_scheme,
    }


def all_backend_help() -> dict[str, dict[str, Any]]:
    return {backend.name: backend_help(backend) for backend in registry.all_backends()}


def _optional_text(widget: forms.Widget | None = None) -> forms.CharField:
    return forms.CharField(max_length=services.TEXT_MAX_LENGTH, required=False, widget=widget)


def _backend_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in registry.backend_names()]


def _scheme_choices() -> list[tuple[str, str]]:
    return [("", "Default for the backend")] + [(name, name) for name in versions.SCHEME_NAMES]


class ProjectForm(forms.Form):
    """Anitya's ProjectForm (contract §2.5). ``distro``/``package_name`` only on creation,
    ``check_release`` only on edits (creating always stores the validating check)."""

    name = forms.CharField(max_length=services.TEXT_MAX_LENGTH)
    homepage = forms.CharField(max_length=services.TEXT_MAX_LENGTH)
    backend = forms.ChoiceField(choices=_backend_choices)
    version_url = _optional_text()
    version_scheme = forms.ChoiceField(choices=_scheme_choices, required=False)
    version_pattern = _optional_text()
    version_prefix = _optional_text()
    pre_release_filter = _optional_text()
    version_filter = _optional_text()
    regex = _optional_text()
    insecure = forms.BooleanField(required=False)
    releases_only = forms.BooleanField(required=False)
    distro = _optional_text(forms.TextInput(attrs={"list": "distro-names", "autocomplete": "off"}))
    package_name = _optional_text()
    check_release = forms.BooleanField(required=False)
    forget_credentials = forms.BooleanField(required=False)

    #: Passed to the services; the rest is for the mapping and the check after saving.
    project_fields = services.EDITABLE_FIELDS

    def __init__(
        self,
        *args: Any,
        creating: bool = True,
        credential_origins: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        #: Where the edited project stores credentials (origins only, never the credentials).
        self.credential_origins = list(credential_origins or [])
        if not creating:
            del self.fields["distro"], self.fields["package_name"]
        else:  # a new project's validating check is always stored (services.project_create)
            del self.fields["check_release"]
        if creating or not self.credential_origins:
            del self.fields["forget_credentials"]
        for name, field in self.fields.items():
            label, help_text = DEFAULT_HELP[name]
            field.label, field.help_text = label, help_text
        # Labels of the backend shown first; the page's script follows later choices.
        backend = self.selected_backend()
        for name, help_ in backend_help(backend)["fields"].items():
            if name in self.fields:
                self.fields[name].label = help_["label"]
                self.fields[name].help_text = help_["help"] or self.fields[name].help_text

    @classmethod
    def for_project(cls, project: Project, data: Any = None) -> ProjectForm:
        initial = {field: getattr(project, field) for field in cls.project_fields}
        return cls(
            data, initial=initial, creating=False, credential_origins=project.credential_origins
        )

    def selected_backend(self) -> Backend:
        name = (self.data.get("backend") if self.is_bound else None) or self.initial.get(
            "backend", "custom"
        )
        try:
            return registry.get_backend(name)
        except registry.UnknownBackend:
            return registry.get_backend("custom")

    def backend_field_names(self) -> set[str]:
        """The backend-specific fields the selected backend reads (shown without a script)."""
        return set(backend_help(self.selected_backend())["fields"]) & set(BACKEND_FIELDS)

    def project_values(self) -> services.ProjectFields:
        """The cleaned values to hand to the services (:data:`project_fields`)."""
        data = self.cleaned_data
        return services.ProjectFields(
            name=data["name"],
            homepage=data["homepage"],
            backend=data["backend"],
            version_url=data["version_url"],
            version_scheme=data["version_scheme"],
            version_pattern=data["version_pattern"],
            version_prefix=data["version_prefix"],
            pre_release_filter=data["pre_release_filter"],
            version_filter=data["version_filter"],
            regex=data["regex"],
            insecure=data["insecure"],
            releases_only=data["releases_only"],
        )

    @property
    def forget_requested(self) -> bool:
        """Whether "Forget the stored credentials" was ticked."""
        return bool(self.cleaned_data.get("forget_credentials"))
