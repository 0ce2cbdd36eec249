"""Linking a warning's cases in one step (关联案件, issue 15): the centre that judges the
warning links every case of it that it may link, through the ledger's own link service;
each case then shows the others, and the warning's timeline names them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analysis.models import Warning, WarningEvent, WarningRule
from analysis.rules import can_link_cases
from analysis.selectors import cases_to_link
from analysis.warning_services import (
    WarningError,
    warning_acknowledge,
    warning_close,
    warning_dispose,
    warning_link_cases,
)
from analysis.warning_views import FLOW
from disputes.models import DisputeEvent
from disputes.services import disputes_link
from govcenter.steps import steps_offered

from .warning_helpers import at, case, warnings_sweep

K = WarningRule.Kind


@pytest.fixture
def repeat(world):
    """The repeat-respondent warning of 东山村 (township 1): three cases against 宏达."""
    cases = [case(world, when=at(day)) for day in range(3)]
    warnings_sweep(at=at(4))
    return Warning.objects.get(rule__kind=K.REPEAT_RESPONDENT), cases


def _url(w):
    return reverse("analysis:warning_link_cases", args=[w.pk])


def test_the_township_links_the_three_cases_in_one_step(world, repeat, login):
    w, cases = repeat
    assert "link_cases" in steps_offered(FLOW, world.township1_user, w)
    r = login(world.township1_user).post(_url(w), {"link_cases-note": "同一公司欠薪"})
    assert r.status_code == 302 and r.url == w.get_absolute_url()
    for d in cases:
        d.refresh_from_db()
    assert cases[0].link_group_id is not None
    assert {d.link_group_id for d in cases} == {cases[0].link_group_id}
    for d in cases:  # each case's timeline names the two others
        event = d.events.get(kind=DisputeEvent.Kind.LINKED)
        others = {c.number for c in cases if c.pk != d.pk}
        assert all(n in event.note for n in others), event.note
        assert "同一公司欠薪" in event.note
    event = w.events.get(kind=WarningEvent.Kind.CASES_LINKED)
    assert all(d.number in event.note for d in cases) and event.actor == world.township1_user
    # Done: the step is no longer offered, and the page marks each case as linked.
    assert "link_cases" not in steps_offered(FLOW, world.township1_user, w)
    page = login(world.township1_user).get(w.get_absolute_url()).content.decode()
    assert page.count("linked</span>") == 3


def test_a_case_already_in_a_group_brings_its_group_along(world, repeat):
    w, cases = repeat
    other = case(world, when=at(1), respondent="别的公司", applicant="李四")
    disputes_link(disputes=[cases[0], other], actor=world.village1_user, at=at(5))
    warning_link_cases(warning=w, actor=world.district1, at=at(6))
    for d in [*cases, other]:
        d.refresh_from_db()
    assert len({d.link_group_id for d in [*cases, other]}) == 1


def test_only_the_centres_that_judge_it_link(world, repeat, login):
    w, cases = repeat
    for who in (world.village1_user, world.station1):  # they see the warning, but do not judge it
        assert not can_link_cases(who, w)
        r = login(who).post(_url(w), {})
        assert r.status_code == 302
        assert not any(type(d).objects.get(pk=d.pk).link_group_id for d in cases)
    with pytest.raises(WarningError):
        warning_link_cases(warning=w, actor=world.village1_user, at=at(5))


def test_outside_the_jurisdiction_is_404_and_anonymous_goes_to_the_login(world, repeat, login):
    from django.test import Client

    w, _cases = repeat
    assert login(world.township2_user).post(_url(w), {}).status_code == 404
    client = Client()
    r = client.post(_url(w), {})
    assert r.status_code == 302 and "login" in r.url
    assert client.get(_url(w)).status_code in (302, 405)


def test_not_offered_on_a_closed_warning(world, repeat):
    w, _cases = repeat
    w = warning_acknowledge(warning=w, actor=world.township1_user, at=at(5))
    w = warning_dispose(warning=w, actor=world.township1_user, at=at(5), disposal="joint_mediation")
    warning_close(warning=w, actor=world.township1_user, at=at(6), note="已化解")
    w.refresh_from_db()
    assert "link_cases" not in steps_offered(FLOW, world.township1_user, w)
    assert not can_link_cases(world.township1_user, w)


def test_the_cases_linked_are_those_the_user_may_link(world, repeat):
    """A warning over two townships: the district links all its cases; the list the step would
    link is recomputed from the ledger's rule for each user."""
    w, cases = repeat
    assert [d.pk for d in cases_to_link(world.district1, w)] == sorted(d.pk for d in cases)
    assert [d.pk for d in cases_to_link(world.township2_user, w)] == []
