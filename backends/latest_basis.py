"""What a project's stored latest version was worked out from, as a digest. Pure.

Anitya works the latest version out again from every stored version on every check, so that
a changed version filter, prefix or scheme shows at the next check. Parsing and ordering cost
about 5 us a stored version, which made an unchanged (304) check's CPU grow with the
project's history: 0.25 ms more at 50 versions, 3 ms at 500, where the rest of the check costs
about 0.5 ms. The check therefore keeps, beside ``latest_version``, a digest of everything
that value follows from: the settings that read versions, the stored raw strings and which
are withdrawn, the value itself, and the source of the code that parses and orders versions.
A 304 changes none of the stored versions; when the digest of the project as loaded equals
the stored one, the stored latest version is what working it out again would give, and the
check skips that work (:func:`backends.pipeline.preview`).

Any writer that changes the inputs or the value without writing the digest (an edit, a
deletion, an import, an operator's SQL, a release that changes the ordering code) leaves a
digest that no longer matches, so the next check works it out again and writes a new one.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from backends.base import ProjectSpec

#: The modules whose code decides the latest version: the version schemes and the pipeline.
_CODE = (Path(__file__).parent / "versions", Path(__file__).parent / "pipeline.py")


@cache
def _code_revision() -> bytes:
    """A digest of the deciding code's source, read once per process: an upgrade that changes
    how versions are parsed or ordered invalidates every stored digest."""
    digest = hashlib.blake2b(digest_size=16)
    files = sorted(
        path for place in _CODE for path in (place.glob("*.py") if place.is_dir() else [place])
    )
    try:
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    except OSError:
        # Without its source (bytecode only), no digest can be trusted across processes.
        digest.update(os.urandom(16))
    return digest.digest()


def latest_basis(spec: ProjectSpec, scheme: str, latest: str | None) -> str:
    """The digest of ``latest`` as the latest version of ``spec``'s stored versions read with
    ``scheme`` (32 hex digits). Order-independent in the stored versions: the database returns
    them in no set order."""
    inputs = (
        scheme,
        spec.version_prefix,
        spec.version_filter,
        spec.pre_release_filter,
        spec.version_pattern,
        latest,
        sorted(spec.stored_versions),
        sorted(spec.withdrawn_versions),
    )
    digest = hashlib.blake2b(repr(inputs).encode(), digest_size=16, key=_code_revision())
    return digest.hexdigest()
