"""What a dispute may have attached (a mediation agreement, a photo, another document):
a PDF, JPEG or PNG file, judged by its extension AND its first bytes (``govcenter.uploads``),
with an image stored as the portal's re-encoded copy. The ledger's own wording of refusals.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from govcenter import uploads

UPLOAD_KINDS = (uploads.PDF, uploads.JPEG, uploads.PNG)
UPLOAD_MAX_BYTES = 10 * 1024 * 1024


def upload_max_bytes() -> int:
    """The size limit of one upload (settings.DISPUTE_UPLOAD_MAX_BYTES overrides it, e.g. in tests)."""
    return getattr(settings, "DISPUTE_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES)


def validate_upload(upload: UploadedFile) -> UploadedFile:
    """The file to store for ``upload``: a PDF or JPEG or PNG file up to the size limit,
    whose extension and first bytes agree, with ``content_type`` the type those bytes
    prove (the browser's claim is not trusted); an image is replaced by its re-encoded
    copy. ValidationError otherwise."""
    try:
        return uploads.accept_upload(upload, kinds=UPLOAD_KINDS, max_bytes=upload_max_bytes())
    except uploads.UploadRefused as e:
        if e.reason == "pixels":
            message = _("This image is too large: at most %(mp)s megapixels.") % {
                "mp": f"{uploads.max_image_pixels() / 1_000_000:g}"
            }
        elif e.reason == "image":
            message = _("This image is damaged or incomplete; upload the file again.")
        else:
            message = _("Only PDF, JPG or PNG files up to %(mb)s MB.") % {
                "mb": f"{upload_max_bytes() / (1024 * 1024):g}"
            }
        code = {"content": "upload_content", "pixels": "upload_pixels", "image": "upload_image"}.get(e.reason, "upload")
        raise ValidationError(message, code=code) from None
