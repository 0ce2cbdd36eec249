"""Checking leaflet uploads: a PDF, JPEG or PNG file, by its extension AND its first bytes.

The extension alone proves nothing (a text file renamed ``.pdf``), the first bytes alone
would let a PNG be served as ``leaflet.pdf``: both must agree. The content type stored
is the one the bytes prove; the browser's claim is not trusted, because the leaflet
view serves the file inline with the stored type.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# Extension -> (first bytes every such file starts with, the content type we store).
LEAFLET_TYPES = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}
LEAFLET_MAX_BYTES = 10 * 1024 * 1024
INLINE_TYPES = frozenset(content_type for _magic, content_type in LEAFLET_TYPES.values())


def leaflet_max_bytes() -> int:
    """The size limit (settings.PUBLICITY_LEAFLET_MAX_BYTES overrides it, e.g. in tests)."""
    return getattr(settings, "PUBLICITY_LEAFLET_MAX_BYTES", LEAFLET_MAX_BYTES)


def validate_leaflet(upload: UploadedFile) -> str:
    """Raise ValidationError unless ``upload`` is a PDF, JPEG or PNG within the size limit;
    return the content type its bytes prove."""
    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext not in LEAFLET_TYPES:
        raise ValidationError(_("The leaflet must be a PDF, JPG or PNG file."), code="leaflet_type")
    limit = leaflet_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("The leaflet is larger than %(mb)s MB.") % {"mb": f"{limit / (1024 * 1024):g}"}, code="leaflet_size"
        )
    magic, content_type = LEAFLET_TYPES[ext]
    upload.seek(0)
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        raise ValidationError(
            _("This file is not really a %(kind)s: its contents do not match its name.")
            % {"kind": ext.lstrip(".").upper()},
            code="leaflet_content",
        )
    return content_type
