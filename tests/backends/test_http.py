"""The HTTP client: SSRF guard, caps, timeouts, conditional requests, errors, globs, FTP."""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

import backends.config
from backends import http
from backends.base import BackendError, NotModified, RateLimited
from backends.config import BackendsConfig
from backends.http import (
    FetchError,
    HttpClient,
    HttpConfig,
    HTTPStatusError,
    ResponseTooLarge,
    UnsafeURL,
)
from tests.backends.conftest import PUBLIC_ADDRESS, RECORDINGS, recording_cases, replay

LOCAL = HttpConfig(
    allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
    connect_timeout=2,
    read_timeout=0.5,
    max_response_bytes=256 * 1024,
)


def resolver(mapping: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    return lambda host, port: mapping[host]


# -- the SSRF guard ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/",
        "http://[::1]/",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://192.0.2.10/",
        "http://203.0.113.7/",
        "http://[2001:db8::1]/",
        "http://224.0.0.1/",
    ],
)
def test_guard_refuses_internal_addresses(mock_http, url):
    # The mock would answer: only the guard stands between the check and the address.
    mock_http.get(url, body="internal secrets")
    with pytest.raises(UnsafeURL, match="refusing to connect"):
        HttpClient().get(url)
    assert len(mock_http.calls) == 0


def test_guard_lets_public_addresses_through(mock_http):
    mock_http.get("http://93.184.215.14/", body="hello")
    assert HttpClient().get_text("http://93.184.215.14/") == "hello"


def test_guard_refuses_a_hostname_resolving_to_a_private_address(mock_http):
    mock_http.get("https://intranet.example.org/", body="internal")
    client = HttpClient(resolver=resolver({"intranet.example.org": ["10.1.2.3"]}))
    with pytest.raises(UnsafeURL, match=r"10\.1\.2\.3"):
        client.get("https://intranet.example.org/")
    assert len(mock_http.calls) == 0


def test_guard_refuses_when_any_resolved_address_is_private(mock_http):
    mock_http.get("https://mixed.example.org/", body="maybe internal")
    client = HttpClient(resolver=resolver({"mixed.example.org": [PUBLIC_ADDRESS, "192.168.0.7"]}))
    with pytest.raises(UnsafeURL):
        client.get("https://mixed.example.org/")
    assert len(mock_http.calls) == 0


def test_the_global_resolver_is_used_by_default(mock_http, monkeypatch):
    monkeypatch.setattr(http.guard, "resolve_host", lambda host, port: ["127.0.0.53"])
    mock_http.get("https://example.org/", body="x")
    with pytest.raises(UnsafeURL):
        HttpClient().get("https://example.org/")


def test_unresolvable_host_is_a_fetch_error(monkeypatch):
    def fail(host, port):
        raise OSError("Name or service not known")

    monkeypatch.setattr(http.guard, "resolve_host", fail)
    with pytest.raises(FetchError) as raised:
        HttpClient().get("https://nowhere.example/")
    assert str(raised.value) == (
        "The host nowhere.example could not be found (DNS). Check the spelling of the URL. "
        "(https://nowhere.example/)"
    )


def test_guard_checks_every_redirect_hop(mock_http):
    mock_http.get(
        "https://public.example.org/download",
        status=302,
        headers={"Location": "http://internal.example.org/admin"},
    )
    mock_http.get("http://internal.example.org/admin", body="internal")
    client = HttpClient(
        resolver=resolver(
            {"public.example.org": [PUBLIC_ADDRESS], "internal.example.org": ["192.168.10.10"]}
        )
    )
    with pytest.raises(UnsafeURL, match=r"192\.168\.10\.10"):
        client.get("https://public.example.org/download")
    assert [call.request.url for call in mock_http.calls] == ["https://public.example.org/download"]


@pytest.mark.parametrize("target", ["file:///etc/passwd", "gopher://example.org/", "ftp://x/y"])
def test_redirects_to_other_schemes_are_refused(mock_http, target):
    mock_http.get("https://example.org/", status=301, headers={"Location": target})
    with pytest.raises(UnsafeURL, match="only http"):
        HttpClient().get("https://example.org/")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://example.org/x", "dict://x/"])
