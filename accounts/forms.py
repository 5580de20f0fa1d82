"""The settings page's form. It checks shapes; ``services.token_create`` checks the rest."""

from __future__ import annotations

from django import forms

from accounts import services


class TokenForm(forms.Form):
    """Create an API token: its description (optional)."""

    description = forms.CharField(
        required=False,
        max_length=services.TOKEN_DESCRIPTION_MAX_LENGTH,
        label="Description",
        help_text="What will use the token, so you recognise it later.",
        error_messages={
            "max_length": "The description is too long: at most %(limit_value)d characters."
        },
        widget=forms.TextInput(attrs={"placeholder": "What will use it, e.g. my CI"}),
    )
