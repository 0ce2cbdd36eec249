"""The sentiment admin: every model listed and opened; the flow state and the timeline read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sentiment.models import AgencyMatter, Log, LogEvent

from .helpers import file_log


@pytest.fixture
def data(world):
    log = file_log(world, next_step=Log.NextStep.AGENCY)
    return log, log.agency_matters.get(), log.events.first()


def test_admin_lists_and_opens_every_model(world, login, data):
    log, matter, event = data
    client = login(world.admin)
    for model, obj in ((Log, log), (AgencyMatter, matter), (LogEvent, event)):
        name = model._meta.model_name
        assert client.get(reverse(f"admin:sentiment_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:sentiment_{name}_change", args=[obj.pk])).status_code == 200
    assert client.get(reverse("admin:sentiment_logphoto_changelist")).status_code == 200


def test_a_photo_in_admin_links_to_the_photo_view_not_to_media(world, login, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests import images

    settings.MEDIA_ROOT = tmp_path
    photo = file_log(world, photos=[SimpleUploadedFile("路灯.png", images.PNG_BYTES)]).photos.get()
    page = login(world.admin).get(reverse("admin:sentiment_logphoto_change", args=[photo.pk])).content.decode()
    assert f'href="{photo.get_absolute_url()}"' in page
    assert photo.file.name not in page and "/media/" not in page


def test_logs_and_events_are_not_added_or_changed_in_admin(world, login, data):
    log, _matter, event = data
    client = login(world.admin)
    assert client.get(reverse("admin:sentiment_log_add")).status_code == 403
    assert client.get(reverse("admin:sentiment_logevent_add")).status_code == 403
    assert client.post(reverse("admin:sentiment_logevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    page = client.get(reverse("admin:sentiment_log_change", args=[log.pk])).content.decode()
    assert 'name="status"' not in page and 'name="level"' not in page  # flow state read-only
    assert 'name="matter"' in page  # what the worker typed can be corrected


def test_the_flow_state_cannot_be_posted_through_admin(world, login, data):
    log, _matter, _event = data
    client = login(world.admin)
    url = reverse("admin:sentiment_log_change", args=[log.pk])
    form = client.get(url).context["adminform"].form
    post = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    post.update(
        {
            "occurred_at_0": log.occurred_at.astimezone().strftime("%Y-%m-%d"),
            "occurred_at_1": log.occurred_at.astimezone().strftime("%H:%M:%S"),
            "matter": "更正后的事项",
            "status": "fed_back",
            "level": "district",
        }
    )
    for prefix in ("agency_matters", "photos", "events"):
        post.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    post["agency_matters-TOTAL_FORMS"] = post["agency_matters-INITIAL_FORMS"] = 1
    post["agency_matters-0-id"] = log.agency_matters.get().pk
    post["agency_matters-0-log"] = log.pk
    post["events-TOTAL_FORMS"] = post["events-INITIAL_FORMS"] = log.events.count()
    for i, e in enumerate(log.events.all()):
        post[f"events-{i}-id"], post[f"events-{i}-log"] = e.pk, log.pk
    response = client.post(url, post)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    log.refresh_from_db()
    assert (log.matter, log.status, log.level) == ("更正后的事项", "filed", "village")
