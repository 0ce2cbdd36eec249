"""The pages run under the Content-Security-Policy (issue 9): no page of the portal or of
Django admin has an inline script, inline handler, inline style or eval that the policy
refuses. Each violation is reported by the browser and collected in page.problems
(tests/browser/conftest.py: watch), so a page that breaks the policy fails here.
Also: the browser-kept draft of a sentiment log is gone after log-out (issue 9, item 12),
and the error pages' "back" button works."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from disputes.models import Attachment
from disputes.services import dispute_accept, dispute_add_attachment
from publicity import services as ps
from sentiment import services as ss
from tests.disputes.ledger_helpers import PNG_BYTES, register
from tests.factories import PASSWORD, build_world
from tests.publicity.helpers import data, pdf

from .conftest import watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def desktop(browser):
    """A 1280-px office screen whose browser asks for Simplified Chinese; problems collected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch(page)
    yield page
    context.close()


def log_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(re.compile(r".*/(admin/)?$"))


def pass_second_factor(page, live_server) -> None:
    """Staff meet the authenticator set-up on their first /admin/ visit: go through it, so the
    set-up pages are held to the policy too."""
    visit(page, live_server, reverse("admin:index"))
    page.wait_for_url(re.compile(r".*/accounts/two-factor/setup/.*"))
    device = TOTPDevice.objects.get(user__username="admin")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page.fill("input[name=code]", f"{totp.token():06d}")
    page.click("form:has(input[name=code]) button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/two-factor/recovery-codes/.*"))
    assert page.problems == [], page.problems


def visit(page, live_server, path: str) -> None:
    page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    assert page.problems == [], (path, page.problems)


def a_world_with_records():
    w = build_world()
    now = timezone.now()
    w.dispute = register(w.grid1_user, grid=w.grid1)
    dispute_accept(dispute=w.dispute, actor=w.village1_user, at=now)
    w.attachment = dispute_add_attachment(
        dispute=w.dispute,
        actor=w.grid1_user,
        at=now,
        kind=Attachment.Kind.PHOTO,
        upload=SimpleUploadedFile("scene.png", PNG_BYTES, content_type="image/png"),
    )
    w.log = ss.log_file(
        actor=w.grid1_user,
        grid=w.grid1,
        at=now,
        occurred_at=now - datetime.timedelta(hours=1),
        kind="incident",
        category="other",
        matter="路灯损坏，夜间出行不便",
        resident=w.resident1,
        next_step="report",
        photos=[SimpleUploadedFile("lamp.png", PNG_BYTES, content_type="image/png")],
    )
    today = timezone.localdate()
    c = ps.campaign_create(
        actor=w.township1_user,
        at=now,
        data=data(starts_on=today - datetime.timedelta(days=7), ends_on=today + datetime.timedelta(days=21)),
        leaflet=pdf(),
    )
    ps.campaign_submit(campaign=c, actor=w.township1_user, at=now)
    ps.campaign_approve(campaign=c, actor=w.district1, at=now)
    ps.campaign_distribute(campaign=c, actor=w.district1, at=now, areas=[w.township1])
    w.distribution = c.distributions.get(village=w.village1)
    ps.assignments_hand_out(
        distribution=w.distribution,
        actor=w.village1_user,
        at=now,
        grids=[w.grid1],
        due_on=today + datetime.timedelta(days=7),
    )
    w.campaign = c
    return w


