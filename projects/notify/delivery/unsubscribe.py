"""Unsubscribe links: the channel's id signed with the site's key (salt ``notify.unsubscribe``).

The link needs no sign-in (RFC 8058: a mail client posts to it on the reader's behalf) and
cannot be made for another channel without the key. It does not expire: a link in an old
mail still works.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from projects.notify.models import Channel

UNSUBSCRIBE_SALT = "notify.unsubscribe"


def site_link(path: str) -> str:
    """``path`` on the site's public address (SITE_URL)."""
    return str(settings.SITE_URL).rstrip("/") + path


def _signer() -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(channel: Channel) -> str:
    """The signed token of ``channel``'s unsubscribe link: the same in every mail."""
    return _signer().sign(str(channel.pk))


def unsubscribe_url(channel: Channel) -> str:
    """The one-click unsubscribe link of ``channel`` (in every mail it sends)."""
    return site_link(reverse("projects:notify_unsubscribe", args=[unsubscribe_token(channel)]))


def channel_for_unsubscribe(token: str) -> Channel | None:
    """The channel a link's ``token`` names (None: it was deleted since).

    Raises :class:`django.core.signing.BadSignature` when the token was not made here
    (tampered, truncated, made for something else).
    """
    value = _signer().unsign(token)
    if not value.isdigit() or len(value) > 18:
        raise signing.BadSignature("An unsubscribe token names a channel id.")
    return Channel.objects.select_related("user").filter(pk=int(value)).first()
