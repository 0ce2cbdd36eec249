"""Phone screens and the ledger at a desk (issue 16, items 6-8, 15, 16), in Chromium: after a
failed submit the page opens at the first marked field; tab bars keep each label on one
line and let the last tab be reached; button labels sit in the middle; print and export
are left off phones; the ledger fits 1366 px. Screenshots land in test-artifacts/."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import services
from tests.disputes.ledger_helpers import register
from tests.factories import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    from .conftest import watch

    watch(page)
    yield page
    context.close()


def test_a_failed_step_opens_at_the_first_marked_field(live_server, phone, artifacts):
    w = build_world()
    d = register(w.grid1_user, grid=w.grid1)
    services.dispute_accept(dispute=d, actor=w.village1_user, at=timezone.now())
    page = phone
    log_in(page, live_server, "village1")
    page.goto(live_server.url + d.get_absolute_url())
    page.tap("[data-action=mediation] .accordion-button")
    # The choices are thumb-sized toggle buttons: every label at least 24 px high (44 preferred).
    heights = page.eval_on_selector_all(
        "#action-mediation label.btn", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights
    page.fill("#action-mediation input[name=mediators]", "李调解员")
    with page.expect_navigation():  # the server answers the form with its errors marked
        page.tap("#action-mediation button[type=submit]")
    page.wait_for_selector("#action-mediation .btn-choice-group.is-invalid")
    # The method is the first field the form marked: it has the focus and is on screen.
    focused = page.evaluate("document.activeElement.name")
    assert focused == "method", focused
    box = page.locator("#action-mediation .btn-choice-group.is-invalid").first.bounding_box()
    assert 0 <= box["y"] < 812
    assert page.input_value("#action-mediation input[name=mediators]") == "李调解员"  # nothing lost
    assert not page.problems, page.problems


def test_tab_bars_keep_labels_whole_and_the_last_tab_reachable(live_server, phone):
    build_world()
    page = phone
    log_in(page, live_server, "village1")
    for path in (reverse("sentiment:queue"), reverse("sentiment:list"), reverse("publicity:list")):
        page.goto(live_server.url + path)
        bars = page.locator(".nav-scroll")
        assert bars.count() >= 1, path
        for i in range(bars.count()):
            bar = bars.nth(i)
            # One line per label: every tab as tall as the shortest.
            heights = bar.evaluate("b => [...b.querySelectorAll('.nav-link')].map(a => a.offsetHeight)")
            assert max(heights) == min(heights), (path, heights)
            bar.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
            right = bar.evaluate("b => b.querySelector('.nav-item:last-child').getBoundingClientRect().right")
            assert right <= 375 + 1, (path, right)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    assert not page.problems, page.problems


def test_phone_buttons_centre_their_labels_and_leave_out_print_and_export(live_server, phone, desk):
    w = build_world()
    register(w.grid1_user, grid=w.grid1)
    log_in(phone, live_server, "village1")
    phone.goto(live_server.url + reverse("disputes:list"))
    button = phone.locator("#ledger-filter button[type=submit]")
    display, align = button.evaluate("b => [getComputedStyle(b).display, getComputedStyle(b).alignItems]")
    assert display in ("flex", "inline-flex") and align == "center", (display, align)
    assert not phone.locator("a[href^='/disputes/export.xlsx'], a[href*='export']").first.is_visible()
    assert phone.locator("#quick-filters [data-quick=registered]").is_visible()
    log_in(desk, live_server, "village1")
    desk.goto(live_server.url + reverse("disputes:list"))
    assert desk.locator("a[href*='export']").first.is_visible()
    assert not phone.problems and not desk.problems, (phone.problems, desk.problems)


def test_the_ledger_fits_a_desk_and_a_quick_filter_is_one_tap(live_server, desk, artifacts):
    w = build_world()
    for n in range(6):
        d = register(
            w.grid1_user,
            grid=w.grid1,
            summary=f"第{n}起：两户因宅基地边界及院墙排水沟位置长期争执，多次调解未果",
            applicant="欧阳明月",
            respondent="东山村某某农业开发有限公司",
            risk_criminal=n % 2 == 0,
        )
        if n % 3 == 0:
            services.dispute_accept(dispute=d, actor=w.village1_user, at=timezone.now())
    page = desk
    log_in(page, live_server, "district1")
    page.goto(live_server.url + reverse("disputes:list"))
    page.screenshot(path=artifacts / "ledger-1366.png")
    fits = page.evaluate("(t => t.scrollWidth <= t.clientWidth + 1)(document.querySelector('.table-responsive'))")
    assert fits, "the ledger scrolls sideways at 1366 px"
    handler = page.locator("thead th.ledger-handler").bounding_box()
    assert handler["width"] >= 7 * 16 - 1, handler  # 承办人 not one character wide
    page.click("#quick-filters [data-quick=criminal]")
    page.wait_for_load_state()
    assert page.locator("#quick-filters [data-quick=criminal]").get_attribute("aria-current") == "true"
    assert page.locator(".ledger-table tbody tr").count() == 3
    assert not page.problems, page.problems
