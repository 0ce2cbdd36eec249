"""The police review queue (待公安研判, ``govcenter.police``): which disputes and logs enter
it, once, with one notification to the police of the place; the opinion step that takes
them out; reminders, overdue supervision, the admin's time limit; the queue page."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from disputes import services as ds
from disputes.deadlines import end_of_day
from disputes.models import Dispute, DisputeEvent, PoliceReviewPolicy
from govcenter import police
from govcenter.models import Notification, ReminderSent
from govcenter.police import ReviewState
from govcenter.reminders import reminders_send
from sentiment import services as ls
from sentiment.models import Log, LogEvent
from sentiment.views import FLOW as LOG_FLOW
from tests.disputes.helpers import T0, at, register
from tests.sentiment.helpers import file_log

pytestmark = pytest.mark.usefixtures("world_for_the_module")

QUEUE = reverse("police_queue")
# Thursday: three working days after Monday T0 (the migration's default policy).
DUE = end_of_day(datetime.date(2026, 11, 5))


def _xlsx(response) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def _new_notifications(since: int) -> list[tuple[str, str]]:
    return sorted(
        (n.recipient.username, n.title) for n in Notification.objects.filter(pk__gt=since).select_related("recipient")
    )


def _last_notification() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _queued_kinds(world):
    """One entry of every kind in the station's area, and items that must stay out."""
    w = world
    return {
        "criminal": register(w.grid1_user, grid=w.grid1, risk_criminal=True, summary="民转刑风险纠纷"),
        "mass": register(w.village2_user, village=w.village2, risk_mass_incident=True, summary="群体性风险纠纷"),
        "major": register(w.grid1_user, grid=w.grid1, risk_level="major", summary="重大风险纠纷"),
        "fraud": register(w.grid1_user, grid=w.grid1, category=Dispute.Category.ONLINE_FRAUD, summary="刷单诈骗"),
        "hazard": file_log(w, category=Log.Category.SECURITY_HAZARD, matter="废弃厂房有人聚集赌博"),
        "incident": file_log(w, kind=Log.Kind.INCIDENT, category=Log.Category.OTHER, matter="村口发生斗殴"),
    }


def _not_queued(world):
    w = world
    return {
        "ordinary dispute": register(w.grid1_user, grid=w.grid1, summary="普通邻里纠纷"),
        "ordinary log": file_log(w, matter="询问低保"),
        "publicity on public security": file_log(
            w,
            kind=Log.Kind.PUBLICITY,
            category=Log.Category.SECURITY_HAZARD,
            matter="反诈宣传",
            publicity_form=Log.PublicityForm.CENTRALISED,
            participants=30,
            households_reached=20,
        ),
    }


# --- what enters, once ------------------------------------------------------------------------


def test_each_kind_enters_the_queue_and_appears_once_on_the_page(world, login):
    queued, others = _queued_kinds(world), _not_queued(world)
    for item in queued.values():
        assert item.police_review == ReviewState.PENDING and item.police_review_due_at == DUE
    for item in others.values():
        assert item.police_review == ""
    html = login(world.station1).get(QUEUE).content.decode()
    for name, item in queued.items():
        assert html.count(f'href="{item.get_absolute_url()}"') == 1, name
    for name, item in others.items():
        assert f'href="{item.get_absolute_url()}"' not in html, name


def test_the_queue_counts_match_the_rows(world, login):
    queued = _queued_kinds(world)
    sections = {s["key"]: s for s in login(world.police1).get(QUEUE).context["sections"]}
    n_disputes = sum(isinstance(i, Dispute) for i in queued.values())
    assert sections["disputes"]["count"] == len(sections["disputes"]["rows"]) == n_disputes
    assert sections["logs"]["count"] == len(sections["logs"]["rows"]) == len(queued) - n_disputes


def test_entries_leave_the_queue_when_the_opinion_is_given(world, login):
    queued = _queued_kinds(world)
    w = world
    ds.dispute_add_police_review(
        dispute=queued["fraud"], actor=w.station1, at=at(1), verdict="file_case", opinion="已立案侦查"
    )
    ls.log_give_police_opinion(
        log=queued["hazard"], actor=w.police1, at=at(1), verdict="police_intervene", opinion="已出警"
    )
    html = login(w.station1).get(QUEUE).content.decode()
    assert queued["fraud"].get_absolute_url() not in html
    assert queued["hazard"].get_absolute_url() not in html
    assert queued["criminal"].get_absolute_url() in html
    fraud = Dispute.objects.get(pk=queued["fraud"].pk)
    assert (fraud.police_review, fraud.police_verdict, fraud.police_review_due_at) == ("given", "file_case", None)
    assert Log.objects.get(pk=queued["hazard"].pk).police_verdict == "police_intervene"


