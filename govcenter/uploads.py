"""Checking uploaded files by what they are, not by what the browser says they are.

A file's kind is proved by its first bytes (the "magic" every such file starts with);
the content type stored with it is the one those bytes prove, because the download
views serve files inline with the stored type and the browser's claim is not trusted.
Where the name matters too (``by_name=True``), the extension must be one of the kind's:
the extension alone proves nothing (a renamed .exe), the bytes alone would let a PNG be
served as ``agreement.pdf``, so both must agree.

Each app words its own messages: ``check_upload`` says only why a file was refused
(``UploadRefused.reason``), and the app's validator turns that into a ValidationError.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]  # lower case, with the dot; the first is the one to store
    magic: bytes  # the first bytes of every such file


PDF = FileKind("application/pdf", (".pdf",), b"%PDF-")
JPEG = FileKind("image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff")
PNG = FileKind("image/png", (".png",), b"\x89PNG\r\n\x1a\n")


class UploadRefused(Exception):
    """Why ``check_upload`` refused a file.

    ``reason`` is "type" (the name's extension, or with ``by_name=False`` the bytes, are
    of no allowed kind), "size" (over the limit; with ``by_name=False`` also empty) or
    "content" (the bytes do not match the kind the name claims); ``extension`` is the
    name's extension (lower case, with the dot; "" if none).
    """

    def __init__(self, reason: str, extension: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.extension = extension


def extension_of(upload: UploadedFile) -> str:
    return os.path.splitext(upload.name or "")[1].lower()


def _head(upload: UploadedFile, n: int) -> bytes:
    """The first ``n`` bytes, leaving the file at its start for whoever saves it."""
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def check_upload(
    upload: UploadedFile, *, kinds: tuple[FileKind, ...], max_bytes: int, by_name: bool = True
) -> FileKind:
    """The kind of ``upload`` among ``kinds``, if it is at most ``max_bytes`` long;
    UploadRefused otherwise.

    ``by_name=True``: the extension picks the kind (refused if none) and the first bytes
    must prove it. ``by_name=False`` (photos from a phone, whose names mean nothing): the
    first bytes alone pick the kind, and an empty file is refused for its size.
    """
    ext = extension_of(upload)
    if by_name:
        kind = next((k for k in kinds if ext in k.extensions), None)
        if kind is None:
            raise UploadRefused("type", ext)
        if upload.size > max_bytes:
            raise UploadRefused("size", ext)
        if _head(upload, len(kind.magic)) != kind.magic:
            raise UploadRefused("content", ext)
        return kind
    if not upload.size or upload.size > max_bytes:
        raise UploadRefused("size", ext)
    head = _head(upload, max(len(k.magic) for k in kinds))
    for kind in kinds:
        if head.startswith(kind.magic):
            return kind
    raise UploadRefused("type", ext)
