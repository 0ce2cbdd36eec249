"""The shared template partials: one breadcrumb trail, one filter form, one set of choice
buttons, one list-page skeleton."""

from __future__ import annotations

import pathlib

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.urls import reverse

from govcenter.templatetags.crumbs import crumbs


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


# --- breadcrumbs ---------------------------------------------------------------


def test_crumbs_pairs_titles_with_urls():
    assert crumbs("Ledger", "/disputes/", "Register", "") == [("Ledger", "/disputes/"), ("Register", "")]
    with pytest.raises(TemplateSyntaxError):
        crumbs("Ledger", "/disputes/", "Register")


def test_breadcrumbs_link_every_step_but_the_page_itself():
    html = render(
        '{% load crumbs %}{% crumbs "Ledger" "/disputes/" "Register" "" as breadcrumbs %}'
        '{% include "_breadcrumbs.html" %}'
    )
    assert f'<a href="{reverse("home")}">' in html
    assert '<a href="/disputes/">Ledger</a>' in html
    assert 'aria-current="page">Register</li>' in html
    assert html.count("<li") == 3


def test_register_page_and_grid_page_share_the_breadcrumbs(world, login):
    client = login(world.village1_user)
    for url in (reverse("disputes:register"), world.grid1.get_absolute_url()):
        html = client.get(url).content.decode()
        assert 'class="breadcrumb small mb-2"' in html
        assert f'<li class="breadcrumb-item"><a href="{reverse("home")}">Home</a></li>' in html


# --- filter form ---------------------------------------------------------------


def test_sentiment_list_folds_its_other_filters_on_phones_and_opens_them_when_used(world, login):
    client = login(world.village1_user)
    url = reverse("sentiment:list")
    html = client.get(url).content.decode()
    assert 'filter-extra collapse d-lg-block"' in html  # folded
    assert 'data-bs-target=".filter-extra"' in html
    html = client.get(url, {"kind": "visit"}).content.decode()
    assert "filter-extra collapse d-lg-block show" in html
    html = client.get(url, {"q": "王"}).content.decode()
    assert "filter-extra collapse d-lg-block show" not in html  # the search box is never folded


def test_dispute_ledger_keeps_more_filters_folded_on_every_screen(world, login):
    html = login(world.village1_user).get(reverse("disputes:list")).content.decode()
    assert 'id="more-filters"' in html
    assert "filter-extra" not in html


# --- choice buttons ------------------------------------------------------------


class _Choice(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=[("a", "Visit"), ("b", "Call")], widget=forms.RadioSelect)


def test_choice_buttons_style_is_a_colour_in_both_layouts():
    field = _Choice()["kind"]
    wrapped = render('{% include "_choice_buttons.html" with field=field style="danger" %}', field=field)
    grid = render('{% include "_choice_buttons.html" with field=field cols=3 style="danger" %}', field=field)
    for html in (wrapped, grid):
        assert html.count('class="btn btn-outline-danger') == 2
    assert "<fieldset" in wrapped and "row-cols" not in wrapped
    assert "row row-cols-3" in grid


def test_bare_choice_buttons_leave_the_legend_to_the_caller():
    field = _Choice()["kind"]
    html = render('{% include "_choice_buttons.html" with field=field cols=2 bare=True %}', field=field)
    assert "<fieldset" not in html and "<legend" not in html
    assert 'aria-label="Kind"' in html
    assert html.count("btn-outline-primary") == 2


# --- list pages ----------------------------------------------------------------

LIST_PAGES = [
    "disputes/list.html",
    "grids/grid_list.html",
    "grids/resident_list.html",
    "publicity/activity_list.html",
    "publicity/assignment_list.html",
    "publicity/campaign_list.html",
    "publicity/distribution_list.html",
    "publicity/my_assignments.html",
    "publicity/review_queue.html",
    "sentiment/agency_list.html",
    "sentiment/list.html",
    "sentiment/mine.html",
    "sentiment/queue.html",
]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_every_list_page_extends_the_one_skeleton(name):
    source = (pathlib.Path(settings.BASE_DIR) / "templates" / name).read_text()
    assert source.startswith('{% extends "_list_page.html" %}')
    assert "_pagination.html" not in source  # the skeleton places the pager


def test_an_empty_filtered_list_says_so_and_links_the_whole_list(world, login):
    client = login(world.village1_user)
    html = client.get(reverse("grids:grid_list"), {"q": "没有这个网格"}).content.decode()
    assert "No grid matches these filters." in html
    assert f'<a href="{reverse("grids:grid_list")}">Show all grids</a>' in html


def test_the_skeleton_without_rows_shows_the_empty_text_and_no_filter():
    html = Template(
        '{% extends "_list_page.html" %}{% block heading %}H{% endblock %}{% block empty %}E{% endblock %}'
    ).render(Context({"page": None, "request": RequestFactory().get("/")}))
    assert '<h1 class="h4 mb-0">H' in html
    assert "E" in html.split('py-5">')[1]
    assert 'role="search"' not in html  # no filter in the context: no filter form
