"""The site's face of notifications: the Watch buttons (project page, lists, search results,
a distribution's page), /watchlist/ with each watch's rules, and /settings/notifications/
(channels, secrets shown once, test, rotate, on/off, delete, the delivery log, redeliver).

Everything a user submits is hostile: odd input gets a readable error and never a 500, and
another person's watch, channel or delivery is not found.
"""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from projects.notify import selectors
from projects.notify.models import ChangeLevel, Channel, Delivery, Watch
from projects.site import notifications
from tests.factories import (
    DistroFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
    UserFactory,
)
from tests.projects.notify.factories import (
    ChannelFactory,
    DeliveryFactory,
    DistroWatchFactory,
    WatchFactory,
)

pytestmark = pytest.mark.django_db

HUGE = "x" * 100_000


@pytest.fixture
def ada():
    return UserFactory(username="ada", email="ada@example.org")


@pytest.fixture
def ada_client(ada):
    signed_in = Client()
    signed_in.force_login(ada)
    return signed_in


@pytest.fixture
def bob_client():
    signed_in = Client()
    signed_in.force_login(UserFactory(username="bob"))
    return signed_in


def text(response) -> str:
    return response.content.decode()


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# -- the Watch buttons ------------------------------------------------------------------------


def test_anonymous_visitors_see_sign_in_to_watch_and_cannot_watch(client):
    project = ProjectFactory(name="geany")

    page = client.get(f"/project/{project.pk}/")
    watch = client.post(f"/project/{project.pk}/watch")

    assert "Sign in to watch" in text(page)
    assert f'action="/project/{project.pk}/watch"' not in text(page)
    assert watch.status_code == 302 and "/login/" in watch["Location"]
    assert not Watch.objects.exists()
    for url in ("/watchlist/", "/settings/notifications/"):
        answer = client.get(url)
        assert answer.status_code == 302 and "/login/" in answer["Location"], url


def test_watch_from_the_project_page_and_back_with_a_message(ada, ada_client):
    project = ProjectFactory(name="geany")
    page = ada_client.get(f"/project/{project.pk}/")
    assert f'action="/project/{project.pk}/watch"' in text(page)
    assert 'name="csrfmiddlewaretoken"' in text(page)

    answer = ada_client.post(
        f"/project/{project.pk}/watch", {"next": f"/project/{project.pk}/"}, follow=True
    )

    watch = Watch.objects.get(user=ada, project=project)
    assert (watch.stable_only, watch.min_change, watch.hold_hours) == (True, "any", 0)
    assert answer.redirect_chain == [(f"/project/{project.pk}/", 302)]
    assert "You are watching geany: stable versions." in flashed(answer)[0]
    assert f'action="/project/{project.pk}/unwatch"' in text(answer)
    assert f'href="/watchlist/{watch.pk}/rules"' in text(answer)

    # Watching twice keeps the one watch and its rules.
    Watch.objects.filter(pk=watch.pk).update(hold_hours=5)
    twice = ada_client.post(f"/project/{project.pk}/watch", follow=True)
    assert Watch.objects.get(user=ada).hold_hours == 5
    assert "held 5 h" in flashed(twice)[0]

    gone = ada_client.post(f"/project/{project.pk}/unwatch", follow=True)
    assert not Watch.objects.exists()
    assert flashed(gone) == ["You no longer watch geany."]
    again = ada_client.post(f"/project/{project.pk}/unwatch", follow=True)
    assert flashed(again) == ["You were not watching geany."]


def test_watch_buttons_refuse_other_hosts_get_and_unknown_projects(ada_client):
    project = ProjectFactory()

    evil = ada_client.post(f"/project/{project.pk}/watch", {"next": "https://evil.example/x"})
    scheme_relative = ada_client.post(f"/project/{project.pk}/unwatch", {"next": "//evil.example"})
    by_get = ada_client.get(f"/project/{project.pk}/watch")
    missing = ada_client.post("/project/999999/watch")
    huge_next = ada_client.post(f"/project/{project.pk}/watch", {"next": "/" + HUGE})

    assert evil["Location"] == f"/project/{project.pk}/"
    assert scheme_relative["Location"] == f"/project/{project.pk}/"
    assert by_get.status_code == 405
    assert missing.status_code == 404
    assert huge_next.status_code == 302


