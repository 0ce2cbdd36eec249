"""The township's monthly report (月报): who may generate, annotate and submit it; the
figures frozen at submission (recomputed by tests/analysis/ledger.py) and the difference
with the live figures; the district's view of who submitted and who is late; the late
reminder, sent once; the XLSX and the print page."""

from __future__ import annotations

import datetime
import io
from unittest import mock

import openpyxl
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from analysis import services
from analysis.models import MonthlyReport, due_at
from analysis.reports import ROWS
from disputes import services as ds
from disputes.models import Dispute
from govcenter.models import Notification
from govcenter.reminders import reminders_send
from tests.disputes.helpers import TZ, at
from tests.factories import build_world

from .ledger import NOVEMBER, build_ledger, recount

MONTH = datetime.date(2026, 11, 1)
SUBMITTED_AT = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=TZ)  # before the due day (the 5th)
LATER = datetime.datetime(2026, 12, 10, 10, 0, tzinfo=TZ)
LIST = reverse("analysis:reports")


@pytest.fixture(autouse=True)
def long_sessions(settings):
    """The tests move the clock into December: a session logged in now must not expire there."""
    settings.SESSION_COOKIE_AGE = 3600 * 24 * 365


@pytest.fixture
def ledger(world):
    return build_ledger(world)


