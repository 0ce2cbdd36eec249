"""Every publicity page for a user who may, a user of another jurisdiction (404, also on
write URLs), a role that sees but may not act (403), and an anonymous visitor (login);
bad input re-renders with messages and what was typed; constant query counts."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from publicity import services as s
from publicity.models import Activity, Assignment, Campaign, VillageDistribution

from .helpers import JPEG, PDF, PNG, activity, approved, at, draft, handed_out, pdf, submitted

Status = Campaign.Status


@pytest.fixture(autouse=True)
def english(client, settings, tmp_path):
    # Assertions read English messages; the default UI language is Chinese.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def live(world, monkeypatch):
    """A campaign with a PDF leaflet, distributed to township 1 and handed out: grid 1 and 1b
    by village 1, grid 2 by village 2; grid 1 has recorded one activity. Today is 10 June."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(9))
    c = handed_out(world, leaflet=pdf())
    d2 = c.distributions.get(village=world.village2)
    s.assignments_hand_out(
        distribution=d2, actor=world.village2_user, at=at(-6), grids=[world.grid2], due_on=datetime.date(2026, 6, 20)
    )
    world.campaign = c
    world.a1 = Assignment.objects.get(grid=world.grid1)
    world.a2 = Assignment.objects.get(grid=world.grid2)
    world.d1 = c.distributions.get(village=world.village1)
    world.activity1 = activity(world, world.a1)
    return world


def url(name, *args):
    return reverse(f"publicity:{name}", args=args)


# --- the jurisdiction matrix -----------------------------------------------------------------

# (url name, args from the world, users who see it)
OBJECT_PAGES = [
    ("detail", lambda w: [w.campaign.pk]),
    ("progress", lambda w: [w.campaign.pk]),
    ("leaflet", lambda w: [w.campaign.pk]),
    ("hand_out", lambda w: [w.d1.pk]),
    ("assignment", lambda w: [w.a1.pk]),
]
LIST_PAGES = ["list", "distributions", "my_assignments", "assignments", "activities", "activity_export"]


@pytest.mark.parametrize("name,args", OBJECT_PAGES)
@pytest.mark.parametrize(
    "who", ["district1", "township1_user", "village1_user", "grid1_user", "police1", "station1", "admin"]
)
def test_people_of_the_jurisdiction_see_village1_pages(live, login, name, args, who):
    response = login(getattr(live, who)).get(url(name, *args(live)))
    assert response.status_code == 200, (who, name)


@pytest.mark.parametrize("name,args", OBJECT_PAGES)
@pytest.mark.parametrize("who", ["township2_user", "village3_user", "station2_user", "dept1", "police3"])
def test_other_jurisdictions_get_404(live, login, name, args, who):
    assert login(getattr(live, who)).get(url(name, *args(live))).status_code == 404, who


@pytest.mark.parametrize("name,args", [("hand_out", lambda w: [w.d1.pk]), ("assignment", lambda w: [w.a1.pk])])
def test_village2_and_its_grid_worker_get_404_for_village1s_copy(live, login, name, args):
    for user in (live.village2_user, live.grid2_user):
        assert login(user).get(url(name, *args(live))).status_code == 404


@pytest.mark.parametrize(
    "name,args",
    OBJECT_PAGES
    + [
        ("edit", lambda w: [w.campaign.pk]),
        ("distribute", lambda w: [w.campaign.pk]),
        ("activity_create", lambda w: [w.a1.pk]),
    ],
)
def test_anonymous_is_sent_to_login(live, client, name, args):
    response = client.get(url(name, *args(live)))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("name", LIST_PAGES + ["create", "review_queue"])
def test_anonymous_is_sent_to_login_from_lists(world, client, name):
    response = client.get(url(name))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("name", LIST_PAGES)
@pytest.mark.parametrize("who", ["district1", "village1_user", "grid1_user", "station1", "dept1", "admin"])
def test_list_pages_answer_everyone_logged_in(live, login, name, who):
    assert login(getattr(live, who)).get(url(name)).status_code == 200


def test_village2_sees_only_its_own_grids_assignments(live, login):
    client = login(live.village2_user)
    page = client.get(url("assignments")).content.decode()
    assert live.grid2.name in page and live.grid1.name not in page and live.grid1b.name not in page
    page = client.get(url("distributions")).content.decode()
    assert live.village2.name in page and live.village1.name not in page
    page = client.get(url("progress", live.campaign.pk)).content.decode()
    assert live.village2.name in page and live.village1.name not in page
    assert client.get(url("activities")).content.decode().count("东山村文化礼堂") == 0
    # Filtering by another village's id does not reach it either.
    response = client.get(url("assignments"), {"village": live.village1.pk})
    assert live.grid1.name not in response.content.decode()


