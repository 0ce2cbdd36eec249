"""The ledger's rows are a Jinja2 fragment inside the Django page (jinja2/disputes/ledger_rows.html,
govcenter/jinja2.py), and the marks beside a case are functions both engines call
(disputes/templatetags/dispute_badges.py). What users typed is escaped there as everywhere,
the labels follow the user's language, dates are local, and each mark is the one the case's
state calls for."""

from __future__ import annotations

import datetime
from html import unescape as html_unescape
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes.models import Dispute, RiskLevel
from disputes.services import PartyData
from disputes.templatetags.dispute_badges import closing_notes, risk_badges, status_badge
from govcenter.jinja2 import date, environment
from govcenter.templatetags.badges import feedback_badge, urgent_badge

from .ledger_helpers import register, url

pytestmark = pytest.mark.usefixtures("world_for_the_module")


def _row_of(html: str, number: str) -> str:
    start = html.index(number)
    return html[html.rindex("<tr>", 0, start) : html.index("</tr>", start)]


def test_what_users_typed_is_escaped_in_the_rows(world, login):
    dispute = register(
        world.district1,
        village=world.village1,
        summary='<script>alert("摘要")</script>',
        parties=[PartyData(role="applicant", name="<b>王</b>"), PartyData(role="respondent", name='"李"&')],
    )
    html = login(world.district1).get(url("list")).content.decode()
    row = _row_of(html, dispute.number)
    assert "<script>" not in row and "<b>王" not in row
    # Jinja2 writes a quote as &#34; where Django writes &quot;: the same character to a browser.
    assert html_unescape(row).count('<script>alert("摘要")</script>') == 1
    assert "&lt;script&gt;alert(&#34;摘要&#34;)&lt;/script&gt;" in row
    assert "&lt;b&gt;王&lt;/b&gt;" in row and "&#34;李&#34;&amp;" in row


def test_the_rows_speak_the_users_language(world, login):
    dispute = register(world.district1, village=world.village1, summary="英文界面的纠纷")
    client = login(world.district1)
    with override_settings(LANGUAGE_CODE="zh-hans"):
        chinese = _row_of(client.get(url("list")).content.decode(), dispute.number)
        category = str(Dispute.Category.LAND_BOUNDARY.label)
    assert 'data-label="编号"' in chinese and "待受理" in chinese and category in chinese
    english = _row_of(client.get(url("list")).content.decode(), dispute.number)
    assert 'data-label="Number"' in english and "Awaiting acceptance" in english


def test_the_rows_show_local_dates(world, login):
    # 17:30 UTC is 01:30 the next day in Shanghai: the ledger shows the local day.
    dispute = register(world.district1, village=world.village1)
    Dispute.objects.filter(pk=dispute.pk).update(
        registered_at=datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC)
    )
    row = _row_of(login(world.district1).get(url("list")).content.decode(), dispute.number)
    assert "2026-03-02" in row and "2026-03-01" not in row


def test_the_filters_of_the_environment():
    shanghai = ZoneInfo("Asia/Shanghai")
    with timezone.override(shanghai):
        assert date(datetime.datetime(2026, 12, 31, 16, 0, tzinfo=datetime.UTC), "Y-m-d H:i") == "2027-01-01 00:00"
        assert date(datetime.date(2026, 2, 3), "Y-m-d") == "2026-02-03"
        assert date(None, "Y-m-d") == ""
    env = environment(autoescape=True)
    assert env.filters["truncatechars"]("一二三四五六", 4) == "一二三…"
    template = env.from_string('{{ _("Overdue") }} {{ x }} {{ url("disputes:detail", 7) }}')
    with translation.override("zh-hans"):
        assert template.render(x="<i>") == "已超期 &lt;i&gt; /disputes/7/"
    with translation.override("en"):
        assert template.render(x="<i>").startswith("Overdue ")


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
    | st.sampled_from(["e\u0301" * 10, "e\u0301" * 40, "\u00e9" * 60, "王" * 60, "王" * 61, "Ａ" * 60]),
    length=st.integers(min_value=-2, max_value=70),
)
def test_the_truncatechars_filter_cuts_as_djangos_does(text, length):
    """The environment's ``truncatechars`` skips Django's loop when nothing is cut; it gives
    what Django's gives for any text and length (combining marks, non-NFC forms, empty)."""
    from django.template import defaultfilters

    ours = environment(autoescape=True).filters["truncatechars"]
    assert ours(text, length) == defaultfilters.truncatechars(text, length)


