"""A log's page on a phone (issue 16, item 4): the steps (反馈, 上报, 转为矛盾纠纷) come first,
as on a dispute's page, the fact sheet after them; who may see the page at all."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from .helpers import file_log, reported

pytestmark = pytest.mark.usefixtures("world_for_the_module")


def test_the_steps_come_before_the_fact_sheet(world, login):
    log = reported(world, matter="村道路灯损坏")
    response = login(world.village1_user).get(log.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    steps = html.index('id="actions-panel"')
    assert steps < html.index("村道路灯损坏"), "the steps sit above the matter"
    panel = html[steps : html.index("</aside>", steps)]
    offered = re.findall(r'data-action="([a-z_]+)"', panel)
    assert {"feedback", "report", "dispute"} <= set(offered), offered
    assert "accordion-button" in panel and "What you can do" in panel


def test_the_panel_is_there_only_with_steps_to_take(world, login):
    log = reported(world)
    for user in (world.grid1_user, world.village1_user, world.township1_user, world.police1, world.district1):
        response = login(user).get(log.get_absolute_url())
        assert response.status_code == 200
        assert ('id="actions-panel"' in response.content.decode()) == bool(response.context["actions"]), user


def test_the_log_page_is_not_found_outside_the_jurisdiction(world, login):
    log = file_log(world)
    assert login(world.village2_user).get(log.get_absolute_url()).status_code == 404


def test_the_log_page_asks_anonymous_users_to_log_in(world, client):
    log = file_log(world)
    response = client.get(log.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
