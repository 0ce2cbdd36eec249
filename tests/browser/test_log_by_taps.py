"""A grid worker files a routine visit log on a 375-px phone (issue 16, item 23), and the path is
counted: taps, typed characters and bytes transferred (page.on("response") sizes).

The path starts on "My logs" (where the navbar's log tab lands a grid worker) and ends on the
filed log's page. Figures are printed (pytest -s) for the issue's note and bounded by asserts.
Measured on the portal before phrases and recent residents (commit 9e11458; the typed path, the
only one then): 6 taps, 11 typed characters, 48,157 bytes in 18 responses (the static files the
"My logs" page loaded answer 304 from the browser's cache check)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone

from sentiment.models import Log, Phrase
from tests.factories import build_world
from tests.seeded import ensure_seeded_defaults
from tests.sentiment.helpers import file_log

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DETAIL = re.compile(r".*/logs/\d+/(\?filed=1)?$")


@dataclass
class Walk:
    """A page whose taps, typed characters and transferred bytes are counted."""

    page: object
    taps: int = 0
    typed: int = 0
    responses: list = field(default_factory=list)

    def start(self) -> None:
        self.page.on("response", lambda response: self.responses.append(response))

    def tap(self, selector: str) -> None:
        self.page.tap(selector)
        self.taps += 1

    def type(self, selector: str, text: str) -> None:
        """Tap into a field and type text (one tap, len(text) characters)."""
        self.tap(selector)
        self.page.locator(selector).press_sequentially(text)
        self.typed += len(text)

    def transferred(self) -> list[tuple[int, str]]:
        """Bytes of headers and body per response, once all have finished (what the browser's
        cache served counts 0: Chromium reports it as -1 or less)."""
        rows = []
        for response in self.responses:
            response.finished()
            sizes = response.request.sizes()
            size = max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)
            rows.append((size, response.url))
        return rows

    def report(self, what: str) -> str:
        rows = self.transferred()
        total = sum(size for size, _url in rows)
        lines = [f"{what}: {self.taps} taps, {self.typed} typed characters, {total} bytes in {len(rows)} responses"]
        return "\n".join(lines + [f"{size:>8} {url}" for size, url in rows])


def open_the_form(page, live_server) -> Walk:
    """grid1 logs in and opens "My logs"; from there the walk is counted, starting with the
    tap on "File a log"."""
    log_in(page, live_server, "grid1")
    page.goto(live_server.url + reverse("sentiment:mine"))
    walk = Walk(page)
    walk.start()
    walk.tap(f"a[href='{reverse('sentiment:file')}']")
    page.wait_for_selector("#log-form")
    return walk


def submit(walk: Walk) -> Log:
    walk.tap("#file-submit")
    walk.page.wait_for_url(DETAIL)
    walk.page.wait_for_load_state("load")
    return Log.objects.order_by("-pk").first()


def label_of(page, name: str, value: str) -> str:
    return f"label[for='{page.get_attribute(f'input[name={name}][value={value!r}]', 'id')}']"


def test_typed_path(live_server, phone):
    """The path as it was before phrases and recent residents: search the resident by pinyin
    initials, tap the category, type the matter."""
    w = build_world()
    page = phone
    walk = open_the_form(page, live_server)
    walk.tap(label_of(page, "category", "subsistence"))
    walk.type("#resident-q", "wdm")
    page.wait_for_selector(f"label[for='resident-{w.resident1.pk}']")
    walk.tap(f"label[for='resident-{w.resident1.pk}']")
    walk.type("textarea[name=matter]", "咨询低保办理条件")
    log = submit(walk)
    assert (log.resident, log.category, log.matter) == (w.resident1, "subsistence", "咨询低保办理条件")
    print("\n" + walk.report("typed path"))
    assert not page.problems, page.problems


def test_tap_path(live_server, phone):
    """The routine visit by taps only: the resident the worker visited last week is offered
    before typing, the category is tapped, then one of its common matters; nothing is typed."""
    w = build_world()
    now = timezone.now()
    earlier = file_log(
        w,
        category="social_security",
        matter="咨询城乡居民医保缴费时间",
        when=now,
        occurred_at=now - datetime.timedelta(days=7),
    )
    ensure_seeded_defaults()
    phrase = Phrase.objects.get(category="subsistence", matter="咨询低保办理条件")
    page = phone
    walk = open_the_form(page, live_server)
    # The last log's category is preset and its phrases shown by the page's script: wait for
    # it (``is_visible`` answers at once, and "#log-form" is there before the script has run).
    page.wait_for_selector("#phrases", state="visible", timeout=10_000)
    walk.tap(f"label[for='resident-{w.resident1.pk}']")  # offered as visited lately
    walk.tap(label_of(page, "category", "subsistence"))
    walk.tap(f"#phrases button:text-is('{phrase.matter}')")
    assert page.locator("textarea[name=matter]").input_value() == phrase.matter
    log = submit(walk)
    assert log != earlier
    assert (log.resident, log.kind, log.category, log.matter, log.policy_basis) == (
        w.resident1,
        "visit",
        "subsistence",
        phrase.matter,
        phrase.policy_basis,
    )
    print("\n" + walk.report("tap path"))
    assert (walk.taps, walk.typed) == (5, 0)
    assert not page.problems, page.problems
