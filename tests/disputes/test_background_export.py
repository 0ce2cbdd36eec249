"""A ledger export beyond BACKGROUND_EXPORT_ROWS runs as a background job: a progress page,
then a download that only the requester can open, for a day."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import views
from govcenter.models import ExportJob
from govcenter.tasks import expire_stored_files

from .ledger_helpers import register, url


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(views, "BACKGROUND_EXPORT_ROWS", 2)
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def three_villages(world):
    return [
        register(world.grid1_user, grid=world.grid1, summary="东山村纠纷"),
        register(world.village2_user, village=world.village2, summary="西岭村纠纷"),
        register(world.village3_user, village=world.village3, summary="南湖村纠纷"),
    ]


def test_a_large_export_becomes_a_job_whose_file_only_the_requester_opens(
    world, login, client, three_villages, django_capture_on_commit_callbacks
):
    requester = login(world.district1)
    with django_capture_on_commit_callbacks(execute=True):
        response = requester.get(url("export_xlsx"))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert (job.status, job.user, job.rows_done, job.rows_expected) == ("done", world.district1, 3, 3)
    page = requester.get(job.get_absolute_url()).content.decode()
    assert reverse("export_download", args=[job.pk]) in page
    download = requester.get(reverse("export_download", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {d.number for d in three_villages}
    urls = [reverse(name, args=[job.pk]) for name in ("export_detail", "export_progress", "export_download")]
    for other in (world.admin, world.village1_user):
        c = login(other)
        for u in urls:
            assert c.get(u).status_code == 404
    client.logout()
    for u in urls:
        assert client.get(u).status_code == 302


def test_the_lists_filter_decides_whether_the_export_is_large(
    world, login, three_villages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(world.district1).get(url("export_xlsx"), {"township": world.township1.pk})
    # Township 1 holds two of the three cases: at the threshold, the file is written in the request.
    assert not ExportJob.objects.exists()


def test_an_export_expires_after_a_day(world, login, three_villages, django_capture_on_commit_callbacks):
    requester = login(world.district1)
    with django_capture_on_commit_callbacks(execute=True):
        requester.get(url("export_xlsx"))
    job = ExportJob.objects.get()
    path = job.file.path
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert requester.get(reverse("export_download", args=[job.pk])).status_code == 404
    assert expire_stored_files() == {"exports": 1, "imports": 0}
    assert not ExportJob.objects.exists()
    import os

    assert not os.path.exists(path)


def test_a_small_export_stays_in_the_request(world, login, three_villages):
    response = login(world.village1_user).get(url("export_xlsx"))
    assert response.status_code == 200 and not ExportJob.objects.exists()


def test_the_progress_bar_polls_while_the_file_is_written(world, login):
    job = ExportJob.objects.create(kind="disputes.ledger", user=world.district1, rows_expected=200, rows_done=50)
    response = login(world.district1).get(reverse("export_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html and 'value="25"' in html and "HX-Refresh" not in response


def test_a_large_csv_export_is_a_job_writing_the_streamed_file(
    world, login, client, monkeypatch, three_villages, django_capture_on_commit_callbacks
):
    requester = login(world.district1)
    query = {"township": world.township1.pk, "q": ""}
    monkeypatch.setattr(views, "BACKGROUND_EXPORT_ROWS", 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = requester.get(url("export_csv"), query)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert (job.file_format, job.status, job.rows_done) == ("csv", "done", 2)
    assert job.file_name.endswith(".csv")
    download = requester.get(reverse("export_download", args=[job.pk]))
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    background = b"".join(download.streaming_content)
    monkeypatch.setattr(views, "BACKGROUND_EXPORT_ROWS", 1000)
    streamed = requester.get(url("export_csv"), query)
    assert streamed.status_code == 200 and ExportJob.objects.count() == 1
    assert background == b"".join(streamed.streaming_content)
    text = background.decode("utf-8")
    assert text.startswith("\ufeff") and "东山村纠纷" in text and "南湖村纠纷" not in text
    assert len(text.strip().splitlines()) == 3  # the header and township 1's two cases
    for other in (world.admin, world.village1_user):
        assert login(other).get(reverse("export_download", args=[job.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("export_download", args=[job.pk]))
    assert response.status_code == 302 and "login" in response.url


def test_a_csv_export_expires_after_a_day(world, login, three_villages, django_capture_on_commit_callbacks):
    requester = login(world.district1)
    with django_capture_on_commit_callbacks(execute=True):
        requester.get(url("export_csv"))
    job = ExportJob.objects.get(file_format="csv")
    path = job.file.path
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert requester.get(reverse("export_download", args=[job.pk])).status_code == 404
    assert expire_stored_files() == {"exports": 1, "imports": 0}
    import os

    assert not os.path.exists(path)


def test_a_small_csv_export_still_streams(world, login, three_villages):
    response = login(world.village1_user).get(url("export_csv"))
    assert response.status_code == 200 and not ExportJob.objects.exists()
    assert b"".join(response.streaming_content).decode("utf-8").startswith("\ufeff")
