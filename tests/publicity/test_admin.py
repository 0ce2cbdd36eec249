"""Publicity's Django admin: every page opens, the state and the history are read-only,
and the period check of the campaign holds there too."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from publicity.models import Activity, Assignment, Campaign, CampaignEvent, VillageDistribution

from .helpers import activity, handed_out, pdf

PUBLICITY_MODELS = [m for m in admin.site._registry if m._meta.app_label == "publicity"]


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def everything(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    handed_out(world, leaflet=pdf())
    activity(world, Assignment.objects.get(grid=world.grid1))
    return world


def test_every_model_is_registered():
    assert set(PUBLICITY_MODELS) == {Campaign, CampaignEvent, VillageDistribution, Assignment, Activity}


@pytest.mark.parametrize("model", PUBLICITY_MODELS, ids=lambda m: m.__name__)
def test_changelist_and_change_pages_open(everything, login, model):
    client = login(everything.admin)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert client.get(reverse(f"{prefix}_changelist")).status_code == 200
    obj = model.objects.first()
    assert client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200


@pytest.mark.parametrize("model", [CampaignEvent, VillageDistribution, Activity], ids=lambda m: m.__name__)
def test_records_written_by_the_services_are_read_only(everything, model):
    model_admin = admin.site._registry[model]
    request = type("R", (), {"user": everything.admin})()
    obj = model.objects.first()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)


def test_campaign_status_cannot_be_changed_in_admin(everything, login):
    c = Campaign.objects.get()
    client = login(everything.admin)
    response = client.post(
        reverse("admin:publicity_campaign_change", args=[c.pk]),
        {
            "title": "改过的标题", "topic": "anti_fraud", "content": "内容", "audiences": ["women"],
            "allowed_forms": ["centralised"], "starts_on": "2026-06-01", "ends_on": "2026-06-30",
            "status": "draft", "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.title == "改过的标题" and c.status == Campaign.Status.DISTRIBUTED
    assert c.audiences == ["women"]


def test_end_before_start_is_refused_in_admin(everything, login):
    c = Campaign.objects.get()
    response = login(everything.admin).post(
        reverse("admin:publicity_campaign_change", args=[c.pk]),
        {
            "title": "标题", "topic": "anti_fraud", "content": "内容", "audiences": ["women"],
            "allowed_forms": ["centralised"], "starts_on": "2026-06-30", "ends_on": "2026-06-01",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.content.decode()
    c.refresh_from_db()
    assert c.starts_on.isoformat() == "2026-06-01"
