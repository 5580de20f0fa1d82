"""Package URLs: a project's PURL per type (purl-spec's type definitions), the keys a PURL is
looked up by, hostile strings, and the round trip project -> PURL -> key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packageurl import PackageURL

from backends import ecosystems, purls
from backends.purls import InvalidPurl, LookupKey, ProjectFields, identify, lookup_key, project_purl
from backends.registry import BACKENDS


def eco(scope: str, key: str) -> LookupKey:
    return LookupKey("ecosystem_name", scope, key)


def forge(scope: str, key: str) -> LookupKey:
    return LookupKey("backend", scope, key)


def fields(
    backend: str, name: str, version_url: str | None = None, homepage: str = ""
) -> ProjectFields:
    ecosystem = ecosystems.derive_ecosystem_name(backend, homepage or "https://example.org/")
    return ProjectFields(backend, name, ecosystem, version_url, homepage or "https://example.org/")


# (project fields, its PURL, its lookup key)
PROJECTS = [
    # pypi: lower case, runs of "-", "_" and "." made one "-" (PEP 503, the type's rule)
    (fields("PyPI", "requests"), "pkg:pypi/requests", eco("pypi", "requests")),
    (
        fields("PyPI", " Django_REST.framework "),
        "pkg:pypi/django-rest-framework",
        eco("pypi", "django-rest-framework"),
    ),
    (fields("PyPI", "zope.interface"), "pkg:pypi/zope-interface", eco("pypi", "zope-interface")),
    (fields("PyPI", "a__b..c"), "pkg:pypi/a-b-c", eco("pypi", "a-b-c")),
    # npm: the scope is the namespace, its "@" percent-encoded; both lower-cased
    (fields("npmjs", "left-pad"), "pkg:npm/left-pad", eco("npm", "left-pad")),
    (fields("npmjs", "@Angular/Core"), "pkg:npm/%40angular/core", eco("npm", "@angular/core")),
    (fields("npmjs", "JSONStream"), "pkg:npm/jsonstream", eco("npm", "jsonstream")),
    # cargo: the name as is (case-sensitive type); crates.io treats "-" and "_" alike
    (fields("crates.io", "serde_json"), "pkg:cargo/serde_json", eco("crates.io", "serde-json")),
    (fields("Rubygems", "Rails"), "pkg:gem/Rails", eco("rubygems", "rails")),
    # maven: groupId/artifactId, from the version URL, the name or a Central directory
    (
        fields("Maven Central", "gogo", "org.apache.felix:org.apache.felix.gogo.shell"),
        "pkg:maven/org.apache.felix/org.apache.felix.gogo.shell",
        eco("maven", "org.apache.felix:org.apache.felix.gogo.shell"),
    ),
    (
        fields("Maven Central", "com.google.guava:guava"),
        "pkg:maven/com.google.guava/guava",
        eco("maven", "com.google.guava:guava"),
    ),
    (
        fields(
            "Maven Central",
            "plexus",
            homepage="https://repo1.maven.org/maven2/org/codehaus/plexus/plexus-maven-plugin/",
        ),
        "pkg:maven/org.codehaus.plexus/plexus-maven-plugin",
        eco("maven", "org.codehaus.plexus:plexus-maven-plugin"),
    ),
    # docker: official images under library, any spelling docker pull understands
    (fields("Docker Hub", "nginx"), "pkg:docker/library/nginx", eco("docker", "library/nginx")),
    (
        fields("Docker Hub", "docker.io/library/nginx:1.27"),
        "pkg:docker/library/nginx",
        eco("docker", "library/nginx"),
    ),
    (
        fields("Docker Hub", "https://hub.docker.com/r/Grafana/grafana"),
        "pkg:docker/grafana/grafana",
        eco("docker", "grafana/grafana"),
    ),
    # a mirror serves the same image
    (
        fields("Docker Hub", "grafana/grafana", "https://mirror.gcr.io"),
        "pkg:docker/grafana/grafana",
        eco("docker", "grafana/grafana"),
    ),
    # golang: the module path split at its last slash, lower-cased as the type requires
    (
        fields("Go modules", "github.com/BurntSushi/toml/"),
        "pkg:golang/github.com/burntsushi/toml",
        eco("go", "github.com/burntsushi/toml"),
    ),
    (
        fields("Go modules", "github.com/jackc/pgx/v5", "https://goproxy.example.org"),
        "pkg:golang/github.com/jackc/pgx/v5",
        eco("go", "github.com/jackc/pgx/v5"),
    ),
    # hex, nuget, pub: another registry than the public one is named in repository_url
    (fields("Hex.pm", "Phoenix"), "pkg:hex/phoenix", eco("hex", "phoenix")),
    (
        fields("Hex.pm", "phoenix", "https://hex.example.org/api/"),
        "pkg:hex/phoenix?repository_url=https://hex.example.org/api",
        eco("hex", "phoenix"),
    ),
    (
        fields("NuGet", "Newtonsoft.Json"),
        "pkg:nuget/Newtonsoft.Json",
        eco("nuget", "newtonsoft.json"),
    ),
    (
        fields("NuGet", "Corp.Lib", "https://nuget.example.org/v3/index.json"),
        "pkg:nuget/Corp.Lib?repository_url=https://nuget.example.org/v3/index.json",
        eco("nuget", "corp.lib"),
    ),
    (fields("pub.dev", "http"), "pkg:pub/http", eco("pub", "http")),
    # conda: the type's default is Anaconda's own repository, so the channel is always named
    (fields("conda", "numpy"), "pkg:conda/numpy?channel=conda-forge", eco("conda", "numpy")),
    (
        fields("conda", "samtools", "https://anaconda.org/bioconda"),
        "pkg:conda/samtools?channel=bioconda",
        eco("conda", "samtools"),
    ),
    (
        fields("conda", "tool", "https://api.conda.example.org/package/team"),
        "pkg:conda/tool?repository_url=https://api.conda.example.org/package/team",
        eco("conda", "tool"),
    ),
    # brew (registered 2026): homebrew/core is the default tap, casks are in homebrew/cask
    (fields("Homebrew", "openssl@3"), "pkg:brew/openssl%403", eco("homebrew", "openssl@3")),
    (
        fields("Homebrew Cask", "Firefox"),
        "pkg:brew/homebrew/cask/firefox",
        eco("homebrew-cask", "firefox"),
    ),
    # Open VSX: the vscode-extension type, the registry in repository_url
    (
        fields("Open VSX", "redhat.java"),
        "pkg:vscode-extension/redhat/java?repository_url=https://open-vsx.org",
        eco("open-vsx", "redhat.java"),
    ),
    (
        fields("Open VSX", "Rust-Lang/rust-analyzer", "https://openvsx.example.org"),
        "pkg:vscode-extension/rust-lang/rust-analyzer?repository_url=https://openvsx.example.org",
        eco("open-vsx", "rust-lang.rust-analyzer"),
    ),
    # forges: the repository the backend reads, from the version URL or the homepage
    (
        fields("GitHub", "GeoIP", "maxmind/geoip-api-c"),
        "pkg:github/maxmind/geoip-api-c",
        forge("GitHub", "maxmind/geoip-api-c"),
    ),
    (
        fields("GitHub", "requests", homepage="https://github.com/PSF/Requests.git"),
        "pkg:github/psf/requests",
        forge("GitHub", "psf/requests"),
    ),
    (
        fields("BitBucket", "sqlalchemy", homepage="https://bitbucket.org/zzzeek/SQLAlchemy/src"),
        "pkg:bitbucket/zzzeek/sqlalchemy",
        forge("BitBucket", "zzzeek/sqlalchemy"),
    ),
]

NO_PURL = [
    # no registered type: the AUR is no Arch repository (alpm), Terraform is proposed only
    fields("AUR", "yay"),
    fields("Terraform Registry", "hashicorp/aws"),
    fields("custom", "geany", "https://www.geany.org/download/"),
    fields("GitLab", "inkscape", "https://gitlab.com/inkscape/inkscape"),
    fields("Container registry (OCI)", "app", "ghcr.io/owner/app"),
    # names the registry could not hold
    fields("PyPI", "not a name"),
    fields("npmjs", "@scope/"),
    fields("crates.io", "9lives"),
    fields("Maven Central", "no-coordinates"),
    fields("Docker Hub", "ghcr.io/owner/app"),
    fields("Go modules", "no-dot/module"),
    fields("Go modules", "example.com"),  # one element: golang needs a namespace
    fields("NuGet", "a" * 101),
    fields("Open VSX", "no-extension"),
    fields("GitHub", "x", homepage="https://example.org/"),
    # a registry the backend would refuse names no package
    fields("Hex.pm", "phoenix", "ftp://hex.example.org"),
    fields("conda", "numpy", "not a channel!"),
]


@pytest.mark.parametrize(("project", "purl", "key"), PROJECTS)
def test_each_type_and_its_normalisation(project, purl, key):
    assert project_purl(project) == purl
    found = identify(project)
    assert found is not None and found.key == key
    # The canonical form: packageurl-python reads it back into the same string.
    assert PackageURL.from_string(purl).to_string() == purl


@pytest.mark.parametrize("project", NO_PURL, ids=lambda f: f"{f.backend}:{f.name[:20]}")
def test_projects_without_a_purl(project):
    assert project_purl(project) is None
    assert identify(project) is None


@pytest.mark.parametrize(("project", "purl", "key"), PROJECTS)
def test_round_trip_project_purl_lookup_key(project, purl, key):
    assert lookup_key(project_purl(project)) == identify(project).key


@pytest.mark.parametrize(("project", "purl", "key"), PROJECTS)
def test_the_database_folding_finds_every_folded_name(project, purl, key):
    """The selector finds candidates by folding names in SQL as NameFold.apply does: the key
    must be one of the spellings the project's name folds to."""
    fold = purls.NAME_FOLDS.get(key.scope)
    if key.column == "backend" or (key.column, key.scope) in purls.SCANNED_SCOPES:
        assert fold is None
        return
    assert fold is not None
    assert fold.apply(project.name) in fold.spellings(key.key)


