"""Supervision by the higher level (挂牌督办, issue 12 item 5), one mechanism for disputes
and sentiment logs: who may place and lift it in which state, the mark on every page, the
supervisor's list and its figures, and the reminder before the supervision's due date."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import services as ds
from disputes.models import Dispute
from govcenter import supervision
from govcenter.models import Notification, Supervision
from govcenter.reminders import reminders_send
from sentiment import services as ss
from sentiment.models import Level, Log
from tests.disputes.helpers import register
from tests.sentiment.helpers import at_township, reported

pytestmark = pytest.mark.usefixtures("world_for_the_module")


def today() -> datetime.date:
    return timezone.localdate()


def a_dispute(world) -> Dispute:
    return register(world.grid1_user, grid=world.grid1, when=timezone.now())


def a_log(world) -> Log:
    return reported(world, when=timezone.now())


def supervise(item, actor, days: int = 5, note: str = "限期化解"):
    start = ds.dispute_supervise_by if isinstance(item, Dispute) else None
    if start is not None:
        return start(dispute=item, actor=actor, at=timezone.now(), due_on=today() + datetime.timedelta(days), note=note)
    return ss.log_supervise(
        log=item, actor=actor, at=timezone.now(), due_on=today() + datetime.timedelta(days), note=note
    )


# --- the rule: role and state ---------------------------------------------------------------------

ROLES_AT_VILLAGE = {
    "admin": True,
    "district1": True,
    "township1_user": True,  # the item's village is in their township
    "township2_user": False,
    "village1_user": False,
    "grid1_user": False,
    "police1": False,
    "station1": False,
    "dept1": False,
}


@pytest.mark.parametrize("make", [a_dispute, a_log], ids=["dispute", "log"])
def test_who_may_supervise_an_open_item_at_village_level(world, make):
    item = make(world)
    answers = {role: bool(supervision.can_supervise(getattr(world, role), item)) for role in ROLES_AT_VILLAGE}
    assert answers == ROLES_AT_VILLAGE


def test_the_township_may_not_supervise_what_has_left_its_villages(world):
    log = at_township(world)
    assert not supervision.can_supervise(world.township1_user, log)
    assert supervision.can_supervise(world.district1, log)
    d = a_dispute(world)
    ds.dispute_escalate(dispute=d, actor=world.village1_user, reason="上报", at=timezone.now())
    refused = supervision.can_supervise(world.township1_user, Dispute.objects.get(pk=d.pk))
    assert not refused and "district centre" in refused.reason


def test_a_closed_or_already_supervised_item_cannot_be_supervised(world):
    d = a_dispute(world)
    ds.dispute_accept(dispute=d, actor=world.village1_user, at=timezone.now())
    ds.dispute_resolve(dispute=d, actor=world.village1_user, at=timezone.now(), result="调解成功")
    assert "open" in supervision.can_supervise(world.district1, Dispute.objects.get(pk=d.pk)).reason
    log = supervise(a_log(world), world.township1_user)
    assert "already" in supervision.can_supervise(world.district1, log).reason
    with pytest.raises(ss.LogError):
        supervise(log, world.district1)
    assert Supervision.objects.filter(object_id=log.pk, content_type__model="log").count() == 1


def test_the_service_refuses_a_village_clerk_with_the_rules_reason(world):
    with pytest.raises(ds.DisputeError, match="Only the district centre"):
        supervise(a_dispute(world), world.village1_user)


def test_a_due_date_in_the_past_is_refused_nothing_written(world):
    d = a_dispute(world)
    with pytest.raises(ds.DisputeError) as e:
        supervise(d, world.district1, days=-1)
    assert e.value.field == "due_on"
    assert Dispute.objects.get(pk=d.pk).supervised_at is None and not Supervision.objects.exists()


# --- the steps over HTTP ----------------------------------------------------------------------------


def test_district_supervises_a_dispute_from_its_page(world, login):
    d = a_dispute(world)
    ds.dispute_assign_handler(dispute=d, actor=world.village1_user, at=timezone.now(), handler=world.grid1_user)
    client = login(world.district1)
    assert "supervise" in {a.name for a in client.get(d.get_absolute_url()).context["actions"]}
    due = today() + datetime.timedelta(days=3)
    response = client.post(
        reverse("disputes:supervise", args=[d.pk]), {"due_on": due.isoformat(), "note": "三日内报告进展"}, follow=True
    )
    d.refresh_from_db()
    assert d.supervised_at is not None
    row = Supervision.objects.get(object_id=d.pk, content_type__model="dispute")
    assert (row.level, row.area, row.supervisor, row.note) == (
        Level.DISTRICT,
        world.district,
        world.district1,
        "三日内报告进展",
    )
    assert timezone.localtime(row.due_at).date() == due
    assert d.events.filter(kind="supervised", actor=world.district1).count() == 1
    assert "三日内报告进展" in response.text and 'id="supervision-mark"' in response.text
    for user in (world.grid1_user, world.village1_user):  # the handler and the level handling it, once each
        assert Notification.objects.filter(recipient=user, title__contains="under supervision").count() == 1


def test_township_supervises_a_log_of_its_village_and_lifts_it(world, login):
    log = a_log(world)
    client = login(world.township1_user)
    due = today() + datetime.timedelta(days=2)
    client.post(
        reverse("sentiment:supervise", args=[log.pk]),
        {"supervise-due_on": due.isoformat(), "supervise-note": "尽快答复"},
    )
    log.refresh_from_db()
    assert log.supervised_at is not None
    assert Supervision.objects.get(object_id=log.pk, content_type__model="log").level == Level.TOWNSHIP
    assert "Supervised" in client.get(reverse("sentiment:detail", args=[log.pk])).text
    response = client.post(
        reverse("sentiment:unsupervise", args=[log.pk]), {"unsupervise-note": "已答复群众"}, follow=True
    )
    log.refresh_from_db()
    assert log.supervised_at is None and "Supervision lifted." in [str(m) for m in response.context["messages"]]
    row = Supervision.objects.get(object_id=log.pk, content_type__model="log")
    assert (row.lifted_by, row.lift_note) == (world.township1_user, "已答复群众")
    assert log.events.filter(kind="supervision_lifted", actor=world.township1_user).count() == 1


def test_the_township_cannot_lift_the_districts_supervision_the_district_can_lift_the_townships(world):
    district_one = supervise(a_log(world), world.district1)
    refused = supervision.can_lift_supervision(world.township1_user, district_one)
    assert not refused and refused.reason == "Only the district centre can lift supervision."
    township_one = supervise(a_dispute(world), world.township1_user)
    assert supervision.can_lift_supervision(world.district1, township_one)
    assert not supervision.can_lift_supervision(world.township2_user, township_one)
    assert not supervision.can_lift_supervision(world.village1_user, township_one)


def test_a_bad_form_comes_back_with_its_error_and_nothing_is_written(world, login):
    d = a_dispute(world)
    response = login(world.district1).post(reverse("disputes:supervise", args=[d.pk]), {"due_on": "", "note": ""})
    assert response.status_code == 200
    errors = {a.name: a for a in response.context["actions"]}["supervise"].form.errors
    assert {"due_on", "note"} <= set(errors)
    assert not Supervision.objects.exists()


def test_outside_the_jurisdiction_is_404_and_anonymous_goes_to_login(world, client, login):
    d, log = a_dispute(world), a_log(world)
    data = {"due_on": (today() + datetime.timedelta(days=1)).isoformat(), "note": "x"}
    assert login(world.village2_user).post(reverse("disputes:supervise", args=[d.pk]), data).status_code == 404
    assert login(world.township2_user).post(reverse("sentiment:supervise", args=[log.pk]), data).status_code == 404
    client.logout()
    response = client.post(reverse("disputes:supervise", args=[d.pk]), data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Supervision.objects.exists()


def test_a_refused_role_is_told_why_and_nothing_changes(world, login):
    d = a_dispute(world)
    data = {"due_on": (today() + datetime.timedelta(days=1)).isoformat(), "note": "x"}
    response = login(world.village1_user).post(reverse("disputes:supervise", args=[d.pk]), data, follow=True)
    assert any("Only the district centre" in str(m) for m in response.context["messages"])
    assert Dispute.objects.get(pk=d.pk).supervised_at is None


# --- the mark everywhere --------------------------------------------------------------------------


def test_the_mark_shows_in_lists_print_and_export(world, login):
    d = supervise(a_dispute(world), world.district1)
    log = supervise(a_log(world), world.district1)
    client = login(world.district1)
    assert "Supervised" in client.get(reverse("disputes:list")).text
    assert "Under supervision (督办)" in client.get(reverse("disputes:print", args=[d.pk])).text
    assert "Under supervision (督办)" in client.get(reverse("sentiment:print", args=[log.pk])).text
    assert "Supervised" in client.get(reverse("sentiment:list")).text
    from disputes.exports import row_values

    assert "Under supervision (督办)" in " ".join(str(v) for v in row_values(Dispute.objects.get(pk=d.pk)))


# --- the supervisor's list ------------------------------------------------------------------------


def test_the_supervisors_list_shows_their_centres_items_with_figures(world, login, django_assert_max_num_queries):
    by_district = [supervise(a_dispute(world), world.district1), supervise(a_log(world), world.district1, days=0)]
    closed = a_dispute(world)
    ds.dispute_accept(dispute=closed, actor=world.village1_user, at=timezone.now())
    closed = supervise(closed, world.district1)
    ds.dispute_resolve(dispute=closed, actor=world.village1_user, at=timezone.now(), result="调解成功")
    by_township = supervise(a_log(world), world.township1_user)
    late = supervise(a_dispute(world), world.district1)
    Supervision.objects.filter(object_id=late.pk, content_type__model="dispute").update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    client = login(world.district1)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("supervised"))
    assert response.status_code == 200
    shown = {(sv.content_type.model, sv.object_id) for sv in response.context["rows"]}
    mine = [*by_district, closed, late]
    assert shown == {(type(i)._meta.model_name, i.pk) for i in mine}
    # The figures, recomputed from the items themselves.
    items = [type(i).objects.get(pk=i.pk) for i in mine]
    assert response.context["figures"] == {
        "total": len(items),
        "open": sum(1 for i in items if i.is_open),
        "closed": sum(1 for i in items if not i.is_open),
        "late": 1,
    }
    assert response.context["figures"]["closed"] == 1
    township = login(world.township1_user).get(reverse("supervised"))
    assert [(sv.content_type.model, sv.object_id) for sv in township.context["rows"]] == [("log", by_township.pk)]
    assert login(world.township2_user).get(reverse("supervised")).context["rows"] == []
    assert login(world.village1_user).get(reverse("supervised")).context["rows"] == []


def test_the_supervisors_list_needs_login(client):
    response = client.get(reverse("supervised"))
    assert response.status_code == 302 and reverse("login") in response.url


# --- the reminder -----------------------------------------------------------------------------------


def test_the_handler_is_reminded_by_the_supervisions_due_date_once(world):
    d = a_dispute(world)
    ds.dispute_assign_handler(dispute=d, actor=world.village1_user, at=timezone.now(), handler=world.grid1_user)
    supervise(d, world.district1, days=1)
    now = timezone.now()
    assert reminders_send(at=now, kinds=["supervision-due"]) == 1
    assert reminders_send(at=now, kinds=["supervision-due"]) == 0
    for user in (world.grid1_user, world.village1_user):
        assert Notification.objects.filter(recipient=user, title__contains="must be reported on").count() == 1
    lifted = supervise(a_log(world), world.district1, days=1)
    ss.log_lift_supervision(log=lifted, actor=world.district1, at=timezone.now(), note="已办结")
    assert reminders_send(at=now, kinds=["supervision-due"]) == 0  # a lifted supervision is not reminded
