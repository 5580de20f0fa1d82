"""The form of a project's hand-defined release streams (the "Manage streams" page).

It checks shapes (lengths, a date, a number; Django's text fields refuse NUL characters);
:mod:`projects.services.streams` checks the rest (names, patterns through the regex safety
rules and over the project's versions, names taken) and :mod:`projects.site.errors` puts its
errors back on these fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from backends.regexes import MAX_REGEX_LENGTH
from backends.stream_definitions import NAME_MAX_LENGTH
from projects import services
from projects.models import ReleaseStream
from projects.services.streams import MAX_POSITION


class StreamForm(forms.Form):
    """One definition: a stream of its own, or a detected stream's end of life."""

    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        label="Name",
        help_text="A stream of your own (e.g. LTS), or a detected stream's name (e.g. 3.8) "
        "with an empty pattern to mark it end-of-life.",
    )
    pattern = forms.CharField(
        required=False,
        max_length=MAX_REGEX_LENGTH,
        label="Pattern",
        help_text="A regular expression searched in the version as shown, e.g. ^18\\. "
        "Empty: the definition only marks the detected stream of its name.",
        widget=forms.TextInput(attrs={"placeholder": r"e.g. ^(18|20)\."}),
    )
    end_of_life = forms.DateField(
        required=False,
        label="End of life",
        help_text="The day the line stopped being maintained (YYYY-MM-DD); empty: maintained.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    position = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_POSITION,
        label="Order",
        help_text="Definitions are tried lowest first; a version belongs to the first whose "
        "pattern finds it. Empty: after the others (or unchanged).",
    )

    @classmethod
    def for_stream(cls, stream: ReleaseStream, data: Mapping[str, Any] | None = None) -> StreamForm:
        initial = {
            "name": stream.name,
            "pattern": stream.pattern,
            "end_of_life": stream.end_of_life,
            "position": stream.position,
        }
        return cls(data, initial=initial) if data is not None else cls(initial=initial)

    def stream_fields(self) -> services.StreamFields:
        data = self.cleaned_data
        return services.StreamFields(
            name=data["name"],
            pattern=data.get("pattern") or "",
            end_of_life=data.get("end_of_life"),
            position=data.get("position"),
        )
