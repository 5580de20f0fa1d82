"""Git (any host): the tags of a repository, read from its reference list over HTTP.

One GET of ``<repository>/info/refs?service=git-upload-pack`` is the first step of every
``git clone`` over HTTP (gitprotocol-http(5), "Discovering References"): a smart server answers
the pkt-line reference advertisement of gitprotocol-pack(5), a dumb server (a plain web
server) its ``info/refs`` file. Both list every branch and tag with its object id, so the tags
are read from that one answer: no clone, no ``git`` binary, any host (Gitea, Forgejo, GitLab,
cgit, gitweb, Gerrit, GitHub, a private server).

The request sends no ``Git-Protocol`` header, so servers answer protocol v0, which every smart
server serves in one GET. ``version=1`` adds only a ``version 1`` line; protocol v2 answers the
GET with capabilities and needs a second request (a POST of ``ls-refs``, which cannot be
conditional) and is not served by dumb servers or older ones. The price of v0 is that every
ref is listed (branches, GitHub's pull requests), which the size cap bounds.

Tags are free-form, so the default version scheme stays RPM, as for Anitya's forge backends
(GitHub, GitLab, Gitea), which set none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.budget import Budget
from backends.credentials import origin
from backends.http import HTTPStatusError, display_url
from backends.upstreams._common import MAX_VERSION_LENGTH

if TYPE_CHECKING:
    from backends.http import HttpClient

SERVICE = "git-upload-pack"
ADVERTISEMENT_TYPE = f"application/x-{SERVICE}-advertisement"
# gitprotocol-common(5): no pkt-line is longer than 65516 bytes of data + 4 of length.
MAX_PKT_LENGTH = 65520
# Look at the check's deadline every so many refs: 32 MiB of advertisement is ~700,000 refs.
CLOCK_EVERY = 10_000
_TAG_PREFIX = b"refs/tags/"
_PEELED = b"^{}"  # the object an annotated tag points to: the same tag, listed twice
_PKT_LENGTH = re.compile(rb"[0-9a-fA-F]{4}")
# A SHA-1 (40 hex digits) or SHA-256 (64) object id.
_OBJECT_ID = re.compile(rb"[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?")
# gitprotocol-http(5): a smart answer starts with a pkt-line length and "#".
_SMART_START = re.compile(rb"[0-9a-fA-F]{4}#")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CLONE_URL = "Use the URL that git clone takes, e.g. https://git.example.org/owner/repo.git."


def repository_url(spec: ProjectSpec) -> str | None:
    """The repository's http(s) URL (version URL, else homepage), trailing ``/`` dropped.

    gitprotocol-http(5): clients strip a trailing ``/`` and append ``/info/refs``. A URL with
    a query or fragment, no path, or a ``.``/``..`` segment is refused rather than guessed at.
    """
    value = (spec.version_url or "").strip() or (spec.homepage or "").strip()
    if "?" in value or "#" in value or any(c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    path = parts.path.rstrip("/")
    segments = path.split("/")[1:]
    if not segments or any(segment in ("", ".", "..") for segment in segments):
        return None
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def info_refs_url(repository: str) -> str:
    """The smart HTTP reference discovery URL: exactly one query parameter, the service."""
    return f"{repository}/info/refs?service={SERVICE}"


class GitHttp(Backend):
    """Tags of any Git repository served over HTTP(S), smart or dumb."""

    name = "Git (any host)"
    lists_every_version = True  # the reference list names every tag
    examples = (
        "https://git.kernel.org/pub/scm/git/git.git",
        "https://codeberg.org/forgejo/forgejo.git",
        "https://gitlab.freedesktop.org/mesa/mesa",
    )
    fields = {
        "version_url": FieldHelp(
            "Git repository URL",
            "The http(s) URL that git clone takes, on any host or your own server, e.g. "
            "https://git.kernel.org/pub/scm/git/git.git or https://codeberg.org/owner/repo "
            "(with or without .git). Leave empty when the homepage is that URL. The tags are "
            "read from the repository's list of references, as git does before a clone; "
            "nothing is cloned. For a private repository put the credentials in the URL "
            "(https://user:token@host/owner/repo.git): they are stored apart from it and "
            "sent to that host only.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        """The reference list the check reads."""
        repository = repository_url(spec)
        return info_refs_url(repository) if repository else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Every tag the repository advertises, in the server's order (by name)."""
        repository = repository_url(spec)
        if repository is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the Git repository URL must be "
                "an http(s) address with a path and no ?query or #fragment. " + _CLONE_URL
            )
        url = info_refs_url(repository)
        try:
            response = http.get(url, conditional=True)
        except HTTPStatusError as error:
            raise _refused(spec, repository, url, error) from None
        content_type = (response.headers.get("Content-Type") or "").split(";", 1)[0]
        tags = advertised_tags(response.content, content_type.strip().lower(), url, http.budget)
        if not tags:
            raise BackendError(
                f"{spec.name}: no upstream version found. The Git repository "
                f"{display_url(repository)} has no tags ({display_url(url)} was read)."
            )
        return [Release(tag) for tag in tags]


