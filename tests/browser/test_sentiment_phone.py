"""A grid worker on a 375-px phone files sentiment logs (issue 5, seed 004 section 4.2):
the common case, a visit answered on the spot, by tapping buttons and typing only the
matter; then one about a resident found by pinyin initials, whose half-filled form
survives a reload and a dropped connection (the browser keeps a draft, cleared once
the log is filed). Screenshots land in test-artifacts/."""

from __future__ import annotations

import os
import re
import time

import pytest
from django.urls import reverse

from sentiment.models import Log
from tests.factories import PASSWORD, build_world

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth + 1"
DETAIL = re.compile(r".*/logs/\d+/(\?filed=1)?$")


def tap_choice(page, name: str, value: str) -> None:
    """Tap the big button (the label) of a radio choice."""
    radio_id = page.get_attribute(f"input[name={name}][value='{value}']", "id")
    page.tap(f"label[for='{radio_id}']")
    assert page.is_checked(f"#{radio_id}")


def draft(page, key: str):
    return page.evaluate(f"window.localStorage.getItem('{key}')")


def test_grid_worker_files_logs_on_a_phone_and_the_draft_survives(live_server, phone, artifacts):
    w = build_world()
    page = phone
    key = f"sentiment-log-draft:{w.grid1_user.pk}"

    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "grid1")
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))

    # 1. The common case: a visit answered on the spot. Kind, next step, date, time and
    #    grid are preset; the worker taps a category and types the matter.
    started = time.monotonic()
    page.goto(live_server.url + reverse("sentiment:file"))
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert page.evaluate(NO_OVERFLOW), "the filing form scrolls sideways on a 375-px screen"
    assert page.is_checked("input[name=kind][value=visit]")
    assert page.is_checked("input[name=next_step][value=answered]")
    page.screenshot(path=artifacts / "sentiment-file-375.png", full_page=True)
    tap_choice(page, "kind", "visit")
    tap_choice(page, "category", "social_security")
    page.fill("textarea[name=matter]", "咨询城乡居民医保缴费时间，已当场答复")
    tap_choice(page, "next_step", "answered")
    page.tap("#file-submit")
    page.wait_for_url(DETAIL)
    seconds = time.monotonic() - started
    first = Log.objects.get()
    assert page.url == live_server.url + first.get_absolute_url() + "?filed=1"
    assert (first.kind, first.category, first.next_step, first.status) == (
        "visit",
        "social_security",
        "answered",
        "filed",
    )
    assert (first.grid, first.recorded_by) == (w.grid1, w.grid1_user)
    assert seconds < 60, f"filing took {seconds:.1f} s"
    assert draft(page, key) is None  # filed: the draft is gone
    assert page.evaluate(NO_OVERFLOW), "the log page scrolls sideways"

    # 2. "File another" on the filed log's page; a resident found by pinyin initials; the
    #    draft survives a reload...
    page.tap("#file-another")
    page.wait_for_url(live_server.url + reverse("sentiment:file"))
    assert page.locator("textarea[name=matter]").input_value() == ""
    assert page.is_hidden("#draft-restored")
    tap_choice(page, "category", "subsistence")
    page.fill("#resident-q", "wdm")
    page.wait_for_selector(f"label[for='resident-{w.resident1.pk}']")
    assert "王大明" in page.locator("#resident-results").inner_text()
    page.tap(f"label[for='resident-{w.resident1.pk}']")
    page.fill("textarea[name=matter]", "询问低保年审材料")
    # A function, not an expression string: Playwright would eval the string in the page,
    # which the Content-Security-Policy refuses.
    page.wait_for_function(f"() => (window.localStorage.getItem('{key}') || '').includes('询问低保年审材料')")
    page.screenshot(path=artifacts / "sentiment-file-filled-375.png", full_page=True)

    page.reload()
    assert page.is_visible("#draft-restored")
    assert page.locator("textarea[name=matter]").input_value() == "询问低保年审材料"
    assert page.is_checked("input[name=category][value=subsistence]")
    assert page.is_checked(f"input[name=resident][value='{w.resident1.pk}']")
    assert "王大明" in page.locator("#resident-results").inner_text()

    # ... and a dropped connection at the moment of sending.
    page.context.set_offline(True)
    try:
        page.tap("#file-submit")
        page.wait_for_timeout(500)
    finally:
        page.context.set_offline(False)
    assert Log.objects.count() == 1  # nothing arrived
    page.goto(live_server.url + reverse("sentiment:file"))
    assert page.is_visible("#draft-restored")
    assert page.locator("textarea[name=matter]").input_value() == "询问低保年审材料"
    assert page.is_checked(f"input[name=resident][value='{w.resident1.pk}']")
    page.screenshot(path=artifacts / "sentiment-draft-restored-375.png", full_page=True)

    page.tap("#file-submit")
    page.wait_for_url(DETAIL)
    second = Log.objects.exclude(pk=first.pk).get()
    assert (second.resident, second.category, second.matter) == (w.resident1, "subsistence", "询问低保年审材料")
    assert draft(page, key) is None
    page.goto(live_server.url + reverse("sentiment:file"))
    assert page.is_hidden("#draft-restored")
    assert page.locator("textarea[name=matter]").input_value() == ""

    # 3. "My logs" lists both.
    page.goto(live_server.url + reverse("sentiment:mine"))
    body = page.locator("body").inner_text()
    assert "咨询城乡居民医保缴费时间" in body and "询问低保年审材料" in body
    assert page.evaluate(NO_OVERFLOW), "my logs scroll sideways"
    assert not page.problems, page.problems
