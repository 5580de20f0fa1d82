"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "releasemon.settings")

application = get_asgi_application()

from releasemon.checks import refuse_insecure_production  # noqa: E402

refuse_insecure_production()
