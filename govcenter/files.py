"""The one response that serves a stored private file (a dispute's attachment, a log's
photo, a campaign's leaflet) to a user the calling view has already found allowed.

Uploads are never served from ``MEDIA_ROOT`` as a directory; every file goes through a
view that looks its row up through the jurisdiction rule (404 outside it) and then
answers with ``private_file_response``:

- shown in the browser (``inline``) only if it is a JPEG or PNG image the portal
  decoded and encoded again (``govcenter.uploads.reencode_image``): such a file holds
  nothing but pixels. Everything else, PDFs first (a PDF can carry JavaScript), and
  images stored before the portal re-encoded them, is a download (``attachment``);
- ``X-Content-Type-Options: nosniff``, so the browser keeps to the stored type;
- never cached by a shared cache or kept by the browser (``private, no-store``);
- the file name the user uploaded, cleaned of control characters, with the extension
  of the type served; Django writes a Chinese name in RFC 5987 form (``filename*=utf-8''...``).
"""

from __future__ import annotations

import os
import unicodedata

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from .uploads import JPEG, PDF, PNG

INLINE_TYPES = frozenset({JPEG.content_type, PNG.content_type})
_EXTENSIONS = {kind.content_type: kind.extensions for kind in (PDF, JPEG, PNG)}


def download_name(name: str, content_type: str, fallback: str) -> str:
    """``name`` without a path or control characters, ending in an extension of
    ``content_type`` (a photo called IMG_1.PNG that is a JPEG is served as IMG_1.PNG.jpg);
    ``fallback`` if nothing is left."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    stem = name or fallback
    extensions = _EXTENSIONS.get(content_type, ())
    if extensions and os.path.splitext(stem)[1].lower() not in extensions:
        stem += extensions[0]
    return stem[:200]


def private_file_response(
    file: FieldFile, *, name: str, content_type: str, reencoded: bool, download: bool = False, fallback: str = "file"
) -> FileResponse:
    """Serve ``file`` (already found visible to the user) as described in the module doc.

    ``name`` is the uploaded file name, ``content_type`` the type its bytes proved,
    ``reencoded`` whether the stored file is the portal's re-encoded copy of an image;
    ``download`` asks for a download even of an image. Http404 if the file is gone.
    """
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("The file is missing.")) from None
    inline = reencoded and content_type in INLINE_TYPES and not download
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=download_name(name, content_type, fallback),
        content_type=content_type if content_type in _EXTENSIONS else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)  # Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private
    return response
