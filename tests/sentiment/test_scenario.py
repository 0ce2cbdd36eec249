"""The issue's acceptance walk-through, through the pages: grid1 files three logs (one
answered, one agency matter, one reported up); village1 reports one to the township;
township1 feeds back; grid1 sees the result; the agency matter's reminder arrives;
village2 sees none of it."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from govcenter.models import Notification
from govcenter.reminders import reminders_send
from sentiment.models import AgencyMatter, Log


def test_three_logs_through_the_reporting_flow_and_back(world, login, client, settings):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.REMINDER_DAYS_BEFORE = [3, 1, 0]
    grid1 = login(world.grid1_user)
    today = timezone.localdate()
    base = {"grid": world.grid1.pk, "kind": "visit", "occurred_on": today.isoformat(), "occurred_time": "00:01"}
    forms = [
        {"category": "social_security", "matter": "咨询养老保险缴费", "next_step": "answered"},
        {
            "category": "subsistence",
            "matter": "代办低保申请",
            "next_step": "agency",
            "resident": world.resident1.pk,
            "agency_due_on": (today + datetime.timedelta(days=2)).isoformat(),
        },
        {"category": "security_hazard", "matter": "村口路灯坏了", "next_step": "report", "kind": "incident"},
    ]
    for i, form in enumerate(forms):
        response = grid1.post(reverse("sentiment:file"), {**base, **form, "client_token": f"t{i}"})
        assert response.status_code == 302, response.content.decode()[:3000]
    answered, agency, report = (Log.objects.get(client_token=f"t{i}") for i in range(3))
    assert (answered.status, agency.status, report.status) == ("filed", "filed", "new")

    village1 = login(world.village1_user)
    assert "村口路灯坏了" in village1.get(reverse("sentiment:queue")).content.decode()
    village1.post(reverse("sentiment:report_up", args=[report.pk]), {"report-note": "需乡镇协调电力部门"})
    township1 = login(world.township1_user)
    assert "村口路灯坏了" in township1.get(reverse("sentiment:queue")).content.decode()
    township1.post(reverse("sentiment:feed_back", args=[report.pk]), {"feedback-result": "已联系供电所，本周内修复"})

    grid1 = login(world.grid1_user)
    assert Notification.objects.filter(recipient=world.grid1_user, title__contains="村口路灯坏了").exists()
    mine = grid1.get(reverse("sentiment:mine"), {"tab": "fed_back"}).content.decode()
    assert "已联系供电所，本周内修复" in mine

    assert reminders_send(kinds=["agency-matter-due"]) == 1
    reminders = Notification.objects.filter(title__contains="is coming due", url=agency.get_absolute_url())
    assert sorted(reminders.values_list("recipient__username", flat=True)) == ["grid1", "village1"]
    assert reminders_send(kinds=["agency-matter-due"]) == 0  # once
    assert AgencyMatter.objects.get().is_open

    village2 = login(world.village2_user)
    for url in (
        reverse("sentiment:list"),
        reverse("sentiment:agency_list"),
        reverse("sentiment:queue") + "?tab=fed_back",
    ):
        html = village2.get(url).content.decode()
        assert "村口路灯坏了" not in html and "代办低保申请" not in html and "咨询养老保险缴费" not in html
    for log in (answered, agency, report):
        assert village2.get(log.get_absolute_url()).status_code == 404
    assert not Notification.objects.filter(recipient=world.village2_user).exists()
