"""Reads about users: the subject access report (GDPR) of ``manage.py sar``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from accounts.models import User

LOG_ACTIONS = {ADDITION: "addition", CHANGE: "change", DELETION: "deletion"}


def _time(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def users_by_identity(*, email: str | None = None, username: str | None = None) -> list[User]:
    """Users whose email (ignoring case) or username (exact) matches, email matches first,
    each once (Anitya's ``sar`` listed a user twice when both matched)."""
    found: list[User] = []
    if email:
        found += User.objects.filter(email__iexact=email.strip()).order_by("date_joined", "pk")
    if username:
        found += User.objects.filter(username=username).order_by("date_joined", "pk")
    unique: dict[Any, User] = {}
    for user in found:
        unique.setdefault(user.pk, user)
    return list(unique.values())


def subject_access_report(user: User) -> dict[str, Any]:
    """Everything stored about ``user``: Anitya's four keys first, then the rest.

    Token secrets are never stored (only a hash), and the hash and the password hash are left
    out: they identify nothing about the person and would only help an attacker.
    """
    return {
        "id": str(user.pk),
        "email": user.email,
        "username": user.username,
        "active": user.is_active,
        "admin": user.admin,
        "configured_admin": user.is_configured_admin,
        "date_joined": _time(user.date_joined),
        "last_login": _time(user.last_login),
        "local_password": user.has_usable_password(),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "social_accounts": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "date_joined": _time(account.date_joined),
                "last_login": _time(account.last_login),
                "extra_data": account.extra_data,
            }
            for account in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        "api_tokens": [
            {
                "id": token.pk,
                "prefix": token.prefix,
                "description": token.description,
                "created": _time(token.created),
                "last_used": _time(token.last_used),
            }
            for token in user.api_tokens.order_by("created", "pk")
        ],
        "flags": [
            {
                "id": flag.pk,
                "project_id": flag.project_id,
                "project": flag.project.name,
                "reason": flag.reason,
                "state": flag.state,
                "created_on": _time(flag.created_on),
                "updated_on": _time(flag.updated_on),
            }
            for flag in user.flags.select_related("project").order_by("created_on", "pk")
        ],
        # The changes they made to projects, mappings and versions (the audit log).
        "changes": [
            {
                "id": entry.pk,
                "project_id": entry.project_id,
                "project": entry.project_name,
                "kind": entry.kind,
                "agent": entry.agent,
                "when": _time(entry.when),
            }
            for entry in user.audit_entries.order_by("when", "pk")
        ],
        "admin_log": [
            {
                "action_time": _time(entry.action_time),
                "action": LOG_ACTIONS.get(entry.action_flag, str(entry.action_flag)),
                "content_type": (
                    f"{entry.content_type.app_label}.{entry.content_type.model}"
                    if entry.content_type
                    else None
                ),
                "object_id": entry.object_id,
                "object_repr": entry.object_repr,
                "change_message": entry.get_change_message(),
            }
            for entry in LogEntry.objects.filter(user=user)
            .select_related("content_type")
            .order_by("action_time", "pk")
        ],
    }
