"""Anitya's users, their API tokens and (Anitya 2.0 to 2.2) their social identities.

Users keep their ids (both are UUIDs), e-mails, usernames and admin and active flags; they get
no password (they sign in through a provider, as on Anitya) and a verified e-mail address
row, so allauth joins their first provider sign-in to the imported account by that address
(``accounts/adapters.py``). A user whose e-mail another account here already has is merged
into that account (reported): their tokens and flags follow.

Anitya stores API tokens in plain text (``tokens.token``, its primary key); ours are stored as
their SHA-256 (:func:`accounts.models.hash_token`), so the import hashes each one and the same
string keeps authenticating. The plain text is never written anywhere here. A token revoked on
Anitya between two imports is deleted by the second (``ApiToken.from_anitya``).

Social identities: Anitya 2.3 dropped python-social-auth's ``social_auth_usersocialauth``
(its users sign in through Authlib and are found by e-mail); older databases still have it.
GitHub and GitLab identities carry over (python-social-auth and allauth both use the
provider's numeric account id as uid); the others (Fedora's OpenID 2.0, Google OAuth2 keyed by
e-mail, plain OpenID) have uids allauth's OpenID Connect providers never produce, so they are
reported and the e-mail match takes over.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.hashers import make_password
from django.db.models.functions import Lower

from accounts.models import TOKEN_PREFIX_LENGTH, ApiToken, User, hash_token
from projects.anitya_import.clean import Problem, fitted, text
from projects.anitya_import.report import Tally
from projects.anitya_import.source import SOCIAL_TABLE, Row

USER_COLUMNS = {
    "id": "uuid",
    "email": "text",
    "username": "text",
    "active": "bool",
    "admin": "bool",
}
TOKEN_COLUMNS = {"token": "text", "created": "time", "user_id": "uuid", "description": "text"}
SOCIAL_COLUMNS = {"id": "int", "provider": "text", "uid": "text", "user_id": "uuid"}
#: python-social-auth's provider names whose uids allauth's providers use as they are.
PROVIDERS = {"github": "github", "gitlab": "gitlab"}
USER_FIELDS = ("email", "username", "is_active", "admin")
EMAIL_MAX_LENGTH = 256


class UserMap:
    """Which of our users each Anitya user became (itself unless merged, None if skipped)."""

    def __init__(self) -> None:
        self.merged: dict[uuid.UUID, uuid.UUID] = {}
        self.skipped: set[uuid.UUID] = set()
        #: The hashes of every token Anitya has (a few thousand at most).
        self.token_hashes: set[str] = set()

    def get(self, anitya_id: uuid.UUID) -> uuid.UUID | None:
        if anitya_id in self.skipped:
            return None
        while anitya_id in self.merged:  # merged into a user merged in turn
            anitya_id = self.merged[anitya_id]
        return anitya_id


def _clean_user(row: Row, problems: list[Problem]) -> dict[str, Any] | None:
    uid = row["id"]
    email = text(row["email"], table="users", id=uid, field="email", problems=problems)
    email = (email or "").strip()
    if not email or "@" not in email or len(email) > EMAIL_MAX_LENGTH:
        problems.append(
            Problem(
                "users",
                uid,
                "email",
                row["email"],
                "not a usable e-mail address: user, tokens and identities not imported",
            )
        )
        return None
    username = text(row["username"], table="users", id=uid, field="username", problems=problems)
    if not (username or "").strip():
        problems.append(
            Problem(
                "users",
                uid,
                "username",
                row["username"],
                f"empty: the e-mail's local part {email.split('@')[0]!r} is used",
            )
        )
    username = fitted(
        (username or "").strip() or email.split("@")[0],
        EMAIL_MAX_LENGTH,
        table="users",
        id=uid,
        field="username",
        problems=problems,
        cut=True,
    )
    return {
        "id": uid,
        "email": email,
        "username": username,
        "is_active": row["active"] is not False,  # Anitya's NULL is its default, active
        "admin": bool(row["admin"]),
    }


def write_users(rows: Sequence[Row], users: UserMap, problems: list[Problem]) -> Tally:
    tally = Tally()
    wanted = {}
    first: dict[str, uuid.UUID] = {}  # the first user of the batch with each e-mail, any case
    for row in rows:
        values = _clean_user(row, problems)
        if values is None:
            users.skipped.add(row["id"])
            continue
        low = values["email"].lower()
        if low in first and not User.objects.filter(id=values["id"]).exists():
            # Anitya's e-mails are unique as typed, ours ignoring case (sign-in, allauth).
            _merge(users, values, first[low], problems)
            tally.unchanged += 1
            continue
        first.setdefault(low, values["id"])
        wanted[values["id"]] = values
    stored = {
        row["id"]: row for row in User.objects.filter(id__in=wanted).values("id", *USER_FIELDS)
    }
    owners = {
        low: pk
        for pk, low in User.objects.annotate(low=Lower("email"))
        .filter(low__in={v["email"].lower() for v in wanted.values()})
        .exclude(id__in=wanted)
        .values_list("id", "low")
    }
    added, changed = [], []
    moved: list[tuple[uuid.UUID, str, str]] = []
    for uid, values in wanted.items():
        owner = owners.get(values["email"].lower())
        if owner is not None and uid not in stored:
            _merge(users, values, owner, problems)
            tally.unchanged += 1
            continue
        old = stored.get(uid)
        if old is None:
            tally.new += 1
            added.append(User(password=make_password(None), **values))
        elif any(old[f] != values[f] for f in USER_FIELDS):
            tally.changed += 1
            changed.append(User(**values))
            if old["email"] != values["email"]:
                moved.append((uid, old["email"], values["email"]))
        else:
            tally.unchanged += 1
    User.objects.bulk_create(added)
    User.objects.bulk_update(changed, list(USER_FIELDS))
    for uid, before, after in moved:  # the verified address follows the e-mail
        EmailAddress.objects.filter(user_id=uid, email__iexact=before).update(email=after)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user_id=u.id, email=u.email, verified=True, primary=True) for u in added],
        ignore_conflicts=True,
    )
    return tally


def _merge(
    users: UserMap, values: dict[str, Any], owner: uuid.UUID, problems: list[Problem]
) -> None:
    users.merged[values["id"]] = owner
    problems.append(
        Problem(
            "users",
            values["id"],
            "email",
            values["email"],
            f"already the e-mail of user {owner} (ignoring case): merged into that user",
        )
    )


def write_tokens(rows: Sequence[Row], users: UserMap, problems: list[Problem]) -> Tally:
    """Anitya's tokens, hashed on the way in, so the same strings authenticate here."""
    tally = Tally()
    wanted: dict[str, ApiToken] = {}
    for row in rows:
        secret = row["token"] or ""
        user = users.get(row["user_id"])
        if user is None:
            problems.append(
                Problem(
                    "tokens",
                    secret[:4] + "…",
                    "user_id",
                    row["user_id"],
                    "its user was not imported: token not imported",
                )
            )
            continue
        description = text(
            row["description"],
            table="tokens",
            id=secret[:4] + "…",
            field="description",
            problems=problems,
        )
        key = hash_token(secret)
        users.token_hashes.add(key)
        wanted[key] = ApiToken(
            user_id=user,
            key_hash=key,
            prefix=secret[:TOKEN_PREFIX_LENGTH],
            description=description or "",
            created=row["created"],
            from_anitya=True,
        )
    stored = {
        key: (user, description, created)
        for key, user, description, created in ApiToken.objects.filter(
            key_hash__in=wanted
        ).values_list("key_hash", "user_id", "description", "created")
    }
    upserts = []
    for key, token in wanted.items():
        if not tally.count(stored.get(key), (token.user_id, token.description, token.created)):
            continue
        upserts.append(token)
    ApiToken.objects.bulk_create(
        upserts,
        update_conflicts=True,
        unique_fields=["key_hash"],
        update_fields=["user", "description", "created", "from_anitya"],
    )
    return tally