def test_other_schemes_are_refused(url):
    with pytest.raises(UnsafeURL, match="scheme is not allowed"):
        HttpClient().get(url)


def test_allowed_networks_let_an_operator_reach_internal_hosts(mock_http):
    mock_http.get("http://127.0.0.1:8080/releases/", body="1.0")
    config = HttpConfig(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    assert HttpClient(config=config).get_text("http://127.0.0.1:8080/releases/") == "1.0"
    # ... and only those networks.
    with pytest.raises(UnsafeURL):
        HttpClient(config=config).get("http://127.0.0.2:8080/releases/")


def test_a_client_uses_the_process_configuration_unless_given_its_own(monkeypatch):
    configured = BackendsConfig(http=HttpConfig(max_redirects=2, read_timeout=7))
    monkeypatch.setattr(backends.config, "_current", configured)
    assert HttpClient().config is configured.http
    own = HttpConfig(max_redirects=9)
    assert HttpClient(config=own).config is own


def test_redirects_are_followed_up_to_the_limit(mock_http):
    for hop in range(4):
        mock_http.get(f"https://example.org/{hop}", status=302, headers={"Location": f"/{hop + 1}"})
    mock_http.get("https://example.org/4", body="arrived")
    client = HttpClient(config=HttpConfig(max_redirects=4))
    response = client.get("https://example.org/0")
    assert (response.text, response.url) == ("arrived", "https://example.org/4")
    with pytest.raises(FetchError, match="redirected more than 3 times"):
        HttpClient(config=HttpConfig(max_redirects=3)).get("https://example.org/0")


def test_credentials_are_not_sent_to_another_host_after_a_redirect(mock_http):
    mock_http.get(
        "https://api.example.org/tags", status=302, headers={"Location": "https://cdn.example.net/"}
    )
    mock_http.get("https://cdn.example.net/", body="[]")
    HttpClient().get("https://api.example.org/tags", headers={"Authorization": "token s3cret"})
    assert mock_http.calls[0].request.headers["Authorization"] == "token s3cret"
    assert "Authorization" not in mock_http.calls[1].request.headers


def test_cookies_set_during_redirects_are_sent_on(mock_http):
    mock_http.get(
        "https://example.org/download",
        status=302,
        headers={"Location": "/download/real", "Set-Cookie": "session=abc; Path=/"},
    )
    mock_http.get("https://example.org/download/real", body="ok")
    HttpClient().get("https://example.org/download")
    assert mock_http.calls[1].request.headers["Cookie"] == "session=abc"


def test_post_redirected_by_303_becomes_a_get(mock_http):
    mock_http.post("https://example.org/api", status=303, headers={"Location": "/result"})
    mock_http.get("https://example.org/result", body="{}")
    HttpClient().post("https://example.org/api", json={"q": 1})
    assert mock_http.calls[1].request.method == "GET"
    assert mock_http.calls[1].request.body is None


def test_recorded_redirect_chains_replay(mock_http):
    (case,) = [p.values[0] for p in recording_cases("pypi.json") if p.id == "pypi-1"]
    replay(mock_http, case)
    response = HttpClient().get(
        "https://pypi.org/pypi/repo_manager_fake/json", accept_statuses=(200, 404)
    )
    assert response.status == 404
    assert response.url == "https://pypi.org/project/repo_manager_fake/json/"


def test_the_connection_is_pinned_to_the_checked_address(local_server):
    # "upstream.test" does not exist in DNS: the request can only succeed if the client
    # connects to the address its guard checked, while still naming the host.
    port = local_server.server_address[1]
    client = HttpClient(config=LOCAL, resolver=resolver({"upstream.test": ["127.0.0.1"]}))
    response = client.get(f"http://upstream.test:{port}/echo-host")
    assert response.text == f"upstream.test:{port}"


# -- proxies and the environment ---------------------------------------------------------------


def test_the_environment_proxy_is_used_and_no_proxy_hosts_are_reached_directly(
    local_server, monkeypatch
):
    port = local_server.server_address[1]
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("no_proxy", "localhost, .direct.test")
    config = HttpConfig(
        allowed_networks=LOCAL.allowed_networks,
        environment=http.NetworkEnvironment.from_environment(),
    )
    hosts = {"upstream.test": [PUBLIC_ADDRESS], "www.direct.test": ["127.0.0.1"]}
    client = HttpClient(config=config, resolver=resolver(hosts))

    # Through the proxy (the guard still checked the upstream's own address) ...
    proxied = client.get("http://upstream.test/releases/")
    assert proxied.text == "proxied http://upstream.test/releases/"
    # ... and straight to the pinned address for a host no_proxy names.
    direct = client.get(f"http://www.direct.test:{port}/echo-host")
    assert direct.text == f"www.direct.test:{port}"


def test_the_environment_is_read_once_not_on_every_request(monkeypatch, mock_http):
    monkeypatch.setattr(backends.config, "_environment", None)
    monkeypatch.setenv("https_proxy", "http://proxy.example.org:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/company-ca.pem")
    first = HttpConfig().environment
    monkeypatch.delenv("https_proxy")
    assert HttpConfig().environment is first
    assert BackendsConfig().http.environment is first  # a rebuilt configuration too
    assert first.proxies_for("https://pypi.org/simple/") == {
        "https": "http://proxy.example.org:3128"
    }
    assert first.ca_bundle == "/etc/ssl/company-ca.pem"
    # A request goes through the proxy read first, though the variable is gone now.
    mock_http.get("https://pypi.org/simple/", body="x")
    HttpClient(config=HttpConfig()).get("https://pypi.org/simple/")
    sent = mock_http.calls[0].request.req_kwargs
    assert sent["proxies"] == {"https": "http://proxy.example.org:3128"}
    assert sent["verify"] == "/etc/ssl/company-ca.pem"


def test_the_ca_bundle_of_the_environment_verifies_certificates(mock_http):
    mock_http.get("https://corp.example.org/", body="x")
    environment = http.NetworkEnvironment(ca_bundle="/etc/ssl/company-ca.pem")
    HttpClient(config=HttpConfig(environment=environment)).get("https://corp.example.org/")
    HttpClient(config=HttpConfig(environment=environment), insecure=True).get(
        "https://corp.example.org/"
    )
    assert mock_http.calls[0].request.req_kwargs["verify"] == "/etc/ssl/company-ca.pem"
    assert mock_http.calls[1].request.req_kwargs["verify"] is False


@pytest.mark.parametrize(
    "no_proxy",
    ["example.org", ".example.org", "EXAMPLE.org", "example.org:8080", "other.org, example.org"],
)
@pytest.mark.parametrize(
    ("host", "port"),
    [
        ("example.org", None),
        ("www.example.org", None),
        ("badexample.org", None),
        ("example.org", 8080),
        ("example.org", 80),
        ("example.org.evil.test", None),
    ],
)
def test_no_proxy_names_match_as_urllib_matches_them(no_proxy, host, port):
    import urllib.request

    environment = http.NetworkEnvironment(
        proxies=(("http", "http://proxy:3128"),),
        no_proxy=tuple(entry.strip().lower() for entry in no_proxy.split(",")),
    )
    target = host if port is None else f"{host}:{port}"
    expected = bool(urllib.request.proxy_bypass_environment(target, {"no": no_proxy}))
    assert environment.bypasses(host, port) is expected


@pytest.mark.parametrize(
    ("no_proxy", "url", "bypassed"),
    [
        ("*", "http://anything.example.org/", True),
        ("10.0.0.0/8", "http://10.1.2.3/", True),
        ("10.0.0.0/8", "http://11.1.2.3/", False),
        ("192.0.2.7", "http://192.0.2.7:8080/", True),
        ("", "http://example.org/", False),
    ],
)
def test_no_proxy_also_takes_a_star_addresses_and_networks(no_proxy, url, bypassed):
    environment = http.NetworkEnvironment(
        proxies=(("http", "http://proxy:3128"),), no_proxy=(no_proxy,) if no_proxy else ()
    )
    assert (environment.proxies_for(url) == {}) is bypassed


# -- size caps and timeouts ---------------------------------------------------------------------


class _EndlessBody(io.RawIOBase):
    """An upstream body of ``total`` bytes that counts how much the client pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.total - self.produced)
        buffer[:count] = b"a" * count
        self.produced += count
        return count


def test_oversized_body_is_refused_without_reading_it_all(mock_http):
    body = _EndlessBody(total=500 * 1024 * 1024)
    mock_http.get("https://example.org/huge", body=io.BufferedReader(body))
    client = HttpClient(config=HttpConfig(max_response_bytes=1024 * 1024))
    with pytest.raises(ResponseTooLarge, match=r"^https://example\.org/huge answered more than"):
        client.get("https://example.org/huge")
    assert body.produced < 2 * 1024 * 1024


def test_oversized_content_length_is_refused_before_reading(mock_http):
    body = _EndlessBody(total=10)
    mock_http.get(
        "https://example.org/declared",
        body=io.BufferedReader(body),
        headers={"Content-Length": str(10**12)},
        auto_calculate_content_length=False,
    )
    with pytest.raises(ResponseTooLarge):
        HttpClient(config=HttpConfig(max_response_bytes=1000)).get("https://example.org/declared")
    assert body.produced == 0


def test_streaming_cap_on_a_real_socket(local_server):
    port = local_server.server_address[1]
    with pytest.raises(ResponseTooLarge):
        HttpClient(config=LOCAL).get(f"http://127.0.0.1:{port}/endless")
    local_server.endless_done.wait(10)
    # The server offered 200 MiB; the client stopped after its 256 KiB cap (socket buffers
    # let the server push a few more MiB before it notices).
    assert local_server.endless_sent[0] < 64 * 1024 * 1024


def test_read_timeout_is_a_fetch_error(local_server):
    port = local_server.server_address[1]
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"sent no answer within 0\.5 s"):
        HttpClient(config=LOCAL).get(f"http://127.0.0.1:{port}/slow")
    assert time.monotonic() - started < 4


def test_a_trickling_body_is_cut_at_the_deadline(local_server):
    port = local_server.server_address[1]
    started = time.monotonic()
    config = HttpConfig(allowed_networks=LOCAL.allowed_networks, read_timeout=0.3)
    with pytest.raises(FetchError, match=r"took more than 1\.2 s"):
        HttpClient(config=config).get(f"http://127.0.0.1:{port}/trickle")
    assert time.monotonic() - started < 6  # the upstream would trickle for 10 s


def test_a_refused_connection_gives_a_readable_reason(local_server):
    port = local_server.server_address[1]
    local_server.shutdown()
    local_server.server_close()
    with pytest.raises(FetchError) as raised:
        HttpClient(config=LOCAL).get(f"http://127.0.0.1:{port}/")
    assert str(raised.value) == (
        f"Could not connect to 127.0.0.1 port {port}: the connection was refused. Is the server "
        f"up, and is the URL right? (http://127.0.0.1:{port}/)"
    )


def test_connect_timeout_is_a_fetch_error(mock_http):
    mock_http.get("https://example.org/", body=requests.exceptions.ConnectTimeout("slow"))
    with pytest.raises(FetchError) as raised:
        HttpClient(config=HttpConfig(connect_timeout=4)).get("https://example.org/")
    assert str(raised.value) == (
        "Could not connect to example.org port 443: the connection timed out after 4 s. Is the "
        "server up? A firewall may also be dropping the connection. (https://example.org/)"
    )


def test_connection_failure_is_a_fetch_error(mock_http):
    mock_http.get("https://example.org/", body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(FetchError) as raised:
        HttpClient().get("https://example.org/")
    assert str(raised.value) == "Could not read https://example.org/: refused."


# -- statuses --------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "text"), [(404, "Not Found"), (500, "Internal Server Error")])
def test_error_statuses_raise_a_readable_error(mock_http, status, text):
    mock_http.get("https://example.org/x", status=status, body="oops")
    with pytest.raises(HTTPStatusError) as raised:
        HttpClient().get("https://example.org/x")
    assert raised.value.status == status
    assert str(raised.value).startswith(f"https://example.org/x answered HTTP {status} {text}: ")


def test_accepted_statuses_are_returned(mock_http):
    mock_http.get("https://example.org/x", status=404, body='{"message": "Not Found"}')
    response = HttpClient().get("https://example.org/x", accept_statuses=(200, 404))
    assert (response.status, response.json()) == (404, {"message": "Not Found"})


def test_429_with_retry_after_seconds(mock_http):
    mock_http.get("https://api.example.org/x", status=429, headers={"Retry-After": "120"})
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(RateLimited) as raised:
        HttpClient().get("https://api.example.org/x")
    assert raised.value.scope == "api.example.org"
    wait = raised.value.reset_at - before
    assert dt.timedelta(seconds=119) < wait < dt.timedelta(seconds=125)


def test_429_with_retry_after_date(mock_http):
    reset = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).replace(microsecond=0)
    mock_http.get(
        "https://example.org/", status=429, headers={"Retry-After": format_datetime(reset, True)}
    )
    with pytest.raises(RateLimited) as raised:
        HttpClient().get("https://example.org/")
    assert raised.value.reset_at == reset


def test_429_with_x_ratelimit_reset(mock_http):
    reset = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)).replace(microsecond=0)
    mock_http.get(
        "https://example.org/", status=429, headers={"X-RateLimit-Reset": str(reset.timestamp())}
    )
    with pytest.raises(RateLimited) as raised:
        HttpClient().get("https://example.org/")
    assert raised.value.reset_at == reset


def test_429_without_a_hint_waits_an_hour(mock_http):
    mock_http.get("https://example.org/", status=429)
    with pytest.raises(RateLimited) as raised:
        HttpClient().get("https://example.org/")
    wait = raised.value.reset_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=59) < wait <= dt.timedelta(hours=1)


def test_429_reset_far_in_the_future_is_capped(mock_http):
    mock_http.get("https://example.org/", status=429, headers={"X-RateLimit-Reset": "99999999999"})
    with pytest.raises(RateLimited) as raised:
        HttpClient().get("https://example.org/")
    assert raised.value.reset_at - dt.datetime.now(dt.UTC) <= dt.timedelta(days=1)


# -- conditional requests ----------------------------------------------------------------------


def test_304_raises_not_modified_and_sends_the_validators(mock_http):
    mock_http.get("https://example.org/feed", status=304)
    client = HttpClient(etag='"abc"', last_modified="Wed, 01 Jan 2025 00:00:00 GMT")
    with pytest.raises(NotModified):
        client.get("https://example.org/feed", conditional=True)
    sent = mock_http.calls[0].request.headers
    assert sent["If-None-Match"] == '"abc"'
    assert sent["If-Modified-Since"] == "Wed, 01 Jan 2025 00:00:00 GMT"


def test_validators_are_only_sent_on_conditional_requests(mock_http):
    mock_http.get("https://example.org/other", body="x")
    HttpClient(etag='"abc"').get("https://example.org/other")
    assert "If-None-Match" not in mock_http.calls[0].request.headers


def test_a_conditional_200_records_the_new_validators(mock_http):
    mock_http.get(
        "https://example.org/feed",
        body="1.0",
        headers={"ETag": '"v2"', "Last-Modified": "Thu, 02 Jan 2025 00:00:00 GMT"},
    )
    client = HttpClient(etag='"v1"')
    client.get("https://example.org/feed", conditional=True)
    assert (client.etag, client.last_modified) == ('"v2"', "Thu, 02 Jan 2025 00:00:00 GMT")


def test_a_conditional_200_without_validators_clears_them(mock_http):
    mock_http.get("https://example.org/feed", body="1.0")
    client = HttpClient(etag='"v1"', last_modified="Wed, 01 Jan 2025 00:00:00 GMT")
    client.get("https://example.org/feed", conditional=True)
    assert (client.etag, client.last_modified) == (None, None)


def test_secondary_requests_leave_the_validators_alone(mock_http):
    mock_http.get("https://example.org/page2", body="x", headers={"ETag": '"page2"'})
    client = HttpClient(etag='"v1"')
    client.get("https://example.org/page2")
    assert client.etag == '"v1"'


# -- headers, TLS and bodies ---------------------------------------------------------------------


def test_requests_identify_the_service(mock_http, settings):
    settings.RELEASEMON_VERSION = "1.2.3"
    settings.SITE_URL = "https://releases.example.org"
    settings.ADMIN_EMAIL = "ops@example.org"
    mock_http.get("https://example.org/", body="x")
    HttpClient().get("https://example.org/", headers={"Accept": "application/json"})
    sent = mock_http.calls[0].request.headers
    assert sent["User-Agent"] == "releasemon/1.2.3 (+https://releases.example.org)"
    assert sent["From"] == "ops@example.org"
    assert sent["Accept"] == "application/json"


def test_insecure_disables_certificate_checks_for_that_client_only(mock_http):
    mock_http.get("https://self-signed.example.org/", body="x")
    HttpClient(insecure=True).get("https://self-signed.example.org/")
    HttpClient().get("https://self-signed.example.org/")
    assert mock_http.calls[0].request.req_kwargs["verify"] is False
    assert mock_http.calls[1].request.req_kwargs["verify"] is not False


def test_text_is_decoded_with_the_declared_charset(mock_http):
    mock_http.get(
        "https://example.org/",
        body="café-1.0".encode("latin-1"),
        content_type="text/html; charset=ISO-8859-1",
    )
    assert HttpClient().get_text("https://example.org/") == "café-1.0"


def test_undecodable_text_is_replaced_not_fatal(mock_http):
    mock_http.get("https://example.org/", body=b"foo-1.0\xff.tar.gz", content_type="text/html")
    assert HttpClient().get_text("https://example.org/") == "foo-1.0\ufffd.tar.gz"


def test_malformed_json_is_a_backend_error(mock_http):
    mock_http.get("https://example.org/api", body="{not json")
    with pytest.raises(BackendError, match=r"https://example\.org/api: invalid JSON answer"):
        HttpClient().get_json("https://example.org/api")


def test_malformed_xml_is_a_backend_error(mock_http):
    mock_http.get("https://example.org/rss", body="<rss><channel></rss>")
    with pytest.raises(BackendError, match=r"https://example\.org/rss: invalid XML answer"):
        HttpClient().get_xml("https://example.org/rss")


def test_xml_is_parsed(mock_http):
    mock_http.get("https://example.org/rss", body="<rss><item><title>foo 1.0</title></item></rss>")
    root = HttpClient().get_xml("https://example.org/rss")
    assert root.find("item/title").text == "foo 1.0"


def test_billion_laughs_is_refused(mock_http):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        "<lolz>&lol3;</lolz>"
    )
    mock_http.get("https://example.org/rss", body=bomb)
    with pytest.raises(BackendError, match="refused XML answer"):
        HttpClient().get_xml("https://example.org/rss")


def test_external_entities_are_refused(mock_http):
    xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    mock_http.get("https://example.org/rss", body=xxe)
    with pytest.raises(BackendError, match="refused XML answer"):
        HttpClient().get_xml("https://example.org/rss")


# -- directory listings and globs ------------------------------------------------------------


INDEX = """<html><body>
<a href="?C=N;O=D">Name</a> <a href="../">Parent Directory</a>
<a href="1.9/">1.9/</a> <a href="./1.10/">1.10/</a> <a href="/pub/foo/1.2/">1.2/</a>
<a href="beta/">beta/</a> <a href="foo-1.0.tar.gz">foo-1.0.tar.gz</a>
<a href="https://mirror.example.net/pub/foo/9.9/">mirror</a> <a href="a/b/">nested</a>
</body></html>"""


def test_list_directory_reads_subdirectories_of_an_html_index(mock_http):
    mock_http.get("https://example.org/pub/foo/", body=INDEX, content_type="text/html")
    names = HttpClient().list_directory("https://example.org/pub/foo/")
    assert names == ["1.9", "1.10", "1.2", "beta"]


def test_expand_globs_picks_the_highest_version_at_each_level(mock_http):
    mock_http.get("https://example.org/pub/", body=INDEX.replace("/pub/foo/", "/pub/"))
    mock_http.get(
        "https://example.org/pub/1.10/sub/",
        body='<a href="v2.9/">x</a><a href="v2.10/">x</a><a href="x3/">x</a><a href="v2.10rc1/">',
    )
    url = HttpClient().expand_globs("https://example.org/pub/*/sub/v*/")
    assert url == "https://example.org/pub/1.10/sub/v2.10/"


def test_get_expands_globs_before_fetching(mock_http):
    mock_http.get("https://example.org/pub/", body='<a href="rel-1.0/"></a><a href="rel-2.0/"></a>')
    mock_http.get("https://example.org/pub/rel-2.0/files.html", body="foo-2.0.tar.gz")
    response = HttpClient().get("https://example.org/pub/rel-*/files.html")
    assert (response.url, response.text) == (
        "https://example.org/pub/rel-2.0/files.html",
        "foo-2.0.tar.gz",
    )


def test_expand_globs_without_a_match_names_the_url_and_glob(mock_http):
    mock_http.get("https://example.org/pub/", body=INDEX)
    with pytest.raises(BackendError, match=r'https://example.org/pub/z\*/: no directory .* "z\*"'):
        HttpClient().expand_globs("https://example.org/pub/z*/")


# -- FTP -----------------------------------------------------------------------------------


class FakeFTP:
    """Stands in for ftplib.FTP: a tree of directories (name -> LIST text) and files."""

    instances: list[FakeFTP] = []
    listings: dict[str, str] = {}
    files: dict[str, bytes] = {}

    def __init__(self, timeout=None, **kwargs) -> None:
        self.timeout = timeout
        self.cwd_path = "/"
        self.connected_to = None
        self.closed = False
        self.sock = type("Sock", (), {"settimeout": lambda self, t: None})()
        FakeFTP.instances.append(self)

    def connect(self, host, port, timeout=None):
        self.connected_to = (host, port)

    def login(self, user="", passwd=""):
        self.user = user

    def cwd(self, path):
        if path not in self.listings:
            import ftplib

            raise ftplib.error_perm(f"550 {path}: No such file or directory")
        self.cwd_path = path

    def retrbinary(self, command, callback, blocksize=8192):
        import ftplib

        verb, _, path = command.partition(" ")
        data = self.listings[self.cwd_path].encode() if verb == "LIST" else None
        if verb == "RETR":
            if path not in self.files:
                raise ftplib.error_perm("550 not a plain file")
            data = self.files[path]
        for start in range(0, len(data), blocksize):
            callback(data[start : start + blocksize])

    def close(self):
        self.closed = True


@pytest.fixture
def fake_ftp(monkeypatch) -> type[FakeFTP]:
    FakeFTP.instances = []
    FakeFTP.listings = {
        "/gnu/foo/": (
            "drwxr-xr-x    2 ftp ftp 4096 Jan 01  2020 1.8\r\n"
            "drwxr-xr-x    2 ftp ftp 4096 Jan 01  2021 1.10\r\n"
            "lrwxrwxrwx    1 ftp ftp    4 Jan 01  2021 latest -> 1.10\r\n"
            "-rw-r--r--    1 ftp ftp  100 Jan 01  2021 foo-1.10.tar.gz\r\n"
        ),
        "/gnu/foo/1.10/": "-rw-r--r--    1 ftp ftp  100 Jan 01  2021 foo-1.10.tar.gz\r\n",
    }
    FakeFTP.files = {"/gnu/foo/README": b"foo 1.10 is out"}
    monkeypatch.setattr(http.ftp.ftplib, "FTP", FakeFTP)
    return FakeFTP


def test_list_directory_over_ftp(fake_ftp):
    assert HttpClient().list_directory("ftp://ftp.example.org/gnu/foo/") == ["1.8", "1.10"]
    (ftp,) = fake_ftp.instances
    assert ftp.connected_to == (PUBLIC_ADDRESS, 21)  # the checked address, not the name
    assert ftp.closed


def test_get_over_ftp_lists_directories_and_retrieves_files(fake_ftp):
    client = HttpClient()
    listing = client.get("ftp://ftp.example.org/gnu/foo/1.10/")
    assert listing.status == 200
    assert "foo-1.10.tar.gz" in listing.text
    assert client.get_text("ftp://ftp.example.org/gnu/foo/README") == "foo 1.10 is out"


def test_ftp_globs_expand(fake_ftp):
    text = HttpClient().get_text("ftp://ftp.example.org/gnu/foo/*/")
    assert text.strip().endswith("foo-1.10.tar.gz")


def test_ftp_errors_are_fetch_errors(fake_ftp):
    with pytest.raises(FetchError) as raised:
        HttpClient().get("ftp://ftp.example.org/missing/")
    assert str(raised.value).startswith("The FTP server ftp.example.org refused the request: 550")
    assert str(raised.value).endswith("Check the version URL. (ftp://ftp.example.org/missing/)")


def test_ftp_answers_are_capped(fake_ftp):
    fake_ftp.files["/gnu/foo/README"] = b"x" * 5000
    client = HttpClient(config=HttpConfig(max_response_bytes=1000))
    with pytest.raises(ResponseTooLarge):
        client.get("ftp://ftp.example.org/gnu/foo/README")


def test_ftp_hosts_go_through_the_guard(fake_ftp):
    client = HttpClient(resolver=resolver({"ftp.internal": ["10.0.0.5"]}))
    with pytest.raises(UnsafeURL):
        client.get("ftp://ftp.internal/pub/")
    assert fake_ftp.instances == []


# -- a real local upstream -----------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _LocalServer

    def log_message(self, format, *args) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("http://"):  # an absolute URI: we are asked as a proxy
            body = f"proxied {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/echo-host":
            body = (self.headers.get("Host") or "").encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/slow":
            time.sleep(5)
            self.send_response(200)
            self.end_headers()
        elif self.path == "/trickle":
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"1")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        elif self.path == "/endless":
            self.send_response(200)
            self.end_headers()
            chunk = b"a" * 65536
            try:
                while self.server.endless_sent[0] < 200 * 1024 * 1024:
                    self.wfile.write(chunk)
                    self.server.endless_sent[0] += len(chunk)
            except OSError:
                pass
            finally:
                self.server.endless_done.set()
        else:
            self.send_error(404)


class _LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    endless_sent: list[int]
    endless_done: threading.Event


@pytest.fixture
def local_server() -> Iterator[_LocalServer]:
    server = _LocalServer(("127.0.0.1", 0), _Handler)
    server.endless_sent = [0]
    server.endless_done = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_unregistered_urls_fail_cleanly_under_responses(mock_http):
    # Backend tests rely on this: an unexpected request is a FetchError, not a live call.
    with pytest.raises(FetchError):
        HttpClient().get("https://unexpected.example.org/")


# -- the recordings replay through the client ------------------------------------------------


@pytest.mark.parametrize(
    "filename", sorted(path.name for path in RECORDINGS.glob("*.json")), ids=str
)
def test_every_recorded_interaction_replays_through_the_client(mock_http, filename):
    # Backend tests depend on it: recorded URLs (queries, redirect chains, POSTs, 404s)
    # come back through the guarded client exactly as recorded.
    for param in recording_cases(filename):
        case = param.values[0]
        mock_http.reset()
        replay(mock_http, case)
        client = HttpClient()
        for interaction in case["interactions"]:
            if interaction["status"] in (301, 302):
                continue  # reached through the chain of the interaction before
            method = client.post if interaction["method"] == "POST" else client.get
            response = method(interaction["url"], accept_statuses=range(200, 600))
            assert response.status == interaction["status"]
            assert response.text == interaction["body"]


@pytest.mark.parametrize("etag", ['"a"\r\nX-Injected: 1', '"a"\n X-Injected: 1'])
def test_a_stored_validator_cannot_smuggle_a_header(mock_http, etag):
    """A stored ETag goes back in If-None-Match (the client cleans what upstreams send, but a
    stored one may come from elsewhere, an Anitya import say): one that would break the
    request's header block is refused, and nothing is sent."""
    mock_http.get("https://example.org/releases", body="ok")
    with pytest.raises(BackendError, match=r"example\.org/releases"):
        HttpClient(etag=etag).get("https://example.org/releases", conditional=True)
    assert len(mock_http.calls) == 0
