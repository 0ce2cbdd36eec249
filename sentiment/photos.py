"""Photos of a log: JPEG or PNG, judged by the file's first bytes, up to a size limit."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from govcenter import uploads

# The browser's content type and the file name prove nothing; the bytes decide, and the
# photo view serves the file with the type they proved.
PHOTO_KINDS = (uploads.JPEG, uploads.PNG)
PHOTO_MAX_BYTES = 8 * 1024 * 1024
MAX_PHOTOS = 6


def photo_max_bytes() -> int:
    """settings.SENTIMENT_PHOTO_MAX_BYTES overrides the limit (tests use a small one)."""
    return getattr(settings, "SENTIMENT_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES)


def check_photo(upload: UploadedFile) -> tuple[str, str]:
    """(content type, extension) of an acceptable photo; ValidationError otherwise."""
    message = _("%(name)s: only JPG or PNG photos up to %(mb)s MB.") % {
        "name": upload.name or _("a photo"),
        "mb": f"{photo_max_bytes() / (1024 * 1024):g}",
    }
    try:
        kind = uploads.check_upload(upload, kinds=PHOTO_KINDS, max_bytes=photo_max_bytes(), by_name=False)
    except uploads.UploadRefused as e:
        raise ValidationError(message, code="photo_size" if e.reason == "size" else "photo_type") from None
    return kind.content_type, kind.extensions[0]
