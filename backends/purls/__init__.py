"""Package URLs (PURL, ECMA-427: ``pkg:<type>/<namespace>/<name>``) of projects, and the
projects a PURL names. Pure: no Django.

- :mod:`.identity`: a project's PURL from its fields (backend, name, ecosystem, version URL,
  homepage), as its backend reads the package name, spelled as the PURL type requires;
- :mod:`.parse`: a PURL anyone sent, read and refused with a reason when malformed, into the
  :class:`LookupKey` its project is found by;
- :mod:`.keys`: those keys, and how names fold into them (which the database repeats).

Building and parsing go through packageurl-python, the reference implementation; what it
does not do yet (PEP 503 names for pypi, lower-cased npm scopes, golang paths and brew
names, as the current type definitions ask) is done here.
"""

from backends.purls.identity import Identity, ProjectFields, identify, project_purl
from backends.purls.keys import (
    MAX_PURL_LENGTH,
    NAME_FOLDS,
    SCANNED_SCOPES,
    InvalidPurl,
    LookupKey,
    NameFold,
)
from backends.purls.parse import lookup_key, parse_purl

__all__ = [
    "MAX_PURL_LENGTH",
    "NAME_FOLDS",
    "SCANNED_SCOPES",
    "Identity",
    "InvalidPurl",
    "LookupKey",
    "NameFold",
    "ProjectFields",
    "identify",
    "lookup_key",
    "parse_purl",
    "project_purl",
]
