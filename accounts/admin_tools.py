"""Shared pieces of the moderation console: object-page action buttons, confirmation pages,
text-input list filters, and service errors shown as admin messages.

Admin actions on one object's page: the changelist's actions, offered as buttons.

A ModelAdmin lists ``object_actions`` (names of its admin actions). Each appears as a button
(labelled by :func:`object_label`, else by the action's description) on the object's page,
posting to ``<object id>/actions/<name>/``, which runs the very same
action function on a queryset of that one object, so the moderation console has one code path
per action whether it is used from the list or from the object. An action that answers with a
page (a confirmation) is shown; once it is done, the browser returns to the object's page.
Confirmation pages post back to the URL that showed them (``action=""``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

_ModelT = TypeVar("_ModelT", bound=Model)
_ActionT = TypeVar("_ActionT", bound=Callable[..., HttpResponseBase | None])
_AdminAction = Callable[..., HttpResponseBase | None]

#: The attribute :func:`object_label` sets on an action function.
_OBJECT_LABEL = "object_label"


class ObjectActionsMixin(admin.ModelAdmin[_ModelT]):
    """Buttons on the change page for the admin actions named in ``object_actions``."""

    object_actions: tuple[str, ...] = ()
    change_form_template = "admin/object_actions_change_form.html"

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view(require_POST(self.object_action_view))
        return [
            path(
                "<path:object_id>/actions/<str:action>/",
                view,
                name="{}_{}_object_action".format(*info),
            ),
            *super().get_urls(),
        ]

    def object_action_buttons(self, request: HttpRequest, obj: _ModelT) -> list[dict[str, str]]:
        """The buttons shown on ``obj``'s page: name, label and the URL they post to."""
        actions = self.get_actions(request)
        info = self.opts.app_label, self.opts.model_name
        buttons = []
        for name in self.object_actions:
            action = actions.get(name)
            if action is None:
                continue
            _func, _name, description = action
            label = getattr(_func, _OBJECT_LABEL, None) or str(description) % {
                "verbose_name_plural": self.opts.verbose_name_plural
            }
            buttons.append(
                {
                    "name": name,
                    "label": label,
                    "url": reverse(
                        "admin:{}_{}_object_action".format(*info),
                        args=[obj.pk, name],
                        current_app=self.admin_site.name,
                    ),
                }
            )
        return buttons

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: _ModelT | None = None,
    ) -> HttpResponse:
        if obj is not None and obj.pk is not None:
            context["object_action_buttons"] = self.object_action_buttons(request, obj)
            context["object_links"] = self.object_links(request, obj)
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def object_links(self, request: HttpRequest, obj: _ModelT) -> list[dict[str, str]]:
        """Extra links for the object's page (``label``, ``url``); none by default."""
        return []

    def object_action_view(
        self, request: HttpRequest, object_id: str, action: str
    ) -> HttpResponseBase:
        model = self.model
        if action not in self.object_actions:
            raise Http404(f"No action {action!r} on a {model._meta.verbose_name}.")
        allowed = self.get_actions(request).get(action)
        if allowed is None:
            raise PermissionDenied
        queryset = self.get_queryset(request).filter(pk=unquote(object_id))
        obj = queryset.first()
        if obj is None:
            raise Http404(f"No {model._meta.verbose_name} with id {object_id}.")
        # The stubs give an action's result as str; it is a response, or None.
        func = cast(_AdminAction, allowed[0])
        response = func(self, request, queryset)
        if response is not None:
            return response
        change_url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        if model._default_manager.filter(pk=obj.pk).exists():
            return HttpResponseRedirect(change_url)
        # The action deleted the object: back to the list.
        return HttpResponseRedirect(
            reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist",
                current_app=self.admin_site.name,
            )
        )


def object_label(label: str) -> Callable[[_ActionT], _ActionT]:
    """The label of an admin action's button on one object's page (without it, the button
    shows the action's description)."""

    def label_action(action: _ActionT) -> _ActionT:
        setattr(action, _OBJECT_LABEL, label)
        return action

    return label_action


def confirmation_page(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    action: str,
    title: str,
    question: str,
    items: list[str],
    button: str,
) -> TemplateResponse:
    """The page asking to confirm ``action`` on ``queryset``, listing what it changes."""
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "items": items,
        "button": button,
        "action": action,
        "queryset": queryset,
        "opts": opts,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/action_confirmation.html", context)


def confirmed(request: HttpRequest) -> bool:
    """The confirmation page was submitted (Django's own convention: ``post=yes``)."""
    return request.POST.get("post") == "yes"


def report(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    done: list[str],
    errors: list[str],
    *,
    nothing: str,
) -> None:
    """Tell the administrator what happened: one message for the changes, one per error."""
    if done:
        modeladmin.message_user(request, " ".join(done), messages.SUCCESS)
    for error in errors:
        modeladmin.message_user(request, error, messages.ERROR)
    if not done and not errors:
        modeladmin.message_user(request, nothing, messages.INFO)


class InputFilter(admin.SimpleListFilter):
    """A list filter typed into a box (an exact name or email): no list of 100,000 choices."""

    template = "admin/input_filter.html"
    placeholder = ""
    parameter_name: str  # every input filter names its parameter

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [("", "")]  # one dummy choice, so that the filter is shown

    # The stubs type choices() as the stock filter's links; input_filter.html takes other keys.
    def choices(self, changelist: ChangeList) -> Iterator[Mapping[str, object]]:  # type: ignore[override]
        others = {
            key: value
            for key, value in changelist.params.items()
            if key not in {self.parameter_name, "p"}
        }
        yield {
            "parameter_name": self.parameter_name,
            "value": self.value() or "",
            "placeholder": self.placeholder,
            "hidden": sorted(others.items()),
            "clear_url": changelist.get_query_string(remove=[self.parameter_name]),
        }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = (self.value() or "").strip()
        return self.filter(queryset, value) if value else queryset

    def filter(self, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        raise NotImplementedError


class ServiceErrorsAsMessages(admin.ModelAdmin[_ModelT]):
    """Errors raised by services while the admin saves or deletes (a clash created by someone
    else a moment ago, ...) become an error message; the whole change is rolled back."""

    service_errors: tuple[type[Exception], ...] = ()

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except self.service_errors as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Actions that can fail say so before they change anything (get_deleted_objects'
        # "protected" list, the action's own checks); this only catches a race.
        try:
            return super().changelist_view(request, *args, **kwargs)
        except self.service_errors as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().delete_view(request, *args, **kwargs)
        except self.service_errors as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class TolerantAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, but a submitted value that cannot name a row (``abc``
    for a numeric id) shows as nothing selected: the stock widget filters the table by it
    to draw the re-displayed form, and the database conversion fails with a 500."""

    def optgroups(
        self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        remote = self.field.remote_field
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.attname)
        usable = []
        for item in value:
            try:
                target.to_python(item)
            except ValidationError:
                continue
            usable.append(item)
        return super().optgroups(name, usable, attr)


class TolerantAutocomplete(BaseModelAdmin[_ModelT]):
    """For a ModelAdmin or an inline: its ``autocomplete_fields`` use
    :class:`TolerantAutocompleteSelect` (bad input in the form is a form error, not a 500)."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = TolerantAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
