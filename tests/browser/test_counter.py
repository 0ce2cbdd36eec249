"""The live character count under a limited text area (static/js/counter.js) on a phone:
it shows "n of max", follows typing, turns red near the limit, is repeated in a polite
live region for screen readers, follows a draft the page restores, and needs no inline
script."""

from __future__ import annotations

import os
import re

import pytest
from django.urls import reverse

from govcenter import limits
from tests.factories import PASSWORD, build_world

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_the_matter_of_a_log_counts_its_characters_on_a_phone(live_server, phone, artifacts):
    w = build_world()
    page = phone
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "grid1")
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))

    page.goto(live_server.url + reverse("sentiment:file"))
    area = page.locator("textarea[name=matter]")
    shown = page.locator("textarea[name=matter] + .char-counter")
    live = page.locator("#id_matter-counter")
    assert area.get_attribute("maxlength") == str(limits.NARRATIVE)
    assert re.fullmatch(rf"\D*0\D+{limits.NARRATIVE}\D*", shown.inner_text())
    assert live.get_attribute("aria-live") == "polite"
    assert "id_matter-counter" in area.get_attribute("aria-describedby")
    assert shown.get_attribute("aria-hidden") == "true"

    area.fill("咨询医保缴费")
    assert re.fullmatch(rf"\D*6\D+{limits.NARRATIVE}\D*", shown.inner_text())
    page.wait_for_function("() => document.getElementById('id_matter-counter').textContent.includes('6')")
    assert "text-danger" not in shown.get_attribute("class")

    area.fill("字" * (limits.NARRATIVE + 10))  # a long paste is cut by the browser at maxlength
    assert area.input_value() == "字" * limits.NARRATIVE
    assert re.fullmatch(rf"\D*{limits.NARRATIVE}\D+{limits.NARRATIVE}\D*", shown.inner_text())
    assert "text-danger" in shown.get_attribute("class")
    assert page.evaluate(NO_OVERFLOW), "the count makes the form scroll sideways"

    # The browser keeps a draft; reopened, the count follows the restored text.
    area.fill("路灯坏了")
    key = f"sentiment-log-draft:{w.grid1_user.pk}"
    page.wait_for_function(f"() => (window.localStorage.getItem('{key}') || '').includes('路灯坏了')")
    page.reload()
    assert page.locator("textarea[name=matter]").input_value() == "路灯坏了"
    assert re.fullmatch(rf"\D*4\D+{limits.NARRATIVE}\D*", shown.inner_text())
    page.screenshot(path=artifacts / "counter-375.png", full_page=True)
    assert page.problems == []
