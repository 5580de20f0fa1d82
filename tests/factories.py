"""factory_boy factories for every model; tests build exactly the rows they need."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from projects.models import Distro, Flag, Package, Project, ProjectVersion

#: A custom-backend project's fields as the site's form and ``services.project_create`` take them.
GEANY = {
    "name": "geany",
    "homepage": "https://www.geany.org/",
    "backend": "custom",
    "version_url": "https://www.geany.org/download/releases",
    "regex": r"geany-([\d.]+)\.tar",
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """``UserFactory(verified_email=True)``: the user has confirmed their address (an
        allauth ``EmailAddress`` row), as local sign-in and joining by email require."""
        if create and extracted:
            EmailAddress.objects.update_or_create(
                user=self, email=self.email.lower(), defaults={"verified": True, "primary": True}
            )


class AdminFactory(UserFactory):
    admin = True


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"project{n}")
    homepage = factory.LazyAttribute(lambda o: f"https://example.org/{o.name}")
    backend = "custom"
    version_url = factory.LazyAttribute(lambda o: f"https://example.org/{o.name}/releases/")


class ProjectVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectVersion

    project = factory.SubFactory(ProjectFactory)
    version = factory.Sequence(lambda n: f"1.{n}")
    created_on = factory.LazyFunction(timezone.now)


class DistroFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Distro

    name = factory.Sequence(lambda n: f"Distro{n}")


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    distro = factory.SubFactory(DistroFactory)
    project = factory.SubFactory(ProjectFactory)
    package_name = factory.LazyAttribute(lambda o: o.project.name)


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    project = factory.SubFactory(ProjectFactory)
    author = factory.SubFactory(UserFactory)
    reason = "The homepage moved."


def watched(upstream, name: str, *versions: str, **fields) -> Project:
    """A project (``custom`` unless ``backend`` says otherwise) whose download page on the
    local ``upstream`` (tests/projects/conftest.py) lists ``versions``."""
    fields.setdefault("backend", "custom")
    return ProjectFactory(
        name=name,
        homepage=f"https://{name}.example.org/",
        version_url=upstream.publish(name, *versions),
        **fields,
    )
