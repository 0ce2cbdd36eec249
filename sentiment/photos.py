"""Photos of a log: JPEG or PNG, judged by the file's first bytes, up to a size limit, and
stored as the portal's re-encoded copy (``govcenter.uploads.accept_upload``)."""

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


def check_photo(upload: UploadedFile) -> uploads.ReencodedImage:
    """The copy to store of an acceptable photo (decoded, upright, without EXIF and its GPS
    position, encoded again); ValidationError otherwise. A photo already re-encoded (by the
    form, now asked again by the service) is returned as it is."""
    name = upload.name or _("a photo")
    try:
        return uploads.accept_upload(upload, kinds=PHOTO_KINDS, max_bytes=photo_max_bytes(), by_name=False)
    except uploads.UploadRefused as e:
        if e.reason == "pixels":
            message = _("%(name)s: the photo is too large (at most %(mp)s megapixels).") % {
                "name": name,
                "mp": f"{uploads.max_image_pixels() / 1_000_000:g}",
            }
            raise ValidationError(message, code="photo_pixels") from None
        if e.reason == "image":
            message = _("%(name)s: the photo is damaged or incomplete; choose it again.") % {"name": name}
            raise ValidationError(message, code="photo_damaged") from None
        message = _("%(name)s: only JPG or PNG photos up to %(mb)s MB.") % {
            "name": name,
            "mb": f"{photo_max_bytes() / (1024 * 1024):g}",
        }
        raise ValidationError(message, code="photo_size" if e.reason == "size" else "photo_type") from None
