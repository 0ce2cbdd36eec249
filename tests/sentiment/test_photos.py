"""A log's photos: both fields that take them (filing a log, adding photos later) refuse a
decompression bomb and a damaged picture with a message naming the file, store a
re-encoded copy without EXIF (a phone photo carries the GPS position of a resident's
home) under a random name, and the photo view serves it privately."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sentiment import services as s
from sentiment.models import Log, LogPhoto
from tests import images
from tests.sentiment.helpers import an_hour_ago

from .helpers import file_log


@pytest.fixture(autouse=True)
def english(client, settings, tmp_path):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.MEDIA_ROOT = tmp_path


def _file(client, world, *photos):
    return client.post(
        reverse("sentiment:file"),
        {
            "grid": world.grid1.pk,
            "kind": "visit",
            "category": "social_security",
            "matter": "咨询医保缴费",
            "next_step": "answered",
            **an_hour_ago(),
            "client_token": "",
            "photos": list(photos),
        },
    )


def _add(client, log, *photos):
    return client.post(reverse("sentiment:add_photos", args=[log.pk]), {"photos-photos": list(photos)})


@pytest.fixture
def log(world):
    return file_log(world)


def _post_to(field, client, world, log, upload):
    return _file(client, world, upload) if field == "file" else _add(client, log, upload)


def _stored(photo: LogPhoto) -> bytes:
    with photo.file.open("rb") as f:
        return f.read()


@pytest.mark.parametrize("field", ["file", "add"])
def test_a_decompression_bomb_is_refused_in_both_photo_fields(world, login, log, field):
    response = _post_to(
        field, login(world.grid1_user), world, log, SimpleUploadedFile("IMG_0001.png", images.huge_png())
    )
    assert response.status_code == 200
    assert "IMG_0001.png: the photo is too large (at most 50 megapixels)." in response.content.decode()
    assert not LogPhoto.objects.exists() and Log.objects.count() == 1


@pytest.mark.parametrize("field", ["file", "add"])
@pytest.mark.parametrize("content", [images.DAMAGED_JPEG, images.DAMAGED_PNG])
def test_a_damaged_photo_is_a_message_in_both_photo_fields(world, login, log, field, content):
    response = _post_to(field, login(world.grid1_user), world, log, SimpleUploadedFile("IMG_0002.jpg", content))
    assert response.status_code == 200
    assert "IMG_0002.jpg: the photo is damaged or incomplete; choose it again." in response.content.decode()
    assert not LogPhoto.objects.exists()


@pytest.mark.parametrize("field", ["file", "add"])
def test_a_phone_photo_is_stored_upright_without_its_gps_position(world, login, log, field):
    photo = images.jpeg_bytes((40, 20), gps=True, orientation=6)
    response = _post_to(field, login(world.grid1_user), world, log, SimpleUploadedFile("IMG_0003.jpg", photo))
    assert response.status_code == 302
    stored_photo = LogPhoto.objects.get()
    stored = _stored(stored_photo)
    assert images.exif_of(stored) == {} and "comment" not in images.info_of(stored)
    assert images.size_of(stored) == (20, 40)
    assert (stored_photo.content_type, stored_photo.reencoded, stored_photo.size) == ("image/jpeg", True, len(stored))


def test_the_service_re_encodes_photos_given_without_the_form(world):
    log = file_log(world, photos=[SimpleUploadedFile("IMG_0004.jpg", images.jpeg_bytes(gps=True))])
    photo = log.photos.get()
    assert photo.reencoded and images.exif_of(_stored(photo)) == {}
    with pytest.raises(s.LogError, match="too large"):
        s.log_add_photos(
            log=log, actor=world.grid1_user, at=timezone.now(), photos=[SimpleUploadedFile("b.png", images.huge_png())]
        )


def test_two_photos_of_the_same_name_get_different_random_names(world, login, log):
    client = login(world.grid1_user)
    for _ in range(2):
        assert _add(client, log, SimpleUploadedFile("IMG_0005.jpg", images.JPEG_BYTES)).status_code == 302
    names = [p.file.name for p in LogPhoto.objects.order_by("pk")]
    assert names[0] != names[1]
    assert all(re.fullmatch(r"sentiment/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", n) for n in names), names


# --- the photo view ----------------------------------------------------------------------------------


@pytest.fixture
def photo(world):
    return file_log(world, photos=[SimpleUploadedFile("路灯.png", images.PNG_BYTES)]).photos.get()


def _assert_private(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_a_photo_is_shown_privately(world, login, photo):
    response = login(world.village1_user).get(photo.get_absolute_url())
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline; filename*=utf-8''%E8%B7%AF%E7%81%AF.png"
    _assert_private(response)


def test_a_photo_stored_before_re_encoding_is_downloaded(world, login, photo):
    LogPhoto.objects.filter(pk=photo.pk).update(reencoded=False)
    response = login(world.village1_user).get(photo.get_absolute_url())
    assert response["Content-Disposition"].startswith("attachment")
    _assert_private(response)


@pytest.mark.parametrize("who", ["grid2_user", "village2_user", "township2_user", "dept1"])
def test_outside_the_jurisdiction_a_photo_is_404(world, login, photo, who):
    assert login(getattr(world, who)).get(photo.get_absolute_url()).status_code == 404


def test_anonymous_users_go_to_the_login_page(client, photo):
    response = client.get(photo.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
