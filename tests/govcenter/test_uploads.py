"""Uploads judged by their bytes (``govcenter.uploads``), shared by the ledger's
attachments, the campaigns' leaflets and the logs' photos: the name and the first bytes
must agree where the name counts, the bytes alone decide where it does not, the size
limit holds, and the file is left at its start for saving."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govcenter.uploads import JPEG, PDF, PNG, UploadRefused, check_upload

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE_BYTES = b"MZ\x90\x00 this is an executable renamed to .pdf"
DOCUMENTS = (PDF, JPEG, PNG)
PHOTOS = (JPEG, PNG)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.pdf", PDF_BYTES, PDF),
        ("A.PDF", PDF_BYTES, PDF),
        ("b.jpg", JPEG_BYTES, JPEG),
        ("b.jpeg", JPEG_BYTES, JPEG),
        ("c.png", PNG_BYTES, PNG),
    ],
)
def test_pdf_jpeg_and_png_are_accepted_as_the_kind_their_bytes_prove(name, content, kind):
    upload = SimpleUploadedFile(name, content, content_type="text/html")
    assert check_upload(upload, kinds=DOCUMENTS, max_bytes=1024) == kind
    assert upload.read() == content  # left at the start for saving


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.pdf", EXE_BYTES, "content"),
        ("a.pdf", PNG_BYTES, "content"),  # a real PNG is not a PDF
        ("a.png", JPEG_BYTES, "content"),
        ("a.pdf", b"%PDF", "content"),  # a PDF starts with "%PDF-"
        ("a.pdf", b"", "content"),
        ("a.exe", PDF_BYTES, "type"),
        ("a", PDF_BYTES, "type"),
        ("a.svg", b"<svg/>", "type"),
        ("a.gif", b"GIF89a" + b"\0" * 10, "type"),
    ],
)
def test_a_name_and_bytes_that_disagree_are_refused(name, content, reason):
    with pytest.raises(UploadRefused) as refused:
        check_upload(SimpleUploadedFile(name, content), kinds=DOCUMENTS, max_bytes=1024)
    assert refused.value.reason == reason


def test_the_extension_is_reported_for_the_message():
    with pytest.raises(UploadRefused) as refused:
        check_upload(SimpleUploadedFile("传单.PNG", PDF_BYTES), kinds=DOCUMENTS, max_bytes=1024)
    assert (refused.value.reason, refused.value.extension) == ("content", ".png")


def test_only_the_kinds_given_are_allowed():
    with pytest.raises(UploadRefused) as refused:
        check_upload(SimpleUploadedFile("a.pdf", PDF_BYTES), kinds=PHOTOS, max_bytes=1024)
    assert refused.value.reason == "type"


def test_a_file_over_the_limit_is_refused_for_its_size():
    upload = SimpleUploadedFile("big.png", PNG_BYTES + b"\0" * 100)
    assert check_upload(upload, kinds=DOCUMENTS, max_bytes=upload.size) == PNG
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload, kinds=DOCUMENTS, max_bytes=upload.size - 1)
    assert refused.value.reason == "size"


@pytest.mark.parametrize(("name", "content", "kind"), [("IMG_0001", JPEG_BYTES, JPEG), ("photo.jpg", PNG_BYTES, PNG)])
def test_without_the_name_the_bytes_alone_decide(name, content, kind):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    assert check_upload(upload, kinds=PHOTOS, max_bytes=1024, by_name=False) == kind
    assert upload.read() == content


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"<script>alert(1)</script>", "type"), (PDF_BYTES, "type"), (b"", "size"), (JPEG_BYTES + b"\0" * 1024, "size")],
)
def test_without_the_name_other_files_empty_files_and_big_files_are_refused(content, reason):
    with pytest.raises(UploadRefused) as refused:
        check_upload(SimpleUploadedFile("photo.jpg", content), kinds=PHOTOS, max_bytes=1024, by_name=False)
    assert refused.value.reason == reason
