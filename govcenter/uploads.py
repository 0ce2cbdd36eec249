"""Checking uploaded files by what they are, not by what the browser says they are.

A file's kind is proved by its first bytes (the "magic" every such file starts with);
the content type stored with it is the one those bytes prove, because the download
view serves files with the stored type and the browser's claim is not trusted.
Where the name matters too (``by_name=True``), the extension must be one of the kind's:
the extension alone proves nothing (a renamed .exe), the bytes alone would let a PNG be
served as ``agreement.pdf``, so both must agree.

An image is then decoded with Pillow and the portal stores a copy it encoded itself
(``accept_upload``): a decompression bomb (a 20000 x 20000 PNG is a few hundred KB) is
refused from its header before any pixel is decoded, a damaged or truncated image is
refused instead of being shown half, the EXIF orientation is applied and every piece of
metadata (EXIF with a phone's GPS position, comments, XMP, ICC profiles) is left behind.
Only such a re-encoded copy is ever served inline (``govcenter.files``).

Each app words its own messages: ``check_upload`` and ``accept_upload`` say only why a
file was refused (``UploadRefused.reason``), and the app's validator turns that into a
ValidationError.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from PIL import Image, ImageOps


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]  # lower case, with the dot; the first is the one to store
    magic: bytes  # the first bytes of every such file
    pillow_formats: tuple[str, ...] = ()  # Pillow's names for it, if it is an image the portal re-encodes

    @property
    def is_image(self) -> bool:
        return bool(self.pillow_formats)


PDF = FileKind("application/pdf", (".pdf",), b"%PDF-")
# MPO is the JPEG some phones write with a second, depth or preview, picture appended.
JPEG = FileKind("image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff", ("JPEG", "MPO"))
PNG = FileKind("image/png", (".png",), b"\x89PNG\r\n\x1a\n", ("PNG",))


class UploadRefused(Exception):
    """Why ``check_upload`` refused a file.

    ``reason`` is "type" (the name's extension, or with ``by_name=False`` the bytes, are
    of no allowed kind), "size" (over the limit; with ``by_name=False`` also empty),
    "content" (the bytes do not match the kind the name claims), and from
    ``accept_upload`` "pixels" (an image with more pixels than
    ``settings.UPLOAD_MAX_IMAGE_PIXELS``) or "image" (an image Pillow cannot read to the
    end: damaged, truncated, or not the kind its first bytes claim); ``extension`` is the
    name's extension (lower case, with the dot; "" if none).
    """

    def __init__(self, reason: str, extension: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.extension = extension


def extension_of(upload: UploadedFile) -> str:
    return os.path.splitext(upload.name or "")[1].lower()


def random_name(folder: str, filename: str) -> str:
    """Where to store an upload: ``<folder>/<uuid4 hex><ext>``. The name cannot be guessed
    or counted through (an upload time or a sequence could be), and tells nothing about
    the file; the uploaded name is kept in the row, for the download."""
    ext = os.path.splitext(filename or "")[1].lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", ext):
        ext = ""
    return f"{folder}/{uuid.uuid4().hex}{ext}"


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


# --- images: decoded and encoded again ------------------------------------------------------

JPEG_QUALITY = 85
# Pillow's modes each format can store; any other is converted (e.g. a 16-bit JPEG is not a thing).
_JPEG_MODES = ("L", "RGB", "CMYK")
_PNG_MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16")


class ReencodedImage(SimpleUploadedFile):
    """An image the portal decoded and encoded again: what it stores instead of the upload.

    Only ``accept_upload`` makes one, so an object of this class proves the re-encoding
    (a form and then its service may both ask, and the work is done once). ``name`` is
    the uploaded name, for the download file name.
    """

    def __init__(self, name: str, content: bytes, kind: FileKind):
        super().__init__(name, content, content_type=kind.content_type)
        self.kind = kind


def max_image_pixels() -> int:
    return settings.UPLOAD_MAX_IMAGE_PIXELS


def apply_pillow_limit() -> None:
    """Pillow's own guard (``Image.MAX_IMAGE_PIXELS``): ``Image.open`` refuses an image over
    twice the limit from its header. ``accept_upload`` refuses from the limit itself;
    this covers every other place that opens an image. Called at start-up."""
    Image.MAX_IMAGE_PIXELS = max_image_pixels()


def is_reencoded(upload) -> bool:
    return isinstance(upload, ReencodedImage)


def reencode_image(upload: UploadedFile, kind: FileKind) -> ReencodedImage:
    """A copy of the image ``upload`` (of ``kind``, proven by its first bytes) that holds
    nothing but its pixels; UploadRefused("pixels" or "image") if it cannot be made.

    1. Open the header only and refuse an image over the pixel limit before decoding.
    2. ``verify()`` the file (for PNG every chunk's checksum), then open it again and
       decode it completely: a truncated file fails here.
    3. Turn it upright by its EXIF orientation, shrink it to ``settings.UPLOAD_IMAGE_MAX_SIDE``
       on its long side if it is larger (a phone photo of a paper stays readable at 4096),
       drop every metadata, and encode it as the same kind.
    """
    ext = extension_of(upload)
    limit = max_image_pixels()
    try:
        upload.seek(0)
        with Image.open(upload, formats=kind.pillow_formats) as header:
            width, height = header.size
            if not width or not height:
                raise UploadRefused("image", ext)
            if width * height > limit:
                raise UploadRefused("pixels", ext)
            header.verify()
        upload.seek(0)
        with Image.open(upload, formats=kind.pillow_formats) as image:
            image.load()
            picture = ImageOps.exif_transpose(image)
        side = settings.UPLOAD_IMAGE_MAX_SIDE
        if max(picture.size) > side:
            picture.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if kind == PNG:
            if picture.mode not in _PNG_MODES:
                picture = picture.convert("RGBA")
            # Text chunks, EXIF, ICC and times go; the transparency of a palette image stays.
            picture.info = {k: v for k, v in picture.info.items() if k == "transparency"}
            picture.save(out, format="PNG", optimize=True)
        else:
            if picture.mode not in _JPEG_MODES:
                picture = picture.convert("RGB")
            picture.info = {}
            picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    except UploadRefused:
        raise
    except Image.DecompressionBombError:
        raise UploadRefused("pixels", ext) from None
    except Exception:  # noqa: BLE001 - whatever a hostile file makes a decoder raise is a refusal, not a 500
        raise UploadRefused("image", ext) from None
    finally:
        upload.seek(0)
    return ReencodedImage(upload.name or f"image{kind.extensions[0]}", out.getvalue(), kind)


def accept_upload(
    upload: UploadedFile, *, kinds: tuple[FileKind, ...], max_bytes: int, by_name: bool = True
) -> UploadedFile:
    """The file to store for ``upload``: ``check_upload`` proves its kind and size, and an
    image is replaced by its re-encoded copy (``reencode_image``). The result's
    ``content_type`` is the proven one. UploadRefused otherwise.

    An upload already re-encoded (by the form, now asked again by the service) is
    returned as it is, if its kind is allowed here.
    """
    if isinstance(upload, ReencodedImage) and upload.kind in kinds:
        return upload
    kind = check_upload(upload, kinds=kinds, max_bytes=max_bytes, by_name=by_name)
    if kind.is_image:
        return reencode_image(upload, kind)
    upload.content_type = kind.content_type
    return upload
