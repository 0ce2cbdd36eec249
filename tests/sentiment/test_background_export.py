"""The logs' export beyond BACKGROUND_EXPORT_ROWS runs as a background job, as the ledger's
does (tests/disputes/test_background_export.py): the same rows as the list's filter, a
download only the requester opens."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from govcenter.models import ExportJob
from sentiment import views
from sentiment.models import Log

from .helpers import file_log


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(views, "BACKGROUND_EXPORT_ROWS", 2)
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def three_logs(world):
    return [file_log(world, matter=f"村民反映路灯不亮{i}") for i in range(3)]


def _export(client, **query):
    return client.get(reverse("sentiment:export_xlsx"), query)


def test_a_large_logs_export_becomes_a_job_whose_file_only_the_requester_opens(
    world, login, client, three_logs, django_capture_on_commit_callbacks
):
    requester = login(world.district1)
    with django_capture_on_commit_callbacks(execute=True):
        response = _export(requester)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert (job.kind, job.status, job.user, job.rows_done, job.rows_expected) == (
        "sentiment.logs", "done", world.district1, 3, 3
    )  # fmt: skip
    download = requester.get(reverse("export_download", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    matters = {cell for row in sheet.iter_rows(min_row=2, values_only=True) for cell in row if isinstance(cell, str)}
    assert {log.matter for log in three_logs} <= matters
    for other in (world.admin, world.village1_user):
        assert login(other).get(reverse("export_download", args=[job.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 302


def test_at_the_threshold_the_logs_file_is_written_in_the_request(
    world, login, three_logs, django_capture_on_commit_callbacks
):
    Log.objects.filter(pk=three_logs[0].pk).delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = _export(login(world.district1))
    assert response.status_code == 200 and not ExportJob.objects.exists()
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 3  # the header and the two logs


def test_the_job_holds_the_lists_filter_and_jurisdiction(world, login, three_logs, django_capture_on_commit_callbacks):
    """A village clerk's export of the same query holds only its village's logs: the job
    rebuilds the filter over the requester's jurisdiction, not over every log."""
    other = file_log(world, grid=world.grid2, actor=world.grid2_user, matter="西岭村来访", resident=world.resident2)
    with django_capture_on_commit_callbacks(execute=True):
        _export(login(world.village1_user))
    job = ExportJob.objects.get()
    download = login(world.village1_user).get(reverse("export_download", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    cells = {cell for row in sheet.iter_rows(min_row=2, values_only=True) for cell in row if isinstance(cell, str)}
    assert job.rows_done == 3 and {log.matter for log in three_logs} <= cells
    assert other.matter not in cells
