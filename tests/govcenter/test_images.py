"""Images decoded and encoded again (``govcenter.uploads.accept_upload``): what the portal
stores of a picture is its pixels, upright, within the pixel and side limits, and nothing
else; what it cannot decode to the end is refused, never a 500."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from govcenter import uploads
from govcenter.uploads import JPEG, PDF, PNG, ReencodedImage, UploadRefused, accept_upload
from tests import images

DOCUMENTS = (PDF, JPEG, PNG)


def _accept(name: str, content: bytes, **kwargs):
    kwargs.setdefault("kinds", DOCUMENTS)
    kwargs.setdefault("max_bytes", 10 * 1024 * 1024)
    return accept_upload(SimpleUploadedFile(name, content), **kwargs)


def _refusal(name: str, content: bytes, **kwargs) -> str:
    with pytest.raises(UploadRefused) as refused:
        _accept(name, content, **kwargs)
    return refused.value.reason


def test_pillows_own_guard_is_set_to_the_limit_at_start_up(settings):
    assert Image.MAX_IMAGE_PIXELS == settings.UPLOAD_MAX_IMAGE_PIXELS == 50_000_000


def test_a_decompression_bomb_is_refused_from_its_header(monkeypatch):
    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", no_decoding)
    assert _refusal("a.png", images.huge_png()) == "pixels"
    assert _refusal("IMG", images.huge_png(), kinds=(JPEG, PNG), by_name=False) == "pixels"


def test_between_the_limit_and_pillows_error_the_portals_own_check_refuses(settings):
    # Pillow only warns up to twice its limit; the portal refuses from the limit itself.
    settings.UPLOAD_MAX_IMAGE_PIXELS = 100
    assert _refusal("a.png", images.png_bytes((10, 11))) == "pixels"
    assert _accept("a.png", images.png_bytes((10, 10))).size > 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.jpg", images.DAMAGED_JPEG),
        ("a.png", images.DAMAGED_PNG),
        ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # the magic, then nothing of a picture
        ("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64),
        ("a.png", images.png_bytes()[:-20] + b"\x00" * 20),  # a checksum that does not match
    ],
)
def test_a_damaged_or_fake_image_is_refused(name, content):
    assert _refusal(name, content) == "image"


def test_a_jpeg_loses_its_exif_comment_and_gps_and_is_turned_upright():
    original = images.jpeg_bytes((40, 20), gps=True, orientation=6)
    assert set(images.exif_of(original)) == {images.MAKE, images.GPS_IFD, images.ORIENTATION}
    stored = _accept("IMG_0001.JPG", original)
    content = stored.read()
    assert isinstance(stored, ReencodedImage) and stored.content_type == "image/jpeg" and stored.size == len(content)
    assert images.exif_of(content) == {}
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(images.info_of(content))
    assert images.size_of(content) == (20, 40)
    assert stored.name == "IMG_0001.JPG"  # for the download name


def test_a_png_loses_its_text_and_exif_but_keeps_its_transparency():
    picture = Image.new("P", (4, 4))
    picture.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "拍摄于东山村8号")
    exif = Image.Exif()
    exif[images.GPS_IFD] = {1: "N", 2: (30.0, 15.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, format="PNG", pnginfo=info, transparency=0, exif=exif.tobytes())
    assert "Comment" in images.info_of(out.getvalue())

    content = _accept("a.png", out.getvalue()).read()
    assert images.exif_of(content) == {}
    assert images.info_of(content) == {"transparency": 0}


def test_a_picture_larger_than_the_long_side_is_shrunk(settings):
    settings.UPLOAD_IMAGE_MAX_SIDE = 100
    assert images.size_of(_accept("a.jpg", images.jpeg_bytes((400, 300))).read()) == (100, 75)
    assert images.size_of(_accept("a.png", images.png_bytes((60, 300))).read()) == (20, 100)
    assert images.size_of(_accept("a.png", images.png_bytes((100, 30))).read()) == (100, 30)


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGBA", "LA", "I;16", "CMYK"])
def test_pictures_of_every_common_mode_are_stored_in_their_own_format(mode):
    picture = Image.new(mode, (4, 4))
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    out = io.BytesIO()
    picture.save(out, format=fmt)
    name = "a.jpg" if fmt == "JPEG" else "a.png"
    with Image.open(_accept(name, out.getvalue())) as stored:
        assert stored.format == fmt


def test_a_pdf_is_stored_as_it_came_with_the_proven_type():
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="text/html")
    stored = accept_upload(upload, kinds=DOCUMENTS, max_bytes=1024)
    assert stored is upload and stored.content_type == "application/pdf"
    assert not uploads.is_reencoded(stored)


def test_a_copy_is_not_re_encoded_twice_but_its_kind_must_still_be_allowed():
    stored = _accept("a.png", images.PNG_BYTES)
    assert accept_upload(stored, kinds=(JPEG, PNG), max_bytes=1, by_name=False) is stored
    with pytest.raises(UploadRefused):
        accept_upload(stored, kinds=(PDF,), max_bytes=1024)


def test_a_jpeg_named_png_is_refused_by_name_and_accepted_by_its_bytes_for_photos():
    assert _refusal("a.png", images.JPEG_BYTES) == "content"
    stored = _accept("IMG_1.png", images.JPEG_BYTES, kinds=(JPEG, PNG), by_name=False)
    assert stored.content_type == "image/jpeg" and stored.kind == JPEG


def test_random_names_differ_and_keep_only_a_plain_extension():
    first, second = uploads.random_name("disputes/7", "协议.PDF"), uploads.random_name("disputes/7", "协议.PDF")
    assert first != second and first.startswith("disputes/7/") and first.endswith(".pdf")
    assert len(first.rsplit("/", 1)[1]) == 32 + len(".pdf")
    assert "." not in uploads.random_name("x", "a.p df").rsplit("/", 1)[1]
    assert "." not in uploads.random_name("x", "no extension").rsplit("/", 1)[1]
