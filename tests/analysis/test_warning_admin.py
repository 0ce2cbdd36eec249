"""The administrator tunes the warning rules in the admin."""

from __future__ import annotations

from django.urls import reverse

from analysis.models import WarningRule
from tests.seeded import ensure_seeded_defaults


def test_the_administrator_switches_a_rule_off_and_changes_its_threshold(db, admin_client):
    ensure_seeded_defaults()
    rule = WarningRule.objects.get(kind=WarningRule.Kind.REPEAT_RESPONDENT)
    url = reverse("admin:analysis_warningrule_change", args=[rule.pk])
    assert admin_client.get(url).status_code == 200
    data = {
        "enabled": "",
        "threshold": "4",
        "window_days": "90",
        "festival_threshold": "",
        "festival_weeks": "0",
        "days_to_handle": "5",
        "description": "x",
    }
    assert admin_client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert (rule.enabled, rule.threshold, rule.window_days) == (False, 4, 90)
    assert admin_client.get(reverse("admin:analysis_warningrule_changelist")).status_code == 200