def test_a_violation_is_caught(live_server, desktop):
    """The check itself: an inline script and a style attribute added to a page are reported."""
    page = desktop
    page.goto(live_server.url + reverse("login"))
    page.evaluate(
        """() => {
        const s = document.createElement("script");
        s.textContent = "window.ran = true";
        document.body.appendChild(s);
        document.body.setAttribute("style", "color: red");
    }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.ran") is None  # refused
    assert any("script-src" in p for p in page.problems), page.problems
    assert any("style-src" in p for p in page.problems), page.problems


def test_the_portals_pages_run_under_the_policy(live_server, desktop):
    w = a_world_with_records()
    page = desktop
    visit(page, live_server, reverse("login"))

    log_in(page, live_server, "village1")
    for path in [
        reverse("home"),
        reverse("disputes:list"),
        w.dispute.get_absolute_url(),
        reverse("disputes:print", args=[w.dispute.pk]),
        reverse("disputes:print_ledger"),
        reverse("sentiment:queue"),
        w.log.get_absolute_url(),
        reverse("sentiment:print", args=[w.log.pk]),
        reverse("grids:grid_list"),
        w.grid1.get_absolute_url(),
        reverse("grids:resident_list"),
        w.resident1.get_absolute_url(),
        reverse("area_tree"),
        reverse("notifications"),
        reverse("profile"),
        reverse("password_change"),
        reverse("publicity:hand_out", args=[w.distribution.pk]),
        w.campaign.get_absolute_url(),  # with its leaflet's download button
        reverse("publicity:progress", args=[w.campaign.pk]),
        reverse("analysis:statistics"),
    ]:
        visit(page, live_server, path)

    # The register page's own script: add a party row, find a resident, fill the row.
    visit(page, live_server, reverse("disputes:register"))
    rows = page.locator(".party-row").count()
    page.click("#add-party")
    assert page.locator(".party-row").count() == rows + 1
    # "All" / "None" on the hand-out page (data-check-all in portal.js).
    visit(page, live_server, reverse("publicity:hand_out", args=[w.distribution.pk]))
    # The chart is drawn from its JSON data block.
    visit(page, live_server, reverse("publicity:progress", args=[w.campaign.pk]))
    page.wait_for_function("() => document.getElementById('progress-chart').width > 0")
    assert page.evaluate("() => document.querySelector('.chart-box').style.height").endswith("rem")

    # The dashboard's charts are drawn from their JSON data block (village1's grids, district1's townships).
    visit(page, live_server, reverse("home"))
    page.wait_for_function("() => document.getElementById('dash-trend-chart').width > 0")
    page.wait_for_function("() => document.getElementById('dash-area-chart').width > 0")
    log_in(page, live_server, "district1")
    visit(page, live_server, reverse("home"))
    page.wait_for_function("() => document.getElementById('dash-area-chart').width > 0")
    assert page.evaluate("() => document.getElementById('dash-area-chart').parentElement.style.height").endswith("rem")
    log_in(page, live_server, "village1")

    # The language switch (data-autosubmit) sends its form on change.
    visit(page, live_server, reverse("home"))
    with page.expect_navigation():
        page.select_option("#language-switch", "en")
    assert page.get_attribute("html", "lang") == "en"
    with page.expect_navigation():
        page.select_option("#language-switch", "zh-hans")
    assert page.get_attribute("html", "lang") == "zh-hans"

    log_in(page, live_server, "grid1")
    visit(page, live_server, reverse("sentiment:file"))
    page.fill("#resident-q", "王")
    page.press("#resident-q", "Enter")  # looks the name up instead of sending the form
    page.wait_for_load_state("networkidle")
    assert page.url == live_server.url + reverse("sentiment:file")
    visit(page, live_server, reverse("sentiment:mine"))

    log_in(page, live_server, "admin")
    visit(page, live_server, reverse("sentiment:queue"))  # the level switch (data-autosubmit)
    with page.expect_navigation():
        page.select_option("select[name=level]", index=1)
    assert "level=" in page.url

    assert page.problems == [], page.problems


def test_django_admin_runs_under_the_policy(live_server, desktop):
    w = a_world_with_records()
    page = desktop
    log_in(page, live_server, "admin")
    pass_second_factor(page, live_server)
    for path in [
        reverse("admin:index"),
        reverse("admin:govcenter_area_changelist"),  # treebeard's tree
        reverse("admin:govcenter_area_change", args=[w.village1.pk]),
        reverse("admin:govcenter_user_changelist"),
        reverse("admin:govcenter_user_add"),
        reverse("admin:govcenter_user_change", args=[w.grid1_user.pk]),
        reverse("admin:disputes_dispute_changelist"),
        reverse("admin:disputes_dispute_change", args=[w.dispute.pk]),
        reverse("admin:sentiment_log_change", args=[w.log.pk]),
        reverse("admin:publicity_campaign_change", args=[w.campaign.pk]),
        reverse("admin:grids_gridmembership_add") + "?_popup=1",
        reverse("admin:govcenter_department_delete", args=[w.department.pk]),
    ]:
        visit(page, live_server, path)

    # Date widgets: the calendar and "today" shortcuts are built by admin's own scripts.
    visit(page, live_server, reverse("admin:grids_gridmembership_add"))
    page.locator(".datetimeshortcuts a").first.click()  # "Today"
    assert page.locator("input.vDateField").first.input_value() != ""
    page.locator(".datetimeshortcuts a[id^=calendarlink]").first.click()  # the calendar pop-up
    assert page.locator(".calendarbox").first.is_visible()
    # The changelist's action bar and filters (admin's actions.js, filters.js).
    visit(page, live_server, reverse("admin:govcenter_user_changelist"))
    page.locator("#action-toggle").check()
    assert page.problems == [], page.problems


def test_logging_out_drops_the_sentiment_draft(live_server, phone):
    w = build_world()
    page = phone
    key = f"sentiment-log-draft:{w.grid1_user.pk}"
    log_in(page, live_server, "grid1")
    page.goto(live_server.url + reverse("sentiment:file"))
    page.fill("textarea[name=matter]", "村民反映灌溉渠堵塞")
    page.wait_for_function(f"() => (window.localStorage.getItem('{key}') || '').includes('灌溉渠')")
    page.evaluate("() => window.localStorage.setItem('unrelated', 'kept')")

    page.tap(".navbar-toggler")  # the phone's collapsed menu, then the user menu
    page.tap("#mainnav .dropdown-toggle")
    page.tap("form[data-logout] button")
    page.wait_for_url(re.compile(r".*/accounts/(login|logout)/.*"))
    assert page.evaluate(f"() => window.localStorage.getItem('{key}')") is None
    assert page.evaluate("() => window.localStorage.getItem('unrelated')") == "kept"

    log_in(page, live_server, "grid1")
    page.goto(live_server.url + reverse("sentiment:file"))
    assert page.locator("textarea[name=matter]").input_value() == ""
    assert page.locator("#draft-restored").is_hidden()
    assert page.problems == [], page.problems


def test_error_pages_offer_the_way_back(live_server, desktop):
    build_world()
    page = desktop
    log_in(page, live_server, "village1")
    page.goto(live_server.url + reverse("disputes:list"))
    page.goto(live_server.url + "/disputes/999999/")
    assert page.locator("main h1").is_visible()
    assert page.locator("#mainnav").is_visible()  # the navigation is there
    page.click("main [data-back]")
    page.wait_for_url(live_server.url + reverse("disputes:list"))
    assert [p for p in page.problems if not p.startswith("404 ")] == []
