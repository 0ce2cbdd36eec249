"""The pages of a background export: its progress and its download, for the requester only
(anyone else: 404), until it expires a day after it was asked for."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from .background_exports import EXPORT_KEEP
from .models import ExportJob


def _own_export(request, pk) -> ExportJob:
    return get_object_or_404(
        ExportJob.objects.filter(user=request.user, created_at__gte=timezone.now() - EXPORT_KEEP), pk=pk
    )


@login_required
def export_detail(request, pk):
    job = _own_export(request, pk)
    return render(request, "govcenter/export_detail.html", {"job": job, "expires_at": job.created_at + EXPORT_KEEP})


@login_required
def export_progress(request, pk):
    job = _own_export(request, pk)
    response = render(request, "govcenter/_export_progress.html", {"job": job})
    if not job.is_running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
def export_download(request, pk):
    from django.http import FileResponse

    job = _own_export(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=job.content_type())
    response["Content-Disposition"] = content_disposition_header(True, job.file_name)
    return response
