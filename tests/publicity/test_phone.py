"""The publicity pages on a 375-px phone: each fits the screen without scrolling sideways,
loads all its assets without JavaScript errors, and the grid worker records an activity
and marks the assignment done there. Screenshots land in test-artifacts/.

The browser runs in a thread of its own: Playwright's sync API refuses to start in a
thread where another instance (tests/browser's session-wide browser, when both run in
one process) has its event loop running. The database is set up in the test's thread,
the pages are driven in the browser's, and the assertions on rows come after it ends.
"""

from __future__ import annotations

import datetime
import threading

import pytest
from django.urls import reverse
from django.utils import timezone

from publicity import services as s
from publicity.models import Assignment
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, unavailable, watch
from tests.factories import PASSWORD, build_world

from .helpers import PNG, data, pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def on_a_phone(drive) -> None:
    """Run ``drive(page)`` on a 375 x 812 phone page asking for Simplified Chinese, in a thread
    with its own Playwright; re-raise what it raised. ``page.problems`` collects failed
    requests, JavaScript errors and CSP violations, like tests/browser's ``phone`` fixture."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        unavailable(f"playwright is not importable ({e}); run make venv")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    ARTIFACTS.mkdir(exist_ok=True)
    failure: list[BaseException] = []

    def run():
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
                context = browser.new_context(
                    viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True,
                    locale="zh-CN",
                )  # fmt: skip
                context.set_default_timeout(10_000)
                page = context.new_page()
                watch(page)
                try:
                    drive(page)
                finally:
                    browser.close()
        except BaseException as e:  # re-raised in the test's thread
            failure.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive(), "the browser did not finish in 5 minutes"
    if failure:
        raise failure[0]


def _world_with_a_campaign():
    """A campaign running around today, handed to village 1's grids, one activity recorded."""
    w = build_world()
    now = timezone.now()
    today = timezone.localdate()
    week = datetime.timedelta(days=7)
    c = s.campaign_create(
        actor=w.township1_user, at=now - 2 * week,
        data=data(starts_on=today - week, ends_on=today + 3 * week), leaflet=pdf(),
    )  # fmt: skip
    s.campaign_submit(campaign=c, actor=w.township1_user, at=now - 2 * week)
    s.campaign_approve(campaign=c, actor=w.district1, at=now - 2 * week)
    s.campaign_distribute(campaign=c, actor=w.district1, at=now - week, areas=[w.township1])
    d = c.distributions.get(village=w.village1)
    s.assignments_hand_out(distribution=d, actor=w.village1_user, at=now - week, grids=[w.grid1], due_on=today + week)
    a = Assignment.objects.get()
    s.activity_record(
        assignment=a, actor=w.grid1_user, at=now, form="door_to_door", held_at=now - datetime.timedelta(days=2),
        place="3组晒谷场", participants=18, households=7,
    )  # fmt: skip
    w.campaign, w.assignment, w.distribution = c, a, d
    return w


def _login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


def _visit(page, live_server, path, name, artifacts):
    page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page.evaluate(NO_OVERFLOW), f"{name} scrolls sideways on a 375-px screen: {width}"
    page.screenshot(path=artifacts / f"publicity-{name}-375.png", full_page=True)
    assert page.problems == [], page.problems


def test_publicity_pages_fit_a_phone(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    artifacts = ARTIFACTS
    w = _world_with_a_campaign()
    c = w.campaign
    pages = {
        "district1": [
            (reverse("publicity:list"), "list"),
            (reverse("publicity:review_queue"), "review-queue"),
            (c.get_absolute_url(), "detail"),
            (reverse("publicity:distribute", args=[c.pk]), "distribute"),
            (reverse("publicity:progress", args=[c.pk]), "progress"),
            (reverse("publicity:assignments"), "assignments"),
            (reverse("publicity:activities"), "activities"),
        ],
        "village1": [
            (reverse("publicity:distributions"), "distributions"),
            (w.distribution.get_absolute_url(), "hand-out"),
            (reverse("publicity:create"), "campaign-form"),
        ],
        "grid1": [
            (reverse("publicity:my_assignments"), "my-assignments"),
            (w.assignment.get_absolute_url(), "assignment"),
            (reverse("publicity:activity_create", args=[w.assignment.pk]), "activity-form"),
        ],
    }

    def drive(phone):
        for username, visits in pages.items():
            _login(phone, live_server, username)
            for path, name in visits:
                _visit(phone, live_server, path, name, artifacts)
            if username == "district1":
                phone.goto(live_server.url + reverse("publicity:progress", args=[c.pk]))
                # Chart.js drew the bar chart into the canvas (its width is set by the library).
                phone.wait_for_function("() => document.getElementById('progress-chart').width > 0")  # no eval: CSP
                assert phone.evaluate("typeof Chart") == "function"

    on_a_phone(drive)


def test_grid_worker_records_an_activity_and_marks_done_on_a_phone(live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    w = _world_with_a_campaign()
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)

    def drive(page):
        _login(page, live_server, "grid1")
        page.goto(live_server.url + reverse("publicity:my_assignments"))
        page.click(f"a[href='{w.assignment.get_absolute_url()}']")
        page.click(f"a[href='{reverse('publicity:activity_create', args=[w.assignment.pk])}']")
        page.click("label[for=id_form_0]")  # big button: the first allowed form
        page.fill("input[name=place]", "5组祠堂前")
        page.fill("input[name=participants]", "21")
        page.fill("input[name=households]", "9")
        page.set_input_files("input[name=photos]", str(photo))
        page.click("main form button[type=submit]")
        page.wait_for_url(live_server.url + w.assignment.get_absolute_url())
        assert "5组祠堂前" in page.locator("body").inner_text()
        page.click("#action-complete button[type=submit]")  # the kernel's actions panel (templates/_actions.html)
        page.wait_for_url(live_server.url + w.assignment.get_absolute_url())
        assert page.evaluate(NO_OVERFLOW)
        page.screenshot(path=ARTIFACTS / "publicity-assignment-done-375.png", full_page=True)
        assert page.problems == [], page.problems

    on_a_phone(drive)
    w.assignment.refresh_from_db()
    assert w.assignment.is_done and w.assignment.activities.count() == 2
