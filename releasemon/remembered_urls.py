"""``{% url %}`` and ``{% static %}`` as Django's, with each link remembered per process (a
template builtin, so every template's ``{% url %}`` and ``{% static %}`` are these; a template
must not ``{% load static %}``, which would put Django's back).

Django's tag calls ``reverse()`` on every render, which walks the URL patterns: the page
layout alone has 15 links and a list page 25, a tenth of rendering a page. A link depends only
on the view name, its arguments, the current application and the script prefix, all of which
are the key; the URL patterns do not change while the process runs. Only arguments that are
text or numbers (immutable) are remembered (an object's text could change while it keeps its hash),
and a name that does not reverse raises (or sets ``as`` to ``""``) each time, as Django's does.

A static file's URL depends on its path, the script prefix (a relative ``STATIC_URL`` is under
it) and the settings of the static files, which only tests change: a change of them forgets
every static URL.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template.base import Parser, Token
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.templatetags.static import StaticNode
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.html import conditional_escape

register = template.Library()

#: Links kept at most; past it the whole table starts again (cheaper than an LRU's bookkeeping
#: for keys that are each a few dozen bytes).
MAX_LINKS = 20_000
_links: dict[tuple[Any, ...], str] = {}
_REMEMBERED_TYPES = (str, int)


class RememberedURLNode(URLNode):
    def render(self, context: Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {name: value.resolve(context) for name, value in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        current_app = _current_app(context)
        key = None
        values = [*args, *kwargs.values(), view_name]
        if all(isinstance(value, _REMEMBERED_TYPES) for value in values):
            key = (view_name, tuple(args), tuple(sorted(kwargs.items())), current_app,
                   get_script_prefix())  # fmt: skip
        link = _links.get(key) if key is not None else None
        if link is None:
            try:
                link = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
            except NoReverseMatch:
                if self.asvar is None:
                    raise
                link = ""
            else:
                if key is not None:
                    if len(_links) >= MAX_LINKS:
                        _links.clear()
                    _links[key] = link
        if self.asvar:
            context[self.asvar] = link
            return ""
        return str(conditional_escape(link)) if context.autoescape else link


def _current_app(context: Context) -> str | None:
    """As Django's tag finds it: the request's current app, else its namespace, else None."""
    request = getattr(context, "request", None)
    if hasattr(request, "current_app"):
        current_app = getattr(request, "current_app", None)
        return str(current_app) if current_app is not None else None
    namespace = getattr(getattr(request, "resolver_match", None), "namespace", None)
    return str(namespace) if namespace is not None else None


@register.tag
def url(parser: Parser, token: Token) -> RememberedURLNode:
    """Django's ``{% url %}`` syntax, parsed by Django."""
    node = django_url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


_static_urls: dict[tuple[str, str], str] = {}
#: The settings a static file's URL is made from.
STATIC_SETTINGS = {"STATIC_URL", "STORAGES", "STATIC_ROOT", "STATICFILES_DIRS"}


class RememberedStaticNode(StaticNode):
    def url(self, context: Context) -> str:
        path = self.path.resolve(context)
        if not isinstance(path, str):
            return str(self.handle_simple(path))
        key = (path, get_script_prefix())
        found = _static_urls.get(key)
        if found is None:
            found = _static_urls[key] = str(self.handle_simple(path))
        return found


@register.tag
def static(parser: Parser, token: Token) -> StaticNode:
    """Django's ``{% static %}`` syntax, parsed by Django."""
    node = StaticNode.handle_token(parser, token)
    return RememberedStaticNode(varname=node.varname, path=node.path)


def _forget_static_urls(*, setting: str, **_: object) -> None:
    if setting in STATIC_SETTINGS:
        _static_urls.clear()


setting_changed.connect(_forget_static_urls, dispatch_uid="releasemon.remembered_urls.static")