def _now(moment):
    """The clock of the report pages and of the step view."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def _draft(w, month=MONTH, moment=SUBMITTED_AT):
    return services.report_generate(township=w.township1, month=month, actor=w.township1_user, at=moment)


def _submitted(w):
    report = _draft(w)
    return services.report_submit(report=report, actor=w.township1_user, at=SUBMITTED_AT, reviewer_name="王审核")


def _resolve_after(w, ledger):
    """An open dispute of township1 (registered in December) accepted and resolved after the
    submission: "open now" changes by one."""
    ds.dispute_accept(dispute=ledger.december, actor=w.village1_user, at=at(31))
    ds.dispute_resolve(dispute=ledger.december, actor=w.village1_user, at=at(32), result="已调解")
    assert Dispute.objects.get(pk=ledger.december.pk).status == "resolved"


def _township1_recount():
    return recount(list(Dispute.objects.filter(township__code="330102001000")), NOVEMBER, SUBMITTED_AT)


# --- who may do what ------------------------------------------------------------------------


def test_township_staff_generate_and_submit_through_the_pages(world, ledger, login):
    client = login(world.township1_user)
    with _now(SUBMITTED_AT):
        response = client.post(reverse("analysis:report_generate"), {"year": "2026", "month": "11"})
        report = MonthlyReport.objects.get()
        assert response["Location"] == report.get_absolute_url()
        assert report.status == "draft" and report.township == world.township1 and report.month == MONTH
        page = client.get(report.get_absolute_url())
        assert page.status_code == 200
        assert {"report_annotate", "report_submit"} <= {a.name for a in page.context["actions"]}
        client.post(
            reverse("analysis:report_annotate", args=[report.pk]),
            {"report_annotate-reviewer_name": "王审核", "report_annotate-notes": "本月排查化解情况平稳。"},
        )
        response = client.post(
            reverse("analysis:report_submit", args=[report.pk]), {"report_submit-reviewer_name": "王审核"}
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == world.township1_user
    assert report.notes == "本月排查化解情况平稳。" and report.reviewer_name == "王审核"
    expected = _township1_recount()
    assert {k: report.figures[k] for k in expected} == pytest.approx(expected)
    assert Notification.objects.filter(recipient=world.district1, url=report.get_absolute_url()).exists()


def test_submit_without_a_reviewer_keeps_the_form(world, ledger, login):
    client = login(world.township1_user)
    report = _draft(world)
    with _now(SUBMITTED_AT):
        response = client.post(reverse("analysis:report_submit", args=[report.pk]), {"report_submit-reviewer_name": ""})
    assert response.status_code == 200
    assert response.context["actions"] and "report_submit" in {a.name for a in response.context["actions"]}
    report.refresh_from_db()
    assert report.status == "draft"


def test_another_townships_staff_get_404(world, ledger, login):
    report = _draft(world)
    client = login(world.township2_user)
    assert client.get(report.get_absolute_url()).status_code == 404
    assert client.get(reverse("analysis:report_xlsx", args=[report.pk])).status_code == 404
    assert client.get(reverse("analysis:report_print", args=[report.pk])).status_code == 404
    response = client.post(reverse("analysis:report_submit", args=[report.pk]), {"report_submit-reviewer_name": "x"})
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == "draft"


def test_a_village_clerk_is_refused(world, login):
    report = _draft(world, moment=SUBMITTED_AT)
    client = login(world.village1_user)
    assert client.get(report.get_absolute_url()).status_code == 404
    assert client.get(reverse("analysis:report_xlsx", args=[report.pk])).status_code == 404
    report.delete()
    assert client.get(LIST).status_code == 403
    assert client.post(reverse("analysis:report_generate"), {"year": "2026", "month": "11"}).status_code == 403
    with pytest.raises(services.ReportError):
        services.report_generate(township=world.township1, month=MONTH, actor=world.village1_user, at=SUBMITTED_AT)
    assert not MonthlyReport.objects.exists()


def test_the_district_views_but_does_not_submit(world, ledger, login):
    report = _draft(world)
    client = login(world.district1)
    with _now(SUBMITTED_AT):
        page = client.get(report.get_absolute_url())
        assert page.status_code == 200 and page.context["actions"] == []
        response = client.post(
            reverse("analysis:report_submit", args=[report.pk]), {"report_submit-reviewer_name": "区审核"}
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "draft"
    with pytest.raises(services.ReportError):
        services.report_submit(report=report, actor=world.district1, at=SUBMITTED_AT, reviewer_name="区审核")
    assert client.post(reverse("analysis:report_generate"), {"year": "2026", "month": "11"}).status_code == 403


def test_a_month_is_generated_once_and_not_in_advance(world):
    _draft(world)
    with pytest.raises(services.ReportError, match="already"):
        _draft(world)
    with pytest.raises(services.ReportError, match="begun"):
        _draft(world, month=datetime.date(2027, 1, 1))


def test_a_submitted_report_is_not_changed_again(world, ledger):
    report = _submitted(world)
    with pytest.raises(services.ReportError):
        services.report_submit(report=report, actor=world.township1_user, at=LATER, reviewer_name="x")
    with pytest.raises(services.ReportError):
        services.report_annotate(report=report, actor=world.township1_user, at=LATER, reviewer_name="x", notes="y")


@pytest.mark.parametrize("url_name", ["reports", "report_detail", "report_print", "report_xlsx"])
def test_anonymous_goes_to_login(world, client, url_name):
    args = [] if url_name == "reports" else [_draft(world).pk]
    response = client.get(reverse(f"analysis:{url_name}", args=args))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- frozen figures and the difference ----------------------------------------------------------


def test_the_draft_shows_live_figures_and_the_submitted_report_stays_frozen(world, ledger, login):
    report = _submitted(world)
    frozen = dict(report.figures)
    before = _township1_recount()
    assert before["open"] == 3 and before["resolved"] == 3  # overdue, flared, december; township, village, late
    # After the submission an open dispute of township1 is resolved.
    _resolve_after(world, ledger)
    report.refresh_from_db()
    assert report.figures == frozen
    client = login(world.district1)
    with _now(LATER):
        page = client.get(report.get_absolute_url())
        rows = {row["key"]: row for row in page.context["rows"]}
        assert rows["resolved"]["value"] == before["resolved"] and rows["resolved"]["live"] is None
        compared = client.get(report.get_absolute_url(), {"compare": "live"})
    rows = {row["key"]: row for row in compared.context["rows"]}
    assert rows["open"]["value"] == 3 and rows["open"]["live"] == 2
    assert rows["resolved"]["value"] == 3 and rows["resolved"]["live"] is None  # resolved in December
    assert rows["registered"]["live"] is None  # the same: no live column
    assert 'data-figure="open" class="table-warning"' in compared.content.decode()


# --- the district's view and the reminder -------------------------------------------------------


def test_the_district_sees_who_submitted_and_who_is_late(world, ledger, login):
    report = _submitted(world)
    client = login(world.district1)
    with _now(LATER):
        response = client.get(LIST, {"year": "2026", "month": "11"})
    rows = {row["township"]: row for row in response.context["overview"]}
    assert set(rows) == {world.township1, world.township2}
    assert rows[world.township1]["submitted"] and not rows[world.township1]["late"]
    assert rows[world.township1]["report"] == report
    assert not rows[world.township2]["submitted"] and rows[world.township2]["late"]
    # Before the due day nobody is late yet.
    with _now(datetime.datetime(2026, 12, 5, 23, 0, tzinfo=TZ)):
        response = client.get(LIST, {"year": "2026", "month": "11"})
    assert not any(row["late"] for row in response.context["overview"])


def test_a_township_sees_only_its_own_reports(world, ledger, login):
    mine = _draft(world)
    response = login(world.township1_user).get(LIST)
    assert list(response.context["reports"]) == [mine]
    assert login(world.township2_user).get(LIST).context["reports"].count() == 0


def test_bad_month_on_the_district_list_is_a_message(world, login):
    response = login(world.district1).get(LIST, {"year": "abc", "month": "13"})
    assert response.status_code == 200 and "Choose a valid month." in response.content.decode()


def test_the_late_reminder_is_sent_once_and_only_to_the_late(world, ledger):
    _submitted(world)  # township1 on time
    assert reminders_send(at=datetime.datetime(2026, 12, 5, 20, 0, tzinfo=TZ), kinds=["monthly-report-late"]) == 0
    assert reminders_send(at=LATER, kinds=["monthly-report-late"]) == 1
    assert reminders_send(at=LATER + datetime.timedelta(days=1), kinds=["monthly-report-late"]) == 0
    reminded = Notification.objects.filter(url=LIST)
    assert {n.recipient for n in reminded} == {world.township2_user}
    assert due_at(MONTH) == datetime.datetime(2026, 12, 6, tzinfo=TZ)


def test_the_due_day_is_a_setting(world, settings):
    settings.MONTHLY_REPORT_DUE_DAY = 10
    assert due_at(MONTH) == datetime.datetime(2026, 12, 11, tzinfo=TZ)
    assert reminders_send(at=LATER, kinds=["monthly-report-late"]) == 0


# --- output ------------------------------------------------------------------------------------


def test_the_xlsx_holds_the_frozen_numbers(world, ledger, login):
    report = _submitted(world)
    expected = _township1_recount()
    _resolve_after(world, ledger)
    response = login(world.district1).get(reverse("analysis:report_xlsx", args=[report.pk]))
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert ws["A1"].value == "街道一矛盾纠纷排查化解工作月报".replace("街道一", world.township1.name)
    assert ws["B2"].value == world.township1.name
    assert ws["B3"].value == "2026-11-01 – 2026-11-30"
    values = {ws.cell(row=6 + i, column=1).value: ws.cell(row=6 + i, column=2).value for i in range(len(ROWS))}
    labels = {key: (f"{label} (%)" if is_rate else str(label)) for key, label, is_rate in ROWS}
    assert values[labels["open"]] == expected["open"] == 3  # frozen: live is 2 now
    assert values[labels["resolved"]] == expected["resolved"]
    assert values[labels["registered"]] == expected["registered"]
    assert values[labels["resolution_rate"]] == round(expected["resolution_rate"] * 100, 1)
    lines = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(1, ws.max_row + 1)}
    assert lines["Reviewed by"] == "王审核"
    assert lines["Prepared by"] == world.township1_user.display_name
    assert lines["Submitted on"] == "2026-12-03"


def test_the_print_page(world, ledger, login):
    report = _submitted(world)
    response = login(world.township1_user).get(reverse("analysis:report_print", args=[report.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{world.township1.name}矛盾纠纷排查化解工作月报" in html and "print.css" in html
    assert "王审核" in html and "2026-12-03" in html


# --- hypothesis on the form input --------------------------------------------------------------


class MonthInputNeverFails(TestCase):
    """Whatever the month typed, generating answers a redirect (with a message) and the
    district's list a 200; never a 500."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        year=st.one_of(st.integers(-5, 3000).map(str), st.text(max_size=6)),
        month=st.one_of(st.integers(-2, 14).map(str), st.text(max_size=3)),
    )
    def test_month_input(self, year, month):
        self.client.force_login(self.world.township1_user)
        response = self.client.post(reverse("analysis:report_generate"), {"year": year, "month": month})
        assert response.status_code == 302
        self.client.force_login(self.world.district1)
        assert self.client.get(LIST, {"year": year, "month": month}).status_code == 200


