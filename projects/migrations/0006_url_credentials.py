"""Credentials typed into project URLs move out of them (``Project.url_credentials``).

Existing homepages and version URLs such as ``https://user:secret@host/simple/`` are stored
without their userinfo, and the credentials under the URL's origin, as ``projects.services``
splits them on every save from now on; the ecosystem of a project outside a package index is
its homepage, so it is cleaned too. A project whose clean homepage would duplicate another
project's (same name and homepage, or same name and ecosystem) gets ``#project-<id>`` added
to its homepage (a fragment: never sent to the server) rather than keep the secret in sight.

The column is nullable so that SQLite adds it in place: rebuilding the table would drop the
triggers of migration 0005. Cleaning a URL moves ``updated_on`` and the catalogue generation
through those triggers, as any change of a URL does. Reversing puts the credentials back.
"""

from urllib.parse import quote

from django.db import IntegrityError, migrations, models, transaction

from backends.credentials import origin, split_userinfo

URL_FIELDS = ("homepage", "version_url")


def split_row(values: dict, stored: dict | None) -> tuple[dict, dict | None]:
    """The URL fields (and ecosystem) of one row without userinfo, and its credentials."""
    cleaned, found = dict(values), dict(stored or {})
    for field in URL_FIELDS:
        url, userinfo = split_userinfo(values.get(field))
        cleaned[field] = url
        key = origin(url)
        if userinfo is not None and any(userinfo) and key is not None:
            found[key] = {"username": userinfo[0], "password": userinfo[1]}
    ecosystem = values.get("ecosystem_name")
    if ecosystem is not None:
        cleaned["ecosystem_name"] = split_userinfo(ecosystem)[0]
    return cleaned, found or None


def split_credentials(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    rows = Project.objects.filter(
        models.Q(homepage__contains="@")
        | models.Q(version_url__contains="@")
        | models.Q(ecosystem_name__contains="@")
    )
    fields = ("pk", *URL_FIELDS, "ecosystem_name", "url_credentials")
    for row in list(rows.values(*fields)):
        values = {field: row[field] for field in (*URL_FIELDS, "ecosystem_name")}
        cleaned, found = split_row(values, row["url_credentials"])
        if cleaned == values:
            continue
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                Project.objects.filter(pk=row["pk"]).update(**cleaned, url_credentials=found)
        except IntegrityError:  # another project already has this name and clean homepage
            homepage = f"{cleaned['homepage'].split('#', 1)[0]}#project-{row['pk']}"
            if cleaned["ecosystem_name"] == cleaned["homepage"]:
                cleaned["ecosystem_name"] = homepage
            cleaned["homepage"] = homepage
            Project.objects.filter(pk=row["pk"]).update(**cleaned, url_credentials=found)


def join_credentials(apps, schema_editor):
    """Back into the URLs (the first URL of each origin), before the column goes."""
    Project = apps.get_model("projects", "Project")
    for project in Project.objects.exclude(url_credentials=None).iterator():
        stored = project.url_credentials or {}
        updates = {}
        for field in URL_FIELDS:
            url = getattr(project, field)
            value = stored.get(origin(url) or "")
            if not isinstance(value, dict) or "://" not in url:
                continue
            scheme, rest = url.split("://", 1)
            userinfo = quote(value.get("username") or "", safe="")
            if value.get("password"):
                userinfo += ":" + quote(value["password"], safe="")
            updates[field] = f"{scheme}://{userinfo}@{rest}"
        if updates.get("homepage") and project.ecosystem_name == project.homepage:
            updates["ecosystem_name"] = updates["homepage"]
        if updates:
            Project.objects.filter(pk=project.pk).update(**updates)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_catalogue_generation"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="url_credentials",
            field=models.JSONField(blank=True, default=None, editable=False, null=True),
        ),
        migrations.RunPython(split_credentials, join_credentials),
    ]
