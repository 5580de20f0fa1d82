"""Chat channels' addresses: Apprise URLs (``slack://...``, ``discord://...``, ``ntfys://...``).

An Apprise URL is a person's input, names where to connect and holds the service's tokens:

- **Only services that speak HTTP(S)** (:data:`SERVICES`). Apprise also sends mail, syslog,
  MQTT, XMPP, IRC and desktop notifications over sockets of their own, which the address
  guard could not stand in front of; those are refused. Every HTTP connection a chat message
  makes passes the guard (:func:`backends.http.guarded_connections`, see
  :mod:`projects.notify.delivery.chat`).
- **A literal private address is refused at once**, as for webhooks; a name is checked when a
  message goes (names can move).
- **Tokens are masked wherever the URL is shown again** (Apprise's privacy form).
- **Bounded work:** at most :data:`MAX_TARGETS` targets a URL, no retries or waits of
  Apprise's own (our deliveries retry with backoff), and a send's timeouts capped by
  NOTIFY_WEBHOOK_TIMEOUT.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import apprise
from apprise.common import PersistentStoreMode
from apprise.plugins.base import NotifyBase

from backends.addresses import IPAddress, IPNetwork
from backends.http import is_refused_address

#: The Apprise schemes a chat channel may use, and the service each one reaches.
SERVICES: dict[str, str] = {
    "slack": "Slack",
    "discord": "Discord",
    "matrix": "Matrix",
    "matrixs": "Matrix",
    "tgram": "Telegram",
    "workflow": "Microsoft Teams (Workflows)",
    "workflows": "Microsoft Teams (Workflows)",
    "mmost": "Mattermost",
    "mmosts": "Mattermost",
    "ntfy": "ntfy",
    "ntfys": "ntfy",
    "gotify": "Gotify",
    "gotifys": "Gotify",
    "rocket": "Rocket.Chat",
    "rockets": "Rocket.Chat",
    "zulip": "Zulip",
    "gchat": "Google Chat",
    "wxteams": "Webex Teams",
    "webex": "Webex Teams",
    "guilded": "Guilded",
    "revolt": "Revolt",
    "ryver": "Ryver",
    "flock": "Flock",
    "twist": "Twist",
    "lark": "Lark",
    "feishu": "Feishu",
    "dingtalk": "DingTalk",
    "nctalk": "Nextcloud Talk",
    "nctalks": "Nextcloud Talk",
    "signal": "Signal (signal-cli REST API)",
    "signals": "Signal (signal-cli REST API)",
    "pover": "Pushover",
    "pbul": "Pushbullet",
    "mastodon": "Mastodon",
    "mastodons": "Mastodon",
    "toot": "Mastodon",
    "toots": "Mastodon",
    "misskey": "Misskey",
    "misskeys": "Misskey",
    "bsky": "Bluesky",
    "bluesky": "Bluesky",
    "hassio": "Home Assistant",
    "hassios": "Home Assistant",
    "apprise": "Apprise API",
    "apprises": "Apprise API",
    "json": "JSON over HTTP",
    "jsons": "JSON over HTTP",
    "form": "form POST over HTTP",
    "forms": "form POST over HTTP",
    "xml": "XML over HTTP",
    "xmls": "XML over HTTP",
}
#: The services by name, for help texts.
SERVICE_NAMES: tuple[str, ...] = tuple(dict.fromkeys(SERVICES.values()))
#: Targets (channels, rooms, chats) one URL may name.
MAX_TARGETS = 10
URL_MAX_LENGTH = 2000
#: The most a service may keep Apprise waiting between two of its requests.
MAX_THROTTLE_SECONDS = 1.0
HELP = "An Apprise URL, such as slack://TokenA/TokenB/TokenC/#channel or ntfys://ntfy.sh/topic."


class ChatURLError(ValueError):
    """Why an Apprise URL cannot be a chat channel: one line for the person who typed it."""


def _asset() -> apprise.AppriseAsset:
    # Nothing on disk: Apprise's persistent store would otherwise write under the home folder.
    return apprise.AppriseAsset(storage_mode=PersistentStoreMode.MEMORY, async_mode=False)


def plugin_for(url: str, allowed_networks: tuple[IPNetwork, ...] = ()) -> NotifyBase:
    """The Apprise plugin that sends to ``url``, bounded (see the module); raises
    :class:`ChatURLError` for a URL no chat channel may use."""
    url = url.strip()
    if not url or len(url) > URL_MAX_LENGTH or any(ord(c) < 32 for c in url):
        raise ChatURLError(f"Enter an Apprise URL of at most {URL_MAX_LENGTH} characters.")
    scheme, separator, rest = url.partition("://")
    if not separator or not scheme:
        raise ChatURLError(f"This is not an Apprise URL. {HELP}")
    scheme = scheme.lower()
    if scheme not in SERVICES:
        raise ChatURLError(
            f"{scheme[:20]}:// is not a chat service releasemon sends to. Use one of: "
            f"{', '.join(SERVICE_NAMES)} (for e-mail, add an e-mail channel)."
        )
    if not rest:
        raise ChatURLError(f"This is not an Apprise URL. {HELP}")
    plugin = apprise.Apprise.instantiate(url, asset=_asset(), suppress_exceptions=True)
    if plugin is None:
        raise ChatURLError(
            f"Apprise cannot read this {SERVICES[scheme]} URL: check it against the service's "
            "page at https://github.com/caronc/apprise/wiki."
        )
    if len(plugin) > MAX_TARGETS:
        raise ChatURLError(f"Name at most {MAX_TARGETS} targets in one URL.")
    address = _address_in(url)
    if address is not None and is_refused_address(address, allowed_networks):
        raise ChatURLError("This address is not reachable from the internet.")
    plugin.retry = 0
    plugin.request_rate_per_sec = min(plugin.request_rate_per_sec, MAX_THROTTLE_SECONDS)
    return plugin


def _address_in(url: str) -> IPAddress | None:
    """The IP address ``url``'s host spells in the usual notation, else None.

    Only the usual notation: the "host" of many Apprise URLs is a token (``tgram://12345:...``
    is a bot id, which the C resolver would read as 0.0.48.57). Whatever the host, the address
    guard checks each connection when a message goes; this only refuses early what is plainly
    private.
    """
    try:
        host = urlsplit(url).hostname or ""
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def clean_url(url: str, allowed_networks: tuple[IPNetwork, ...] = ()) -> str:
    """``url`` stripped, if a chat channel may send to it (:class:`ChatURLError` if not)."""
    plugin_for(url, allowed_networks)
    return url.strip()


def masked(url: str) -> str:
    """``url`` as people may see it again: the service and host, its tokens masked (and
    without the options Apprise spells out)."""
    plugin = apprise.Apprise.instantiate(url, asset=_asset(), suppress_exceptions=True)
    if plugin is None:  # stored under an Apprise that read it; this one does not
        return f"{url.partition('://')[0][:20]}://…"
    shown: str = plugin.url(privacy=True)  # type: ignore[no-untyped-call]  # Apprise: untyped
    return shown.partition("?")[0]
