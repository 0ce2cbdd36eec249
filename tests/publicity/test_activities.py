"""Activities are sentiment logs of kind publicity linked to the assignment; an assignment
is done when its grid team marks it done with at least one activity."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govcenter.models import User
from publicity import services as s
from publicity.forms import ActivityForm
from publicity.models import Activity, Assignment, CampaignEvent
from publicity.services import PublicityError
from sentiment.models import Log

from .helpers import JPEG, activity, at, handed_out


@pytest.fixture
def assignment(world):
    handed_out(world)
    return Assignment.objects.get(grid=world.grid1)


def test_an_activity_is_a_publicity_log_of_the_grid(world, assignment, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("现场.jpg", JPEG, content_type="image/jpeg")
    act = activity(world, assignment, participants=30, households=12, photos=[photo], accompanied_by=world.police1)
    log = act.log
    assert isinstance(log, Log)
    assert (log.kind, log.grid, log.recorded_by) == (Log.Kind.PUBLICITY, world.grid1, world.grid1_user)
    assert (log.publicity_form, log.participants, log.households_reached) == ("door_to_door", 30, 12)
    assert log.place == "东山村文化礼堂" and log.accompanied_by == world.police1
    assert log.photos.count() == 1
    assert act.assignment == assignment and act.held_on == at(0).date()
    assert assignment.events.filter(kind=CampaignEvent.Kind.ACTIVITY).count() == 1


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"participants": -1}, "participants"),
        ({"households": -3}, "households"),
        ({"form": "fixed_point"}, "form"),  # the campaign allows door-to-door and centralised only
        ({"place": "  ", "form": "centralised"}, "place"),
        ({"days": -20}, "held_on"),  # before the campaign started
    ],
)
def test_bad_activity_input_is_refused_and_nothing_is_filed(world, assignment, kwargs, field):
    with pytest.raises(PublicityError) as e:
        activity(world, assignment, **kwargs)
    assert e.value.field == field
    assert not Log.objects.exists() and not Activity.objects.exists()


def test_the_activity_form_refuses_a_blank_place_saying_what_to_give(world, assignment):
    form = ActivityForm(
        {"place": " \u200b ", "form": "centralised"}, assignment=assignment, companions=User.objects.none()
    )
    assert form.errors["place"] == ["Say where the activity took place."]


def test_door_to_door_publicity_needs_no_place(world, assignment):
    form = ActivityForm(
        {"form": "door_to_door", "held_on": "2026-06-01", "participants": "8", "households": "4"},
        assignment=assignment,
        companions=User.objects.none(),
    )
    assert "place" not in form.errors
    act = activity(world, assignment, form="door_to_door", place="")
    assert act.log.place == "" and act.log.publicity_form == "door_to_door"
    assert " ·  · " not in assignment.events.get(kind=CampaignEvent.Kind.ACTIVITY).note  # no empty place


def test_a_photo_that_is_not_an_image_is_refused_through_the_log(world, assignment, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("现场.jpg", b"just text", content_type="image/jpeg")
    with pytest.raises(PublicityError) as e:
        activity(world, assignment, photos=[fake])
    assert e.value.field == "photos"
    assert not Log.objects.exists() and not Activity.objects.exists()


@pytest.mark.parametrize("who", ["grid2_user", "village1_user", "police1", "district1"])
def test_only_the_grid_workers_of_the_grid_record_activities(world, assignment, who):
    with pytest.raises(PublicityError, match="Only the grid workers"):
        activity(world, assignment, worker=getattr(world, who))
    assert not Activity.objects.exists()


def test_done_needs_an_activity_and_the_grid_team(world, assignment):
    with pytest.raises(PublicityError, match="at least one activity"):
        s.assignment_complete(assignment=assignment, actor=world.grid1_user, at=at(1))
    activity(world, assignment)
    activity(world, assignment, form="centralised", participants=40, households=0, days=1)
    with pytest.raises(PublicityError, match="grid team"):
        s.assignment_complete(assignment=assignment, actor=world.village1_user, at=at(2))
    s.assignment_complete(assignment=assignment, actor=world.grid1_user, at=at(2), note="两次宣传")
    assert assignment.is_done and assignment.done_by == world.grid1_user and assignment.done_note == "两次宣传"
    with pytest.raises(PublicityError, match="already done"):
        s.assignment_complete(assignment=assignment, actor=world.grid1_user, at=at(3))
    with pytest.raises(PublicityError, match="already done"):
        activity(world, assignment, days=3)
    assert assignment.activities.count() == 2


def test_no_activity_after_the_campaign_is_closed(world, assignment):
    s.campaign_close(campaign=assignment.campaign, actor=world.district1, at=at(0))
    with pytest.raises(PublicityError, match="Closed"):
        activity(world, assignment, days=1)


def test_generated_record_texts_are_in_the_portals_language(world, assignment, settings):
    """Written while the page is in English, the log's generated texts read as the portal's
    (Simplified Chinese) records do, like those written from a Chinese page."""
    from django.utils import translation
    from django.utils.translation import gettext

    log = activity(world, assignment, participants=7, households=3, matter="").log  # English is active here
    with translation.override(settings.LANGUAGE_CODE):
        people = gettext("%(people)d people, %(households)d households reached") % {"people": 7, "households": 3}
        form = str(Log.PublicityForm.DOOR_TO_DOOR.label)
    assert log.result == people
    assert log.matter == f"{assignment.campaign.title} · {form}"