def test_project_page_says_when_it_is_watched_through_a_distribution(ada, ada_client):
    fedora = DistroFactory(name="Fedora")
    project = ProjectFactory(name="geany")
    PackageFactory(project=project, distro=fedora)
    DistroWatchFactory(user=ada, distro=fedora)

    page = text(ada_client.get(f"/project/{project.pk}/"))

    assert 'id="watched-through"' in page
    assert "Fedora" in page
    assert f'action="/project/{project.pk}/watch"' in page  # a watch of its own stays possible


@pytest.mark.parametrize(
    "url",
    [
        "/projects/",
        "/projects/updates/updated",
        "/projects/search/?pattern=p*",
        "/distro/Fedora/",
        "/distro/Fedora/search/?pattern=p*",
    ],
)
def test_lists_and_search_results_have_a_watch_button_per_project(ada, ada_client, client, url):
    fedora = DistroFactory(name="Fedora")
    now = timezone.now()
    watched = ProjectFactory(name="pa", check_successful=True, last_check=now)
    other = ProjectFactory(name="pb", check_successful=True, last_check=now)
    for project in (watched, other):
        PackageFactory(project=project, distro=fedora)
    WatchFactory(user=ada, project=watched)

    page = text(ada_client.get(url))
    anonymous = text(client.get(url))

    assert f'action="/project/{watched.pk}/unwatch"' in page
    assert f'action="/project/{other.pk}/watch"' in page
    assert 'Unwatch<span class="visually-hidden"> pa</span>' in page
    assert 'Watch<span class="visually-hidden"> pb</span>' in page
    assert "/watch" not in anonymous.replace("/watchlist/", "")
    assert "Sign in to watch" in anonymous


def test_the_project_list_renders_watch_buttons_for_each_person(ada, ada_client, bob_client):
    project = ProjectFactory(name="geany")
    WatchFactory(user=ada, project=project)

    # The anonymous rows are cached; a signed-in person's rows are their own.
    assert "watch" not in text(Client().get("/projects/")).split("<tbody>")[1]
    assert f'action="/project/{project.pk}/unwatch"' in text(ada_client.get("/projects/"))
    assert f'action="/project/{project.pk}/watch"' in text(bob_client.get("/projects/"))


def test_watch_a_whole_distribution_from_its_page(ada, ada_client):
    fedora = DistroFactory(name="Fedora")
    PackageFactory(distro=fedora)
    page = text(ada_client.get("/distro/Fedora/"))
    assert 'action="/distro/Fedora/watch"' in page
    assert "Watch all projects in this distribution" in page

    answer = ada_client.post("/distro/Fedora/watch", {"next": "/distro/Fedora/"}, follow=True)

    watch = Watch.objects.get(user=ada, distro=fedora)
    assert "You are watching every project of Fedora" in flashed(answer)[0]
    assert f'action="/watchlist/{watch.pk}/unwatch"' in text(answer)
    assert "Stop watching this distribution" in text(answer)
    assert ada_client.post("/distro/Nowhere/watch").status_code == 404

    stopped = ada_client.post(f"/watchlist/{watch.pk}/unwatch", {"next": "/distro/Fedora/"})
    assert stopped["Location"] == "/distro/Fedora/"
    assert not Watch.objects.exists()


def test_another_persons_watch_cannot_be_removed_or_edited(ada, bob_client):
    watch = WatchFactory(user=ada)

    assert bob_client.post(f"/watchlist/{watch.pk}/unwatch").status_code == 404
    assert bob_client.get(f"/watchlist/{watch.pk}/rules").status_code == 404
    assert bob_client.post(f"/watchlist/{watch.pk}/rules", {"hold_hours": 1}).status_code == 404
    assert Watch.objects.filter(pk=watch.pk, hold_hours=0).exists()


# -- the watchlist ----------------------------------------------------------------------------


def _watchlist_rows(response) -> list[str]:
    return re.findall(r'<td class="name"><a href="/project/\d+/">([^<]*)</a>', text(response))


