"""The project form of the admin: checked on entry as the services will check it."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from backends import regexes, registry, versions
from projects import services
from projects.models import Project


class ProjectAdminForm(forms.ModelForm[Project]):
    """Backends and schemes chosen from what exists; regexes and patterns checked on entry;
    the whole project validated as the services will (version URL, duplicates, archive)."""

    backend = forms.ChoiceField(choices=[(name, name) for name in registry.backend_names()])
    version_scheme = forms.ChoiceField(
        choices=[("", "(default for the ecosystem)")]
        + [(name, name) for name in versions.SCHEME_NAMES],
        required=False,
    )

    homepage = forms.URLField(max_length=200, assume_scheme="https")
    forget_credentials = forms.BooleanField(
        required=False,
        label="Forget the stored credentials",
        help_text="Credentials typed into a URL (https://user:password@host/) are stored apart "
        "and never shown; a URL typed again without them keeps them, unless this is ticked.",
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "homepage",
            "backend",
            "archived",
            "version_url",
            "regex",
            "version_scheme",
            "version_pattern",
            "version_prefix",
            "pre_release_filter",
            "version_filter",
            "insecure",
            "releases_only",
        ]

    def clean_regex(self) -> str | None:
        pattern = self.cleaned_data.get("regex") or None
        if pattern:
            try:
                regexes.validate_user_regex(pattern)
            except regexes.InvalidRegex as error:
                raise forms.ValidationError(str(error)) from None
        return pattern

    def clean_version_pattern(self) -> str | None:
        pattern = self.cleaned_data.get("version_pattern") or None
        if pattern:
            try:
                versions.validate_pattern(pattern)
            except versions.InvalidCalendarPattern as error:
                raise forms.ValidationError(str(error)) from None
        return pattern

    def clean_version_scheme(self) -> str | None:
        return self.cleaned_data.get("version_scheme") or None

    @property
    def forget_requested(self) -> bool:
        """Whether "Forget the stored credentials" was ticked."""
        return bool(self.cleaned_data.get("forget_credentials"))

    def service_fields(self) -> services.ProjectFields:
        """The fields to hand to the services: all of them on creation, else the changed."""
        names = [name for name in services.PROJECT_FIELDS if name in self.fields]
        if self.instance.pk is not None:
            names = [name for name in names if name in self.changed_data]
        # Names from PROJECT_FIELDS, values as this form's fields (of the same types) clean them.
        return cast(services.ProjectFields, {name: self.cleaned_data.get(name) for name in names})

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        fields = self.service_fields()
        try:
            if self.instance.pk is None:
                project = services.build_project(**fields)
            else:
                stored = Project.objects.get(pk=self.instance.pk)
                if stored.archived and set(fields) - {"archived"}:
                    raise forms.ValidationError(
                        "This project is archived: unarchive it (alone) before changing it."
                    )
                project, _changes = services.edited_copy(
                    stored, fields, forget_credentials=self.forget_requested
                )
        except services.InvalidInput as error:
            for field, message in error.errors.items():
                self.add_error(field if field in self.fields else None, message)
            return cleaned
        if set(fields) & {"name", "homepage", "backend"}:
            clash = services.clashing_project(project)
            if clash is not None:
                self.add_error(
                    "name", f'Project "{clash.name}" (id {clash.pk}) already exists there.'
                )
        return cleaned
