"""The services writing watches and channels: what they accept, what they refuse and why."""

from __future__ import annotations

import pytest

from projects.notify import services
from projects.notify.models import ChangeLevel, Channel
from projects.services import InvalidInput
from tests.factories import DistroFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def refusal(call, *args, **kwargs) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        call(*args, **kwargs)
    return raised.value.errors


def test_watching_twice_keeps_one_watch_and_its_rules():
    user, project = UserFactory(), ProjectFactory()
    first = services.watch_project(user, project, services.WatchRules(min_change="minor"))
    again = services.watch_project(user, project)
    assert again.pk == first.pk
    assert again.min_change == ChangeLevel.MINOR


def test_a_distro_watch_is_apart_from_project_watches():
    user, distro = UserFactory(), DistroFactory()
    watch = services.watch_distro(user, distro)
    assert watch.distro == distro and watch.project is None
    assert watch.stable_only is True and watch.hold_hours == 0


def test_rules_are_checked_field_by_field():
    errors = refusal(
        services.clean_rules,
        services.WatchRules(
            min_change="huge",
            include_pattern="(a+)+$" * 200,
            exclude_pattern="(",
            hold_hours=10_000,
        ),
    )
    assert set(errors) == {"min_change", "include_pattern", "exclude_pattern", "hold_hours"}


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://[x]/",
        "http://example.org:99999999/",
        "ftp://example.org/",
        "http://user:secret@example.org/",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
        "https://example.org/\x00",
        "https://example.org/" + "a" * 3000,
        "",
    ],
)
def test_webhook_targets_that_can_never_be_delivered_are_refused(url):
    errors = refusal(services.channel_create, UserFactory(), kind="webhook", name="w", target=url)
    assert set(errors) == {"target"}


def test_a_network_the_operator_allows_may_be_a_target(settings):
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    made = services.channel_create(
        UserFactory(), kind="webhook", name="local", target="http://127.0.0.1:8080/hook"
    )
    assert made.channel.target == "http://127.0.0.1:8080/hook"


def test_a_webhook_secret_is_given_once_and_rotation_replaces_it():
    made = services.channel_create(
        UserFactory(), kind="webhook", name="ci", target="https://example.org/hook"
    )
    assert made.secret.startswith("whsec_") and made.channel.secret == made.secret
    rotated = services.channel_rotate_secret(made.channel)
    assert rotated != made.secret and rotated.startswith("whsec_")


def test_time_zones_and_names_are_checked():
    user = UserFactory()
    for zone in ("a/" * 2000, "", "Nope/Zone"):
        errors = refusal(
            services.channel_create,
            user,
            kind="email",
            name="mail",
            target="ada@example.org",
            time_zone=zone,
        )
        assert set(errors) == {"time_zone"}
    services.channel_create(user, kind="email", name="mail", target="ada@example.org")
    errors = refusal(
        services.channel_create, user, kind="email", name="mail", target="ada@example.org"
    )
    assert "already" in errors["name"]


def test_only_email_channels_send_digests():
    errors = refusal(
        services.channel_create,
        UserFactory(),
        kind="webhook",
        name="w",
        target="https://example.org/hook",
        schedule=Channel.Schedule.DAILY,
    )
    assert set(errors) == {"schedule"}


def test_switching_a_channel_back_on_forgets_its_failures():
    made = services.channel_create(
        UserFactory(), kind="webhook", name="ci", target="https://example.org/hook"
    )
    assert services.channel_set_enabled(made.channel, False, reason="failing for 3 days")
    assert made.channel.disabled_reason == "failing for 3 days"
    assert services.channel_set_enabled(made.channel, True)
    assert made.channel.disabled_reason == "" and made.channel.failing_since is None
    assert not services.channel_set_enabled(made.channel, True)