def test_watchlist_shows_direct_and_distro_watches_with_versions_release_and_health(
    ada, ada_client
):
    now = timezone.now()
    fedora = DistroFactory(name="Fedora")
    geany = ProjectFactory(
        name="geany", latest_version="2.1rc1", pre_release_filter="rc", check_successful=True
    )
    for raw, days in (("2.0", 10), ("2.1rc1", 1)):
        ProjectVersionFactory(project=geany, version=raw, created_on=now - dt.timedelta(days))
    broken = ProjectFactory(name="broken", check_successful=False, error_counter=3)
    PackageFactory(project=broken, distro=fedora)
    archived = ProjectFactory(name="old", archived=True)
    fresh = ProjectFactory(name="fresh")
    ProjectVersionFactory(
        project=fresh,
        version="1.0",
        created_on=now,
        published_at=now - dt.timedelta(days=30),  # the upstream's date wins
    )
    WatchFactory(user=ada, project=geany, min_change=ChangeLevel.MINOR, hold_hours=24)
    WatchFactory(user=ada, project=archived)
    WatchFactory(user=ada, project=fresh)
    DistroWatchFactory(user=ada, distro=fedora)
    WatchFactory(project=ProjectFactory(name="not-mine"))  # another person's

    response = ada_client.get("/watchlist/")
    page = text(response)

    assert response.status_code == 200
    assert _watchlist_rows(response) == ["broken", "fresh", "geany", "old"]
    geany_row = page.split(">geany</a>")[1].split("</tr>")[0]
    assert "Stable versions, minor releases and bigger, held 24 h" in geany_row
    assert "2.1rc1" in geany_row and "<td>2.0</td>" in geany_row  # latest, latest stable
    assert (now - dt.timedelta(days=1)).strftime("%Y-%m-%d") in geany_row
    assert ">OK<" in geany_row and "Edit rules" in geany_row
    broken_row = page.split(">broken</a>")[1].split("</tr>")[0]
    assert "through Fedora" in broken_row
    assert "Failing: 3 failed checks in a row" in broken_row
    assert "Edit rules" not in broken_row and "Unwatch" not in broken_row
    assert "Archived: no longer checked" in page.split(">old</a>")[1].split("</tr>")[0]
    fresh_row = page.split(">fresh</a>")[1].split("</tr>")[0]
    assert (now - dt.timedelta(days=30)).strftime("%Y-%m-%d") in fresh_row
    assert "Not checked yet" in fresh_row
    assert 'id="distro-watches"' in page and "Fedora" in page
    assert "not-mine" not in page


def test_watchlist_sorts_by_name_last_release_and_latest_and_filters_by_name(ada, ada_client):
    now = timezone.now()
    for name, latest, age in (("beta", "3.0", 5), ("Alpha", "1.0", 1), ("gamma", "2.0", None)):
        project = ProjectFactory(name=name, latest_version=latest)
        if age is not None:
            ProjectVersionFactory(
                project=project, version=latest, created_on=now - dt.timedelta(days=age)
            )
        WatchFactory(user=ada, project=project)

    def order(**query) -> list[str]:
        response = ada_client.get("/watchlist/", query)
        assert response.status_code == 200
        return _watchlist_rows(response)

    assert order() == ["Alpha", "beta", "gamma"]
    assert order(sort="name_desc") == ["gamma", "beta", "Alpha"]
    assert order(sort="last_release_desc") == ["Alpha", "beta", "gamma"]  # never released last
    assert order(sort="last_release") == ["Alpha", "beta", "gamma"]
    assert order(sort="last_release_asc") == ["gamma", "beta", "Alpha"]
    assert order(sort="latest_desc") == ["beta", "gamma", "Alpha"]
    assert order(sort="LATEST_ASC") == ["Alpha", "gamma", "beta"]
    assert order(sort="evil; drop table") == ["Alpha", "beta", "gamma"]
    assert order(sort=HUGE) == ["Alpha", "beta", "gamma"]
    assert order(name="ET") == ["beta"]
    assert order(name="a", sort="name_desc") == ["gamma", "beta", "Alpha"]
    assert order(name="%") == []
    assert order(name=HUGE) == []
    assert "No watched project" in text(ada_client.get("/watchlist/", {"name": "zzz"}))
    # A NUL in the query string is refused before any view: 400, never a 500.
    assert ada_client.get("/watchlist/?name=a%00b").status_code == 400
    assert ada_client.get("/watchlist/", {"page": "-3"}).status_code == 200