def _refused(spec: ProjectSpec, repository: str, url: str, error: HTTPStatusError) -> Exception:
    """What a 401 or 404 means for a repository; other statuses keep the client's wording."""
    shown = display_url(url)
    if error.status == 404:
        return BackendError(
            f"No Git repository at {display_url(repository)}: {shown} answered HTTP 404. "
            + _CLONE_URL
        )
    if error.status == 401:
        if origin(url) in spec.credentials:
            return BackendError(
                f"{shown} answered HTTP 401: the server refused the credentials stored with "
                "the version URL. Check the user name and the password or access token."
            )
        # GitHub and others answer 401 for a repository that does not exist, too.
        return BackendError(
            f"{shown} answered HTTP 401: authentication is required (the repository is "
            "private, or does not exist). Put a user name and a password or access token in "
            "the version URL (https://user:token@host/owner/repo.git); they are sent to "
            "that host only."
        )
    return error


def advertised_tags(content: bytes, content_type: str, url: str, budget: Budget) -> list[str]:
    """The tag names of a smart or dumb ``info/refs`` answer, once each, in listed order.

    gitprotocol-http(5): a smart answer starts with ``^[0-9a-f]{4}#``; any other answer is
    the dumb format. A server that labels a pkt-line answer with another content type is
    still read as smart (the bytes decide); a labelled smart answer that is not pkt-lines
    is an error, as the document requires.
    """
    if _SMART_START.match(content):
        return _smart_tags(content, url, budget)
    if content_type == ADVERTISEMENT_TYPE:
        raise _malformed(url, f'it does not start with the "# service={SERVICE}" pkt-line')
    if not content.strip():
        raise _not_git(url, "an empty page")
    if content_type in _HTML_TYPES or content.lstrip().startswith(b"<"):
        raise _not_git(url, "a web page (a login page?)")
    return _dumb_tags(content, url, budget)


def _smart_tags(content: bytes, url: str, budget: Budget) -> list[str]:
    """Tags of a smart reply: the service pkt-line, its flush, the refs, a flush."""
    lines = _pkt_lines(content, url)
    first = next(lines, None)
    if first is None or first.removesuffix(b"\n") != f"# service={SERVICE}".encode():
        raise _malformed(url, f'its first pkt-line is not "# service={SERVICE}"')
    # More header lines may come before the flush; git ignores them, so do we.
    if not any(line is None for line in lines):
        raise _malformed(url, "it ends before its list of references")
    tags = _TagList(budget)
    for number, line in enumerate(lines, start=1):
        if line is None:
            return tags.names  # the flush-pkt that ends the list: anything after is not ours
        line = line.removesuffix(b"\n")
        if tags.empty_so_far and line.startswith(b"version "):
            if line != b"version 1":  # v2 answers only clients that ask for it; we do not
                raise _malformed(url, "it speaks a protocol version the check did not ask for")
            continue
        if line.startswith(b"shallow "):
            continue
        # The first ref carries the capabilities after a NUL.
        object_id, _, name = line.split(b"\0", 1)[0].partition(b" ")
        if not _OBJECT_ID.fullmatch(object_id) or not name:
            raise _malformed(url, f'line {number} of the list is not "<object id> <ref name>"')
        tags.add(name, number)
    raise _malformed(url, "it ends without the flush-pkt (0000) that closes the list (cut off?)")


