"""Recorded answers reach the checks: `responses` replays them at requests' adapter.

Checks send their requests on connections of their own (backends.http.direct), below
requests; `responses` answers at ``HTTPAdapter.send``. While a `responses` mock is active
(``RequestsMock.start`` to ``stop``: the ``mock_http`` fixtures, ``@responses.activate``),
the transport hands each request to requests' adapter instead, where the mock answers it,
unregistered URLs included (a ConnectionError, as before). Everything above the adapter
(the guard, redirects, credentials, caps, budgets, errors) runs as in production; the
direct connections themselves are tested against real servers on loopback.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import requests
import responses

from backends.http.guard import _ProxyAdapter
from backends.http.transport import Transport

_start = responses.RequestsMock.start
_stop = responses.RequestsMock.stop


def _through_adapter(
    transport: Transport,
    prepared: requests.PreparedRequest,
    url: str,
    timeout: tuple[float, float],
    verify: bool | str,
) -> Any:
    return _ProxyAdapter().send(prepared, stream=True, timeout=timeout, verify=verify, proxies={})


# The patch each running mock started, by the mock's id.
_PATCHES: dict[int, Any] = {}


def _start_replaying(self: responses.RequestsMock) -> None:
    _start(self)
    if id(self) not in _PATCHES:
        patch = mock.patch.object(Transport, "_exchange", _through_adapter)
        patch.start()
        _PATCHES[id(self)] = patch


def _stop_replaying(self: responses.RequestsMock, allow_assert: bool = True) -> None:
    patch = _PATCHES.pop(id(self), None)
    if patch is not None:
        patch.stop()
    _stop(self, allow_assert)


def install() -> None:
    """Route the checks' requests to requests' adapter whenever a `responses` mock runs."""
    setattr(responses.RequestsMock, "start", _start_replaying)  # noqa: B010 (mypy: method-assign)
    setattr(responses.RequestsMock, "stop", _stop_replaying)  # noqa: B010