def test_watchlist_is_paginated_and_takes_the_same_queries_for_3_and_30_rows(
    ada, ada_client, django_assert_max_num_queries
):
    fedora = DistroFactory(name="Fedora")
    DistroWatchFactory(user=ada, distro=fedora)

    def add(count: int) -> None:
        for _ in range(count):
            project = ProjectFactory()
            ProjectVersionFactory.create_batch(3, project=project)
            if project.pk % 2:
                PackageFactory(project=project, distro=fedora)
            else:
                WatchFactory(user=ada, project=project)

    add(3)
    ada_client.get("/watchlist/")  # warm the session and content types
    with django_assert_max_num_queries(10) as few:
        assert ada_client.get("/watchlist/").status_code == 200
    add(27)
    with django_assert_max_num_queries(10) as many:
        assert ada_client.get("/watchlist/").status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)

    add(25)
    first, second = ada_client.get("/watchlist/"), ada_client.get("/watchlist/", {"page": 2})
    assert len(_watchlist_rows(first)) == 50 and len(_watchlist_rows(second)) == 5
    assert "55 projects" in text(first)
    assert 'rel="next"' in text(first)


def test_watchlist_selector_counts_a_project_once_through_two_distros_and_a_watch(ada):
    project = ProjectFactory()
    for name in ("Fedora", "Debian"):
        distro = DistroFactory(name=name)
        PackageFactory(project=project, distro=distro)
        PackageFactory(project=project, distro=distro, package_name="second-package")
        DistroWatchFactory(user=ada, distro=distro)
    WatchFactory(user=ada, project=project)

    (found,) = selectors.watchlist(ada)

    assert found == project
    assert [p.distro.name for p in found.watched_packages] == ["Debian"] * 2 + ["Fedora"] * 2


# -- a watch's rules --------------------------------------------------------------------------


