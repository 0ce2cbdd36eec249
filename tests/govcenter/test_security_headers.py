"""Security headers (issue 9): a Content-Security-Policy without inline scripts, eval or
inline styles; Permissions-Policy, Referrer-Policy and Cross-Origin-Opener-Policy; and
``Cache-Control: no-store, private`` on everything a logged-in user is sent, so pages,
exports, print pages and files with personal data stay out of browser and proxy caches.
Whether the pages really run under the policy is checked in the browser
(tests/browser/test_csp.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import Attachment
from govcenter.middleware import PrivateResponsesMiddleware
from publicity import services as publicity_services
from tests.disputes.ledger_helpers import PNG_BYTES, register
from tests.publicity.helpers import data, pdf

ROOT = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


def cache_directives(response) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_pages_carry_a_content_security_policy_without_inline_code(world, login):
    response = login(world.village1_user).get(reverse("home"))
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["style-src"] == ["'self'"]  # style="" attributes were moved to portal.css
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["frame-src"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]


def test_login_page_has_the_policy_too(client):
    assert directives(client.get(reverse("login")))["script-src"] == ["'self'"]


def test_nothing_may_be_framed_the_leaflet_download_included(world, login):
    campaign = publicity_services.campaign_create(
        actor=world.village1_user, at=timezone.now(), data=data(), leaflet=pdf()
    )
    response = login(world.village1_user).get(reverse("publicity:leaflet", args=[campaign.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")  # a PDF is never shown in a page
    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert directives(response)["object-src"] == ["'none'"]
    page = login(world.village1_user).get(campaign.get_absolute_url())
    assert directives(page)["frame-ancestors"] == ["'none'"]


def test_permissions_referrer_and_opener_policies(client):
    response = client.get(reverse("login"))
    features = dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", feature
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def dispute_with_file(world):
    d = register(world.grid1_user, grid=world.grid1)
    attachment = services.dispute_add_attachment(
        dispute=d,
        actor=world.grid1_user,
        at=timezone.now(),
        kind=Attachment.Kind.PHOTO,
        upload=SimpleUploadedFile("scene.png", PNG_BYTES, content_type="image/png"),
    )
    return d, attachment


@pytest.mark.parametrize("what", ["page", "list", "xlsx export", "csv export", "print page", "file"])
def test_everything_a_logged_in_user_gets_is_no_store_and_private(world, login, dispute_with_file, what):
    d, attachment = dispute_with_file
    path = {
        "page": d.get_absolute_url(),
        "list": reverse("grids:resident_list"),
        "xlsx export": reverse("disputes:export_xlsx"),
        "csv export": reverse("disputes:export_csv"),
        "print page": reverse("disputes:print", args=[d.pk]),
        "file": reverse("disputes:attachment", args=[attachment.pk]),
    }[what]
    response = login(world.village1_user).get(path)
    assert response.status_code == 200
    assert {"no-store", "private"} <= cache_directives(response), response.get("Cache-Control")
    assert "public" not in cache_directives(response)


def test_a_redirect_and_an_error_page_to_a_logged_in_user_are_not_stored_either(world, login):
    client = login(world.village1_user)
    assert "no-store" in cache_directives(client.get(reverse("login")))  # redirect home
    assert "no-store" in cache_directives(client.get("/no-such-page/"))


def test_anonymous_pages_are_left_to_their_views(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Cache-Control" not in response


def _through_middleware(user, response: HttpResponse) -> HttpResponse:
    request = RequestFactory().get("/")
    request.user = user
    return PrivateResponsesMiddleware(lambda r: response)(request)


def test_a_response_that_declares_itself_public_keeps_its_cache_control(world):
    response = HttpResponse()
    response["Cache-Control"] = "public, max-age=600"
    assert _through_middleware(world.village1_user, response)["Cache-Control"] == "public, max-age=600"


def test_a_download_is_no_store_even_without_a_login():
    from django.contrib.auth.models import AnonymousUser

    response = HttpResponse(b"x")
    response["Content-Disposition"] = 'attachment; filename="x.xlsx"'
    assert {"no-store", "private"} <= cache_directives(_through_middleware(AnonymousUser(), response))
    assert "Cache-Control" not in _through_middleware(AnonymousUser(), HttpResponse(b"x"))


# Inline code the policy would refuse: <script> without src (JSON data blocks are fine),
# on...="" handlers, style="" attributes, <style> blocks, javascript: URLs, and htmx
# features that need eval (hx-on, js:/javascript: values, [..] trigger filters, hx-vars).
INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on...= handler"),
    (re.compile(r"\sstyle\s*=\s*[\"']", re.I), "style attribute"),
    (re.compile(r"<style[\s>]", re.I), "<style> block"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"hx-on|hx-vars|=\s*['\"]js:|hx-trigger=\"[^\"]*\[", re.I), "htmx eval"),
]


def test_templates_hold_no_inline_script_or_style():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", path.read_text(), flags=re.S)
        text = re.sub(r"\{%.*?%\}", "", text)  # {% include ... with style="danger" %} is an argument
        for pattern, what in INLINE_CODE:
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(ROOT)}: {what}: {match.group(0)!r}")
    assert not found, "\n".join(found)
