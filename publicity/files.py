"""Checking leaflet uploads: a PDF, JPEG or PNG file, by its extension AND its first bytes.

The extension alone proves nothing (a text file renamed ``.pdf``), the first bytes alone
would let a PNG be served as ``leaflet.pdf``: both must agree. The content type stored
is the one the bytes prove; the browser's claim is not trusted. An image leaflet is
stored as the portal's re-encoded copy (``govcenter.uploads.accept_upload``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from govcenter import uploads

LEAFLET_KINDS = (uploads.PDF, uploads.JPEG, uploads.PNG)
LEAFLET_MAX_BYTES = 10 * 1024 * 1024


def leaflet_max_bytes() -> int:
    """The size limit (settings.PUBLICITY_LEAFLET_MAX_BYTES overrides it, e.g. in tests)."""
    return getattr(settings, "PUBLICITY_LEAFLET_MAX_BYTES", LEAFLET_MAX_BYTES)


def validate_leaflet(upload: UploadedFile) -> UploadedFile:
    """The file to store for ``upload``: a PDF, JPEG or PNG within the size limit, with
    ``content_type`` the type its bytes prove; an image is replaced by its re-encoded copy.
    ValidationError otherwise."""
    limit = leaflet_max_bytes()
    try:
        return uploads.accept_upload(upload, kinds=LEAFLET_KINDS, max_bytes=limit)
    except uploads.UploadRefused as e:
        if e.reason == "type":
            raise ValidationError(_("The leaflet must be a PDF, JPG or PNG file."), code="leaflet_type") from None
        if e.reason == "size":
            raise ValidationError(
                _("The leaflet is larger than %(mb)s MB.") % {"mb": f"{limit / (1024 * 1024):g}"}, code="leaflet_size"
            ) from None
        if e.reason == "pixels":
            raise ValidationError(
                _("The leaflet image is too large: at most %(mp)s megapixels.")
                % {"mp": f"{uploads.max_image_pixels() / 1_000_000:g}"},
                code="leaflet_pixels",
            ) from None
        if e.reason == "image":
            raise ValidationError(
                _("The leaflet image is damaged or incomplete; upload it again."), code="leaflet_damaged"
            ) from None
        raise ValidationError(
            _("This file is not really a %(kind)s: its contents do not match its name.")
            % {"kind": e.extension.lstrip(".").upper()},
            code="leaflet_content",
        ) from None
