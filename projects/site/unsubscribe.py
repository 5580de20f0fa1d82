"""The unsubscribe link of every notification mail (RFC 8058 one-click).

The link holds its channel signed (``projects.notify.delivery.unsubscribe``), so it needs no
sign-in. Opening it (GET) only asks for confirmation, so a mail scanner following links
unsubscribes nobody; a POST with ``List-Unsubscribe=One-Click`` (what the confirmation button
and mail clients' unsubscribe buttons send) switches the channel off. A link that was not made
here answers 400, never 500.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from projects.notify import delivery, services
from projects.notify.models import Channel

UNSUBSCRIBED = "unsubscribed"
ONE_CLICK = ("List-Unsubscribe", "One-Click")


# Mail clients post without the site's CSRF cookie (RFC 8058): the signed token is the
# authority, and the confirmation form posts the same field.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        channel = delivery.channel_for_unsubscribe(token)
    except signing.BadSignature:
        return _answer(
            request,
            "projects/error.html",
            {
                "title": "Invalid unsubscribe link",
                "message": "This unsubscribe link is not valid: it may have been cut or changed. "
                "Open it again from the mail, or switch the channel off in your notification "
                "settings.",
            },
            status=400,
        )
    if request.method == "POST":
        if request.POST.get(ONE_CLICK[0]) != ONE_CLICK[1]:
            return _answer(
                request,
                "projects/error.html",
                {
                    "title": "Unsubscribe",
                    "message": "A one-click unsubscribe posts List-Unsubscribe=One-Click.",
                },
                status=400,
            )
        if channel is not None:
            services.channel_set_enabled(channel, False, reason=UNSUBSCRIBED)
        return _answer(request, "projects/notify_unsubscribe.html", _context(channel, done=True))
    return _answer(request, "projects/notify_unsubscribe.html", _context(channel, done=False))


def _context(channel: Channel | None, *, done: bool) -> dict[str, object]:
    return {"channel": channel, "done": done, "one_click": ONE_CLICK}


def _answer(
    request: HttpRequest, template: str, context: dict[str, object], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    # The token is in the address: keep it out of other sites' logs and of search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response
