"""factory_boy factories for every model; tests build exactly the rows they need."""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import User
from projects.models import Distro, Flag, Package, Project, ProjectVersion


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


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
