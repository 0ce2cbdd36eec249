"""Browser tests: Playwright's sync API driving Debian's Chromium (/usr/bin/chromium).

Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM
calls from a thread with a running loop unless told that this is deliberate.
Nothing is downloaded: without the browser or the package the tests skip and say why,
except under CI (CI=true), which installs both, so there a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
# Without the networking switches Chromium keeps calling Google's hosts, which this
# machine's closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        unavailable(f"playwright is not importable ({e}); run make venv")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# Every Content-Security-Policy violation becomes a console error the tests collect:
# Chromium's own "Refused to ..." report does not reach Playwright's console event.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
    " at " + e.sourceFile + ":" + e.lineNumber + " " + (e.sample || ""));
});
"""


def watch(page) -> None:
    """Collect in page.problems the requests that fail (4xx/5xx, e.g. a vendored asset
    missing), JavaScript errors, Content-Security-Policy violations and complaints about
    the Permissions-Policy header."""
    page.problems = []
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on(
        "response",
        lambda r: (
            r.status >= 400 and not r.url.endswith("/favicon.ico") and page.problems.append(f"{r.status} {r.url}")
        ),
    )
    page.on("pageerror", lambda e: page.problems.append(f"javascript: {e}"))
    page.on("console", lambda m: _is_policy_problem(m) and page.problems.append(f"{page.url}: {m.text}"))


def _is_policy_problem(message) -> bool:
    if message.type == "error" and ("CSP violation" in message.text or "Content Security Policy" in message.text):
        return True
    return "Permissions-Policy" in message.text  # e.g. a feature this Chromium does not know


@pytest.fixture
def phone(browser):
    """A page on a 375 x 812 phone screen whose browser asks for Simplified Chinese.

    Failed requests, JavaScript errors and CSP violations are collected in page.problems
    (see watch) for the test to assert on."""
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch(page)
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def log_in(page, live_server, username: str, password: str | None = None) -> None:
    """Log ``username`` in through the login form (the factories' password unless told) and
    wait for the home page."""
    from django.urls import reverse

    from tests.factories import PASSWORD

    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))