def test_grid1_sees_only_its_own_assignment(live, login):
    page = login(live.grid1_user).get(url("my_assignments")).content.decode()
    assert live.campaign.title in page and live.grid1.name in page and live.grid1b.name not in page


def test_drafts_are_seen_by_the_drafting_centre_only(world, login):
    c = draft(world.village1_user, title="村里的草稿")
    assert login(world.village1_user).get(url("detail", c.pk)).status_code == 200
    for other in (world.district1, world.township1_user, world.village2_user, world.grid1_user):
        assert login(other).get(url("detail", c.pk)).status_code == 404, other
    s.campaign_submit(campaign=c, actor=world.village1_user, at=at(-9))
    assert login(world.district1).get(url("detail", c.pk)).status_code == 200
    assert login(world.township1_user).get(url("detail", c.pk)).status_code == 404
    assert login(world.grid1_user).get(url("detail", c.pk)).status_code == 404


def test_approved_but_undistributed_campaign_is_not_seen_by_villages(world, login):
    c = submitted(world)
    s.campaign_approve(campaign=c, actor=world.district1, at=at(-8))
    assert login(world.village1_user).get(url("detail", c.pk)).status_code == 404
    assert login(world.township1_user).get(url("detail", c.pk)).status_code == 200  # it drafted it


# --- roles that see but may not act: 403 --------------------------------------------------------


def test_write_pages_refuse_roles_that_only_read(live, login):
    assert login(live.grid1_user).get(url("create")).status_code == 403
    assert login(live.village1_user).get(url("review_queue")).status_code == 403
    assert login(live.village1_user).get(url("distribute", live.campaign.pk)).status_code == 403
    assert login(live.village1_user).get(url("edit", live.campaign.pk)).status_code == 403
    assert login(live.village1_user).get(url("activity_create", live.a1.pk)).status_code == 403
    assert login(live.township1_user).post(url("hand_out", live.d1.pk), {}).status_code == 403
    assert login(live.grid2_user).get(url("activity_create", live.a1.pk)).status_code == 404


def test_review_steps_are_post_only(live, login):
    client = login(live.district1)
    for name in ("submit", "approve", "return", "close"):
        assert client.get(url(name, live.campaign.pk)).status_code == 405


def test_a_step_refused_by_the_service_is_a_message_not_an_error(live, login):
    client = login(live.village1_user)
    response = client.post(url("approve", live.campaign.pk), {"approve-note": ""}, follow=True)
    assert response.status_code == 200
    assert "Only a submitted campaign can be approved" in response.content.decode()
    live.campaign.refresh_from_db()
    assert live.campaign.status == Status.DISTRIBUTED


# --- the scenario of the issue, through the pages ------------------------------------------------


