"""The administrators' second factor: staff entering /admin/ pass a TOTP code; one without an
authenticator app sets it up on first use and gets recovery codes; nobody else is affected."""

from __future__ import annotations

import re
import time

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from govcenter.models import User
from tests.conftest import pass_second_factor
from tests.factories import PASSWORD, make_user

ADMIN_INDEX = "/admin/"
VERIFY, SETUP, CODES = "/accounts/two-factor/", "/accounts/two-factor/setup/", "/accounts/two-factor/recovery-codes/"


def code_of(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the user's phone shows now (or a step later: a code is accepted once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_of(device, n) for n in (-1, 0, 1)}
    return next(c for c in ("123456", "654321", "111111", "222222") if c not in right)


def enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    """Log in and go through the set-up; returns the device and the recovery codes shown."""
    client.force_login(user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(SETUP, {"code": code_of(device), "next": ADMIN_INDEX}, follow=True)
    codes = re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", response.text)
    device.refresh_from_db()
    return device, codes


def test_anonymous_goes_to_the_login(client, world):
    assert client.get(ADMIN_INDEX)["Location"].startswith(reverse("admin:login"))
    for url in (VERIFY, SETUP, CODES):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_staff_without_a_device_is_sent_to_set_one_up(client, world):
    client.force_login(world.admin)
    response = client.get(ADMIN_INDEX, follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)
    assert response.templates[0].name == "twofactor/setup.html"
    page = response.text
    assert "<svg" in page and "<img" not in page.split("<main")[1]  # the QR code is drawn inline
    key = re.search(r'id="manual-key">([A-Z2-7 ]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=world.admin, confirmed=False)
    assert key.replace(" ", "") in device.config_url  # the same secret as the QR code
    assert client.get(SETUP).context["key"] == key  # reloading keeps the code already scanned


def test_a_wrong_code_is_refused_at_set_up(client, world):
    client.force_login(world.admin)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=world.admin)
    response = client.post(SETUP, {"code": wrong_code(device)})
    assert response.status_code == 200 and "This code is not valid" in response.text
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert client.get(ADMIN_INDEX).status_code == 302


def test_the_right_code_confirms_the_app_opens_admin_and_shows_recovery_codes_once(client, world):
    device, codes = enrol(client, world.admin)
    assert device.confirmed and len(codes) == 10 and len(set(codes)) == 10
    assert client.get(ADMIN_INDEX).status_code == 200
    again = client.get(CODES)
    assert again.status_code == 200 and not re.findall(r"<li>[a-z2-7]{4}-[a-z2-7]{4}</li>", again.text)
    assert "You have 10 unused recovery codes." in again.text


def test_next_time_the_code_from_the_app_is_asked(client, world):
    device, _codes = enrol(client, world.admin)
    other = Client()
    other.force_login(world.admin)
    response = other.get(ADMIN_INDEX, follow=True)
    assert response.redirect_chain[-1][0].startswith(VERIFY)
    assert other.post(VERIFY, {"code": wrong_code(device)}).status_code == 200
    assert other.get(ADMIN_INDEX).status_code == 302
    device.throttle_reset()  # django-otp makes the next try wait after a failure
    before = other.session.session_key
    response = other.post(VERIFY, {"code": code_of(device, 1), "next": ADMIN_INDEX})
    assert response.status_code == 302 and response["Location"] == ADMIN_INDEX
    assert other.session.session_key != before  # a new session key for the wider rights
    assert other.get(ADMIN_INDEX).status_code == 200


def test_a_code_is_accepted_only_once(client, world):
    device, _codes = enrol(client, world.admin)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = device.t0 + device.last_t * device.step
    used = f"{totp.token():06d}"  # the code the set-up just used
    other = Client()
    other.force_login(world.admin)
    assert "This code is not valid" in other.post(VERIFY, {"code": used}).text


def test_wrong_codes_make_the_next_try_wait(client, world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device, _codes = enrol(client, world.admin)
    other = Client()
    other.force_login(world.admin)
    other.post(VERIFY, {"code": wrong_code(device)})
    response = other.post(VERIFY, {"code": code_of(device, 1)})
    assert "Too many wrong codes" in response.text
    assert other.get(ADMIN_INDEX).status_code == 302


def test_a_recovery_code_works_once(client, world):
    _device, codes = enrol(client, world.admin)
    first = Client()
    first.force_login(world.admin)
    response = first.post(VERIFY, {"code": codes[0].upper().replace("-", " "), "next": ADMIN_INDEX}, follow=True)
    assert response.status_code == 200 and "9 left" in response.text
    assert first.get(ADMIN_INDEX).status_code == 200
    second = Client()
    second.force_login(world.admin)
    response = second.post(VERIFY, {"code": codes[0]})
    assert "This recovery code is not valid or was already used." in response.text
    assert second.get(ADMIN_INDEX).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, world):
    _device, codes = enrol(client, world.admin)
    response = client.post(CODES, {"next": ADMIN_INDEX}, follow=True)
    new = re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", response.text)
    assert len(new) == 10 and not set(new) & set(codes)
    assert set(StaticToken.objects.values_list("token", flat=True)) == {c.replace("-", "") for c in new}


def test_who_came_in_with_a_recovery_code_stays_in_after_making_new_ones(client, world):
    _device, codes = enrol(client, world.admin)
    other = Client()
    other.force_login(world.admin)
    other.post(VERIFY, {"code": codes[0]})
    response = other.post(CODES, {"next": ADMIN_INDEX}, follow=True)
    assert len(re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", response.text)) == 10
    assert other.get(ADMIN_INDEX).status_code == 200


def test_recovery_codes_page_needs_the_second_factor_first(client, world):
    client.force_login(world.admin)
    response = client.post(CODES)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert not StaticToken.objects.exists()


def test_password_at_the_admin_login_leads_to_the_code(client, world):
    response = client.post(
        reverse("admin:login"), {"username": "admin", "password": PASSWORD, "next": ADMIN_INDEX}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(SETUP)
    assert "_auth_user_id" in client.session


def test_portal_users_are_not_affected(client, world):
    response = client.post(reverse("login"), {"username": "village1", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    for url in (VERIFY, SETUP, CODES):
        assert client.get(url).status_code == 404, url
    assert not TOTPDevice.objects.exists()


def test_an_administrator_uses_the_portal_pages_without_a_code(client, world):
    client.force_login(world.admin)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("disputes:list")).status_code == 200


def test_next_never_leaves_the_portal(client, world):
    device, _codes = enrol(client, world.admin)
    other = Client()
    other.force_login(world.admin)
    response = other.post(VERIFY, {"code": code_of(device, 1), "next": "https://evil.example/"})
    assert response["Location"] == ADMIN_INDEX


def test_the_second_factor_can_be_switched_off_for_development(client, world, settings):
    settings.ADMIN_TWO_FACTOR = False
    client.force_login(world.admin)
    assert client.get(ADMIN_INDEX).status_code == 200
    assert client.get(VERIFY).status_code == 404


def test_admin_hides_the_secrets_of_devices(login, world):
    client = login(world.admin)
    device = TOTPDevice.objects.get(user=world.admin)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).text
    assert device.key not in page
    assert client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk])).status_code == 403


def test_another_administrator_can_remove_a_lost_app_so_it_is_set_up_again(client, world):
    device, _codes = enrol(client, world.admin)
    second = make_user("admin2", User.Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    other = Client()
    other.force_login(second)
    pass_second_factor(other, second)
    response = other.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 302 and not TOTPDevice.objects.filter(pk=device.pk).exists()
    fresh = Client()
    fresh.force_login(world.admin)
    assert fresh.get(ADMIN_INDEX, follow=True).redirect_chain[-1][0].startswith(SETUP)
