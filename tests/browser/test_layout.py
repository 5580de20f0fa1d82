"""Every page template in headless Chromium at 360 px wide (and once at desktop width): no page
scrolls sideways, whoever looks at it, whatever long names, URLs and logs it shows; a form's
errors are summed up at its top and take the focus (issue #14).

Screenshots land in ``var/screenshots/layout/`` (``<page>-<width>.png``), next to those of
test_site.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.test_site import (  # noqa: F401 (fixtures)
    CHROMIUM,
    PASSWORD,
    SCREENSHOTS,
    browser,
    pytestmark,
    session,
)

LAYOUT_SCREENSHOTS = SCREENSHOTS / "layout"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

LONG = "a-path-segment-long-enough-to-overflow-a-phone-screen-without-a-single-space"
#: What no page may do: the document or the body wider than the window. It names the
#: outermost elements sticking out, to say what to fix.
#: A phone's browser widens its layout viewport (``innerWidth``) to fit content that is too
#: wide, then zooms out: sizes are compared with the screen's width, not with ``innerWidth``.
WIDTH_PROBE = """(width) => {
  const outermost = [];
  for (const node of document.body.querySelectorAll("*")) {
    const box = node.getBoundingClientRect();
    const parent = node.parentElement.getBoundingClientRect();
    if (box.width && box.right > width + 0.5 && parent.right <= width + 0.5) {
      const classes = typeof node.className === "string" ? node.className.trim() : "";
      outermost.push(node.tagName.toLowerCase() + (node.id ? "#" + node.id : "")
        + (classes ? "." + classes.replace(/\\s+/g, ".") : "")
        + " " + Math.round(box.right) + "px");
    }
  }
  return {
    width: width,
    inner: window.innerWidth,
    html: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    outermost: outermost.slice(0, 8),
  };
}"""


def populate():
    """Rows for every page: lists, a project with many versions and long strings, flags."""
    from django.utils import timezone

    from projects.models import CheckRun, Flag
    from tests.factories import (
        AdminFactory,
        DistroFactory,
        FlagFactory,
        PackageFactory,
        ProjectFactory,
        ProjectVersionFactory,
        UserFactory,
    )

    now = timezone.now()
    fedora = DistroFactory(name="Fedora")
    DistroFactory(name="A-distribution-whose-name-is-far-too-long-for-any-phone-screen")
    for index in range(12):
        project = ProjectFactory(
            name=f"project-{index:02d}",
            homepage=f"https://example.org/{LONG}/{index}",
            latest_version=f"1.{index}",
            check_successful=index % 3 != 0,
            error_counter=0 if index % 3 else 2,
            last_check=now,
            logs="Version retrieved correctly"
            if index % 3
            else f"HTTP 404 for https://example.org/{LONG}/{LONG}/releases.json",
            archived=index == 11,
        )
        ProjectVersionFactory(project=project, version=f"1.{index}")
        if index % 2:
            PackageFactory(project=project, distro=fedora)
    ProjectFactory(name="never-checked-" + LONG)
    CheckRun.objects.create(total_count=12, success_count=8, error_count=4)

    long = ProjectFactory(
        name="an-extraordinarily-long-project-name-that-never-breaks-0123456789abcdef",
        homepage=f"https://example.org/{LONG}/{LONG}/",
        version_url=f"https://downloads.example.org/{LONG}/{LONG}/releases/",
        regex=r"(?:an-extraordinarily-long-project-name)[-_]v?(\d+(?:\.\d+){1,5}(?:rc\d+)?)\.tar\.xz",
        version_prefix="release-of-the-extraordinarily-long-project-;v",
        pre_release_filter="rc;beta;alpha;dev;nightly;preview;snapshot;candidate",
        version_filter="do-not-track-this-version-string-ever-please",
        latest_version="2.149",
        check_successful=False,
        error_counter=3,
        last_check=now,
        logs=f"HTTP 500 from https://downloads.example.org/{LONG}/{LONG}/releases/?page=2",
    )
    for index in range(150):
        ProjectVersionFactory(
            project=long,
            version=f"release-of-the-extraordinarily-long-project-2.{index}",
            created_on=now - dt.timedelta(hours=index),
            published_at=now - dt.timedelta(days=index),
            commit_url=f"https://git.example.org/{LONG}/commit/{index:040d}",
        )
    ProjectVersionFactory(project=long, version="3.0.0-rc1+build.20240101.a-long-build-metadata")
    for distro in (fedora, DistroFactory(name="Debian")):
        PackageFactory(
            project=long,
            distro=distro,
            package_name="python3-an-extraordinarily-long-package-name-without-spaces",
        )
    ada = UserFactory(email="ada@example.org", username="ada", verified_email=True)
    AdminFactory(email="root@example.org", username="root", verified_email=True)
    FlagFactory(
        project=long,
        author=ada,
        reason=f"The homepage moved to https://new.example.org/{LONG}/{LONG}/",
    )
    FlagFactory(project=long, author=ada, reason="Duplicate.", state=Flag.State.CLOSED)
    from accounts.models import ApiToken

    ApiToken.issue(ada, description="my-continuous-integration-server-with-a-long-name-" * 3)
    return long


def assert_fits(visitor, name: str, label: str) -> None:
    """Screenshot the page; note it in ``visitor.too_wide`` when it scrolls sideways (the
    test fails at its end, naming every such page at once)."""
    LAYOUT_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visitor.page.screenshot(path=str(LAYOUT_SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    probe = visitor.page.evaluate(WIDTH_PROBE, visitor.page.viewport_size["width"])
    if max(probe["html"], probe["body"], probe["inner"]) > probe["width"]:
        too_wide.append((name, probe))


#: The pages found too wide by the running test.
too_wide: list = []


def submit(visitor, path: str, fields: dict[str, str], button: str) -> None:
    """Fill a form with ``fields`` (selector -> value) and send it with ``button``."""
    visitor.go(path)
    for selector, value in fields.items():
        visitor.page.fill(selector, value)
    visitor.page.locator("main form").get_by_role("button", name=button, exact=True).click()
    visitor.page.wait_for_load_state()


def assert_error_summary_focused(visitor, name: str) -> None:
    summary = visitor.page.locator("#error-summary")
    assert summary.is_visible(), name
    assert summary.get_attribute("role") == "alert"
    assert "There is a problem" in summary.inner_text()
    focused = visitor.page.evaluate("document.activeElement && document.activeElement.id")
    assert focused == "error-summary", (name, focused)
    # On load it is in view, without scrolling.
    box = summary.bounding_box()
    assert box is not None and box["y"] < visitor.page.viewport_size["height"], name


@pytest.mark.parametrize("label", ["360", "desktop"])
def test_no_page_scrolls_sideways(session, label):  # noqa: F811 (the imported fixture)
    too_wide.clear()
    long = populate()
    from projects.models import Package

    package = Package.objects.filter(project=long).first()
    options = PHONE if label == "360" else DESKTOP
    anonymous_pages = {
        "home": "/",
        "projects": "/projects/",
        "updated": "/projects/updates/updated",
        "failed": "/projects/updates/failed",
        "never-updated": "/projects/updates/never_updated",
        "archived": "/projects/updates/archived",
        "search": "/projects/search/?pattern=project-*",
        "project-long": f"/project/{long.pk}/",
        "project-long-page-2": f"/project/{long.pk}/?page=2",
        "distros": "/distros/",
        "distro": "/distro/Fedora/",
        "distro-search": "/distro/Fedora/search/?pattern=project*",
        "about": "/about",
        "login": "/login/",
        "sign-up": "/accounts/signup/",
        "password-reset": "/accounts/password/reset/",
    }
    visitor = session(**options)
    for name, path in anonymous_pages.items():
        response = visitor.go(path)
        assert response.status < 400, path
        assert_fits(visitor, f"anonymous-{name}", label)

    # Forms with errors, anonymous.
    submit(
        visitor, "/login/", {"input[name=login]": "ada", "input[name=password]": "no"}, "Sign in"
    )
    assert_error_summary_focused(visitor, "login")
    assert_fits(visitor, "login-errors", label)
    # Without JavaScript too: the summary's autofocus takes the focus.
    no_script = session(java_script_enabled=False, **options)
    submit(
        no_script, "/login/", {"input[name=login]": "ada", "input[name=password]": "no"}, "Sign in"
    )
    assert_error_summary_focused(no_script, "login without JavaScript")
    submit(
        visitor,
        "/accounts/signup/",
        {"input[name=email]": "not-an-address", "input[name=username]": "ada"},
        "Sign Up",
    )
    assert_error_summary_focused(visitor, "sign-up")
    assert_fits(visitor, "sign-up-errors", label)

    ada = session(**options)
    ada.sign_in("ada")
    user_pages = {
        "project-long": f"/project/{long.pk}/",
        "project-new": "/project/new",
        "project-edit": f"/project/{long.pk}/edit",
        "mapping-add": f"/project/{long.pk}/map",
        "mapping-edit": f"/project/{long.pk}/map/{package.pk}",
        "flag": f"/project/{long.pk}/flag",
        "distro-add": "/distro/add",
        "logs": "/logs",
        "settings": "/settings/",
        "sign-out": "/logout/",
        "email-addresses": "/accounts/email/",
        "sign-in-providers": "/accounts/3rdparty/",
        "password-change": "/accounts/password/change/",
        "administrators-only": f"/project/{long.pk}/delete",
    }
    for name, path in user_pages.items():
        response = ada.go(path)
        assert response.status < 500, path
        assert_fits(ada, f"user-{name}", label)

    # Every site form with errors: the summary on top has the focus.
    bad_regex = {"#id_name": "geany", "#id_homepage": "https://www.geany.org/"}
    bad_regex |= {"#id_version_url": f"https://example.org/{LONG}/", "#id_regex": "(unclosed"}
    submit(ada, "/project/new", bad_regex, "Add project")
    assert_error_summary_focused(ada, "project-new")
    assert_fits(ada, "project-new-errors", label)
    if label == "360":
        ada.page.screenshot(path=str(LAYOUT_SCREENSHOTS / "project-new-errors-on-load-360.png"))
        # The summary's link brings the field, label included, into view and focuses it.
        ada.page.locator("#error-summary a", has_text="Regex").click()
        assert ada.page.evaluate("document.activeElement.id") == "id_regex"
        label_box = ada.page.locator("label[for=id_regex]").bounding_box()
        assert 0 <= label_box["y"] < 740
        ada.page.screenshot(path=str(LAYOUT_SCREENSHOTS / "project-new-errors-link-360.png"))
    submit(ada, f"/project/{long.pk}/edit", {"#id_homepage": "not a url"}, "Save")
    assert_error_summary_focused(ada, "project-edit")
    assert_fits(ada, "project-edit-errors", label)
    submit(
        ada, f"/project/{long.pk}/map", {"#id_distro": "", "#id_package_name": ""}, "Add mapping"
    )
    assert_error_summary_focused(ada, "mapping")
    assert_fits(ada, "mapping-errors", label)
    submit(ada, f"/project/{long.pk}/flag", {"#id_reason": "  "}, "Flag the project")
    assert_error_summary_focused(ada, "flag")
    assert_fits(ada, "flag-errors", label)
    submit(ada, "/distro/add", {"#id_name": "fedora"}, "Add")
    assert_error_summary_focused(ada, "distro")
    assert_fits(ada, "distro-errors", label)
    ada.go("/settings/")
    ada.page.evaluate("document.getElementById('id_description').removeAttribute('maxlength')")
    ada.page.fill("#id_description", "x" * 201)
    with ada.page.expect_navigation():
        ada.page.press("#id_description", "Enter")
    assert_error_summary_focused(ada, "settings")
    assert_fits(ada, "settings-errors", label)

    root = session(**options)
    root.sign_in("root")
    admin_pages = {
        "project-long": f"/project/{long.pk}/",
        "distros": "/distros/",
        "delete-project": f"/project/{long.pk}/delete",
        "delete-versions": f"/project/{long.pk}/delete/versions",
        "delete-mapping": f"/project/{long.pk}/map/{package.pk}/delete",
    }
    for name, path in admin_pages.items():
        response = root.go(path)
        assert response.status < 400, path
        assert_fits(root, f"admin-{name}", label)
    root.go(f"/project/{long.pk}/")
    assert root.page.locator("#open-flags").get_by_text("The homepage moved").is_visible()
    assert too_wide == [], "\n".join(f"{name}: {probe}" for name, probe in too_wide)
