from django.apps import AppConfig
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save

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
        # The footer's latest run is remembered for seconds per process: a run this process
        # starts or deletes shows at once.
        from projects.models import CheckRun
        from projects.selectors.status import forget_latest_check_run

        uid = "projects.selectors.status.forget_latest_check_run"
        post_save.connect(forget_latest_check_run, sender=CheckRun, dispatch_uid=f"{uid}.saved")
        post_delete.connect(forget_latest_check_run, sender=CheckRun, dispatch_uid=f"{uid}.deleted")
