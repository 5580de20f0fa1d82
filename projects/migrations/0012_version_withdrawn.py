"""Withdrawn versions (issue #20): when a complete check found a stored version gone upstream."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("projects", "0011_github_token_pool")]

    operations = [
        migrations.AddField(
            model_name="projectversion",
            name="withdrawn_on",
            field=models.DateTimeField(
                blank=True,
                help_text="When a check found it gone upstream (deleted, yanked).",
                null=True,
            ),
        ),
    ]
