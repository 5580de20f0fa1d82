"""The GitHub token pool's entries: each token's last known budgets, shared by every checker
process through the database. Re-exported by :mod:`projects.models`.

A personal token is never stored: its entry is named by a digest of it (its ``key``) and a
label; the secret stays in the operator's configuration. A GitHub App's entry keeps the App's
current installation token (an hour long), encrypted with a key derived from SECRET_KEY, so
that every process uses the one token instead of minting its own; it is left out of every
admin page, repr and log.
"""

from __future__ import annotations

from django.db import models


class GitHubPoolEntry(models.Model):
    """One token of the GitHub pool (a personal token, or a GitHub App's installation)."""

    class Kind(models.TextChoices):
        TOKEN = "token", "Personal access token"
        APP = "app", "GitHub App installation"

    key = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TOKEN)
    # The REST API's budget ("core") and GraphQL's, as GitHub last announced them.
    core_limit = models.IntegerField(null=True, blank=True)
    core_remaining = models.IntegerField(null=True, blank=True)
    core_reset_at = models.DateTimeField(null=True, blank=True)
    graphql_limit = models.IntegerField(null=True, blank=True)
    graphql_remaining = models.IntegerField(null=True, blank=True)
    graphql_reset_at = models.DateTimeField(null=True, blank=True)
    # When GitHub last refused the token (bad credentials, an App that could not mint), why.
    refused_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    # A GitHub App's current installation token, encrypted (projects.services.github_pool).
    sealed_token = models.TextField(blank=True, default="", editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "label"]
        verbose_name = "GitHub token pool entry"
        verbose_name_plural = "GitHub token pool"

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"<GitHubPoolEntry {self.label} ({self.kind})>"