def test_edit_a_watchs_rules(ada, ada_client):
    watch = WatchFactory(user=ada, project=ProjectFactory(name="geany"))
    form = ada_client.get(f"/watchlist/{watch.pk}/rules")
    assert form.status_code == 200
    assert 'name="hold_hours" value="0"' in text(form)
    assert 'id="id_stable_only" checked' in text(form)

    saved = ada_client.post(
        f"/watchlist/{watch.pk}/rules",
        {
            "min_change": "major",
            "include_pattern": r"^2\.",
            "exclude_pattern": "(?i)Nightly",
            "hold_hours": "48",
        },
        follow=True,
    )

    watch.refresh_from_db()
    assert saved.redirect_chain == [("/watchlist/", 302)]
    assert (watch.stable_only, watch.min_change, watch.hold_hours) == (False, "major", 48)
    assert (watch.include_pattern, watch.exclude_pattern) == (r"^2\.", "(?i)Nightly")
    assert flashed(saved) == [
        r"Rules for geany saved: every version, major releases only, matching ^2\., "
        "not matching (?i)Nightly, held 48 h."
    ]
    assert ada_client.put(f"/watchlist/{watch.pk}/rules").status_code == 405


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"include_pattern": "(unclosed"}, "include_pattern", ""),
        ({"exclude_pattern": "[z-a]"}, "exclude_pattern", ""),
        ({"include_pattern": HUGE}, "include_pattern", "too long"),
        ({"include_pattern": "a\x00b"}, "include_pattern", "Null characters"),
        ({"hold_hours": "721"}, "hold_hours", "At most 720 hours"),
        ({"hold_hours": "-1"}, "hold_hours", "At least 0 hours"),
        ({"hold_hours": "1e9"}, "hold_hours", "whole number"),
        ({"hold_hours": HUGE}, "hold_hours", "whole number"),
        ({"min_change": "huge"}, "min_change", "Select a valid choice"),
        ({"min_change": ""}, "min_change", "required"),
    ],
)
def test_bad_rules_are_refused_on_their_field(ada, ada_client, fields, field, message):
    watch = WatchFactory(user=ada)
    data = {"min_change": "any", "hold_hours": "0", **fields}

    response = ada_client.post(f"/watchlist/{watch.pk}/rules", data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert 'id="error-summary"' in text(response)
    watch.refresh_from_db()
    assert (watch.min_change, watch.hold_hours, watch.include_pattern) == ("any", 0, "")


def test_a_distro_watchs_rules_can_be_edited_too(ada, ada_client):
    watch = DistroWatchFactory(user=ada, distro=DistroFactory(name="Fedora"))
    page = ada_client.get(f"/watchlist/{watch.pk}/rules")
    assert "every project of Fedora" in text(page)
    ada_client.post(f"/watchlist/{watch.pk}/rules", {"min_change": "minor", "hold_hours": 0})
    watch.refresh_from_db()
    assert watch.min_change == "minor"


# -- channels ---------------------------------------------------------------------------------


def test_notification_settings_list_channels_and_offer_the_users_address(ada, ada_client):
    ChannelFactory(user=ada, name="work mail")
    failing = ChannelFactory(
        user=ada, webhook=True, name="ci", failing_since=timezone.now() - dt.timedelta(days=1)
    )
    ChannelFactory(user=ada, name="off", enabled=False, disabled_reason="Failing for 3 days.")
    ChannelFactory(name="someone else's")

    response = ada_client.get("/settings/notifications/")
    page = text(response)

    assert response.status_code == 200
    assert [c.name for c in response.context["channels"]] == ["ci", "off", "work mail"]
    assert "someone else" not in page
    assert 'value="ada@example.org"' in page
    assert "Off</span>: Failing for 3 days." in page
    assert "Failing since" in page.split(f'id="channel-{failing.pk}"')[1].split("</li>")[0]
    assert failing.secret not in page  # never shown again
    assert "Rotate secret" in page
    assert 'href="/settings/notifications/"' in text(ada_client.get("/"))  # in the header


def test_add_an_email_channel(ada, ada_client):
    answer = ada_client.post(
        "/settings/notifications/email",
        {
            "email-name": "digest",
            "email-target": "ada@example.org",
            "email-schedule": "daily",
            "email-digest_hour": "7",
            "email-time_zone": "Europe/Paris",
        },
        follow=True,
    )

    channel = Channel.objects.get(user=ada)
    assert (channel.kind, channel.schedule, channel.digest_hour) == ("email", "daily", 7)
    assert channel.time_zone == "Europe/Paris"
    assert flashed(answer) == ["E-mail channel digest added."]
    assert "Daily digest, at 07:00 Europe/Paris" in text(answer)


def _email(**fields) -> dict[str, str]:
    data = {"name": "mail", "target": "ada@example.org", "schedule": "immediate"}
    data |= {"digest_hour": "8", "time_zone": "UTC"} | fields
    return {f"email-{key}": value for key, value in data.items()}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"target": "not an address"}, "target", "valid e-mail address"),
        ({"target": HUGE}, "target", "too long"),
        ({"target": "a\x00@example.org"}, "target", "Null characters"),
        ({"name": ""}, "name", "Give the channel a name"),
        ({"name": "   "}, "name", "Give the channel a name"),
        ({"name": HUGE}, "name", "too long"),
        ({"name": "x\x00"}, "name", "Null characters"),
        ({"schedule": "hourly"}, "schedule", "Select a valid choice"),
        ({"digest_hour": "24"}, "digest_hour", "from 0 to 23"),
        ({"digest_hour": "seven"}, "digest_hour", "from 0 to 23"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone", "Unknown time zone"),
        ({"time_zone": HUGE}, "time_zone", "too long"),
    ],
)
def test_bad_email_channels_are_refused_on_their_field(ada, ada_client, fields, field, message):
    response = ada_client.post("/settings/notifications/email", _email(**fields))

    assert response.status_code == 400
    errors = response.context["email_form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert 'id="error-summary"' in text(response)
    assert not Channel.objects.exists()


def test_a_channel_name_is_taken_once_per_person(ada, ada_client, bob_client):
    ChannelFactory(user=ada, name="mail")
    assert bob_client.post("/settings/notifications/email", _email()).status_code == 302

    response = ada_client.post("/settings/notifications/email", _email())

    assert response.status_code == 400
    (error,) = response.context["email_form"].errors["name"]
    assert "already have a channel called 'mail'" in error


def test_a_webhook_secret_is_shown_once_and_rotating_shows_the_new_one_once(ada, ada_client):
    added = ada_client.post(
        "/settings/notifications/webhook",
        {"webhook-name": "ci", "webhook-target": "https://hooks.example.org/releases"},
    )
    channel = Channel.objects.get(user=ada)
    assert added.status_code == 302 and added["Location"] == "/settings/notifications/"
    assert channel.secret.startswith("whsec_")

    shown = text(ada_client.get("/settings/notifications/"))
    again = text(ada_client.get("/settings/notifications/"))

    assert f'<code id="new-secret-value">{channel.secret}</code>' in shown
    assert channel.secret not in again and "new-secret" not in again

    rotated = ada_client.post(f"/settings/notifications/{channel.pk}/rotate", follow=True)
    old_secret = channel.secret
    channel.refresh_from_db()
    assert channel.secret != old_secret
    assert channel.secret in text(rotated)
    assert "the old one no longer signs" in flashed(rotated)[0]
    assert channel.secret not in text(ada_client.get("/settings/notifications/"))


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("http://127.0.0.1:8080/hook", "not reachable from the internet"),
        ("http://[::1]/hook", "not reachable from the internet"),
        ("http://10.0.0.5/hook", "not reachable from the internet"),
        ("javascript:alert(1)", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("https://user:pw@hooks.example.org/", "no user name or password"),
        ("https://hooks.example.org/a b", "http(s) URL"),
        ("", "Enter the webhook's URL"),
        ("https://example.org/" + HUGE, "too long"),
        ("https://example.org/\x00", "Null characters"),
    ],
)
def test_bad_webhook_urls_are_refused(ada_client, target, message):
    response = ada_client.post(
        "/settings/notifications/webhook", {"webhook-name": "ci", "webhook-target": target}
    )

    assert response.status_code == 400
    assert message in " ".join(response.context["webhook_form"].errors["target"])
    assert not Channel.objects.exists()


