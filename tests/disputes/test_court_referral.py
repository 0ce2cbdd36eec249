"""Court referral (诉调对接): closing as not resolved with a referral to litigation records
the court and the date; the handling level records the court's outcome with one step; an
open referral reminds that level once, after the period the administrator sets."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from disputes import services as s
from disputes import tasks
from disputes.models import CourtReferral, CourtReferralPolicy, Dispute, DisputeEvent
from disputes.reminders import court_referrals_remind
from disputes.views import FLOW
from govcenter.models import Notification, User
from govcenter.steps import steps_offered
from tests.factories import make_user

from . import ledger_helpers
from .helpers import at, register
from .ledger_helpers import messages_of, url

pytestmark = pytest.mark.usefixtures("world_for_the_module")

Status = Dispute.Status
Kind = DisputeEvent.Kind
Outcome = CourtReferral.Outcome
COURT = "上城区人民法院"

ROLES = [
    "admin", "district1", "township1_user", "township2_user", "village1_user", "village2_user", "village3_user",
    "grid1_user", "grid2_user", "police1", "police3", "aux1", "station1", "station2_user", "dept1",
]  # fmt: skip


class _Rollback(Exception):
    pass


def allowed(world, fn) -> set[str]:
    ok = set()
    for role in ROLES:
        try:
            with transaction.atomic():
                fn(getattr(world, role))
                raise _Rollback
        except s.DisputeError:
            continue
        except _Rollback:
            ok.add(role)
    return ok


def fresh(d: Dispute) -> Dispute:
    return Dispute.objects.get(pk=d.pk)


def accepted_case(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(0.1))
    return fresh(d)


def close_to_court(d, actor, when=None, day=None, court=COURT):
    when = when or at(1)
    return s.dispute_close_unresolved(
        dispute=fresh(d), actor=actor, at=when, result="分歧过大，引导诉讼。", referral="litigation",
        court=court, referred_on=day or when.date(),
    )  # fmt: skip


def record_outcome(d, actor, when=None, outcome=Outcome.JUDGEMENT, day=None):
    when = when or at(40)
    return s.dispute_record_court_outcome(
        dispute=fresh(d), actor=actor, at=when, outcome=outcome, decided_on=day or when.date(), note="一审判决"
    )


# --- closing with the court and the date ---------------------------------------------------------


def test_a_referral_to_litigation_records_the_court_and_the_date(world):
    d = close_to_court(accepted_case(world), world.village1_user, when=at(1), day=at(0.5).date())
    assert d.status == Status.NOT_RESOLVED and d.referral == "litigation"
    r = CourtReferral.objects.get(dispute=d)
    assert (r.court, r.referred_on, r.outcome, r.is_open) == (COURT, at(0.5).date(), "", True)
    assert COURT in d.events.get(kind=Kind.NOT_RESOLVED).note
    assert list(Dispute.objects.awaiting_court_outcome()) == [d]


@pytest.mark.parametrize(
    ("court", "day", "field"),
    [("  ", None, "court"), (COURT, at(2).date(), "referred_on"), (COURT, at(-30).date(), "referred_on")],
)
def test_a_referral_to_litigation_needs_the_court_and_a_sane_date(world, court, day, field):
    d = accepted_case(world)
    with pytest.raises(s.DisputeError) as refused:
        close_to_court(d, world.village1_user, when=at(1), day=day, court=court)
    assert refused.value.field == field
    assert fresh(d).status == Status.ACCEPTED and not CourtReferral.objects.exists()


def test_the_date_of_a_referral_to_litigation_is_required(world):
    d = accepted_case(world)
    with pytest.raises(s.DisputeError) as refused:
        s.dispute_close_unresolved(
            dispute=d, actor=world.village1_user, at=at(1), result="r", referral="litigation", court=COURT
        )
    assert refused.value.field == "referred_on"


def test_other_referrals_record_no_court(world):
    d = accepted_case(world)
    s.dispute_close_unresolved(
        dispute=d, actor=world.village1_user, at=at(1), result="r", referral="arbitration", court=COURT
    )
    assert fresh(d).status == Status.NOT_RESOLVED and not CourtReferral.objects.exists()
    assert not Dispute.objects.referred_to_court().exists()


# --- the court's outcome ---------------------------------------------------------------------------


def test_the_handling_level_records_the_outcome_once(world):
    d = accepted_case(world)
    assert allowed(world, lambda a: record_outcome(d, a)) == set()  # not closed yet
    close_to_court(d, world.village1_user)
    assert allowed(world, lambda a: record_outcome(d, a)) == {"admin", "village1_user"}
    r = record_outcome(d, world.village1_user, when=at(40), outcome=Outcome.COURT_MEDIATION, day=at(38).date())
    assert (r.outcome, r.decided_on, r.outcome_recorded_at, r.is_open) == (
        Outcome.COURT_MEDIATION, at(38).date(), at(40), False)  # fmt: skip
    assert allowed(world, lambda a: record_outcome(d, a)) == set()
    with pytest.raises(s.DisputeError, match="already"):
        record_outcome(d, world.village1_user)
    assert d.events.filter(kind=Kind.COURT_OUTCOME).count() == 1
    assert fresh(d).status == Status.NOT_RESOLVED


def test_a_case_closed_at_township_level_has_its_outcome_recorded_there(world):
    d = accepted_case(world)
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="x", at=at(0.2))
    s.dispute_accept(dispute=fresh(d), actor=world.township1_user, at=at(0.3))
    close_to_court(d, world.township1_user)
    assert allowed(world, lambda a: record_outcome(d, a)) == {"admin", "township1_user"}


def test_no_outcome_step_without_a_court_referral(world):
    d = accepted_case(world)
    s.dispute_close_unresolved(dispute=d, actor=world.village1_user, at=at(1), result="r", referral="arbitration")
    assert allowed(world, lambda a: record_outcome(d, a)) == set()
    assert "court" not in steps_offered(FLOW, world.village1_user, fresh(d))


@pytest.mark.parametrize(("outcome", "day"), [("appeal", at(40).date()), (Outcome.JUDGEMENT, at(0).date())])
def test_the_outcome_must_be_known_and_not_before_the_referral(world, outcome, day):
    d = close_to_court(accepted_case(world), world.village1_user, when=at(1))
    with pytest.raises(s.DisputeError) as refused:
        record_outcome(d, world.village1_user, outcome=outcome, day=day)
    assert refused.value.field == ("outcome" if outcome == "appeal" else "decided_on")
    assert CourtReferral.objects.get(dispute=d).is_open


# --- the reminder ----------------------------------------------------------------------------------


@pytest.fixture
def policy_30_days(db):
    CourtReferralPolicy.objects.all().delete()
    CourtReferralPolicy.objects.create(days=30)


def test_the_reminder_fires_once_after_the_period_and_not_before(world, policy_30_days):
    make_user("village1b", User.Role.VILLAGE_CLERK, area=world.village1)
    d = close_to_court(accepted_case(world), world.village1_user, when=at(1), day=at(1).date())
    before = Notification.objects.count()
    assert court_referrals_remind(at=at(30.5)) == 0  # the 29th day after the referral
    assert Notification.objects.count() == before
    assert court_referrals_remind(at=at(31)) == 1  # the 30th day
    sent = list(Notification.objects.order_by("pk")[before:])
    # The level's staff (two clerks) and the handler (one of them), each once.
    assert sorted(n.recipient.username for n in sent) == ["village1", "village1b"]
    assert all(d.number in n.title and COURT in n.title and n.url == d.get_absolute_url() for n in sent)
    assert court_referrals_remind(at=at(31)) == 0
    assert court_referrals_remind(at=at(90)) == 0
    assert Notification.objects.count() == before + 2
    assert CourtReferral.objects.get(dispute=d).reminded_at == at(31)


def test_no_reminder_once_the_outcome_is_recorded(world, policy_30_days):
    d = close_to_court(accepted_case(world), world.village1_user, when=at(1))
    record_outcome(d, world.village1_user, when=at(20), outcome=Outcome.WITHDRAWN, day=at(20).date())
    before = Notification.objects.count()
    assert court_referrals_remind(at=at(60)) == 0
    assert Notification.objects.count() == before


def test_the_period_is_the_administrators_setting(world, policy_30_days):
    close_to_court(accepted_case(world), world.village1_user, when=at(1))
    CourtReferralPolicy.objects.update(days=60)
    assert court_referrals_remind(at=at(31)) == 0
    assert court_referrals_remind(at=at(61)) == 1


def test_without_a_policy_row_the_default_period_applies(world):
    CourtReferralPolicy.objects.all().delete()
    close_to_court(accepted_case(world), world.village1_user, when=at(1))
    assert CourtReferralPolicy.current_days() == CourtReferralPolicy.DEFAULT_DAYS == 90
    assert court_referrals_remind(at=at(90.5)) == 0
    assert court_referrals_remind(at=at(91)) == 1


def test_the_task_runs_the_reminder_and_beat_schedules_it(world, policy_30_days, monkeypatch):
    close_to_court(accepted_case(world), world.village1_user, when=at(1))
    monkeypatch.setattr(tasks.timezone, "now", lambda: at(31))
    assert tasks.remind_court_referrals.delay().get() == 1
    assert tasks.remind_court_referrals.delay().get() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["remind-court-referrals"]
    assert entry["task"] == "disputes.tasks.remind_court_referrals"


def test_the_admin_edits_the_one_policy_row(world, admin_client):
    from django.urls import reverse

    row = CourtReferralPolicy.objects.first() or CourtReferralPolicy.objects.create()  # the migration's row
    assert admin_client.get(reverse("admin:disputes_courtreferralpolicy_add")).status_code == 403
    response = admin_client.post(reverse("admin:disputes_courtreferralpolicy_change", args=[row.pk]), {"days": 45})
    assert response.status_code == 302
    assert CourtReferralPolicy.current_days() == 45


# --- pages ---------------------------------------------------------------------------------------


def page_case(world):
    d = ledger_helpers.register(world.grid1_user, grid=world.grid1, summary="装修欠款纠纷")
    s.dispute_accept(dispute=d, actor=world.village1_user, at=timezone.now())
    return fresh(d)


def test_closing_to_court_and_recording_the_outcome_from_the_detail_page(world, login):
    d = page_case(world)
    client = login(world.village1_user)
    today = timezone.localdate().isoformat()
    response = client.post(
        url("unresolved", d.pk),
        {"referral": "litigation", "result": "分歧过大", "court": COURT, "referred_on": today},
        follow=True,
    )
    assert fresh(d).status == Status.NOT_RESOLVED
    html = response.content.decode()
    assert 'id="court-referral"' in html and COURT in html and url("court", d.pk) in html
    response = client.post(url("court", d.pk), {"outcome": "judgement", "decided_on": today, "note": ""}, follow=True)
    assert any("Court outcome recorded" in m for m in messages_of(response))
    assert CourtReferral.objects.get(dispute=d).outcome == Outcome.JUDGEMENT
    assert url("court", d.pk) not in response.content.decode()


def test_a_litigation_referral_without_the_court_keeps_the_form(world, login):
    d = page_case(world)
    response = login(world.village1_user).post(
        url("unresolved", d.pk), {"referral": "litigation", "result": "分歧过大", "court": "", "referred_on": ""}
    )
    assert response.status_code == 200
    form = next(a.form for a in response.context["actions"] if a.name == "unresolved")
    assert set(form.errors) == {"court", "referred_on"}
    assert fresh(d).status == Status.ACCEPTED


def test_an_arbitration_referral_needs_no_court(world, login):
    d = page_case(world)
    login(world.village1_user).post(url("unresolved", d.pk), {"referral": "arbitration", "result": "x", "court": ""})
    assert fresh(d).status == Status.NOT_RESOLVED and not CourtReferral.objects.filter(dispute=d).exists()


@pytest.mark.parametrize("outsider", ["village2_user", "township2_user", "station2_user", "police3"])
def test_outsiders_get_404_on_the_outcome_step(world, login, outsider):
    d = page_case(world)
    close_to_court(d, world.village1_user, when=timezone.now(), day=timezone.localdate())
    today = timezone.localdate().isoformat()
    response = login(getattr(world, outsider)).post(url("court", d.pk), {"outcome": "judgement", "decided_on": today})
    assert response.status_code == 404
    assert CourtReferral.objects.get(dispute=d).is_open


def test_police_of_the_area_cannot_record_the_outcome(world, login):
    d = page_case(world)
    close_to_court(d, world.village1_user, when=timezone.now(), day=timezone.localdate())
    today = timezone.localdate().isoformat()
    response = login(world.station1).post(url("court", d.pk), {"outcome": "judgement", "decided_on": today})
    assert response.status_code == 302
    assert CourtReferral.objects.get(dispute=d).is_open


def test_anonymous_users_go_to_login(world, client):
    d = page_case(world)
    response = client.post(url("court", d.pk), {})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.fixture
def referrals(world):
    """One referral awaiting the court's outcome, one with a judgement, and an arbitration."""
    now, today = timezone.now(), timezone.localdate()
    waiting, judged, arbitration = page_case(world), page_case(world), page_case(world)
    close_to_court(waiting, world.village1_user, when=now, day=today - datetime.timedelta(days=3))
    close_to_court(
        judged, world.village1_user, when=now, day=today - datetime.timedelta(days=3), court="西湖区人民法院"
    )
    record_outcome(judged, world.village1_user, when=now, outcome=Outcome.JUDGEMENT, day=today)
    s.dispute_close_unresolved(
        dispute=arbitration, actor=world.village1_user, at=now, result="r", referral="arbitration"
    )
    return {"waiting": waiting, "judged": judged, "arbitration": arbitration}


