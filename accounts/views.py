"""Sign-in, sign-out and the settings page (API tokens). Thin: the writes are services."""

from __future__ import annotations

from allauth.account.forms import LoginForm
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.forms import TokenForm
from accounts.http import SignedInRequest, points_into_site
from accounts.models import ApiToken

#: Where the secret of a just-created token waits, in the session, for the one page showing it.
NEW_TOKEN_SESSION_KEY = "accounts.new_token"


def safe_next(request: HttpRequest, default: str = "/") -> str:
    """The ``next`` parameter when it points into this site, else ``default``.

    Refuses other hosts, scheme-relative URLs (``//evil.example``), backslash tricks and
    non-http schemes: only same-site redirects are followed after signing in.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if points_into_site(request, target) else default


def sign_in_providers(request: HttpRequest, next_url: str) -> list[dict[str, str]]:
    """A button per configured provider: its name and the URL starting its sign-in."""
    buttons = []
    for provider in get_social_adapter().list_providers(request):
        buttons.append(
            {
                "id": provider.app.provider_id or provider.id,
                "name": provider.name,
                "url": provider.get_login_url(request, process="login", next=next_url),
            }
        )
    return buttons


@require_http_methods(["GET", "HEAD", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """The sign-in page: one button per configured provider, and the local form if enabled."""
    next_url = safe_next(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)
    form = None
    if settings.LOCAL_ACCOUNTS:
        if request.method == "POST":
            form = LoginForm(data=request.POST, request=request)
            if form.is_valid():
                response: HttpResponse = form.login(request, redirect_url=next_url)
                return response
        else:
            form = LoginForm(request=request)
    elif request.method == "POST":
        messages.error(request, "Signing in with a password is switched off on this site.")
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "next": next_url,
            "providers": sign_in_providers(request, next_url),
            "signup_url": (
                f"{reverse('account_signup')}?{urlencode({'next': next_url})}"
                if settings.LOCAL_ACCOUNTS
                else ""
            ),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation (a link must not sign anybody out); POST signs out."""
    if request.method == "POST":
        if request.user.is_authenticated:
            auth.logout(request)
            messages.info(request, "You have signed out.")
        return HttpResponseRedirect(safe_next(request))
    if not request.user.is_authenticated:
        return HttpResponseRedirect("/")
    return render(request, "accounts/logout.html", {"next": safe_next(request)})


def _settings(request: SignedInRequest, form: TokenForm, *, status: int = 200) -> HttpResponse:
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created", "-pk")
    return render(
        request,
        "accounts/settings.html",
        {"tokens": tokens, "new_token": new_token, "form": form},
        status=status,
    )


@login_required(login_url="accounts:login")
def settings_page(request: SignedInRequest) -> HttpResponse:
    """The user's id and API tokens; a token created just before is shown this once."""
    return _settings(request, TokenForm())


@require_POST
@login_required(login_url="accounts:login")
def token_create(request: SignedInRequest) -> HttpResponse:
    """Create a token; a refused description shows the settings page again with the error."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _settings(request, form, status=400)
    try:
        token, secret = services.token_create(request.user, form.cleaned_data["description"])
    except services.AccountError as error:
        form.add_error(None, str(error))
        return _settings(request, form, status=400)
    else:
        request.session[NEW_TOKEN_SESSION_KEY] = {
            "id": token.pk,
            "secret": secret,
            "description": token.description,
        }
        messages.success(request, "API token created. Copy it now: it will not be shown again.")
    return redirect("accounts:settings")


@require_POST
@login_required(login_url="accounts:login")
def token_delete(request: SignedInRequest, token_id: int) -> HttpResponse:
    try:
        token = services.token_delete(token_id, user=request.user)
    except services.TokenNotFound as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"API token {token.prefix}… deleted.")
    return redirect("accounts:settings")
