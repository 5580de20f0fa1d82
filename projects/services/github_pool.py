"""The GitHub token pool kept in the database, so that every checker process on every
machine spends the same budgets (a :class:`~backends.github_tokens.TokenPool`).

One :class:`~projects.models.GitHubPoolEntry` row per configured token. Choosing a token
reads the rows (:func:`backends.github_tokens.choose` decides); what GitHub answers about a
budget is written with single conditional UPDATE statements, so two processes reporting at
once lose nothing: within a window (the same reset time) only a lower remaining is written,
a later reset starts a new window, a stale reading changes nothing. A GitHub App's
installation token is minted by one process at a time (its row locked with
``select_for_update``) and kept, encrypted, until shortly before it expires.

Personal tokens are never written anywhere: rows hold a digest of each and a label.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
from collections.abc import Collection, Sequence

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backends.base import BackendError
from backends.github_tokens import (
    APP,
    RESOURCES,
    Budget,
    Candidate,
    GitHubApp,
    GitHubToken,
    RateReading,
    choose,
)
from backends.http import HttpClient
from backends.upstreams.github.app import REFRESH_BEFORE, mint_installation_token
from projects.models import GitHubPoolEntry

_ERROR_LENGTH = 300
#: A row no configuration names any more is deleted once unused this long.
STALE_AFTER = dt.timedelta(days=1)


def _cipher() -> Fernet:
    # Derived from SECRET_KEY: a database dump alone holds no usable installation token.
    digest = hashlib.sha256(f"releasemon github app token\0{settings.SECRET_KEY}".encode())
    return Fernet(base64.urlsafe_b64encode(digest.digest()))


def seal(secret: str) -> str:
    return _cipher().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The secret, or None when it was sealed under another SECRET_KEY (or is damaged)."""
    try:
        return _cipher().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