def test_a_chat_is_added_and_listed_with_its_tokens_masked(ada, ada_client):
    target = "tgram://123456789:AAHbcdefghijklmnopqrstuvwxyz0123456/-1001234567"

    answer = ada_client.post(
        "/settings/notifications/chat", {"chat-name": "team", "chat-target": target}, follow=True
    )

    channel = Channel.objects.get(user=ada)
    assert channel.kind == Channel.Kind.CHAT and channel.target == target
    (message,) = flashed(answer)
    assert "Chat channel team added" in message
    page = answer.content.decode()
    assert channel.shown_target in page and "tgram://" in page
    assert "AAHbcdefghijklmnopqrstuvwxyz0123456" not in page


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("mailto://me:pw@example.org", "mailto:// is not a chat service"),
        ("json://10.0.0.5/hook", "not reachable from the internet"),
        ("slack://", "not an Apprise URL"),
        ("", "Enter the Apprise URL"),
        ("slack://a/b/c/" + HUGE, "too long"),
    ],
)
def test_bad_chat_urls_are_refused(ada_client, target, message):
    response = ada_client.post(
        "/settings/notifications/chat", {"chat-name": "team", "chat-target": target}
    )

    assert response.status_code == 400
    assert message in " ".join(response.context["chat_form"].errors["target"])
    assert not Channel.objects.exists()


def test_rotating_an_email_channel_says_it_has_no_secret(ada, ada_client):
    channel = ChannelFactory(user=ada, name="mail")

    answer = ada_client.post(f"/settings/notifications/{channel.pk}/rotate", follow=True)

    (message,) = flashed(answer)
    assert message.startswith("Secret of mail not rotated: ")
    assert message.endswith("Only webhooks have a signing secret.")
    channel.refresh_from_db()
    assert channel.secret == ""


