"""The administrator's first visit to /admin/ on a phone: password, then setting up the
authenticator app from the QR code's key, recovery codes, and in. Every page fits the screen,
loads nothing from elsewhere, and the QR code is drawn in the page."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_administrator_sets_up_the_second_factor_on_first_visit(live_server, phone, artifacts):
    build_world()
    page = phone
    page.goto(live_server.url + "/admin/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/two-factor/setup/.*"))
    assert page.get_attribute("html", "lang") == "zh-hans"
    qr = page.locator(".twofactor-qr svg")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 150
    assert page.evaluate(NO_OVERFLOW), "the set-up page scrolls sideways"
    page.screenshot(path=artifacts / "two-factor-setup-375.png", full_page=True)

    device = TOTPDevice.objects.get(user__username="admin")
    assert page.locator("#manual-key").inner_text().replace(" ", "") in device.config_url
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page.fill("input[name=code]", f"{totp.token():06d}")
    page.click("form:has(input[name=code]) button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/two-factor/recovery-codes/.*"))
    assert page.locator("#recovery-codes li").count() == 10
    assert page.evaluate(NO_OVERFLOW), "the recovery codes page scrolls sideways"
    page.screenshot(path=artifacts / "two-factor-recovery-codes-375.png", full_page=True)

    page.click("a.btn-primary")
    page.wait_for_url(live_server.url + reverse("admin:index"))
    assert page.locator("#site-name").is_visible()
    assert not page.problems, page.problems