def test_a_case_enters_once_with_one_notification_to_each_police_officer_of_the_place(world):
    w = world
    since = _last_notification()
    d = register(w.grid1_user, grid=w.grid1, risk_criminal=True, risk_mass_incident=True, risk_level="major")
    assert DisputeEvent.objects.filter(dispute=d, kind=DisputeEvent.Kind.POLICE_QUEUED).count() == 1
    police_news = [(u, t) for u, t in _new_notifications(since) if u in ("station1", "police1")]
    # Two recipients: the station's staff and the community police of grid1, once each.
    assert [u for u, _t in police_news] == ["police1", "station1"]
    assert all(d.number in t for _u, t in police_news)
    # Nobody of the other station, nor the auxiliary officer, hears of it.
    assert not {u for u, _t in _new_notifications(since)} & {"station2", "police3", "aux1"}
    # Asking again (another step touching the flags) neither re-enters nor re-notifies.
    again = _last_notification()
    assert ds.police_queue_check(Dispute.objects.get(pk=d.pk), at=at(1)) is False
    assert _new_notifications(again) == []


def test_a_case_the_police_already_judged_does_not_come_back_when_they_flag_it(world):
    w = world
    d = register(w.grid1_user, grid=w.grid1, category=Dispute.Category.ONLINE_FRAUD)
    ds.dispute_add_police_review(dispute=d, actor=w.police1, at=at(1), verdict="joint_mediation", opinion="联合调解")
    ds.dispute_add_police_review(
        dispute=d, actor=w.station1, at=at(2), verdict="police_intervene", opinion="有激化可能",
        flags_criminal_risk=True, flags_mass_incident=True,
    )  # fmt: skip
    d.refresh_from_db()
    assert d.risk_criminal and d.risk_mass_incident
    assert d.police_review == "given" and d.police_verdict == "police_intervene"
    assert DisputeEvent.objects.filter(dispute=d, kind=DisputeEvent.Kind.POLICE_QUEUED).count() == 1


def test_a_log_enters_once_and_notifies_the_police_of_its_grid(world):
    w = world
    since = _last_notification()
    log = file_log(w, kind=Log.Kind.INCIDENT, category=Log.Category.SECURITY_HAZARD, matter="深夜有人撬车")
    assert LogEvent.objects.filter(log=log, kind=LogEvent.Kind.POLICE_QUEUED).count() == 1
    assert sorted(u for u, _t in _new_notifications(since)) == ["police1", "station1"]


# --- the opinion step: who, when ------------------------------------------------------------


def test_the_log_opinion_step_is_offered_to_the_police_of_the_place_while_it_is_queued(world):
    w = world
    log = file_log(w, category=Log.Category.SECURITY_HAZARD)
    offered = {name for name in ("police1", "station1", "station2_user", "police3", "aux1", "grid1_user",
                                 "village1_user", "district1")
               if "police" in {a.name for a in LOG_FLOW.actions(getattr(w, name), log)}}  # fmt: skip
    assert offered == {"police1", "station1"}
    with pytest.raises(ls.LogError, match="Only police of this jurisdiction"):
        ls.log_give_police_opinion(log=log, actor=w.grid1_user, at=at(1), verdict="file_case", opinion="x")
    ls.log_give_police_opinion(log=log, actor=w.station1, at=at(1), verdict="no_police_matter", opinion="无治安问题")
    log.refresh_from_db()
    assert "police" not in {a.name for a in LOG_FLOW.actions(w.station1, log)}
    with pytest.raises(ls.LogError, match="does not await"):
        ls.log_give_police_opinion(log=log, actor=w.police1, at=at(2), verdict="file_case", opinion="再议")


def test_a_log_outside_the_queue_gets_no_police_opinion(world):
    log = file_log(world)
    with pytest.raises(ls.LogError, match="does not await"):
        ls.log_give_police_opinion(log=log, actor=world.station1, at=at(1), verdict="file_case", opinion="x")


def test_the_opinion_needs_a_verdict(world, login):
    d = register(world.grid1_user, grid=world.grid1, risk_criminal=True)
    client = login(world.station1)
    response = client.post(reverse("disputes:police_review", args=[d.pk]), {"opinion": "已走访"})
    assert response.status_code == 200  # the page again, the text kept
    assert "已走访" in response.content.decode()
    with pytest.raises(ds.DisputeError, match="verdict"):
        ds.dispute_add_police_review(dispute=d, actor=world.station1, at=at(1), verdict="", opinion="已走访")
    assert Dispute.objects.get(pk=d.pk).police_review == "pending"


