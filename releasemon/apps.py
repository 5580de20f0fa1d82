from django.apps import AppConfig


class ReleasemonConfig(AppConfig):
    name = "releasemon"
    verbose_name = "releasemon"

    def ready(self) -> None:
        from releasemon import checks  # noqa: F401 - registers the system checks