def test_switch_a_channel_off_and_on(ada, ada_client):
    channel = ChannelFactory(user=ada, name="mail", failing_since=timezone.now())

    off = ada_client.post(f"/settings/notifications/{channel.pk}/disable", follow=True)
    channel.refresh_from_db()
    assert (channel.enabled, channel.disabled_reason) == (False, notifications.SWITCHED_OFF)
    assert flashed(off) == ["mail switched off."]
    assert "Off</span>: Switched off by you." in text(off)
    assert "Switch on" in text(off)

    twice = ada_client.post(f"/settings/notifications/{channel.pk}/disable", follow=True)
    assert flashed(twice) == ["mail was already off."]

    ada_client.post(f"/settings/notifications/{channel.pk}/enable")
    channel.refresh_from_db()
    assert (channel.enabled, channel.disabled_reason, channel.failing_since) == (True, "", None)


def test_deleting_a_channel_asks_first(ada, ada_client):
    channel = ChannelFactory(user=ada, name="mail")
    url = f"/settings/notifications/{channel.pk}/delete"

    asked = ada_client.get(url)
    unconfirmed = ada_client.post(url)
    assert asked.status_code == unconfirmed.status_code == 200
    assert "Delete channel" in text(asked)
    assert 'href="/settings/notifications/">Cancel' in text(asked)
    assert Channel.objects.exists()

    deleted = ada_client.post(url, {"confirm": "1"}, follow=True)
    assert not Channel.objects.exists()
    assert flashed(deleted) == ["Channel mail deleted."]


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("post", "test"),
        ("post", "rotate"),
        ("post", "enable"),
        ("post", "disable"),
        ("get", "delete"),
        ("post", "delete"),
    ],
)
def test_another_persons_channel_is_not_found(ada, bob_client, method, action):
    channel = ChannelFactory(user=ada, webhook=True, enabled=False)
    secret = channel.secret

    answer = getattr(bob_client, method)(
        f"/settings/notifications/{channel.pk}/{action}", {"confirm": "1"}
    )

    assert answer.status_code == 404
    channel.refresh_from_db()
    assert (channel.secret, channel.enabled) == (secret, False)


def test_channel_actions_take_post_only(ada, ada_client):
    channel = ChannelFactory(user=ada)
    for action in ("test", "rotate", "enable", "disable"):
        assert ada_client.get(f"/settings/notifications/{channel.pk}/{action}").status_code == 405
    assert ada_client.get("/settings/notifications/email").status_code == 405
    assert ada_client.post("/settings/notifications/").status_code == 405
    assert ada_client.post("/settings/notifications/999999/test").status_code == 404


# -- send test, the delivery log, redeliver ---------------------------------------------------


def test_send_test_mails_now_and_logs_it(ada, ada_client, mailoutbox):
    WatchFactory(user=ada, project=ProjectFactory(name="geany"))
    channel = ChannelFactory(user=ada, name="mail")

    answer = ada_client.post(f"/settings/notifications/{channel.pk}/test", follow=True)

    assert [message.to for message in mailoutbox] == [["ada@example.org"]]
    assert flashed(answer)[0].startswith("Test sent to mail")
    test = Delivery.objects.get(channel=channel)
    row = text(answer).split(f'id="delivery-{test.pk}"')[1].split("</tr>")[0]
    assert "<td>Test</td>" in row and "Sent" in row and "Redeliver" in row


def test_a_test_without_a_watched_project_is_sent_and_logged(ada, ada_client, mailoutbox):
    channel = ChannelFactory(user=ada, name="mail")

    answer = ada_client.post(f"/settings/notifications/{channel.pk}/test", follow=True)

    assert len(mailoutbox) == 1
    assert flashed(answer)[0].startswith("Test sent to mail")
    assert Delivery.objects.get().is_test


def test_a_failed_test_says_why(ada, ada_client):
    channel = ChannelFactory(user=ada, name="hook", webhook=True)
    failed = Delivery(
        channel=channel,
        state=Delivery.State.FAILED,
        status_code=500,
        error="HTTP 500 from the receiver",
    )

    with mock.patch.object(notifications.deliveries, "send_test", return_value=failed) as sent:
        answer = ada_client.post(f"/settings/notifications/{channel.pk}/test", follow=True)

    sent.assert_called_once_with(channel)
    assert flashed(answer) == ["Test to hook failed: HTTP 500 from the receiver"]


