"""Distributions: created, renamed and deleted with their messages (``distro.*``)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from messaging.outbox import emit
from projects import messages
from projects.models import Distro
from projects.services import history
from projects.services.errors import DistroExists, InvalidInput
from projects.services.fields import TEXT_MAX_LENGTH, optional_text


def _distro_name(name: Any) -> str:
    text = optional_text(name)
    if not text:
        raise InvalidInput({"name": "This field is required."})
    if len(text) > TEXT_MAX_LENGTH:
        raise InvalidInput({"name": f"At most {TEXT_MAX_LENGTH} characters are allowed."})
    return text


def find_distro(name: str) -> Distro | None:
    """The distro called ``name``, ignoring case (as every Anitya lookup does)."""
    return Distro.objects.annotate(lower=Lower("name")).filter(lower=name.strip().lower()).first()


@transaction.atomic
def distro_create(name: str, *, agent: str) -> Distro:
    """Create a distribution (``distro.add``); names are unique ignoring case."""
    name = _distro_name(name)
    if find_distro(name) is not None:
        raise DistroExists(name)
    try:
        with transaction.atomic():
            distro = Distro.objects.create(name=name)
    except IntegrityError:
        raise DistroExists(name) from None
    emit(messages.distro_add(distro, agent))
    return distro


@transaction.atomic
def distro_rename(distro: Distro, new_name: str, *, agent: str) -> bool:
    """Rename a distribution (``distro.edit``; mappings follow). False when unchanged."""
    new_name = _distro_name(new_name)
    locked = Distro.objects.select_for_update().get(pk=distro.pk)
    old_name = locked.name
    if new_name == old_name:
        return False
    other = find_distro(new_name)
    if other is not None and other.pk != locked.pk:
        raise DistroExists(new_name)
    locked.name = new_name
    try:
        with transaction.atomic():
            locked.save(update_fields=["name"])
    except IntegrityError:
        raise DistroExists(new_name) from None
    emit(messages.distro_edit(old_name, new_name, agent))
    distro.name = new_name
    return True


@transaction.atomic
def distro_delete(distro: Distro, *, agent: str) -> int:
    """Delete a distribution and its mappings (``distro.remove``); return how many mappings.

    Each mapping's project gets a ``mapping.remove`` entry in the audit log."""
    locked = Distro.objects.select_for_update().get(pk=distro.pk)
    # Only what the entries name: a big distribution has tens of thousands of mappings.
    packages = list(
        locked.packages.select_related("project", "distro").only(
            "package_name", "project__name", "distro__name"
        )
    )
    mappings = len(packages)
    history.mappings_removed_with_distro(packages, agent)
    message = messages.distro_remove(locked, agent)
    locked.delete()
    emit(message)
    return mappings
