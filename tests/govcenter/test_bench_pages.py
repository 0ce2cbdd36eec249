"""The two pages ``make bench`` measures every page against (bench/urls.py): the limit page, a
bare Django page of 50 ledger rows, and the layout page, the portal's frame with nothing in
it. Their query counts are what the benchmark's ratios rest on."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes.models import Dispute

from ..disputes.ledger_helpers import register

pytestmark = [pytest.mark.usefixtures("world_for_the_module"), pytest.mark.urls("bench.urls")]


def _get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, len(ctx.captured_queries)


def test_the_limit_page_lists_the_newest_50_cases_in_one_query_of_its_own(world, login):
    for i in range(3):
        register(world.grid1_user, grid=world.grid1, summary=f"基准页{i}")
    response, n = _get(login(world.district1), "/bench/limit/")
    assert response.status_code == 200
    html = response.content.decode()
    newest = Dispute.objects.order_by("-pk")[:50]
    assert html.count("<tr>") == len(newest)
    assert all(d.number in html for d in newest)
    assert n == 3  # the session and the user (every signed-in request), its rows


def test_the_layout_page_is_the_portals_frame_with_nothing_in_it(world, login):
    response, n = _get(login(world.district1), "/bench/layout/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="mainnav"' in html and "<main" in html
    # The session, the user with its home, the navbar's counts (open warnings, unread notifications).
    assert n == 3


def test_the_layout_page_asks_a_stranger_to_sign_in(client):
    response = client.get("/bench/layout/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
