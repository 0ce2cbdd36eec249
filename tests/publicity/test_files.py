"""A campaign's leaflet and an activity's photos: both fields refuse a decompression bomb
and a damaged picture with a message, store a re-encoded copy without EXIF under a
random name; the leaflet view shows only a re-encoded image and makes a PDF a download."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from publicity import services as s
from publicity.models import Assignment, Campaign
from sentiment.models import LogPhoto
from tests import images

from .helpers import PDF, at, draft, handed_out


@pytest.fixture(autouse=True)
def english(client, settings, tmp_path):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.MEDIA_ROOT = tmp_path


def url(name, *args):
    return reverse(f"publicity:{name}", args=args)


def _create(client, leaflet):
    return client.post(
        url("create"),
        {
            "title": "防溺水安全教育",
            "topic": "anti_drowning",
            "content": "不私自下水游泳",
            "audiences": ["left_behind_children"],
            "allowed_forms": ["centralised"],
            "starts_on": "2026-07-01",
            "ends_on": "2026-07-31",
            "leaflet": leaflet,
        },
    )


@pytest.fixture
def assignment(world, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(9))
    handed_out(world)
    return Assignment.objects.get(grid=world.grid1)


def _activity(client, assignment, photo):
    return client.post(
        url("activity_create", assignment.pk),
        {
            "form": "door_to_door",
            "held_on": "2026-06-09",
            "held_time": "09:00",
            "place": "村委会门口",
            "participants": "5",
            "households": "3",
            "photos": [photo],
        },
    )


def _read(field_file) -> bytes:
    with field_file.open("rb") as f:
        return f.read()


# --- the leaflet field ------------------------------------------------------------------------------


def test_a_decompression_bomb_is_refused_as_a_leaflet(world, login):
    response = _create(login(world.village1_user), SimpleUploadedFile("传单.png", images.huge_png()))
    assert response.status_code == 200
    assert "The leaflet image is too large: at most 50 megapixels." in response.content.decode()
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(("name", "content"), [("传单.jpg", images.DAMAGED_JPEG), ("传单.png", images.DAMAGED_PNG)])
def test_a_damaged_leaflet_image_is_a_message(world, login, name, content):
    response = _create(login(world.village1_user), SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert "The leaflet image is damaged or incomplete; upload it again." in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_leaflet_photo_is_stored_without_its_exif_under_a_random_name(world, login):
    client = login(world.village1_user)
    for _ in range(2):
        photo = images.jpeg_bytes((40, 20), gps=True, orientation=6)
        assert _create(client, SimpleUploadedFile("传单.jpg", photo)).status_code == 302
    first, second = Campaign.objects.order_by("pk")
    stored = _read(first.leaflet)
    assert images.exif_of(stored) == {} and images.size_of(stored) == (20, 40)
    assert (first.leaflet_type, first.leaflet_reencoded, first.leaflet_size) == ("image/jpeg", True, len(stored))
    assert first.leaflet_name == "传单.jpg"
    assert first.leaflet.name != second.leaflet.name
    assert re.fullmatch(r"publicity/leaflets/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", first.leaflet.name)


def test_the_service_refuses_a_bomb_without_the_form(world):
    with pytest.raises(s.PublicityError, match="too large"):
        draft(world.village1_user, leaflet=SimpleUploadedFile("传单.png", images.huge_png()))
    c = draft(world.village1_user, leaflet=SimpleUploadedFile("传单.pdf", PDF))
    with pytest.raises(s.PublicityError, match="damaged"):
        s.campaign_update(
            campaign=c,
            actor=world.village1_user,
            at=at(-9),
            data=s.CampaignData(
                title=c.title,
                topic=c.topic,
                content=c.content,
                audiences=c.audiences,
                allowed_forms=c.allowed_forms,
                starts_on=c.starts_on,
                ends_on=c.ends_on,
            ),
            leaflet=SimpleUploadedFile("传单.jpg", images.DAMAGED_JPEG),
        )
    c.refresh_from_db()
    assert c.leaflet_type == "application/pdf"


# --- the activity photos field ------------------------------------------------------------------------


def test_a_decompression_bomb_is_refused_as_an_activity_photo(world, login, assignment):
    response = _activity(login(world.grid1_user), assignment, SimpleUploadedFile("现场.png", images.huge_png()))
    assert response.status_code == 200
    assert "现场.png: the photo is too large (at most 50 megapixels)." in response.content.decode()
    assert not LogPhoto.objects.exists()


def test_a_damaged_activity_photo_is_a_message(world, login, assignment):
    response = _activity(login(world.grid1_user), assignment, SimpleUploadedFile("现场.jpg", images.DAMAGED_JPEG))
    assert response.status_code == 200
    assert "现场.jpg: the photo is damaged or incomplete; choose it again." in response.content.decode()
    assert not LogPhoto.objects.exists()


def test_an_activity_photo_is_stored_without_its_gps_position(world, login, assignment):
    photo = images.jpeg_bytes(gps=True)
    response = _activity(login(world.grid1_user), assignment, SimpleUploadedFile("现场.jpg", photo))
    assert response.status_code == 302
    stored_photo = LogPhoto.objects.get()
    assert stored_photo.reencoded and images.exif_of(_read(stored_photo.file)) == {}


# --- the leaflet view ------------------------------------------------------------------------------


@pytest.fixture
def campaigns(world):
    """A PDF leaflet and an image leaflet of village 1."""
    return (
        draft(world.village1_user, leaflet=SimpleUploadedFile("反诈传单.pdf", PDF)),
        draft(world.village1_user, leaflet=SimpleUploadedFile("反诈传单.png", images.PNG_BYTES)),
    )


def _assert_private(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_a_pdf_leaflet_is_a_download_even_without_asking(world, login, campaigns):
    pdf, _image = campaigns
    response = login(world.village1_user).get(url("leaflet", pdf.pk))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == ("attachment; filename*=utf-8''%E5%8F%8D%E8%AF%88%E4%BC%A0%E5%8D%95.pdf")
    _assert_private(response)


def test_an_image_leaflet_is_shown_and_downloaded_on_request(world, login, campaigns):
    _pdf, image = campaigns
    client = login(world.village1_user)
    response = client.get(url("leaflet", image.pk))
    assert response["Content-Type"] == "image/png" and response["Content-Disposition"].startswith("inline")
    _assert_private(response)
    response = client.get(url("leaflet", image.pk), {"download": "1"})
    assert response["Content-Disposition"].startswith("attachment")
    _assert_private(response)


def test_an_image_leaflet_stored_before_re_encoding_is_downloaded(world, login, campaigns):
    _pdf, image = campaigns
    Campaign.objects.filter(pk=image.pk).update(leaflet_reencoded=False)
    response = login(world.village1_user).get(url("leaflet", image.pk))
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("who", ["village2_user", "grid2_user", "township2_user"])
def test_outside_the_jurisdiction_a_leaflet_is_404(world, login, campaigns, who):
    for campaign in campaigns:
        assert login(getattr(world, who)).get(url("leaflet", campaign.pk)).status_code == 404


def test_anonymous_users_go_to_the_login_page(client, campaigns):
    response = client.get(url("leaflet", campaigns[0].pk))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