def remove_revoked_tokens(users: UserMap) -> int:
    """Delete the tokens an earlier import brought that Anitya no longer has (revoked there),
    so they stop working here too; tokens made here are never touched."""
    revoked = [
        pk
        for pk, key in ApiToken.objects.filter(from_anitya=True).values_list("id", "key_hash")
        if key not in users.token_hashes
    ]
    ApiToken.objects.filter(id__in=revoked).delete()
    return len(revoked)


def write_identities(rows: Sequence[Row], users: UserMap, problems: list[Problem]) -> Tally:
    """python-social-auth identities allauth can take (:data:`PROVIDERS`)."""
    tally = Tally()
    accounts = []
    row_ids: dict[tuple[str, str], Any] = {}
    for row in rows:
        provider = PROVIDERS.get(str(row["provider"] or "").lower())
        user = users.get(row["user_id"])
        if provider is None or user is None or not row["uid"]:
            why = (
                "its user was not imported"
                if user is None
                else "no allauth provider uses these uids: the user is matched by e-mail at "
                "their first sign-in"
            )
            problems.append(Problem(SOCIAL_TABLE, row["id"], "provider", row["provider"], why))
            continue
        accounts.append(SocialAccount(user_id=user, provider=provider, uid=str(row["uid"])))
        row_ids[provider, str(row["uid"])] = row["id"]
    stored = {
        (provider, uid): user
        for provider, uid, user in SocialAccount.objects.filter(
            uid__in=[a.uid for a in accounts]
        ).values_list("provider", "uid", "user_id")
    }
    for account in accounts:
        holder = stored.get((account.provider, account.uid))
        if holder is not None and holder != account.user_id:
            problems.append(
                Problem(
                    SOCIAL_TABLE,
                    row_ids[account.provider, account.uid],
                    "user_id",
                    account.user_id,
                    f"this {account.provider} account already signs in user {holder} here: "
                    "kept there",
                )
            )
    fresh = [a for a in accounts if (a.provider, a.uid) not in stored]
    tally.new, tally.unchanged = len(fresh), len(accounts) - len(fresh)
    SocialAccount.objects.bulk_create(fresh, ignore_conflicts=True)
    return tally
