"""The database cache's table (settings.CACHES), made by migrate so no extra command is needed.

``createcachetable`` does nothing for caches that are not database caches (Redis), and
nothing when the table exists.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
