"""DRF's generic base classes, as the API subclasses them.

djangorestframework-stubs makes ``Serializer`` and ``GenericAPIView`` generic (in the instance
they serialise, the model they list), but DRF's classes take no type arguments when the code
runs. The API's serializers and views work on plain dicts and no model: they subclass these
names, which say ``Any`` to mypy and are DRF's own classes at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import generics, serializers

if TYPE_CHECKING:
    Serializer = serializers.Serializer[Any]
    GenericAPIView = generics.GenericAPIView[Any]
else:
    Serializer = serializers.Serializer
    GenericAPIView = generics.GenericAPIView

__all__ = ["GenericAPIView", "Serializer"]
