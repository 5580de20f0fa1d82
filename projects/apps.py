from django.apps import AppConfig
from django.core.signals import setting_changed

from projects import backend_settings


class ProjectsConfig(AppConfig):
    name = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Backends read a plain configuration object, never Django settings: build it from
        # the settings now, and again whenever one changes (override_settings in tests).
        backend_settings.install()
        setting_changed.connect(
            backend_settings.rebuild_on_setting_change,
            dispatch_uid="projects.backend_settings.rebuild_on_setting_change",
        )
