"""The portal's own error pages (issue 9, item 13): with DEBUG off a clerk gets a page in
the portal's style, in their language, with the navigation and a way back, instead of
Django's bare English "Not Found". 404 is the designed answer for anything outside a
user's area, so it says "does not exist or is outside your area" without saying which.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.disputes.ledger_helpers import register

pytestmark = pytest.mark.urls("tests.govcenter.error_urls")

NOT_FOUND = "The page or record you asked for does not exist, or it lies outside the area you work in."


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def page(response) -> str:
    return response.content.decode()


def test_a_dispute_outside_the_users_area_gets_the_404_page_with_navigation(world, login):
    other = register(world.village3_user, village=world.village3)
    response = login(world.village1_user).get(other.get_absolute_url())
    html = page(response)
    assert response.status_code == 404
    assert [t.name for t in response.templates][:2] == ["404.html", "_error_page.html"]
    assert "This page is not available to you" in html and NOT_FOUND in html
    assert other.number not in html and other.summary not in html  # nothing about what was asked for
    assert f'href="{reverse("disputes:list")}"' in html  # the navbar is there
    assert f'href="{reverse("home")}"' in html and "Go to the home page" in html
    assert "data-back" in html and "Back to the previous page" in html
    assert 'action="/accounts/logout/"' in html
    assert "css/portal.css" in html and "js/portal.js" in html


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_a_missing_record_and_a_record_elsewhere_read_the_same(world, login):
    other = register(world.village3_user, village=world.village3)
    client = login(world.village1_user)
    elsewhere = client.get(other.get_absolute_url())
    missing = client.get(reverse("disputes:detail", args=[other.pk + 1000]))
    assert elsewhere.status_code == missing.status_code == 404
    assert main_of(page(elsewhere)) == main_of(page(missing))


def test_an_anonymous_visitor_gets_the_404_page_with_the_way_to_log_in(client):
    response = client.get("/no-such-page/")
    html = page(response)
    assert response.status_code == 404 and NOT_FOUND in html
    assert "Go to the login page" in html and "Log out" not in html


def test_a_step_the_role_may_not_take_gets_the_403_page(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    party = d.parties.get(role="applicant")
    response = login(world.grid1_user).post(reverse("disputes:party_reveal", args=[party.pk]))
    html = page(response)
    assert response.status_code == 403
    assert "You may not do this" in html and "ask your centre's administrator" in html
    assert f'href="{reverse("disputes:list")}"' in html and "Go to the home page" in html


def test_a_server_error_gets_the_500_page_without_a_request_context(world, login):
    client = login(world.village1_user)
    client.raise_request_exception = False
    response = client.get("/boom/")
    html = page(response)
    assert response.status_code == 500
    assert "Something went wrong on the portal's side" in html
    assert "it was not caused by anything you did" in html
    assert '<html lang="en">' in html  # the user's language, though no context processor ran
    assert "css/portal.css" in html and f'href="{reverse("home")}"' in html
    assert "a bug in a view" not in html and "Traceback" not in html


def test_a_tampered_request_gets_the_400_page(client):
    client.raise_request_exception = False
    response = client.get("/bad/")
    html = page(response)
    assert response.status_code == 400
    assert "The portal could not understand this request" in html and "a tampered request" not in html


def test_a_form_sent_after_the_session_ended_gets_the_page_expired_page(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.village1_user)
    response = client.post(reverse("notification_read_all"))  # no CSRF token: a page from before
    html = page(response)
    assert response.status_code == 403
    assert "This page has expired" in html and "Nothing was saved" in html
    assert "reload the page, and send the form again" in html
    assert "Back to the form" in html and f'href="{reverse("disputes:list")}"' in html


def test_with_debug_on_django_explains_the_error_instead(world, login, settings):
    settings.DEBUG = True
    response = login(world.village1_user).get("/no-such-page/")
    assert response.status_code == 404 and NOT_FOUND not in page(response)


@pytest.mark.zh
def test_error_pages_are_chinese_by_default(world, login):
    client = login(world.village1_user)
    client.raise_request_exception = False
    with translation.override("zh-hans"):
        heading_404 = gettext("This page is not available to you")
        heading_500 = gettext("Something went wrong on the portal's side")
    not_found = page(client.get("/no-such-page/"))
    assert '<html lang="zh-hans">' in not_found and heading_404 in not_found
    error = page(client.get("/boom/"))
    assert '<html lang="zh-hans">' in error and heading_500 in error