def test_the_opinion_via_the_page_takes_the_case_out_and_shows_on_case_sheet_and_export(world, login):
    d = register(world.grid1_user, grid=world.grid1, risk_criminal=True)
    client = login(world.police1)
    client.post(
        reverse("disputes:police_review", args=[d.pk]), {"verdict": "police_intervene", "opinion": "派出所介入处置"}
    )
    assert Dispute.objects.get(pk=d.pk).police_review == "given"
    page = client.get(d.get_absolute_url()).content.decode()
    assert "派出所介入处置" in page and "Police intervene" in page
    sheet = client.get(reverse("disputes:print", args=[d.pk])).content.decode()
    assert "派出所介入处置" in sheet and "Police intervene" in sheet
    rows = _xlsx(login(world.village1_user).get(reverse("disputes:export_xlsx")))
    column = list(rows[0]).index("Police opinion")
    row = next(r for r in rows if r[0] == d.number)
    assert row[column] == "Police intervene: 派出所介入处置"


def test_a_log_opinion_through_the_page(world, login):
    log = file_log(world, kind=Log.Kind.INCIDENT, category=Log.Category.OTHER)
    client = login(world.station1)
    url = reverse("sentiment:police_opinion", args=[log.pk])
    client.post(url, {"police-verdict": "joint_mediation", "police-opinion": "联合调处"})
    log.refresh_from_db()
    assert log.police_review == "given" and log.police_verdict == "joint_mediation"
    assert "联合调处" in client.get(log.get_absolute_url()).content.decode()
    sheet = login(world.village1_user).get(reverse("sentiment:print", args=[log.pk])).content.decode()
    assert "联合调处" in sheet and "Joint police-mediation" in sheet
    rows = _xlsx(login(world.village1_user).get(reverse("sentiment:export_xlsx")))
    column = list(rows[0]).index("Police verdict")
    assert [r[column] for r in rows[1:]] == ["Joint police-mediation"]


# --- jurisdiction ---------------------------------------------------------------------------------


def test_police_of_another_station_get_404_and_do_not_see_the_entry(world, login):
    d = register(world.grid1_user, grid=world.grid1, risk_criminal=True)
    log = file_log(world, category=Log.Category.SECURITY_HAZARD)
    client = login(world.station2_user)
    assert client.get(d.get_absolute_url()).status_code == 404
    assert client.get(log.get_absolute_url()).status_code == 404
    opinion = {"verdict": "file_case", "opinion": "x"}
    assert client.post(reverse("disputes:police_review", args=[d.pk]), opinion).status_code == 404
    assert client.post(reverse("sentiment:police_opinion", args=[log.pk]), opinion).status_code == 404
    html = client.get(QUEUE).content.decode()
    assert d.get_absolute_url() not in html and log.get_absolute_url() not in html
    assert Dispute.objects.get(pk=d.pk).police_review == "pending"


