"""axe-core's WCAG 2 A and AA checks on the main pages, as the four demo roles use them, on a
375-px phone and a 1366-px desk, each role on the screens it works on (issue 16, item 20). Any violation fails the test, listed one
line per rule and element.

axe-core is vendored for the tests only (tests/browser/vendor/axe-core, see its VERSION) and
evaluated into the page under test: the portal never serves it. The test's browser context
bypasses the Content-Security-Policy so that axe may run; the CSP itself is tested in
test_csp.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from disputes.selectors import disputes_visible_to
from govcenter.demo import DEMO_PASSWORD
from govcenter.models import User
from publicity.selectors import campaigns_visible_to
from sentiment.selectors import logs_visible_to

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"phone": {"width": 375, "height": 812}, "desk": {"width": 1366, "height": 900}}
# Each role on the screens it works on: the grid worker on a phone, the district at a desk,
# the village clerk and the station on both, so the pages they share with the others are
# checked at both widths. (All four roles on both screens took 95 s of CI.)
SCREENS = {"grid1": ["phone"], "village1": ["phone", "desk"], "station1": ["phone", "desk"], "district1": ["desk"]}
RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary.split('\\n').slice(1).join(' ')}))
  }));
}"""


def pages_of(username: str) -> dict[str, str]:
    """The main pages this user works on: the lists, one case of each kind, the forms."""
    user = User.objects.get(username=username)
    pages = {
        "home": reverse("home"),
        "ledger": reverse("disputes:list"),
        "logs": reverse("sentiment:list"),
        "publicity": reverse("publicity:list"),
        "notifications": reverse("notifications"),
        "statistics": reverse("analysis:statistics"),
    }
    if dispute := disputes_visible_to(user).order_by("-pk").first():
        pages["dispute"] = dispute.get_absolute_url()
    if log := logs_visible_to(user).order_by("-pk").first():
        pages["log"] = log.get_absolute_url()
    if campaign := campaigns_visible_to(user).order_by("-pk").first():
        pages["campaign"] = campaign.get_absolute_url()
    by_role = {
        "grid1": {"file a log": "sentiment:file", "my logs": "sentiment:mine", "residents": "grids:resident_list"},
        "village1": {"register": "disputes:register", "queue": "sentiment:queue", "residents": "grids:resident_list"},
        "station1": {"police queue": "police_queue", "register": "disputes:register"},
        "district1": {"register": "disputes:register", "queue": "sentiment:queue", "supervised": "supervised"},
    }
    pages.update({name: reverse(url) for name, url in by_role[username].items()})
    return pages


def readable(violations: list[dict]) -> str:
    return "\n".join(
        f"  {v['id']} ({v['impact']}): {n['target']}: {n['summary']}" for v in violations for n in v["nodes"]
    )


def test_the_main_pages_pass_wcag_2_aa(live_server, browser, tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        call_command("seed_demo", verbosity=0)
    axe = AXE.read_text(encoding="utf-8")
    faults: list[str] = []
    checked: set[str] = set()
    for username, screens in SCREENS.items():
        pages = pages_of(username)
        for screen in screens:
            viewport = WIDTHS[screen]
            context = browser.new_context(viewport=viewport, locale="zh-CN", bypass_csp=True)
            context.set_default_timeout(15_000)
            page = context.new_page()
            log_in(page, live_server, username, DEMO_PASSWORD)
            for name, url in pages.items():
                response = page.goto(live_server.url + url)
                if response.status in (403, 404):
                    continue  # not this role's page
                assert response.status == 200, f"{username} {url}: {response.status}"
                checked.add(name)
                page.evaluate(axe)
                violations = page.evaluate(RUN_AXE)
                if violations:
                    count = sum(len(v["nodes"]) for v in violations)
                    faults.append(f"{username} {screen} {name} {url}: {count}\n{readable(violations)}")
            context.close()
    assert len(checked) >= 13, sorted(checked)
    assert not faults, "WCAG 2 AA violations:\n" + "\n".join(faults)
