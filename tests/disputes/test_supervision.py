"""The district's page of overdue and supervised cases."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from disputes import services as s
from disputes.models import Dispute

from .helpers import register


def overdue(d: Dispute, days: int = 3) -> Dispute:
    Dispute.objects.filter(pk=d.pk).update(due_at=timezone.now() - datetime.timedelta(days=days))
    return Dispute.objects.get(pk=d.pk)


def test_district_sees_overdue_and_supervised_cases(world, login):
    late = overdue(register(world.grid1_user, grid=world.grid1))
    top = register(world.district1, township=world.township2)
    s.dispute_escalate(
        dispute=top, actor=world.district1, reason="交办", at=top.registered_at, department=world.department
    )
    top = overdue(top, days=1)
    s.dispute_supervise(dispute=top, at=timezone.now())
    on_time = register(world.grid1_user, grid=world.grid1, when=timezone.now())
    response = login(world.district1).get(reverse("disputes:supervision"))
    assert response.status_code == 200
    supervised, late_section = response.context["sections"]
    assert [d.pk for d in supervised["rows"]] == [top.pk]
    assert [d.pk for d in late_section["rows"]] == [late.pk]
    assert on_time.number not in response.text


def test_others_see_only_their_jurisdiction(world, login):
    late = overdue(register(world.grid1_user, grid=world.grid1))
    response = login(world.village2_user).get(reverse("disputes:supervision"))
    assert response.status_code == 200
    assert late.number not in response.text
    assert late.number in login(world.village1_user).get(reverse("disputes:supervision")).text


def test_supervision_page_needs_login(client):
    response = client.get(reverse("disputes:supervision"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_ledger_filters_supervised_cases(world, login):
    top = register(world.district1, township=world.township2)
    s.dispute_escalate(
        dispute=top, actor=world.district1, reason="交办", at=top.registered_at, department=world.department
    )
    s.dispute_supervise(dispute=overdue(top), at=timezone.now())
    other = register(world.district1, township=world.township1)
    response = login(world.district1).get(reverse("disputes:list"), {"supervised": "yes"})
    assert top.number in response.text and other.number not in response.text


def test_district_staff_have_the_menu_entry(world, login):
    assert reverse("disputes:supervision") in login(world.district1).get(reverse("home")).text
    assert reverse("disputes:supervision") not in login(world.grid1_user).get(reverse("home")).text


# --- lifting the supervision (a step of the table) ---------------------------------------------


def supervised(world) -> Dispute:
    d = register(world.grid1_user, grid=world.grid1)
    Dispute.objects.filter(pk=d.pk).update(supervised_at=timezone.now())
    return Dispute.objects.get(pk=d.pk)


def test_district_lifts_the_supervision_with_a_reason(world, login):
    d = supervised(world)
    client = login(world.district1)
    assert "unsupervise" in {a.name for a in client.get(d.get_absolute_url()).context["actions"]}
    response = client.post(reverse("disputes:unsupervise", args=[d.pk]), {"note": "已整改到位"}, follow=True)
    d.refresh_from_db()
    assert d.supervised_at is None and "Supervision lifted." in [str(m) for m in response.context["messages"]]
    event = d.events.get(kind="supervision_lifted")
    assert (event.actor, event.note) == (world.district1, "已整改到位")
    assert world.village1_user.notifications.filter(title__contains=d.number).exists()
    assert "unsupervise" not in {a.name for a in client.get(d.get_absolute_url()).context["actions"]}


def test_lifting_needs_a_reason_and_the_district_centre(world, login):
    d = supervised(world)
    response = login(world.district1).post(reverse("disputes:unsupervise", args=[d.pk]), {"note": ""})
    assert response.status_code == 200  # the form comes back with its error
    assert "note" in {a.name: a for a in response.context["actions"]}["unsupervise"].form.errors
    client = login(world.village1_user)
    assert "unsupervise" not in {a.name for a in client.get(d.get_absolute_url()).context["actions"]}
    response = client.post(reverse("disputes:unsupervise", args=[d.pk]), {"note": "想解除"}, follow=True)
    assert "Only the district centre can lift supervision." in [str(m) for m in response.context["messages"]]
    assert (
        login(world.village2_user).post(reverse("disputes:unsupervise", args=[d.pk]), {"note": "x"}).status_code == 404
    )
    client.logout()
    response = client.post(reverse("disputes:unsupervise", args=[d.pk]), {"note": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    d.refresh_from_db()
    assert d.supervised_at is not None