@pytest.mark.parametrize(("who", "shown"), [("township1_user", True), ("district1", True), ("village1_user", False)])
def test_the_navbar_links_the_reports_to_who_may_see_them(world, login, who, shown):
    html = login(getattr(world, who)).get(reverse("analysis:statistics")).content.decode()
    assert (f'href="{LIST}"' in html) is shown


DISTRICT_KIND = ["monthly-report-late-district"]


def test_the_district_is_reminded_once_listing_the_late_townships(world):
    assert reminders_send(at=datetime.datetime(2026, 12, 5, 20, 0, tzinfo=TZ), kinds=DISTRICT_KIND) == 0
    assert reminders_send(at=LATER, kinds=DISTRICT_KIND) == 1
    # Re-runs (a restarted beat, a second worker) and later days find the claim taken.
    assert reminders_send(at=LATER, kinds=DISTRICT_KIND) == 0
    assert reminders_send(at=LATER + datetime.timedelta(days=1), kinds=DISTRICT_KIND) == 0
    reminded = list(Notification.objects.filter(url=LIST))
    assert [n.recipient for n in reminded] == [world.district1]
    text = f"{reminded[0].title} {reminded[0].body}"
    assert "2026-11" in text and world.township1.name in text and world.township2.name in text


def test_the_district_reminder_names_only_the_late_townships(world, ledger):
    _submitted(world)  # township1 on time
    assert reminders_send(at=LATER, kinds=DISTRICT_KIND) == 1
    (note,) = Notification.objects.filter(recipient=world.district1, url=LIST)
    assert world.township2.name in note.body and world.township1.name not in note.body


def test_no_district_reminder_when_every_township_submitted(world):
    for township, user in ((world.township1, world.township1_user), (world.township2, world.township2_user)):
        MonthlyReport.objects.create(
            township=township,
            month=MONTH,
            status=MonthlyReport.Status.SUBMITTED,
            preparer=user,
            created_at=SUBMITTED_AT,
            submitted_at=SUBMITTED_AT,
        )
    assert reminders_send(at=LATER, kinds=DISTRICT_KIND) == 0
