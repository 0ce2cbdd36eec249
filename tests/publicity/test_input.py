"""What a clerk types into the publicity forms: content within its limit, and a campaign
period that cannot start before the portal's records (but may lie ahead)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from govcenter import limits
from publicity.forms import CampaignForm, ReturnForm


def _campaign(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "title": "防溺水宣传",
        "topic": "anti_drowning",
        "content": "暑期防溺水要点",
        "audiences": ["elderly"],
        "allowed_forms": ["door_to_door"],
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return data


def test_a_campaign_may_run_into_the_future_but_not_start_before_the_records(db):
    form = CampaignForm(_campaign())
    assert form.is_valid(), form.errors
    form = CampaignForm(_campaign(starts_on="0001-01-01"))
    assert form.errors["starts_on"] == ["Enter a date from 2000-01-01 on: the portal's records begin then."]


def test_campaign_content_and_review_notes_are_limited():
    form = CampaignForm(_campaign(content="字" * (limits.NARRATIVE + 1)))
    assert form.errors["content"] == [
        f"Ensure this value has at most {limits.NARRATIVE} characters (it has {limits.NARRATIVE + 1})."
    ]
    assert (
        ReturnForm({"note": "改" * (limits.NOTE + 1)})
        .errors["note"][0]
        .startswith(f"Ensure this value has at most {limits.NOTE} characters")
    )
    form = ReturnForm({"note": "请\u202e补充电话"})
    assert form.is_valid() and form.cleaned_data["note"] == "请补充电话"


def test_a_blank_title_or_content_is_refused_with_what_to_give(db):
    form = CampaignForm(_campaign(title="  \u200b ", content=" \n "))
    assert form.errors["title"] == ["Give the campaign a title."]
    assert form.errors["content"] == ["Write the content of the campaign."]
