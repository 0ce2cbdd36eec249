"""What a grid worker or a centre types into the log pages: the matter within its limit,
a NUL named plainly, a plausible date, and putting the same person in charge again."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from govcenter import limits
from govcenter.models import Notification
from sentiment.models import Log

from .helpers import reported
from .test_views import _post

NUL_MESSAGE = "This text contains an invisible NUL character (often from a copied document); remove it and try again."


def test_the_matter_carries_its_limit_and_count_words(world, login):
    html = login(world.grid1_user).get(reverse("sentiment:file")).content.decode()
    assert f'maxlength="{limits.NARRATIVE}"' in html and 'data-counter="{count} of {max} characters"' in html


def test_a_nul_in_the_matter_is_named_and_the_rest_is_kept(world, login):
    client = login(world.grid1_user)
    response = _post(client, grid_pk=world.grid1.pk, matter="咨询\x00医保", place="村委会")
    assert response.status_code == 200 and not Log.objects.exists()
    form = response.context["form"]
    assert form.errors["matter"] == [NUL_MESSAGE]
    assert form["place"].value() == "村委会" and form["category"].value() == "social_security"


def test_a_log_dated_before_the_records_begin_or_in_the_future_is_refused(world, login):
    client = login(world.grid1_user)
    response = _post(client, grid_pk=world.grid1.pk, occurred_on="0001-01-01")
    assert response.context["form"].errors["occurred_on"] == [
        "Enter a date from 2000-01-01 on: the portal's records begin then."
    ]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = _post(client, grid_pk=world.grid1.pk, occurred_on=tomorrow)
    assert response.context["form"].errors["occurred_on"] == ["The date cannot be in the future."]
    assert not Log.objects.exists()


def test_putting_the_same_person_in_charge_again_says_so_on_the_form(world, login):
    log = reported(world)
    client = login(world.village1_user)
    url = reverse("sentiment:handle_here", args=[log.pk])
    assert client.post(url, {"handle-handler": world.grid1_user.pk, "handle-note": "尽快处理"}).status_code == 302
    events, notifications = log.events.count(), Notification.objects.count()
    response = client.post(url, {"handle-handler": world.grid1_user.pk, "handle-note": "尽快处理"})
    assert response.status_code == 200
    assert "grid1 is already in charge of this log; nothing changed." in response.content.decode()
    assert log.events.count() == events and Notification.objects.count() == notifications


def test_handle_here_is_404_outside_the_jurisdiction_and_login_for_anonymous(world, login, client):
    log = reported(world)
    url = reverse("sentiment:handle_here", args=[log.pk])
    response = client.post(url, {"handle-handler": world.grid1_user.pk})
    assert response.status_code == 302 and "login" in response["Location"]
    assert login(world.village2_user).post(url, {"handle-handler": world.grid1_user.pk}).status_code == 404
