"""The audit log (issue #20): who changed a project, its mappings or its versions, when, and
the values before and after; written by the services, kept after a project is deleted."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0012_version_withdrawn"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("project_id", models.BigIntegerField()),
                ("project_name", models.CharField(max_length=200)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("project.add", "Project added"),
                            ("project.edit", "Project edited"),
                            ("project.archive", "Project archived"),
                            ("project.unarchive", "Project unarchived"),
                            ("project.remove", "Project deleted"),
                            ("mapping.add", "Mapping added"),
                            ("mapping.edit", "Mapping edited"),
                            ("mapping.remove", "Mapping deleted"),
                            ("versions.remove", "Versions deleted"),
                        ],
                        max_length=32,
                    ),
                ),
                ("agent", models.CharField(max_length=256)),
                ("when", models.DateTimeField(default=django.utils.timezone.now)),
                ("before", models.JSONField(blank=True, null=True)),
                ("after", models.JSONField(blank=True, null=True)),
                ("settings", models.JSONField(blank=True, null=True)),
                ("reverts", models.BigIntegerField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        help_text="The account the agent names, when exactly one does.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="audit_entries",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit entries",
                "ordering": ["-when", "-pk"],
                "indexes": [
                    models.Index(fields=["project_id", "-when"], name="audit_project_when_idx")
                ],
            },
        ),
    ]
