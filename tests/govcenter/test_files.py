"""The one private-file response (``govcenter.files``), and no public media directory.
The download views of each app are tested with their own jurisdiction rules in
tests/disputes/test_attachments.py, tests/sentiment/test_photos.py and
tests/publicity/test_files.py."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.urls import Resolver404, get_resolver, resolve

from govcenter.files import download_name, private_file_response


@pytest.fixture
def stored(settings, tmp_path):
    """A FieldFile of a stored file, as a model row holds it."""
    settings.MEDIA_ROOT = tmp_path

    def _stored(content: bytes, ext: str) -> FieldFile:
        field = models.FileField()
        field.storage = default_storage
        name = default_storage.save(f"test/file{ext}", ContentFile(content))
        return FieldFile(None, field, name)

    return _stored


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("调解协议.pdf", "application/pdf", "调解协议.pdf"),
        ("IMG_0001.PNG", "image/jpeg", "IMG_0001.PNG.jpg"),  # a JPEG is not served under a PNG name
        ("photo.JPEG", "image/jpeg", "photo.JPEG"),
        ("C:\\Users\\王\\协议.pdf", "application/pdf", "协议.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("bad\r\nSet-Cookie: x.pdf", "application/pdf", "badSet-Cookie: x.pdf"),
        ("invoice\u202egpj.exe", "application/pdf", "invoicegpj.exe.pdf"),  # no right-to-left override
        ("", "image/png", "photo.png"),
        ("...", "application/octet-stream", "photo"),
    ],
)
def test_download_names_are_plain_and_end_in_the_served_type(name, content_type, expected):
    assert download_name(name, content_type, "photo") == expected


def test_only_re_encoded_jpeg_and_png_images_are_inline(stored):
    cases = [
        ("image/png", ".png", True, False, "inline"),
        ("image/jpeg", ".jpg", True, False, "inline"),
        ("image/png", ".png", False, False, "attachment"),  # stored before the portal re-encoded
        ("image/png", ".png", True, True, "attachment"),  # asked for a download
        ("application/pdf", ".pdf", False, False, "attachment"),
        ("application/pdf", ".pdf", True, False, "attachment"),
        ("text/html", ".html", False, False, "attachment"),
    ]
    for content_type, ext, reencoded, download, disposition in cases:
        response = private_file_response(
            stored(b"x", ext), name=f"文件{ext}", content_type=content_type, reencoded=reencoded, download=download
        )
        assert response["Content-Disposition"].split(";")[0] == disposition, (content_type, reencoded, download)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}
        response.file_to_stream.close()


def test_an_unknown_type_is_served_as_bytes(stored):
    response = private_file_response(
        stored(b"<script>", ".html"), name="a.html", content_type="text/html", reencoded=True
    )
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="a.html"'
    response.file_to_stream.close()


def test_a_missing_file_is_404(stored):
    field_file = stored(b"%PDF-", ".pdf")
    default_storage.delete(field_file.name)
    with pytest.raises(Http404):
        private_file_response(field_file, name="a.pdf", content_type="application/pdf", reencoded=False)


def test_no_url_serves_the_media_directory(settings):
    with pytest.raises(Resolver404):
        resolve(f"/{settings.MEDIA_URL}disputes/1/0123456789abcdef0123456789abcdef.pdf")
    assert not any(
        "serve" in getattr(p.callback, "__name__", "") for p in get_resolver().url_patterns if hasattr(p, "callback")
    )
