"""The form a user flags a project with."""

from __future__ import annotations

from django import forms


class FlagForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text="What is wrong? For example: the homepage moved, the project is a duplicate "
        "of another one, or it should be unarchived.",
    )
