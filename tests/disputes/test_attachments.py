"""A dispute's files: every field that takes an image (a file, the agreement of a mediation,
the agreement when resolving) refuses a decompression bomb and a damaged picture with a
message, stores a re-encoded copy without EXIF under a random name, and the one download
view serves it privately; MEDIA_ROOT is not a public directory even with DEBUG on."""

from __future__ import annotations

import importlib
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import clear_url_caches
from django.utils import timezone
from PIL import Image

from disputes import services
from disputes.models import Attachment
from tests import images

from .ledger_helpers import PDF_BYTES, register, url

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

TOO_LARGE = "This image is too large: at most 50 megapixels."
DAMAGED = "This image is damaged or incomplete; upload the file again."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def accepted(world):
    d = register(world.grid1_user, grid=world.grid1)
    services.dispute_accept(dispute=d, actor=world.village1_user, at=timezone.now())
    return d


def _image_fields(name: str, content: bytes) -> list[tuple[str, dict]]:
    """(step, POST data) of each field of the ledger that takes an image."""
    mediation = {
        "held_on": timezone.localdate().isoformat(),
        "method": "committee",
        "mediators": "张调解",
        "outcome": "agreement",
    }
    return [
        ("attach", {"kind": "photo", "file": SimpleUploadedFile(name, content)}),
        ("mediation", {**mediation, "agreement": SimpleUploadedFile(name, content)}),
        ("resolve", {"result": "达成协议", "agreement": SimpleUploadedFile(name, content)}),
    ]


