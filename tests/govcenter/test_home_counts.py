"""The figures on the home page's buttons (issue 16.2): what waits behind each button, one
query per figure whatever the size of the tables, each equal to the rows of the list the
button opens and to a recount in plain Python."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disputes import services as dispute_services
from disputes.models import Dispute
from govcenter.context_processors import quick_actions
from publicity import services as publicity_services
from publicity.models import Assignment, Campaign, VillageDistribution
from sentiment.models import AgencyMatter, Log
from tests.disputes.helpers import register
from tests.publicity.helpers import activity, approved, handed_out
from tests.publicity.helpers import at as publicity_at
from tests.sentiment.helpers import file_log, reported

pytestmark = pytest.mark.usefixtures("world_for_the_module")


def figures(user) -> dict[str, tuple[str, int | None]]:
    """label -> (url, count) of the user's home buttons."""
    return {str(a["label"]): (a["url"], a["count"]) for a in quick_actions(user)}


def home_badges(client) -> list[str]:
    html = client.get(reverse("home")).content.decode()
    return [part.split('"', 1)[0] for part in html.split('data-count="')[1:]]


def make_waiting_work(world, n: int) -> None:
    """n of each: disputes registered by grid 1's worker (waiting for the village to accept),
    logs reported to the village, agency matters, and one more campaign for village 1."""
    for _ in range(n):
        register(world.grid1_user, grid=world.grid1, when=timezone.now())
        reported(world)
        file_log(world, next_step=Log.NextStep.AGENCY)


def test_home_buttons_count_in_constant_queries(world, login, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: publicity_at(9))
    make_waiting_work(world, 1)
    for user in (world.village1_user, world.grid1_user, world.district1, world.dept1, world.township1_user):
        client = login(user)
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("home"))
        make_waiting_work(world, 3)
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("home"))
        assert len(many) == len(few), user.username


def test_village_clerk_figures_equal_their_lists_and_a_recount(world, login, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: publicity_at(9))
    make_waiting_work(world, 3)
    accepted = register(world.grid1_user, grid=world.grid1, when=timezone.now())
    dispute_services.dispute_accept(dispute=accepted, actor=world.village1_user, at=timezone.now())
    register(world.grid2_user, grid=world.grid2, when=timezone.now())  # village 2's
    handed_out(world, grids=[world.grid1])  # village 1 has handed this one out
    other = approved(world, title="第二个宣传活动")
    publicity_services.campaign_distribute(
        campaign=other, actor=world.district1, at=publicity_at(-7), areas=[world.township1]
    )  # village 1 has not handed this one out yet

    clerk = world.village1_user
    client = login(clerk)
    shown = figures(clerk)

    url, count = shown["Disputes to accept"]
    recount = sum(
        1
        for d in Dispute.objects.all()
        if d.village_id == world.village1.pk and d.status == "registered" and d.level == "village"
    )
    assert count == recount == 3
    assert client.get(url).context["count"].value == count

    url, count = shown["Incoming logs"]
    recount = sum(1 for log in Log.objects.all() if log.village_id == world.village1.pk and log.status == "new")
    assert count == recount == 3
    assert len(list(client.get(url).context["page"])) == count

    url, count = shown["Agency matters"]
    recount = sum(1 for m in AgencyMatter.objects.all() if m.village_id == world.village1.pk and m.status == "open")
    assert count == recount == 3
    assert len(list(client.get(url).context["page"])) == count

    url, count = shown["Campaigns to hand to grids"]
    recount = sum(
        1
        for d in VillageDistribution.objects.all()
        if d.village_id == world.village1.pk and d.campaign.status == "distributed" and not d.assignments.exists()
    )
    assert count == recount == 1
    rows = list(client.get(url).context["page"])
    assert sum(1 for d in rows if d.n_assigned == 0 and d.may_hand_out) == count

    assert home_badges(client) == ["3", "3", "1", "3"]  # logs, disputes, campaigns, agency matters


def test_grid_worker_district_and_department_figures_equal_their_lists(world, login, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: publicity_at(9))
    handed_out(world)  # grid 1 and grid 1b
    a1 = Assignment.objects.get(grid=world.grid1)
    activity(world, a1)  # started
    other = approved(world, title="第二个宣传活动")
    publicity_services.campaign_distribute(
        campaign=other, actor=world.district1, at=publicity_at(-7), areas=[world.township1]
    )
    d1 = other.distributions.get(village=world.village1)
    publicity_services.assignments_hand_out(
        distribution=d1, actor=world.village1_user, at=publicity_at(-6), grids=[world.grid1], due_on=a1.due_on
    )  # not started
    publicity_services.campaign_submit(
        campaign=publicity_services.campaign_create(
            actor=world.township1_user, at=publicity_at(-5), data=_campaign_data("待审核")
        ),
        actor=world.township1_user,
        at=publicity_at(-4),
    )

    worker = world.grid1_user
    url, count = figures(worker)["My publicity assignments"]
    serves = {world.grid1.pk}
    recount = sum(
        1 for a in Assignment.objects.all() if a.grid_id in serves and a.done_at is None and not a.activities.exists()
    )
    assert count == recount == 1
    rows = list(login(worker).get(url).context["page"])
    assert sum(1 for a in rows if a.done_at is None and a.n_activities == 0) == count

    url, count = figures(world.district1)["Campaigns to review"]
    recount = sum(1 for c in Campaign.objects.all() if c.status == "submitted" and c.district_id == world.district.pk)
    assert count == recount == 1
    assert login(world.district1).get(url).context["page"].paginator.count == count

    case = register(world.district1, township=world.township1, source="hotline_12345")
    dispute_services.dispute_accept(dispute=case, actor=world.district1, at=timezone.now())
    dispute_services.dispute_escalate(
        dispute=case, actor=world.district1, at=timezone.now(), reason="交办", department=world.department
    )
    url, count = figures(world.dept1)["Cases assigned to us"]
    recount = sum(1 for d in Dispute.objects.all() if d.department_id == world.department.pk and d.is_open)
    assert count == recount == 1
    assert login(world.dept1).get(url).context["count"].value == count


def test_a_figure_on_a_button_says_what_it_counts(world, login):
    register(world.grid1_user, grid=world.grid1, when=timezone.now())
    client = login(world.village1_user)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("home")).content.decode()
    assert 'data-count="1">1<span class="visually-hidden"> to accept</span>' in html


def test_anonymous_users_get_the_login_page_not_figures(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def _campaign_data(title: str):
    from tests.publicity.helpers import data

    return data(title=title)
