"""Login throttling (django-axes): a few wrong passwords lock one username at one address for
a cool-off, at the portal's login and at the admin's; the administrator sees and lifts locks."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.admin.models import DELETION, LogEntry
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from tests.factories import PASSWORD

PORTAL, ADMIN = "/accounts/login/", "/admin/login/"
HOME = "10.1.1.1"


def attempt(client, url, username, password="wrong-password", ip=HOME):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, url, username, times, ip=HOME):
    return [attempt(client, url, username, ip=ip) for _ in range(times)]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def let_cool_off_pass():
    """Move every failure back by the cool-off (and a second), as if that time had passed."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - datetime.timedelta(1))


@pytest.fixture
def who(request, world):
    """(login url, user): a clerk at the portal, the administrator at the admin's login."""
    return {PORTAL: (PORTAL, world.village1_user), ADMIN: (ADMIN, world.admin)}[request.param]


def test_defaults_are_five_failures_and_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


@pytest.mark.parametrize("who", [PORTAL, ADMIN], indirect=True)
def test_five_wrong_passwords_lock_the_login_and_the_right_one_is_refused(client, who):
    url, user = who
    responses = fail(client, url, user.username, 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert "Login locked" in responses[-1].text and "locked for 15 minutes" in responses[-1].text
    response = attempt(client, url, user.username, PASSWORD)
    assert response.status_code == 429 and "Login locked" in response.text
    assert not logged_in(client)
    assert AccessFailureLog.objects.filter(username=user.username).count() == 5


@pytest.mark.parametrize("who", [PORTAL, ADMIN], indirect=True)
def test_the_lock_ends_after_the_cool_off(client, who):
    url, user = who
    fail(client, url, user.username, 5)
    let_cool_off_pass()
    response = attempt(client, url, user.username, PASSWORD)
    assert response.status_code == 302 and logged_in(client)
    assert not AccessAttempt.objects.exists()  # the success also cleared the counter


def test_attempts_during_the_lock_do_not_make_it_longer(client, world):
    fail(client, PORTAL, "village1", 5)
    first = AccessAttempt.objects.get().attempt_time
    fail(client, PORTAL, "village1", 3)
    assert AccessAttempt.objects.get().attempt_time == first
    assert AccessAttempt.objects.get().failures_since_start == 5


def test_another_address_and_another_user_are_not_locked(client, world):
    fail(client, PORTAL, "village1", 5)
    assert attempt(client, PORTAL, "village1", PASSWORD, ip="10.2.2.2").status_code == 302
    client.logout()
    assert attempt(client, PORTAL, "village2", PASSWORD).status_code == 302  # same office, other clerk


def test_a_successful_login_resets_the_count(client, world):
    fail(client, PORTAL, "village1", 4)
    assert attempt(client, PORTAL, "village1", PASSWORD).status_code == 302
    client.logout()
    responses = fail(client, PORTAL, "village1", 4)
    assert {r.status_code for r in responses} == {200}
    assert attempt(client, PORTAL, "village1", PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_locked_at_the_address_limit(client, world, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    fail(client, PORTAL, "village1", 3)
    fail(client, PORTAL, "village2", 3)
    assert fail(client, PORTAL, "grid1", 2)[-1].status_code == 429  # 8 from this address
    assert attempt(client, PORTAL, "district1", PASSWORD).status_code == 429
    assert attempt(client, PORTAL, "district1", PASSWORD, ip="10.2.2.2").status_code == 302


def test_the_address_behind_a_trusted_proxy_is_the_one_locked(client, world, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for _ in range(5):
        client.post(
            PORTAL,
            {"username": "village1", "password": "x"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"
    other = client.post(
        PORTAL,
        {"username": "village1", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert other.status_code == 302  # another client behind the same proxy


def test_a_forged_forwarded_header_does_not_dodge_the_lock(client, world, settings):
    settings.TRUSTED_PROXIES = []
    for n in range(5):
        client.post(
            PORTAL, {"username": "village1", "password": "x"}, REMOTE_ADDR=HOME, HTTP_X_FORWARDED_FOR=f"1.1.1.{n}"
        )
    assert AccessAttempt.objects.get().ip_address == HOME
    assert attempt(client, PORTAL, "village1", PASSWORD).status_code == 429


@pytest.mark.zh
def test_the_lock_page_speaks_chinese_by_default(client, world):
    response = fail(client, PORTAL, "village1", 5)[-1]
    assert response.status_code == 429 and '<html lang="zh-hans">' in response.text
    with translation.override("zh-hans"):
        message = ngettext(
            "Too many failed log-ins: logging in to this account from this device is locked for %(minutes)s minute, until %(until)s.",
            "Too many failed log-ins: logging in to this account from this device is locked for %(minutes)s minutes, until %(until)s.",
            15,
        )
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), "lock message not translated yet"
    assert message.split("%(")[0] in response.text


def test_the_admin_shows_the_lock_and_unlocks_it(client, login, world):
    fail(client, PORTAL, "village1", 5, ip="10.3.3.3")
    attempt(client, PORTAL, "village1", ip="10.3.3.3")  # a second browser would add a row: same lock
    AccessAttempt.objects.create(
        username="village1", ip_address="10.3.3.3", user_agent="other browser", failures_since_start=1
    )
    admin = login(world.admin)
    page = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200
    assert "village1" in page.text and "10.3.3.3" in page.text and "Locked until" in page.text
    selected = AccessAttempt.objects.filter(user_agent="other browser").values_list("pk", flat=True)
    response = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "unlock", "_selected_action": list(selected)},
        follow=True,
    )
    assert "Unlocked 1 login." in response.text
    assert not AccessAttempt.objects.exists()
    assert LogEntry.objects.filter(user=world.admin, action_flag=DELETION).count() == 2  # who unlocked, kept
    admin.logout()
    assert attempt(client, PORTAL, "village1", PASSWORD, ip="10.3.3.3").status_code == 302


def test_the_failure_log_lists_every_failure_for_the_administrator(client, login, world):
    fail(client, ADMIN, "admin", 2)
    page = login(world.admin).get(reverse("admin:axes_accessfailurelog_changelist"))
    assert page.status_code == 200 and page.text.count("/admin/login/") >= 2


def test_a_clerk_cannot_open_the_lock_list(login, world):
    response = login(world.village1_user).get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