def test_the_delivery_log_shows_the_last_50_of_ones_own_deliveries(
    ada, ada_client, django_assert_max_num_queries
):
    watch = WatchFactory(user=ada, project=ProjectFactory(name="geany"))
    channel = ChannelFactory(user=ada, webhook=True, name="ci")
    DeliveryFactory(watch=watch, channel=channel)  # the oldest: past the 50 shown
    for _ in range(49):
        DeliveryFactory(watch=watch, channel=channel)
    failed = DeliveryFactory(
        watch=watch,
        channel=channel,
        state=Delivery.State.FAILED,
        status_code=502,
        latency_ms=1234,
        attempts=7,
        error="HTTP 502: <b>bad gateway</b>",
    )
    DeliveryFactory(payload={"project": {"name": "not mine"}, "versions": ["v-someone-elses"]})

    with django_assert_max_num_queries(12):
        response = ada_client.get("/settings/notifications/")
    page = text(response)

    log = response.context["log"]
    assert len(log) == 50 and log[0].delivery == failed
    assert all(row.delivery.channel == channel for row in log)
    row = page.split(f'id="delivery-{failed.pk}"')[1].split("</tr>")[0]
    assert "Failed (gave up)" in row and "(7 attempts)" in row
    assert "<td>502</td>" in row and "1234 ms" in row
    assert "&lt;b&gt;bad gateway&lt;/b&gt;" in row  # escaped
    assert "Redeliver" in row
    pending_row = page.split(f'id="delivery-{log[1].delivery.pk}"')[1].split("</tr>")[0]
    assert "Pending" in pending_row and "Redeliver" not in pending_row
    assert "<td>1.0.0</td>" in pending_row
    assert "v-someone-elses" not in page  # (a bare "9.9" once matched a timestamp)


def test_redeliver_a_failed_delivery(ada, ada_client):
    watch = WatchFactory(user=ada)
    delivery = DeliveryFactory(
        watch=watch,
        state=Delivery.State.FAILED,
        due_at=timezone.now() - dt.timedelta(days=2),
    )

    answer = ada_client.post(
        f"/settings/notifications/deliveries/{delivery.pk}/redeliver", follow=True
    )

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING
    assert delivery.due_at > timezone.now() - dt.timedelta(minutes=1)
    assert flashed(answer) == [
        f"Delivery #{delivery.pk} to {delivery.channel.name} will be sent again."
    ]


def test_redeliver_refuses_pending_deliveries_and_other_peoples(ada, ada_client, bob_client):
    pending = DeliveryFactory(watch=WatchFactory(user=ada))
    url = f"/settings/notifications/deliveries/{pending.pk}/redeliver"

    refused = ada_client.post(url, follow=True)
    not_found = bob_client.post(url)

    assert "only sent or failed deliveries can be sent again" in flashed(refused)[0]
    assert not_found.status_code == 404
    assert ada_client.get(url).status_code == 405
    assert ada_client.post("/settings/notifications/deliveries/999999/redeliver").status_code == (
        404
    )


@pytest.mark.parametrize(
    ("payload", "summary"),
    [
        ({"versions": ["1.1", "1.2"], "previous": "1.0"}, "1.1, 1.2 (was 1.0)"),
        ({"type": "ping", "test": True}, "Test"),
        ({"versions": "1.0"}, ""),
        (["not", "a", "dict"], ""),
        (None, ""),
    ],
)
def test_payload_summary_reads_frozen_payloads_defensively(payload, summary):
    assert notifications.payload_summary(payload) == summary


@pytest.mark.parametrize("target", ["projects:list", "a\x00b", "//evil.example/x", "/\x00x"])
def test_a_next_that_is_not_a_path_of_this_site_goes_back_to_the_project(ada_client, target):
    project = ProjectFactory()
    answer = ada_client.post(f"/project/{project.pk}/watch", {"next": target})
    assert answer.status_code == 302
    assert answer["Location"] == f"/project/{project.pk}/"