def test_an_unsaved_project_has_its_backends_ecosystem():
    unsaved = ProjectFields("PyPI", "requests", ecosystem_name="", homepage="https://x.org/")
    assert project_purl(unsaved) == "pkg:pypi/requests"
    # A non-index backend with an index-looking ecosystem is not that index's.
    mixed = ProjectFields("custom", "requests", ecosystem_name="pypi")
    assert project_purl(mixed) is None


def test_fields_of_a_row():
    row = {
        "backend": "PyPI",
        "name": "requests",
        "ecosystem_name": "pypi",
        "version_url": None,
        "homepage": "https://pypi.org/project/requests",
        "regex": None,
    }
    assert project_purl(ProjectFields.of(row)) == "pkg:pypi/requests"


# -- reading PURLs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purl", "key"),
    [
        # the version, qualifiers and subpath are not part of the key
        ("pkg:pypi/requests@2.32.0?file_name=x.whl#src", eco("pypi", "requests")),
        ("pkg:pypi/Django_REST.Framework", eco("pypi", "django-rest-framework")),
        ("PKG:PYPI/requests", eco("pypi", "requests")),
        ("  pkg:pypi/requests  ", eco("pypi", "requests")),
        ("pkg://pypi/requests", eco("pypi", "requests")),
        ("pkg:npm/%40angular/core@17.0.0", eco("npm", "@angular/core")),
        ("pkg:npm/@Angular/Core", eco("npm", "@angular/core")),
        ("pkg:npm/angular/core", eco("npm", "@angular/core")),
        ("pkg:cargo/serde_json", eco("crates.io", "serde-json")),
        ("pkg:gem/rails?platform=java", eco("rubygems", "rails")),
        ("pkg:maven/org.apache.felix/gogo@1.0?type=jar", eco("maven", "org.apache.felix:gogo")),
        ("pkg:maven/org/apache/felix/gogo", eco("maven", "org.apache.felix:gogo")),
        ("pkg:docker/nginx@latest", eco("docker", "library/nginx")),
        ("pkg:docker/library/nginx", eco("docker", "library/nginx")),
        ("pkg:docker/docker.io/library/nginx", eco("docker", "library/nginx")),
        (
            "pkg:docker/grafana/grafana?repository_url=https://hub.docker.com",
            eco("docker", "grafana/grafana"),
        ),
        (
            "pkg:golang/github.com/BurntSushi/toml@v1.3.2#internal",
            eco("go", "github.com/burntsushi/toml"),
        ),
        ("pkg:hex/Phoenix", eco("hex", "phoenix")),
        ("pkg:nuget/Newtonsoft.Json@13.0.1", eco("nuget", "newtonsoft.json")),
        ("pkg:pub/http", eco("pub", "http")),
        ("pkg:conda/numpy?channel=bioconda&subdir=linux-64", eco("conda", "numpy")),
        ("pkg:brew/node@20@20.10.0", eco("homebrew", "node@20")),
        ("pkg:brew/Homebrew/Core/sqlite", eco("homebrew", "sqlite")),
        ("pkg:brew/homebrew/cask/firefox@120.0", eco("homebrew-cask", "firefox")),
        ("pkg:vscode-extension/ms-python/python", eco("open-vsx", "ms-python.python")),
        ("pkg:github/PSF/Requests@v2.32.0", forge("GitHub", "psf/requests")),
        ("pkg:bitbucket/zzzeek/sqlalchemy", forge("BitBucket", "zzzeek/sqlalchemy")),
    ],
)
def test_lookup_keys(purl, key):
    assert lookup_key(purl) == key