def test_the_queue_page_is_for_the_police(world, login, client):
    assert login(world.village1_user).get(QUEUE).status_code == 403
    client.logout()
    response = client.get(QUEUE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_police_have_the_queue_in_the_navbar(world, login):
    html = login(world.police1).get(reverse("home")).content.decode()
    assert f'href="{QUEUE}"' in html


# --- time limit, reminders, supervision -------------------------------------------------------


def test_the_administrator_edits_the_time_limit_in_admin(world, login):
    policy = PoliceReviewPolicy.objects.get(subject="dispute")
    client = login(world.admin)
    url = reverse("admin:disputes_policereviewpolicy_change", args=[policy.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"subject": "dispute", "days": 1, "day_kind": "calendar"})
    assert response.status_code == 302
    d = register(world.grid1_user, grid=world.grid1, risk_criminal=True)  # Monday
    assert d.police_review_due_at == end_of_day(datetime.date(2026, 11, 3))
    log = file_log(world, category=Log.Category.SECURITY_HAZARD)  # the log's own row is unchanged
    assert log.police_review_due_at == DUE


def test_reminders_reach_the_police_of_the_place_once_per_stage(world):
    d = register(world.grid1_user, grid=world.grid1, category=Dispute.Category.ONLINE_FRAUD)
    log = file_log(world, category=Log.Category.SECURITY_HAZARD)
    day_before = DUE - datetime.timedelta(hours=30)
    since = _last_notification()
    assert reminders_send(at=day_before, kinds=["police-review-dispute", "police-review-log"]) == 2
    assert reminders_send(at=day_before, kinds=["police-review-dispute", "police-review-log"]) == 0
    assert sorted(u for u, _t in _new_notifications(since)) == ["police1", "police1", "station1", "station1"]
    assert ReminderSent.objects.filter(object_id__in=[d.pk, log.pk]).count() == 2
    # Given meanwhile: no reminder for the next stage.
    ds.dispute_add_police_review(dispute=d, actor=world.station1, at=day_before, verdict="file_case", opinion="立案")
    assert reminders_send(at=DUE - datetime.timedelta(hours=2), kinds=["police-review-dispute"]) == 0


def test_an_overdue_opinion_is_supervised_once_per_deadline(world):
    w = world
    d = register(w.grid1_user, grid=w.grid1, risk_criminal=True)
    log = file_log(w, category=Log.Category.SECURITY_HAZARD)
    done = register(w.grid1_user, grid=w.grid1, risk_level="major")
    ds.dispute_add_police_review(dispute=done, actor=w.police1, at=at(1), verdict="no_police_matter", opinion="无")
    late = DUE + datetime.timedelta(hours=1)
    since = _last_notification()
    assert police.supervise_overdue(at=late) == {"supervised": 2, "skipped": 0}
    assert police.supervise_overdue(at=late) == {"supervised": 0, "skipped": 0}  # a second tick
    d.refresh_from_db()
    log.refresh_from_db()
    assert d.police_review_supervised_at == late and d.police_review_due_at > late
    assert log.police_review_supervised_at == late
    assert DisputeEvent.objects.filter(dispute=d, kind=DisputeEvent.Kind.POLICE_SUPERVISED).count() == 1
    assert LogEvent.objects.filter(log=log, kind=LogEvent.Kind.POLICE_SUPERVISED).count() == 1
    assert not DisputeEvent.objects.filter(dispute=done, kind=DisputeEvent.Kind.POLICE_SUPERVISED).exists()
    users = [u for u, _t in _new_notifications(since)]
    assert sorted(users) == sorted(["station1", "police1", "district1"] * 2)
    # Still overdue at the renewed deadline: supervised again.
    assert police.supervise_overdue(at=d.police_review_due_at + datetime.timedelta(hours=1))["supervised"] == 2


def test_two_workers_supervise_an_overdue_entry_once(world):
    d = register(world.grid1_user, grid=world.grid1, risk_criminal=True)
    late = DUE + datetime.timedelta(hours=1)
    first, second = Dispute.objects.get(pk=d.pk), Dispute.objects.get(pk=d.pk)  # both read the old deadline
    since = _last_notification()
    ds.dispute_supervise_police_review(dispute=first, at=late)
    with pytest.raises(ds.DisputeError):
        ds.dispute_supervise_police_review(dispute=second, at=late)
    assert DisputeEvent.objects.filter(dispute=d, kind=DisputeEvent.Kind.POLICE_SUPERVISED).count() == 1
    assert sorted(u for u, _t in _new_notifications(since)) == ["district1", "police1", "station1"]


def test_the_opinion_clears_the_supervision(world):
    d = register(world.grid1_user, grid=world.grid1, risk_criminal=True)
    police.supervise_overdue(at=DUE + datetime.timedelta(hours=1))
    ds.dispute_add_police_review(
        dispute=Dispute.objects.get(pk=d.pk), actor=world.station1, at=DUE + datetime.timedelta(hours=2),
        verdict="file_case", opinion="已立案",
    )  # fmt: skip
    d.refresh_from_db()
    assert d.police_review_supervised_at is None and d.police_review == "given"
    assert T0 < DUE


def test_a_case_diverted_into_a_village_enters_and_one_left_at_a_township_drops_out(world, login):
    w = world
    kw = dict(source="hotline_12345", category=Dispute.Category.ONLINE_FRAUD)
    to_village = register(w.district1, township=w.township1, **kw)  # no village: no station yet
    assert to_village.police_review == ""
    ds.dispute_divert(dispute=to_village, actor=w.district1, at=at(0.1), township=w.township1, village=w.village1)
    assert Dispute.objects.get(pk=to_village.pk).police_review == "pending"
    to_township = register(w.district1, village=w.village2, **kw)
    assert to_township.police_review == "pending"
    ds.dispute_divert(dispute=to_township, actor=w.district1, at=at(0.1), township=w.township1)
    sections = {s["key"]: s for s in login(w.station1).get(QUEUE).context["sections"]}
    assert [d.pk for d in sections["disputes"]["rows"]] == [to_village.pk]
    assert police.supervise_overdue(at=DUE + datetime.timedelta(days=3))["supervised"] == 1


def test_the_queue_page_does_not_query_per_row(world, login, django_assert_max_num_queries):
    client = login(world.station1)
    for n in range(3):
        register(world.grid1_user, grid=world.grid1, risk_criminal=True, summary=f"纠纷{n}")
        file_log(world, category=Log.Category.SECURITY_HAZARD, matter=f"隐患{n}")
    client.get(QUEUE)  # warm the session and caches
    with django_assert_max_num_queries(14) as few:
        client.get(QUEUE)
    for n in range(3, 15):
        register(world.grid1_user, grid=world.grid1, risk_criminal=True, summary=f"纠纷{n}")
        file_log(world, category=Log.Category.SECURITY_HAZARD, matter=f"隐患{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE)
    assert sum(s["count"] for s in response.context["sections"]) == 30