def _pks(response) -> set[int]:
    return {d.pk for d in response.context["page"].object_list}


def test_the_ledger_list_shows_and_filters_the_referrals(world, login, referrals):
    client = login(world.village1_user)
    waiting, judged = referrals["waiting"].pk, referrals["judged"].pk
    response = client.get(url("list") + "?court=any")
    assert _pks(response) == {waiting, judged}
    html = response.content.decode()
    assert html.count('data-note="court-referral"') == 2 and "西湖区人民法院" in html
    assert _pks(client.get(url("list") + "?court=awaiting")) == {waiting}
    assert _pks(client.get(url("list") + "?court=outcome:judgement")) == {judged}
    assert _pks(client.get(url("list") + "?court=outcome:withdrawn")) == set()
    assert _pks(client.get(url("list") + "?status=not_resolved")) == {waiting, judged, referrals["arbitration"].pk}


def test_the_exports_and_printed_ledger_show_the_referral_and_outcome(world, login, referrals):
    client = login(world.village1_user)
    rows = list(csv.reader(io.StringIO(client.get(url("export_csv") + "?court=any").getvalue().decode("utf-8-sig"))))
    column = rows[0].index("Court referral")
    by_number = {r[0]: r[column] for r in rows[1:]}
    judged, waiting = referrals["judged"].number, referrals["waiting"].number
    assert set(by_number) == {judged, waiting}
    assert "西湖区人民法院" in by_number[judged] and "Judgement" in by_number[judged]
    assert COURT in by_number[waiting] and "awaiting the court's outcome" in by_number[waiting]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get(url("export_xlsx") + "?court=any").getvalue())).active
    header = [c.value for c in next(sheet.iter_rows())]
    cells = {row[0].value: row[header.index("Court referral")].value for row in list(sheet.iter_rows())[1:]}
    assert cells == by_number
    html = client.get(url("print_ledger") + "?court=any").content.decode()
    assert "西湖区人民法院" in html and "Judgement" in html and COURT in html


def test_the_printed_sheet_shows_the_referral_and_outcome(world, login, referrals):
    client = login(world.village1_user)
    html = client.get(url("print", referrals["judged"].pk)).content.decode()
    assert "Court referral" in html and "西湖区人民法院" in html and "Judgement" in html
    html = client.get(url("print", referrals["arbitration"].pk)).content.decode()
    assert "Court referral" not in html