# --- the marks ---------------------------------------------------------------------------------

STATUS_CLASS = {
    "registered": "text-bg-warning",
    "accepted": "text-bg-info",
    "in_mediation": "text-bg-primary",
    "awaiting_confirmation": "text-bg-info",
    "resolved": "text-bg-success",
    "not_resolved": "text-bg-dark",
    "transferred_to_police": "text-bg-danger",
    "archived": "text-bg-light border",
}


@pytest.mark.parametrize("status", list(STATUS_CLASS))
def test_the_status_badge_colours_each_status(status):
    dispute = Dispute(status=status)
    with translation.override("zh-hans"):
        html = status_badge(dispute)
        label = str(Dispute.Status(status).label)
    assert html == f'<span class="badge text-wrap text-start {STATUS_CLASS[status]}">{label}</span>'


def test_the_status_badge_says_where_the_result_stands_with_the_parties():
    now = timezone.now()
    with translation.override("en"):
        told = status_badge(Dispute(status="resolved", result_returned_at=now))
        unsatisfied = status_badge(Dispute(status="accepted", satisfaction="unsatisfied"))
        satisfied = status_badge(Dispute(status="resolved", satisfaction="satisfied"))
        reopened = status_badge(Dispute(status="accepted", result_returned_at=now))
    assert "Result returned: tell the parties" in told
    assert "Parties unsatisfied: back for review" in unsatisfied
    assert '<span class="badge text-bg-light border">Satisfied</span>' in satisfied
    assert "tell the parties" not in reopened  # the case reopened: nothing waits for the parties


@given(
    level=st.sampled_from(list(RiskLevel)),
    criminal=st.booleans(),
    mass=st.booleans(),
    vulnerable=st.booleans(),
)
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_risk_badges_show_the_level_and_one_pill_per_flag(level, criminal, mass, vulnerable):
    dispute = Dispute(risk_level=level, risk_criminal=criminal, risk_mass_incident=mass, vulnerable_party=vulnerable)
    with translation.override("en"):
        html = risk_badges(dispute)
    expected_class = {"major": "text-bg-danger", "significant": "text-bg-warning"}.get(level, "text-bg-secondary")
    assert html.startswith(f'<span class="badge {expected_class}">{RiskLevel(level).label}</span>')
    assert html.count("rounded-pill") == criminal + mass + vulnerable
    assert ("criminal risk" in html) == criminal and ('title="risk of turning criminal"' in html) == criminal
    assert ("mass incident risk" in html) == mass and ("vulnerable party" in html) == vulnerable


def test_a_case_without_a_transfer_or_referral_has_no_closing_note():
    # The status says transferred, but no transfer is recorded (nothing to name): no note, no error.
    assert closing_notes(Dispute(status="transferred_to_police")) == ""
    assert closing_notes(Dispute(status="not_resolved", referral="litigation")) == ""
    assert closing_notes(Dispute(status="accepted")) == ""


def test_the_urgent_badge_names_the_reason_and_the_local_time():
    dispute = Dispute(
        urgent_at=datetime.datetime(2026, 5, 1, 16, 5, tzinfo=datetime.UTC), urgent_reason="danger_to_life"
    )
    with translation.override("en"), timezone.override(ZoneInfo("Asia/Shanghai")):
        html = urgent_badge(dispute)
    assert "2026-05-02 00:05" in html and "Urgent (紧急)" in html
    assert urgent_badge(Dispute()) == "" and feedback_badge(Dispute()) == ""


@override_settings(LANGUAGE_CODE="en")
def test_the_badges_escape_what_they_show():
    dispute = Dispute(status="resolved", satisfaction="satisfied")
    dispute.get_satisfaction_display = lambda: "<img src=x>"
    assert "&lt;img src=x&gt;" in feedback_badge(dispute)


def test_the_badges_drawn_once_per_language_follow_the_language_asked():
    """Status and risk badges are drawn once per language and value (dispute_badges'
    caches): asked in turn in Chinese and English, each answer is in the language asked."""
    dispute = Dispute(status="registered", risk_level="major", risk_criminal=True)
    answers = []
    for language in ("zh-hans", "en", "zh-hans", "en"):
        with translation.override(language):
            answers.append((status_badge(dispute), risk_badges(dispute), str(Dispute.Status.REGISTERED.label)))
    for status, _risk, label in answers:
        assert label in status
    assert "criminal risk" in answers[1][1] and "criminal risk" not in answers[0][1]
    assert answers[0] == answers[2] and answers[1] == answers[3] and answers[0] != answers[1]