@pytest.mark.parametrize(
    "purl",
    [
        "pkg:deb/debian/curl@8.5.0",  # a type releasemon does not hold
        "pkg:gitlab/inkscape/inkscape",  # not a registered type
        "pkg:generic/openssl",
        "pkg:docker/customer/image?repository_url=gcr.io",  # not on Docker Hub
        "pkg:docker/ghcr.io/owner/app",
        "pkg:hex/acme/foo",  # an organisation's private package
        "pkg:brew/some-org/some-tap/some-app",  # another tap
        "pkg:github/a/b/c",  # an owner is one segment
        "pkg:npm/a/b/c",
    ],
)
def test_purls_that_name_no_project_of_any_kind(purl):
    assert lookup_key(purl) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "a Package URL is a string"),
        (42, "a Package URL is a string"),
        (["pkg:pypi/x"], "a Package URL is a string"),
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("requests", 'it must start with "pkg:"'),
        ("https://pypi.org/project/requests", 'it must start with "pkg:"'),
        ("pkg:", "it has no type"),
        ("pkg:pypi", "it has no type"),
        ("pkg:pypi/", "it has no name"),
        ("pkg:pypi/@1.0", "it has no name"),
        ("pkg:1pypi/x", "its type is not made of"),
        ("pkg:py$pi/x", "its type is not made of"),
        ("pkg:pypi/x?flag", "its qualifiers are not key=value pairs"),
        ("pkg:pypi/x?a%20b=1", "its qualifiers are not key=value pairs"),
        ("pkg:pypi/re\x00quests", "control character"),
        ("pkg:pypi/re\nquests", "control character"),
        ("pkg:pypi/re%00quests", "escaped control character"),
        ("pkg:docker/nginx?repository_url=docker.io%0a", "escaped control character"),
        ("pkg:pypi/\ud800", "not valid Unicode text"),
        ("pkg:pypi/" + "a" * 2_000, "longer than 2000 characters"),
        ("pkg:pypi/a/requests", "the pypi type has no namespace"),
        ("pkg:cargo/a/b", "the cargo type has no namespace"),
        ("pkg:maven/guava", "needs the groupId as namespace"),
        ("pkg:golang/toml", "needs the module path's beginning as namespace"),
        ("pkg:github/requests", "needs the owner as namespace"),
        ("pkg:vscode-extension/python", "needs the publisher as namespace"),
    ],
)
def test_malformed_purls_are_refused_with_a_reason(value, reason):
    with pytest.raises(InvalidPurl) as refused:
        lookup_key(value)
    message = str(refused.value)
    assert reason in message
    assert message.startswith("Not a") and message.endswith(".")
    assert len(message) < 200  # a reason, not the input repeated


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text().map(lambda rest: "pkg:" + rest)))
def test_any_string_is_a_key_none_or_a_reason(text):
    try:
        key = lookup_key(text)
    except InvalidPurl as refused:
        assert str(refused)
        return
    assert key is None or (key.key and "\x00" not in key.key)
    if key is not None:
        key.key.encode("utf-8")  # the database can compare it


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["PyPI", "npmjs", "crates.io", "Rubygems", "Hex.pm", "NuGet", "pub.dev"]),
    st.from_regex(r"[A-Za-z](?:[A-Za-z0-9_]{0,19}[A-Za-z0-9])?", fullmatch=True),
)
def test_round_trip_of_any_registry_name(backend, name):
    project = fields(backend, name)
    found = identify(project)
    assert found is not None
    assert lookup_key(project_purl(project)) == found.key


# Addresses and names such as users type them: hosts of the registries and forges, paths.
URLISH = (
    r"(?:https?://(?:github\.com|bitbucket\.org|anaconda\.org|repo1\.maven\.org|[a-z.]{1,12})"
    r"(?::[0-9]{1,5})?/)?[A-Za-z0-9@/._:~-]{0,40}"
)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(sorted(BACKENDS)),
    st.one_of(st.text(max_size=80), st.from_regex(r"[A-Za-z0-9@/._:~+-]{1,40}", fullmatch=True)),
    st.one_of(st.none(), st.text(max_size=80), st.from_regex(URLISH, fullmatch=True)),
    st.one_of(st.text(max_size=80), st.from_regex(URLISH, fullmatch=True)),
)
def test_any_project_has_a_purl_or_none_never_an_error(backend, name, version_url, homepage):
    """Every v2 answer shows the PURL: no stored value may make computing it fail."""
    project = ProjectFields(backend, name, None, version_url, homepage)
    purl = project_purl(project)
    if purl is not None:
        assert lookup_key(purl) == identify(project).key