def _stored(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as f:
        return f.read()


@pytest.mark.parametrize("step", ["attach", "mediation", "resolve"])
def test_a_decompression_bomb_is_refused_in_every_image_field(world, login, accepted, step):
    bomb = images.huge_png()
    assert len(bomb) < 400 * 1024  # 20000 x 20000 pixels in a small file
    data = dict(_image_fields("scan.png", bomb))[step]
    response = login(world.village1_user).post(url(step, accepted.pk), data)
    assert response.status_code == 200 and TOO_LARGE in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("step", ["attach", "mediation", "resolve"])
@pytest.mark.parametrize(("name", "content"), [("scan.jpg", images.DAMAGED_JPEG), ("scan.png", images.DAMAGED_PNG)])
def test_a_damaged_image_is_a_message_in_every_image_field(world, login, accepted, step, name, content):
    data = dict(_image_fields(name, content))[step]
    response = login(world.village1_user).post(url(step, accepted.pk), data)
    assert response.status_code == 200 and DAMAGED in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_pixel_limit_comes_from_settings(world, login, accepted, settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 1_000_000
    client = login(world.village1_user)
    upload = SimpleUploadedFile("scan.png", images.huge_png(1001, 1000))  # below Pillow's own guard
    response = client.post(url("attach", accepted.pk), {"kind": "photo", "file": upload})
    assert "This image is too large: at most 1 megapixels." in response.content.decode()
    upload = SimpleUploadedFile("scan.png", images.huge_png(1000, 1000))
    assert client.post(url("attach", accepted.pk), {"kind": "photo", "file": upload}).status_code == 302


@pytest.mark.parametrize("step", ["attach", "mediation", "resolve"])
def test_a_phone_photo_is_stored_upright_without_its_exif(world, login, accepted, step):
    photo = images.jpeg_bytes((40, 20), gps=True, orientation=6)
    assert images.exif_of(photo)  # the upload carries the maker and the GPS position
    data = dict(_image_fields("协议照片.jpg", photo))[step]
    response = login(world.village1_user).post(url(step, accepted.pk), data)
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    stored = _stored(attachment)
    assert images.exif_of(stored) == {}
    assert "exif" not in images.info_of(stored) and "comment" not in images.info_of(stored)
    assert images.size_of(stored) == (20, 40)  # turned upright
    assert (attachment.content_type, attachment.reencoded, attachment.size) == ("image/jpeg", True, len(stored))
    assert attachment.original_name == "协议照片.jpg"


def test_a_large_photo_is_stored_shrunk_to_the_long_side(world, login, accepted, settings):
    settings.UPLOAD_IMAGE_MAX_SIDE = 32
    upload = SimpleUploadedFile("scan.png", images.png_bytes((128, 64)))
    login(world.village1_user).post(url("attach", accepted.pk), {"kind": "photo", "file": upload})
    assert images.size_of(_stored(Attachment.objects.get())) == (32, 16)


def test_the_service_refuses_a_bomb_without_the_form(world, accepted):
    with pytest.raises(services.DisputeError, match="too large"):
        services.dispute_add_attachment(
            dispute=accepted,
            actor=world.village1_user,
            at=timezone.now(),
            kind=Attachment.Kind.PHOTO,
            upload=SimpleUploadedFile("scan.png", images.huge_png()),
        )
    assert not Attachment.objects.exists()


def test_stored_names_are_random(world, login, accepted):
    client = login(world.village1_user)
    for _ in range(2):
        upload = SimpleUploadedFile("调解协议.pdf", PDF_BYTES)
        assert client.post(url("attach", accepted.pk), {"kind": "agreement", "file": upload}).status_code == 302
    names = [a.file.name for a in Attachment.objects.order_by("pk")]
    assert names[0] != names[1]
    for name in names:
        # No upload time, no sequence, nothing of the uploaded name: 128 random bits.
        assert re.fullmatch(rf"disputes/{accepted.pk}/[0-9a-f]{{32}}\.pdf", name), name


# --- the download view ---------------------------------------------------------------------------


def _attach(world, d, name: str, content: bytes) -> Attachment:
    return services.dispute_add_attachment(
        dispute=d, actor=world.village1_user, at=timezone.now(), kind="other", upload=SimpleUploadedFile(name, content)
    )


def _assert_private(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache


def test_a_pdf_is_downloaded_never_shown(world, login, accepted):
    attachment = _attach(world, accepted, "调解协议.pdf", PDF_BYTES)
    response = login(world.township1_user).get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E8%B0%83%E8%A7%A3%E5%8D%8F%E8%AE%AE.pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    _assert_private(response)


def test_a_re_encoded_image_is_shown(world, login, accepted):
    attachment = _attach(world, accepted, "现场.png", images.PNG_BYTES)
    response = login(world.grid1_user).get(attachment.get_absolute_url())
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline; filename*=utf-8''")
    _assert_private(response)


def test_an_image_stored_before_re_encoding_is_downloaded(world, login, accepted):
    attachment = _attach(world, accepted, "现场.png", images.PNG_BYTES)
    Attachment.objects.filter(pk=attachment.pk).update(reencoded=False)  # as every file stored before
    response = login(world.grid1_user).get(attachment.get_absolute_url())
    assert response["Content-Disposition"].startswith("attachment")
    _assert_private(response)


@pytest.mark.parametrize("who", ["village2_user", "township2_user", "grid2_user", "dept1"])
def test_outside_the_jurisdiction_a_file_is_404(world, login, accepted, who):
    attachment = _attach(world, accepted, "现场.png", images.PNG_BYTES)
    assert login(getattr(world, who)).get(attachment.get_absolute_url()).status_code == 404


def test_anonymous_users_go_to_the_login_page(world, client, accepted):
    attachment = _attach(world, accepted, "现场.png", images.PNG_BYTES)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_media_directory_is_not_served_even_with_debug_on(world, client, login, accepted, media_root):
    attachment = _attach(world, accepted, "调解协议.pdf", PDF_BYTES)
    assert (media_root / attachment.file.name).is_file()
    import govcenter.urls

    with override_settings(DEBUG=True):
        importlib.reload(govcenter.urls)  # the URLconf as `make run` builds it
        clear_url_caches()
        try:
            assert client.get(f"/media/{attachment.file.name}").status_code == 404
            assert login(world.village1_user).get(f"/media/{attachment.file.name}").status_code == 404
        finally:
            importlib.reload(govcenter.urls)
            clear_url_caches()


def test_a_re_encoded_copy_is_what_is_served(world, login, accepted):
    attachment = _attach(world, accepted, "a.jpg", images.jpeg_bytes(gps=True))
    response = login(world.village1_user).get(attachment.get_absolute_url())
    body = b"".join(response.streaming_content)
    assert body == _stored(attachment) and images.exif_of(body) == {}
    assert Image.open(io.BytesIO(body)).format == "JPEG"