def test_the_whole_flow_through_the_pages(world, login, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(0))
    client = login(world.township1_user)
    response = client.post(
        url("create"),
        {
            "title": "防范电信网络诈骗",
            "topic": "anti_fraud",
            "content": "不听不信不转账",
            "audiences": ["all_residents", "elderly"],
            "allowed_forms": ["door_to_door"],
            "starts_on": "2026-06-01",
            "ends_on": "2026-06-30",
            "leaflet": io.BytesIO(PNG) and _upload("传单.png", PNG),
        },
    )
    c = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == c.get_absolute_url()
    assert c.leaflet_type == "image/png"
    client.post(url("submit", c.pk), {"submit-note": ""})
    c.refresh_from_db()
    assert c.status == Status.SUBMITTED

    client = login(world.district1)
    assert c.title in client.get(url("review_queue")).content.decode()
    response = client.post(url("return", c.pk), {"return-note": ""})
    assert response.status_code == 200 and "Say what should be changed" in response.content.decode()
    client.post(url("return", c.pk), {"return-note": "请写明反诈专线96110"})
    c.refresh_from_db()
    assert c.status == Status.RETURNED

    client = login(world.township1_user)
    response = client.get(url("edit", c.pk))
    assert "请写明反诈专线96110" in response.content.decode()
    client.post(
        url("edit", c.pk),
        {
            "title": "防范电信网络诈骗",
            "topic": "anti_fraud",
            "content": "不听不信不转账，专线96110",
            "audiences": ["all_residents"],
            "allowed_forms": ["door_to_door"],
            "starts_on": "2026-06-01",
            "ends_on": "2026-06-30",
        },
    )
    client.post(url("submit", c.pk), {"submit-note": "已补充"})

    client = login(world.district1)
    client.post(url("approve", c.pk), {"approve-note": ""})
    response = client.get(url("distribute", c.pk))
    assert world.village1.name in response.content.decode()
    client.post(url("distribute", c.pk), {"townships": [world.township1.pk]})
    c.refresh_from_db()
    assert c.status == Status.DISTRIBUTED
    assert set(VillageDistribution.objects.values_list("village", flat=True)) == {world.village1.pk, world.village2.pk}
    response = client.post(url("distribute", c.pk), {"townships": [world.township1.pk]}, follow=True)
    assert "nothing was sent twice" in response.content.decode()
    assert VillageDistribution.objects.count() == 2

    client = login(world.village1_user)
    d1 = VillageDistribution.objects.get(village=world.village1)
    response = client.get(url("hand_out", d1.pk))
    assert world.grid1.name in response.content.decode() and world.grid1b.name in response.content.decode()
    client.post(url("hand_out", d1.pk), {"grids": [world.grid1.pk, world.grid1b.pk], "due_on": "2026-06-20"})
    assert Assignment.objects.count() == 2
    response = client.post(url("hand_out", d1.pk), {"grids": [world.grid1.pk], "due_on": "2026-06-20"})
    assert response.status_code == 200  # grid 1 is no longer offered: a form error, not a second assignment
    assert Assignment.objects.count() == 2

    client = login(world.grid1_user)
    a = Assignment.objects.get(grid=world.grid1)
    assert a.campaign.title in client.get(url("my_assignments")).content.decode()
    response = client.post(url("assignment_complete", a.pk), {"complete-note": ""}, follow=True)
    assert "Record at least one activity" in response.content.decode()
    for place, people in (("3组晒谷场", 15), ("5组祠堂", 22)):
        response = client.post(
            url("activity_create", a.pk),
            {
                "form": "door_to_door",
                "held_on": "2026-06-01",
                "held_time": "08:30",
                "place": place,
                "participants": people,
                "households": 6,
                "matter": "",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    client.post(url("assignment_complete", a.pk), {"complete-note": "两次入户宣传"})
    a.refresh_from_db()
    assert a.is_done and a.activities.count() == 2

    client = login(world.district1)
    page = client.get(url("progress", c.pk)).content.decode()
    assert 'data-figure="covered">1<' in page and 'data-figure="assigned">2<' in page
    assert 'data-figure="activities">2<' in page and 'data-figure="participants">37<' in page
    assert 'data-figure="households">12<' in page and 'data-figure="done">1<' in page
    assert 'id="progress-data"' in page and "chart.umd.min.js" in page

    page = login(world.village2_user).get(url("assignments")).content.decode()
    assert world.grid1.name not in page


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


# --- bad input keeps what was typed ------------------------------------------------------------


def _campaign_post(**overrides):
    values = {
        "title": "防溺水安全教育",
        "topic": "anti_drowning",
        "content": "不私自下水游泳",
        "audiences": ["left_behind_children", "schools"],
        "allowed_forms": ["centralised"],
        "starts_on": "2026-07-01",
        "ends_on": "2026-07-31",
    }
    values.update(overrides)
    return values


def test_end_before_start_is_a_message_with_input_kept(world, login):
    response = login(world.village1_user).post(url("create"), _campaign_post(ends_on="2026-06-15"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in page
    assert 'value="防溺水安全教育"' in page and "不私自下水游泳" in page and 'value="2026-06-15"' in page
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("传单.pdf", b"This is a plain text file pretending to be a PDF.", "not really a PDF"),
        ("传单.png", PDF, "not really a PNG"),
        ("传单.txt", b"hello", "must be a PDF, JPG or PNG"),
        ("传单.exe", b"MZ\x90\x00", "must be a PDF, JPG or PNG"),
    ],
)
def test_a_leaflet_that_is_not_a_pdf_or_image_is_refused(world, login, name, content, message):
    response = login(world.village1_user).post(url("create"), _campaign_post(leaflet=_upload(name, content)))
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert 'value="防溺水安全教育"' in page
    assert not Campaign.objects.exists()


def test_a_leaflet_over_the_size_limit_is_refused(world, login, settings):
    settings.PUBLICITY_LEAFLET_MAX_BYTES = 1024
    big = _upload("传单.pdf", PDF + b"0" * 2048)
    response = login(world.village1_user).post(url("create"), _campaign_post(leaflet=big))
    assert response.status_code == 200 and "larger than" in response.content.decode()
    assert not Campaign.objects.exists()


def test_negative_participants_are_a_message_with_input_kept(live, login):
    response = login(live.grid1_user).post(
        url("activity_create", live.a1.pk),
        {
            "form": "door_to_door",
            "held_on": "2026-06-09",
            "held_time": "09:00",
            "place": "村委会门口",
            "participants": "-5",
            "households": "3",
            "matter": "发放传单",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The number of participants cannot be negative." in page
    assert 'value="村委会门口"' in page and "发放传单" in page and 'value="-5"' in page
    assert Activity.objects.count() == 1  # only the fixture's


def test_activity_in_the_future_is_a_message(live, login):
    response = login(live.grid1_user).post(
        url("activity_create", live.a1.pk),
        {
            "form": "door_to_door",
            "held_on": "2026-06-11",
            "place": "村委会门口",
            "participants": "5",
            "households": "3",
        },
    )
    assert response.status_code == 200 and "cannot be in the future" in response.content.decode()


def test_hand_out_with_a_bad_due_date_keeps_the_choice(live, login):
    c = live.campaign
    d3 = live.d1
    Assignment.objects.filter(distribution=d3).delete()
    response = login(live.village1_user).post(
        url("hand_out", d3.pk), {"grids": [live.grid1.pk], "due_on": "2026-08-01"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "within the campaign period" in page
    assert 'value="2026-08-01"' in page
    assert not Assignment.objects.filter(campaign=c, village=live.village1).exists()


def test_distribute_without_a_choice_is_a_message(live, login):
    c = submitted(live, title="第二个")
    s.campaign_approve(campaign=c, actor=live.district1, at=at(-8))
    response = login(live.district1).post(url("distribute", c.pk), {})
    assert response.status_code == 200 and "Choose at least one township or village" in response.content.decode()


# --- leaflet ------------------------------------------------------------------------------------


def test_pdf_leaflet_is_downloaded_by_those_who_see_the_campaign(live, login):
    # A PDF can carry JavaScript: it is a download, never shown inside the portal (not even framed).
    response = login(live.grid1_user).get(url("leaflet", live.campaign.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Frame-Options"] == "DENY"
    assert b"".join(response.streaming_content) == PDF
    page = login(live.grid1_user).get(url("detail", live.campaign.pk)).content.decode()
    assert "<iframe" not in page and f'href="{url("leaflet", live.campaign.pk)}"' in page


def test_image_leaflet_is_shown_inline(world, login):
    c = draft(world.village1_user, leaflet=_upload("传单.jpg", JPEG))
    page = login(world.village1_user).get(url("detail", c.pk)).content.decode()
    assert f'<img src="{url("leaflet", c.pk)}"' in page
    response = login(world.village1_user).get(url("leaflet", c.pk))
    assert response["Content-Type"] == "image/jpeg" and response["Content-Disposition"].startswith("inline")


# --- export ---------------------------------------------------------------------------------


def test_export_holds_the_filtered_activities_of_the_jurisdiction(live, login):
    activity(live, live.a2, worker=live.grid2_user, participants=9, households=4, place="西岭村口")
    response = login(live.village1_user).get(url("activity_export"), {"campaign": live.campaign.pk})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert len(rows) == 2  # header + village 1's one activity (not village 2's)
    assert rows[1][4] == live.grid1.name and rows[1][8] == 12 and rows[1][9] == 5
    response = login(live.district1).get(url("activity_export"))
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 3


# --- query counts ---------------------------------------------------------------------------


def _grow(world, n):
    """n more campaigns distributed to township 1 and handed to grid 1, each with an activity."""
    for i in range(n):
        c = handed_out(world, grids=[world.grid1, world.grid1b], title=f"宣传{i}")
        activity(world, Assignment.objects.get(campaign=c, grid=world.grid1))


@pytest.mark.parametrize(
    "name,who",
    [
        ("list", "district1"),
        ("list", "grid1_user"),
        ("review_queue", "district1"),
        ("distributions", "village1_user"),
        ("distributions", "township1_user"),
        ("my_assignments", "grid1_user"),
        ("assignments", "district1"),
        ("activities", "township1_user"),
    ],
)
def test_list_query_counts_do_not_grow_with_rows(live, login, django_assert_max_num_queries, name, who):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(getattr(live, who))
    _grow(live, 1)
    submitted(live, title="待审")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(name)).status_code == 200
    _grow(live, 6)
    for i in range(4):
        submitted(live, title=f"待审{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(name)).status_code == 200


# --- write URLs: other jurisdictions get 404, anonymous visitors the login page -------------------

WRITE_URLS = [
    ("edit", lambda w: [w.campaign.pk]),
    ("distribute", lambda w: [w.campaign.pk]),
    ("submit", lambda w: [w.campaign.pk]),
    ("approve", lambda w: [w.campaign.pk]),
    ("return", lambda w: [w.campaign.pk]),
    ("close", lambda w: [w.campaign.pk]),
    ("hand_out", lambda w: [w.d1.pk]),
    ("activity_create", lambda w: [w.a1.pk]),
    ("assignment_complete", lambda w: [w.a1.pk]),
]


@pytest.mark.parametrize("name,args", WRITE_URLS)
def test_write_urls_answer_404_outside_the_jurisdiction(live, login, name, args):
    for user in (live.township2_user, live.village3_user, live.dept1, live.station2_user):
        assert login(user).post(url(name, *args(live)), {}).status_code == 404, (name, user)
    live.campaign.refresh_from_db()
    assert live.campaign.status == Status.DISTRIBUTED
    assert Assignment.objects.count() == 3 and not Assignment.objects.filter(done_at__isnull=False).exists()


@pytest.mark.parametrize("name,args", WRITE_URLS)
def test_write_urls_send_anonymous_visitors_to_login(live, client, name, args):
    response = client.post(url(name, *args(live)), {})
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_village2_cannot_complete_or_record_for_village1s_grid(live, login):
    for user in (live.village2_user, live.grid2_user):
        client = login(user)
        assert client.post(url("assignment_complete", live.a1.pk), {}).status_code == 404
        assert client.post(url("activity_create", live.a1.pk), {}).status_code == 404
    live.a1.refresh_from_db()
    assert not live.a1.is_done


# --- fewer steps (issue 16) ---------------------------------------------------------------------


def test_a_village_clerk_on_the_campaign_page_finds_hand_to_grids(world, login, client):
    """Tapping a distributed campaign's title is no dead end for the village that received it."""
    c = approved(world)
    s.campaign_distribute(campaign=c, actor=world.district1, at=at(-7), areas=[world.township1])
    d1 = c.distributions.get(village=world.village1)
    page = login(world.village1_user).get(url("detail", c.pk)).content.decode()
    assert f'id="hand-out" href="{url("hand_out", d1.pk)}"' in page
    # The other village of the township sees its own, the district none (it does not hand out).
    d2 = c.distributions.get(village=world.village2)
    page = login(world.village2_user).get(url("detail", c.pk)).content.decode()
    assert f'id="hand-out" href="{url("hand_out", d2.pk)}"' in page and url("hand_out", d1.pk) not in page
    assert 'id="hand-out"' not in login(world.district1).get(url("detail", c.pk)).content.decode()
    assert login(world.village3_user).get(url("detail", c.pk)).status_code == 404  # not sent to its township
    client.logout()
    response = client.get(url("detail", c.pk))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_door_to_door_activity_is_recorded_without_a_place_and_others_still_need_one(live, login, client):
    c = login(live.grid1_user)
    page = c.get(url("activity_create", live.a1.pk)).content.decode()
    assert f"{live.campaign.title} · {live.grid1.name}. It is filed as a people" in page  # one sentence
    data = {"held_on": "2026-06-09", "held_time": "08:30", "place": "", "participants": 9, "households": 4}
    response = c.post(url("activity_create", live.a1.pk), {**data, "form": "centralised"})
    assert response.status_code == 200 and response.context["form"].errors["place"]
    response = c.post(url("activity_create", live.a1.pk), {**data, "form": "door_to_door"})
    assert response.status_code == 302
    assert live.a1.activities.count() == 2
    assert login(live.grid2_user).get(url("activity_create", live.a1.pk)).status_code == 404
    client.logout()
    response = client.get(url("activity_create", live.a1.pk))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_district_staff_publish_their_own_campaign_from_its_page(world, login, client):
    c = draft(world.district1)
    actions = [a.name for a in login(world.district1).get(url("detail", c.pk)).context["actions"]]
    assert actions == ["publish"]  # no "submit to the district centre" to itself
    assert login(world.village1_user).post(url("publish", c.pk), {"publish-note": ""}).status_code == 404
    client.logout()
    response = client.post(url("publish", c.pk), {"publish-note": ""})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    response = login(world.district1).post(url("publish", c.pk), {"publish-note": ""}, follow=True)
    c.refresh_from_db()
    assert c.status == Campaign.Status.APPROVED
    assert "Campaign published. Distribute it to townships and villages next." in response.content.decode()
