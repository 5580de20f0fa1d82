"""The forms of distros and of a project's mappings to their packages."""

from __future__ import annotations

from django import forms

from projects import services


class DistroForm(forms.Form):
    name = forms.CharField(max_length=services.TEXT_MAX_LENGTH, label="Distribution name")


class MappingForm(forms.Form):
    """A distro (found ignoring case, created when new) and the package's name in it."""

    distro = forms.CharField(
        max_length=services.TEXT_MAX_LENGTH,
        label="Distribution",
        help_text="An existing distribution (any case), or a new one to add.",
        widget=forms.TextInput(attrs={"list": "distro-names", "autocomplete": "off"}),
    )
    package_name = forms.CharField(max_length=services.TEXT_MAX_LENGTH, label="Package name")
