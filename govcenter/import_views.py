"""The import page (/imports/): choose a kind, download its template, upload a file, follow
its progress and read its result. The import itself runs in the background
(``govcenter.tasks.run_import``, ``govcenter.imports.import_job_run``).

A job is seen by its importer only: every job is looked up among the user's own, so
anyone else (even an administrator) gets 404 for its page, its progress and its file.
"""

from __future__ import annotations

import os
import tempfile

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .exports import XLSX_CONTENT_TYPE
from .forms import CleanTextMixin
from .importers import CSV_SUFFIXES, XLSX_SUFFIXES, error_workbook, importer_class, kinds_for, table_of
from .models import ImportJob
from .queue import enqueue_on_commit

MAX_IMPORT_BYTES = 200 * 1024 * 1024  # 500,000 residents as CSV are about 80 MB
RECENT_JOBS = 20
ERRORS_SHOWN = 200


class ImportForm(CleanTextMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of file"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("XLSX, or CSV in UTF-8 or GB18030 (as Chinese Excel saves it)."),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(cls.key, cls.title) for cls in kinds]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        ext = os.path.splitext(upload.name or "")[1].lower()
        if ext not in (*XLSX_SUFFIXES, *CSV_SUFFIXES):
            raise forms.ValidationError(_("Upload an .xlsx or a .csv file."))
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it into several files.") % {"mb": MAX_IMPORT_BYTES >> 20}
            )
        if not upload.size:
            raise forms.ValidationError(_("The file is empty."))
        return upload


def _kinds_or_404(user):
    kinds = kinds_for(user)
    if not kinds:
        raise Http404
    return kinds


@login_required
def import_list(request):
    """The kinds the user may import, their templates, the upload form and the user's recent imports."""
    from .tasks import run_import

    kinds = _kinds_or_404(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with transaction.atomic():
            job = ImportJob.objects.create(
                kind=form.cleaned_data["kind"],
                user=request.user,
                file=upload,
                file_name=os.path.basename(upload.name)[:200],
                language=get_language() or "zh-hans",
            )
            enqueue_on_commit(run_import, job.pk)
        return redirect(job)
    jobs = ImportJob.objects.filter(user=request.user)[:RECENT_JOBS]
    # Plain values: a template would call a class (it is callable) instead of reading its attributes.
    kinds_shown = [{"key": cls.key, "title": cls.title, "matched_by": cls.matched_by} for cls in kinds]
    return render(
        request, "govcenter/imports.html", {"nav_active": "imports", "form": form, "kinds": kinds_shown, "jobs": jobs}
    )


@login_required
def import_template(request, kind):
    """The kind's template: an XLSX with the Chinese headers, an example row and the allowed values."""
    importer_cls = importer_class(kind)
    if importer_cls is None or not importer_cls.allowed(request.user):
        raise Http404
    from .importers import template_workbook

    out = tempfile.TemporaryFile()
    template_workbook(importer_cls, out)
    out.seek(0)
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{importer_cls.title}-模板.xlsx")
    return response


def _own_job(request, pk) -> ImportJob:
    return get_object_or_404(ImportJob.objects.filter(user=request.user), pk=pk)


@login_required
def import_detail(request, pk):
    job = _own_job(request, pk)
    importer_cls = importer_class(job.kind)
    return render(
        request,
        "govcenter/import_detail.html",
        {
            "nav_active": "imports",
            "job": job,
            "kind_title": importer_cls.title if importer_cls else job.kind,
            "errors": job.errors[:ERRORS_SHOWN],
            "errors_more": max(0, len(job.errors) - ERRORS_SHOWN),
            "keep_days": settings.IMPORT_UPLOAD_KEEP_DAYS,
        },
    )


@login_required
def import_progress(request, pk):
    """The progress bar alone (htmx polls it while the job runs); when the job has finished,
    the page reloads to show its result."""
    job = _own_job(request, pk)
    response = render(request, "govcenter/_import_progress.html", {"job": job})
    if not job.is_running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
def import_error_file(request, pk):
    """The uploaded file back with a column of each row's errors."""
    job = _own_job(request, pk)
    importer_cls = importer_class(job.kind)
    if job.status != ImportJob.Status.REFUSED or importer_cls is None:
        raise Http404
    if job.file_deleted_at:
        messages.error(request, _("The uploaded file was deleted; upload the corrected file again."))
        return redirect(job)
    try:
        table = table_of(job.file.path)
    except Exception:
        messages.error(request, _("The uploaded file is no longer available."))
        return redirect(job)
    from .importers import RowError

    errors = [RowError(*e) for e in job.errors]
    out = tempfile.TemporaryFile()
    error_workbook(importer_cls, table, errors, out)
    out.seek(0)
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    stem = os.path.splitext(job.file_name)[0] or "import"
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}-错误.xlsx")
    return response


@login_required
def import_passwords(request, pk):
    """The printable sheet of a team file's new accounts and their initial passwords, for
    the importer to hand out where SMS does not reach; only accounts still on their initial
    password are listed. Once handed out, the importer deletes the sheet (POST)."""
    from .imports import passwords_sheet_rows

    job = _own_job(request, pk)
    if not job.passwords_sheet:
        raise Http404
    if request.method == "POST":
        ImportJob.objects.filter(pk=job.pk).update(passwords_sheet="")
        messages.success(request, _("The sheet of initial passwords was deleted."))
        return redirect(job)
    return render(request, "govcenter/import_passwords.html", {"job": job, "accounts": passwords_sheet_rows(job)})
