"""Users and their API tokens (contract §1.7, §1.8; tokens are stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone

TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 40
TOKEN_PREFIX_LENGTH = 8


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self, email: str, username: str = "", password: str | None = None, **extra: object
    ) -> User:
        if not email:
            raise ValueError("A user needs an email address")
        email = self.normalize_email(email)
        user = self.model(email=email, username=username or email.split("@")[0], **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(
        self, email: str, username: str = "", password: str | None = None, **extra: object
    ) -> User:
        extra["admin"] = True
        return self.create_user(email, username, password, **extra)

    def get_by_natural_key(self, login: str | None) -> User:
        """Sign-in by email or username (emails are unique, usernames are not: a username
        two people share signs nobody in, they use their email instead)."""
        by_email = self.filter(email__iexact=login).first()
        if by_email is not None:
            return by_email
        by_username = list(self.filter(username=login)[:2])
        if len(by_username) != 1:
            raise self.model.DoesNotExist(f"No single user is called {login!r}")
        return by_username[0]


class User(AbstractBaseUser):
    """A person who signs in. ``is_active`` false means banned; ``admin`` grants moderation.

    There are two roles only, user and administrator, so permissions are not stored per user:
    an active administrator may do everything in the admin, anybody else nothing.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=256, unique=True)
    username = models.CharField(max_length=256, db_index=True)
    is_active = models.BooleanField(
        "active",
        default=True,
        db_column="active",
        help_text="Unticked means banned: the user cannot sign in or use tokens.",
    )
    admin = models.BooleanField(
        default=False, help_text="Administrators moderate flags, projects, distros and users."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.username} <{self.email}>"

    @property
    def is_configured_admin(self) -> bool:
        """Listed in ``ANITYA_WEB_ADMINS`` by id or email: an administrator nobody can demote."""
        listed = {str(entry).lower() for entry in settings.ANITYA_WEB_ADMINS}
        return str(self.id).lower() in listed or self.email.lower() in listed

    @property
    def is_admin(self) -> bool:
        return self.admin or self.is_configured_admin

    @property
    def is_staff(self) -> bool:
        return self.is_active and self.is_admin

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list: object, obj: object = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff


def hash_token(secret: str) -> str:
    """SHA-256 of a token: tokens are long random strings, so a fast hash is enough."""
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_token_secret() -> str:
    """40 random letters and digits, the shape Anitya's clients expect."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


class ApiToken(models.Model):
    """An API credential. Only its hash and a short prefix are stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=TOKEN_PREFIX_LENGTH, editable=False)
    description = models.TextField(blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)
    #: Brought by ``manage.py import_anitya``: a later import removes it once Anitya has not.
    from_anitya = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.description or 'API Token'})"

    @classmethod
    def issue(cls, user: User, description: str = "") -> tuple[ApiToken, str]:
        """Create a token for ``user``; return it with the secret, which is never stored."""
        secret = generate_token_secret()
        token = cls.objects.create(
            user=user,
            key_hash=hash_token(secret),
            prefix=secret[:TOKEN_PREFIX_LENGTH],
            description=description,
        )
        return token, secret
