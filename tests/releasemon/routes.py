"""Every route of the site, from Django's URL resolver, and URLs to ask them with.

Shared by the tests that sweep every route (tests/releasemon/test_bad_input.py,
test_head_and_favicon.py), so that a new route is covered without editing them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.urls import URLResolver, get_resolver
from django.urls.converters import IntConverter


@dataclass(frozen=True)
class Route:
    prefix: str  # a namespace's literal prefix ("admin/", "api/", ...)
    template: str  # Django's reverse template, e.g. "project/%(project_id)s/feed/"
    pattern: str  # the regex the template's result must match (relative to the prefix)
    params: tuple[str, ...]
    converters: dict

    @property
    def label(self) -> str:
        return "/" + self.prefix + self.template.replace("%(", "<").replace(")s", ">")

    @property
    def is_api(self) -> bool:
        return (self.prefix + self.template).startswith("api")

    def render(self, values: dict[str, str]) -> str | None:
        """The URL with these parameter values, or None when the route refuses one."""
        subs = {}
        for name in self.params:
            converter = self.converters.get(name)
            value = values[name]
            if isinstance(converter, IntConverter) and not value.isdigit():
                return None
            subs[name] = converter.to_url(value) if converter else value
        path = self.template % subs
        if not re.search("^" + self.pattern, path):
            return None
        return "/" + quote(self.prefix + path, safe="!$&'()*+,;=/~:@")


def _routes() -> list[Route]:
    found: dict[str, Route] = {}

    def visit(resolver: URLResolver, prefix: str) -> None:
        for key in resolver.reverse_dict:
            for possibilities, pattern, _defaults, converters in resolver.reverse_dict.getlist(key):
                for template, params in possibilities:
                    found.setdefault(
                        prefix + template,
                        Route(prefix, template, pattern, tuple(params), dict(converters)),
                    )
        for ns_prefix, sub in resolver.namespace_dict.values():
            assert re.fullmatch(r"[\w/-]*", ns_prefix), ns_prefix  # literal prefixes only
            visit(sub, prefix + ns_prefix)

    visit(get_resolver(), "")
    return sorted(found.values(), key=lambda route: route.prefix + route.template)


ROUTES = _routes()


@dataclass
class Rows:
    admin: Any
    project: Any
    secret: str

    def valid(self) -> list[str]:
        """Values for a parameter (the first that fits wins): an id, a word, an app label."""
        return [str(self.project.pk), "x", "projects", "1"]


def url_for(route: Route, rows: Rows, wanted: str | None = None) -> str:
    """``route`` with ``wanted`` in every parameter that takes it, fitting values elsewhere."""
    values: dict[str, str] = {}
    for name in route.params:
        candidates = ([wanted] if wanted is not None else []) + rows.valid()
        for candidate in candidates:
            trial = {**dict.fromkeys(route.params, rows.valid()[0]), **values}
            trial[name] = candidate
            if route.render(trial) is not None:
                values[name] = candidate
                break
        else:
            values[name] = candidates[-1]
    url = route.render(values)
    if url is None:  # no combination fits: the bare template (still exercises the stack)
        url = "/" + quote(route.prefix + route.template % dict.fromkeys(route.params, "1"))
    return url