def _dumb_tags(content: bytes, url: str, budget: Budget) -> list[str]:
    """Tags of a dumb ``info/refs`` file: ``<object id> TAB <name>`` lines."""
    tags = _TagList(budget)
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        object_id, _, name = line.strip().partition(b"\t")
        if not _OBJECT_ID.fullmatch(object_id) or not name or b"\t" in name:
            raise _not_git(url, f'text whose line {number} is not "<object id> TAB <ref name>"')
        tags.add(name, number)
    return tags.names


class _TagList:
    """Tag names in listed order, once each, charged to the check's version budget."""

    def __init__(self, budget: Budget) -> None:
        self._budget = budget
        self._seen: dict[str, None] = {}
        self.empty_so_far = True

    @property
    def names(self) -> list[str]:
        return list(self._seen)

    def add(self, ref: bytes, number: int) -> None:
        self.empty_so_far = False
        if number % CLOCK_EVERY == 0:
            self._budget.remaining()  # raises once the check's deadline has passed
        tag = tag_name(ref)
        if tag is not None and tag not in self._seen:
            self._seen[tag] = None
            self._budget.check_versions(len(self._seen))


def tag_name(ref: bytes) -> str | None:
    """``v1.0`` for ``refs/tags/v1.0`` and its peeled ``refs/tags/v1.0^{}``, else None.

    Git allows any bytes in a ref name, but a version is stored and shown as text: names that
    are not UTF-8, hold spaces or control characters, or are too long are left out.
    """
    if not ref.startswith(_TAG_PREFIX):
        return None
    raw = ref[len(_TAG_PREFIX) :].removesuffix(_PEELED)
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not name or len(name) > MAX_VERSION_LENGTH or not name.isprintable() or " " in name:
        return None
    return name


def _pkt_lines(content: bytes, url: str) -> Iterator[bytes | None]:
    """The pkt-lines of ``content`` (gitprotocol-common(5)); None for a flush-pkt (0000)."""
    position, end = 0, len(content)
    while position < end:
        head = content[position : position + 4]
        if not _PKT_LENGTH.fullmatch(head):
            raise _malformed(url, f"the pkt-line length at byte {position} is not 4 hex digits")
        length = int(head, 16)
        if length == 0:
            position += 4
            yield None
            continue
        # 0001-0003 are protocol v2 markers or nonsense; 0004 is an empty line.
        if length < 4 or length > MAX_PKT_LENGTH:
            raise _malformed(
                url, f"the pkt-line at byte {position} has the invalid length {length}"
            )
        if position + length > end:
            raise _malformed(
                url,
                f"the pkt-line at byte {position} claims {length} bytes, but only "
                f"{end - position} are left (cut off?)",
            )
        yield content[position + 4 : position + length]
        position += length


def _malformed(url: str, why: str) -> BackendError:
    return BackendError(
        f"{display_url(url)} answered a malformed Git reference advertisement: {why}. "
        "The server may be broken, or not a Git server."
    )


def _not_git(url: str, what: str) -> BackendError:
    return BackendError(
        f"Not a Git repository: {display_url(url)} answered {what}, not Git's list of "
        "references. " + _CLONE_URL
    )
