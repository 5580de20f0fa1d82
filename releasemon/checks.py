"""System checks that stop the service from starting in an unsafe configuration."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from releasemon.config import DEFAULT_SECRET_KEY


def insecure_production_errors(debug: bool, secret_key: str) -> list[Error]:
    """Production mode (DEBUG off) with the well-known default secret key is refused."""
    if debug or secret_key not in {DEFAULT_SECRET_KEY, ""}:
        return []
    return [
        Error(
            "SECRET_KEY is the default while DEBUG is off: refusing to start in production "
            "mode with a publicly known key.",
            hint="Set SECRET_KEY (environment or secret_key in the RELEASEMON_CONFIG file), "
            "or write a random key to var/secret_key.",
            id="releasemon.E001",
        )
    ]


@register()
def check_secret_key(app_configs: object, **kwargs: object) -> list[Error]:
    return insecure_production_errors(settings.DEBUG, settings.SECRET_KEY)


def refuse_insecure_production() -> None:
    """Raise before serving requests when the configuration is unsafe (used by wsgi/asgi)."""
    errors = insecure_production_errors(settings.DEBUG, settings.SECRET_KEY)
    if errors:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(errors[0].msg)