class DatabaseTokenPool:
    """The pool of the operator's personal tokens and GitHub App, its budgets in the rows."""

    def __init__(self, tokens: Sequence[GitHubToken], app: GitHubApp | None = None) -> None:
        self._tokens = {token.key: token for token in tokens}
        self._app = app
        # The budgets this process last read or wrote: a reading that tells nothing new (a
        # 304's unchanged headers) writes nothing. The UPDATEs' conditions keep it correct
        # when another process moved a row since.
        self._lock = threading.Lock()
        self._known: dict[tuple[str, str], Budget] = {}

    @property
    def keys(self) -> list[str]:
        """The keys of the configured tokens (the App's last)."""
        return [*self._tokens, *([self._app.key] if self._app else [])]

    def ensure_rows(self) -> None:
        """A row for every configured token; rows of tokens no longer configured go once
        nothing used them for a day (a machine still on the old configuration keeps its own
        until then, during a deployment)."""
        entries = [
            GitHubPoolEntry(key=token.key, label=token.label, kind=token.kind)
            for token in self._tokens.values()
        ]
        if self._app is not None:
            entries.append(GitHubPoolEntry(key=self._app.key, label=self._app.label, kind=APP))
        GitHubPoolEntry.objects.bulk_create(entries, ignore_conflicts=True)
        unused_since = timezone.now() - STALE_AFTER
        GitHubPoolEntry.objects.exclude(key__in=self.keys).filter(
            updated_on__lt=unused_since
        ).delete()

    # -- the TokenPool protocol -------------------------------------------------------------

    def take(
        self, resource: str, *, affinity: str | None = None, skip: Collection[str] = ()
    ) -> GitHubToken | None:
        _check_resource(resource)
        keys = self.keys
        if not keys:
            return None
        rows = list(GitHubPoolEntry.objects.filter(key__in=keys))
        if len(rows) < len(keys):
            self.ensure_rows()
            rows = list(GitHubPoolEntry.objects.filter(key__in=keys))
        candidates = [self._candidate(row, resource) for row in rows]
        with self._lock:
            self._known.update({(c.token.key, resource): c.budget for c in candidates})
        skipped = set(skip)
        app_error: BackendError | None = None
        now = timezone.now()
        while True:
            token = choose(candidates, now=now, affinity=affinity, skip=skipped)
            if token is None or token.kind != APP or self._app is None:
                if token is None and app_error is not None:
                    raise app_error
                return token
            try:
                return self._installation_token(self._app)
            except BackendError as error:
                self.refuse(token, str(error))
                skipped.add(token.key)
                app_error = error

    def record(self, token: GitHubToken, resource: str, reading: RateReading) -> None:
        _check_resource(resource)
        if reading.remaining is None or reading.reset_at is None:
            return
        with self._lock:
            known = self._known.get((token.key, resource))
            if known is not None and known.merged(reading) == known:
                return
            self._known[(token.key, resource)] = (known or Budget()).merged(reading)
        limit, remaining, reset = (
            f"{resource}_{name}" for name in ("limit", "remaining", "reset_at")
        )
        values = {remaining: reading.remaining, "refused_at": None, "last_error": ""}
        if reading.limit is not None:
            values[limit] = reading.limit
        rows = GitHubPoolEntry.objects.filter(key=token.key)
        # A new window (or the first reading) replaces what was known...
        new_window = Q(**{f"{reset}__isnull": True}) | Q(**{f"{remaining}__isnull": True})
        new_window |= Q(**{f"{reset}__lt": reading.reset_at})
        if rows.filter(new_window).update(**values, **{reset: reading.reset_at}):
            return
        # ...within the same window the budget only goes down.
        rows.filter(**{reset: reading.reset_at, f"{remaining}__gt": reading.remaining}).update(
            **values
        )

    def exhaust(self, token: GitHubToken, resource: str, reset_at: dt.datetime) -> None:
        _check_resource(resource)
        with self._lock:
            known = self._known.get((token.key, resource), Budget())
            self._known[(token.key, resource)] = Budget(known.limit, 0, reset_at)
        GitHubPoolEntry.objects.filter(key=token.key).update(
            **{f"{resource}_remaining": 0, f"{resource}_reset_at": reset_at}
        )

    def refuse(self, token: GitHubToken, reason: str) -> None:
        GitHubPoolEntry.objects.filter(key=token.key).update(
            refused_at=timezone.now(), last_error=reason[:_ERROR_LENGTH]
        )

    # -- inside -----------------------------------------------------------------------------

    def _candidate(self, row: GitHubPoolEntry, resource: str) -> Candidate:
        budget = Budget(
            getattr(row, f"{resource}_limit"),
            getattr(row, f"{resource}_remaining"),
            getattr(row, f"{resource}_reset_at"),
        )
        token = self._tokens.get(row.key)
        if token is None:  # the App: its secret is looked up only when it is chosen
            token = GitHubToken(row.label, "", kind=APP, key=row.key)
        return Candidate(token, budget, row.refused_at)

    def _installation_token(self, app: GitHubApp) -> GitHubToken:
        """The App's token from its row while fresh, else minted once for every process."""
        now = timezone.now()
        found = _fresh_secret(GitHubPoolEntry.objects.filter(key=app.key).first(), now)
        if found is not None:
            return GitHubToken(app.label, found, kind=APP, key=app.key)
        with transaction.atomic():
            row = GitHubPoolEntry.objects.select_for_update().get(key=app.key)
            found = _fresh_secret(row, now)  # another process may have minted meanwhile
            if found is None:
                with HttpClient() as client:
                    minted = mint_installation_token(app, client)
                row.sealed_token = seal(minted.secret)
                row.token_expires_at = minted.expires_at
                row.save(update_fields=["sealed_token", "token_expires_at", "updated_on"])
                found = minted.secret
        return GitHubToken(app.label, found, kind=APP, key=app.key)


def _fresh_secret(row: GitHubPoolEntry | None, now: dt.datetime) -> str | None:
    if row is None or not row.sealed_token or row.token_expires_at is None:
        return None
    if row.token_expires_at - REFRESH_BEFORE <= now:
        return None
    return unseal(row.sealed_token)


def _check_resource(resource: str) -> None:
    if resource not in RESOURCES:
        raise ValueError(f"unknown GitHub budget {resource!r}")
