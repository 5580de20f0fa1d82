"""The real site in headless Chromium: a user adds a project with a Test check against a local
upstream, checks it, maps it and flags it; an administrator archives it; its feed is read.

Screenshots of the main pages land in ``var/screenshots/`` (light, dark and narrow).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
# plain synchronous code, so Django's async-safety guard must not refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from projects.models import Flag, Package, Project
from tests.factories import AdminFactory, ProjectFactory, UserFactory

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery staple"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists(),
        reason=f"{CHROMIUM} is missing (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


class Session:
    """One browser context (cookies of one person) on the live server, failing on JS errors."""

    def __init__(self, browser, base_url: str, **options) -> None:
        self.context = browser.new_context(**options)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: dialog.accept())

    def go(self, path: str):
        return self.page.goto(self.base_url + path)

    def sign_in(self, login: str) -> None:
        self.go("/login/")
        self.page.fill("input[name=login]", login)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.locator("main form button[type=submit]", has_text="Sign in").click()
        self.page.wait_for_load_state()
        assert self.page.locator("header").get_by_role("button", name="Sign out").is_visible()

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors


@pytest.fixture
def session(browser, live_server):
    opened: list[Session] = []

    def open_session(**options) -> Session:
        opened.append(Session(browser, live_server.url, **options))
        return opened[-1]

    yield open_session
    for each in opened:
        each.close()


def test_a_project_from_creation_to_archive(session, upstream):
    UserFactory(email="ada@example.org", username="ada", verified_email=True)
    AdminFactory(email="root@example.org", username="root", verified_email=True)
    ProjectFactory(name="geany-plugins", homepage="https://plugins.geany.org/")
    page_url = upstream.publish("geany", "1.38", "2.0", "2.1rc1")

    ada = session()
    ada.sign_in("ada@example.org")

    # Add the project: the form follows the backend, and Test check previews in place.
    ada.go("/project/new")
    page = ada.page
    page.select_option("#id_backend", "GitHub")
    assert page.locator("label[for=id_version_url]").inner_text().startswith("GitHub owner/project")
    assert page.locator("#row-regex").is_hidden()
    assert page.locator("#row-insecure").is_hidden()
    assert page.locator("#row-releases_only").is_visible()
    page.select_option("#id_backend", "custom")
    assert page.locator("#row-regex").is_visible()
    assert page.locator("#default-regex-hint").is_visible()
    page.select_option("#id_version_scheme", "Calendar")
    assert page.locator("#row-version_pattern").is_visible()
    page.select_option("#id_version_scheme", "")
    assert page.locator("#row-version_pattern").is_hidden()

    page.fill("#id_name", "geany")
    page.fill("#id_homepage", "https://plugins.geany.org/")
    page.locator("#similar-projects").get_by_role("link", name="geany-plugins").wait_for()
    page.fill("#id_version_url", page_url)
    page.fill("#id_pre_release_filter", "rc")
    page.click("#test-check-button")
    result = page.locator("#test-result")
    result.get_by_text("Test check result").wait_for()
    assert "2.1rc1, 2.0, 1.38" in result.inner_text()
    assert Project.objects.filter(name="geany").count() == 0  # a preview stores nothing
    ada.screenshot("project-form")

    page.fill("#id_homepage", "https://www.geany.org/")
    page.get_by_role("button", name="Add project").click()
    page.get_by_text("Project created").wait_for()
    project = Project.objects.get(name="geany")
    assert page.url.endswith(f"/project/{project.pk}/")

    # The page right after saving shows what the validating check found: it was the first
    # check (Anitya's "check latest release on submit"), and the next one is ahead.
    versions = page.locator("table.versions tbody tr")
    assert versions.count() == 3
    assert versions.first.inner_text().startswith("2.1rc1")
    assert "pre-release" in versions.first.inner_text()
    assert "2.1rc1" in page.locator("#details-title + dl").inner_text()
    health = page.locator("#health-title + dl")
    assert "OK" in health.inner_text() and "Not checked yet" not in health.inner_text()
    assert "(just now)" in page.locator("#last-check").inner_text()
    assert "(in " in page.locator("#next-check").inner_text()
    ada.screenshot("project-page-after-saving")
    page.set_viewport_size({"width": 360, "height": 740})
    ada.screenshot("project-page-after-saving-360")
    page.set_viewport_size({"width": 1280, "height": 720})

    # Test check on the project page, in place: nothing new upstream.
    page.get_by_role("button", name="Test check").click()
    page.locator("#test-result").get_by_text("No new version.").wait_for()

    # Map it to a package.
    page.get_by_role("link", name="Add mapping").first.click()
    page.fill("#id_distro", "Fedora")
    page.fill("#id_package_name", "geany-ide")
    page.get_by_role("button", name="Add mapping").click()
    page.get_by_text("Mapping added").wait_for()
    assert Package.objects.get(project=project).package_name == "geany-ide"
    assert page.get_by_role("link", name="Fedora").first.is_visible()

    # Flag it.
    page.get_by_role("link", name="Flag").click()
    page.fill("#id_reason", "The homepage moved.")
    page.get_by_role("button", name="Flag the project").click()
    page.get_by_text("Project flagged for admin review").wait_for()
    assert Flag.objects.get(project=project).author.username == "ada"
    ada.screenshot("project-page-user")

    # An administrator archives it.
    root = session()
    root.sign_in("root")
    root.go(f"/project/{project.pk}/")
    assert root.page.locator("table.versions th", has_text="Raw").is_visible()
    root.screenshot("project-page-admin")
    root.page.get_by_role("button", name="Archive").click()
    root.page.get_by_text("Project archived").wait_for()
    project.refresh_from_db()
    assert project.archived
    assert root.page.get_by_role("button", name="Unarchive").is_visible()
    root.screenshot("project-page-archived")

    # Its feed lists the versions found.
    feed = root.page.request.get(f"{root.base_url}/project/{project.pk}/feed/")
    assert feed.ok
    assert feed.headers["content-type"].startswith("application/atom+xml")
    atom = ElementTree.fromstring(feed.body())
    titles = [node.text for node in atom.iter("{http://www.w3.org/2005/Atom}title")]
    assert {"geany 2.1rc1", "geany 2.0", "geany 1.38"} <= set(titles)


def test_local_sign_up_confirms_the_address_through_the_mailed_link(
    session, live_server, mailoutbox, settings
):
    settings.SITE_URL = live_server.url  # the mailed link leads to this server
    newcomer = session()
    newcomer.go("/login/")
    newcomer.page.get_by_role("link", name="Create one").click()
    newcomer.page.fill("input[name=email]", "new@example.org")
    newcomer.page.fill("input[name=username]", "newcomer")
    newcomer.page.fill("input[name=password1]", PASSWORD)
    newcomer.page.fill("input[name=password2]", PASSWORD)
    newcomer.page.locator("main form button[type=submit]").click()
    newcomer.page.get_by_text("Verify Your Email Address").first.wait_for()
    newcomer.screenshot("sign-up-verification-sent")

    # The password alone does not sign in before the link is followed.
    newcomer.go("/login/")
    newcomer.page.fill("input[name=login]", "newcomer")
    newcomer.page.fill("input[name=password]", PASSWORD)
    newcomer.page.locator("main form button[type=submit]", has_text="Sign in").click()
    newcomer.page.get_by_text("Verify Your Email Address").first.wait_for()
    assert not newcomer.page.locator("header").get_by_role("button", name="Sign out").count()

    (message,) = mailoutbox
    assert message.to == ["new@example.org"]
    link = next(word for word in message.body.split() if word.startswith(live_server.url))
    newcomer.page.goto(link)
    newcomer.screenshot("sign-up-confirm")
    newcomer.page.locator("main form button[type=submit]").click()
    newcomer.page.wait_for_load_state()
    newcomer.sign_in("newcomer")


def test_main_pages_render_in_light_dark_and_narrow_screens(session, live_server):
    from django.utils import timezone

    from projects.models import CheckRun
    from tests.factories import DistroFactory, PackageFactory, ProjectVersionFactory

    fedora = DistroFactory(name="Fedora")
    for index in range(12):
        project = ProjectFactory(
            name=f"project-{index:02d}",
            latest_version=f"1.{index}",
            check_successful=index % 3 != 0,
            error_counter=0 if index % 3 else 2,
            last_check=timezone.now(),
            logs="Version retrieved correctly" if index % 3 else "HTTP 404 for the version URL",
        )
        ProjectVersionFactory(project=project, version=f"1.{index}")
        if index % 2:
            PackageFactory(project=project, distro=fedora)
    CheckRun.objects.create(total_count=12, success_count=8, error_count=4)
    UserFactory(email="ada@example.org", username="ada", verified_email=True)

    pages = {
        "home": "/",
        "projects": "/projects/?sort=name_desc",
        "failed": "/projects/updates/failed",
        "search": "/projects/search/?pattern=project-0*",
        "distros": "/distros/",
        "distro": "/distro/Fedora/",
        "about": "/about",
        "login": "/login/",
    }
    for scheme, options in {
        "light": {"viewport": {"width": 1280, "height": 800}},
        "dark": {"viewport": {"width": 1280, "height": 800}, "color_scheme": "dark"},
        "narrow": {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
    }.items():
        visitor = session(**options)
        for name, path in pages.items():
            response = visitor.go(path)
            assert response.status == 200, path
            assert visitor.page.title().endswith("· releasemon")
            visitor.screenshot(f"{name}-{scheme}")
        visitor.sign_in("ada")
        visitor.go("/project/new?name=geany")
        visitor.screenshot(f"project-form-empty-{scheme}")
        visitor.go("/logs")
        visitor.screenshot(f"logs-{scheme}")

    # The skip link is the first thing the keyboard reaches, and it is visible when focused.
    keyboard = session()
    keyboard.go("/projects/")
    keyboard.page.keyboard.press("Tab")
    focused = keyboard.page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    assert keyboard.page.locator(".skip-link").is_visible()
