"""The import page (/imports/), its background task and progress bar, the record of who
imported what, a crash mid-write, and the first-login password change."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from govcenter.imports import import_job_run
from govcenter.models import ImportJob, User
from grids.models import Resident
from tests.factories import make_id_number

HEADER = ("姓名", "公民身份号码", "网格编码")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def xlsx(rows, header=HEADER, name="居民.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def upload(client, kind, file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("import_list"), {"kind": kind, "file": file})


def test_a_clerk_uploads_residents_and_sees_the_counts(world, login, django_capture_on_commit_callbacks):
    client = login(world.village1_user)
    rows = [(f"居民{i}", make_id_number(), world.grid1.code) for i in range(3)]
    response = upload(client, "residents", xlsx(rows), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert (job.status, job.user, job.kind, job.file_name) == ("done", world.village1_user, "residents", "居民.xlsx")
    assert (job.total, job.created, job.updated, job.unchanged, job.failed) == (3, 3, 0, 0, 0)
    assert Resident.objects.filter(name__startswith="居民").count() == 3
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert '<dd class="col-sm-9" id="count-created">3</dd>' in html
    # Each imported resident's history says it came from this import, and who made it.
    record = Resident.history.filter(name="居民0").get()
    assert record.history_change_reason == job.history_reason
    assert str(job.pk) in record.history_change_reason
    assert record.history_user == world.village1_user


def test_a_refused_file_lists_its_errors_and_gives_the_file_back_with_them(
    world, login, django_capture_on_commit_callbacks
):
    client = login(world.village1_user)
    rows = [
        ("好", make_id_number(), world.grid1.code),
        ("坏", "123", world.grid1.code),
        ("外", make_id_number(), world.grid2.code),
    ]
    upload(client, "residents", xlsx(rows), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert (job.status, job.failed, job.total) == ("refused", 2, 3)
    assert not Resident.objects.filter(name__in=["好", "坏", "外"]).exists()
    html = client.get(job.get_absolute_url()).content.decode()
    assert "18 characters" in html and "outside your jurisdiction" in html
    response = client.get(reverse("import_error_file", args=[job.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    values = list(wb.worksheets[0].iter_rows(values_only=True))
    assert values[0][-1] == "错误" and values[1][-1] in (None, "") and values[2][-1] and values[3][-1]


def test_the_template_download_has_the_headers(world, login):
    response = login(world.village1_user).get(reverse("import_template", args=["residents"]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert next(wb.worksheets[0].iter_rows(values_only=True))[:3] == ("姓名", "公民身份号码", "网格编码")


def test_a_clerk_gets_no_template_of_kinds_they_may_not_import(world, login):
    assert login(world.village1_user).get(reverse("import_template", args=["team"])).status_code == 404
    assert login(world.village1_user).get(reverse("import_template", args=["nonsense"])).status_code == 404


def test_a_kind_not_allowed_is_refused_by_the_form(world, login):
    client = login(world.village1_user)
    response = client.post(reverse("import_list"), {"kind": "team", "file": xlsx([])})
    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert "Select a valid choice" in response.content.decode()


def test_a_wrong_file_type_is_refused_with_a_message(world, login):
    response = login(world.admin).post(
        reverse("import_list"), {"kind": "residents", "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4")}
    )
    assert response.status_code == 200 and "Upload an .xlsx or a .csv file" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_unreadable_upload_fails_the_job_with_a_message(world, login, django_capture_on_commit_callbacks):
    client = login(world.admin)
    upload(client, "residents", SimpleUploadedFile("x.xlsx", b"not a workbook"), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.status == "failed" and "XLSX" in job.message
    assert client.get(job.get_absolute_url()).status_code == 200


def test_the_page_answers_anonymous_users_with_the_login(client, world):
    for url in (reverse("import_list"), reverse("import_template", args=["residents"])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_page_is_not_found_for_roles_that_import_nothing(world, login):
    assert login(world.grid1_user).get(reverse("import_list")).status_code == 404


def queued_job(world, user, rows=None) -> ImportJob:
    rows = rows or [(f"居民{i}", make_id_number(), world.grid1.code) for i in range(3)]
    return ImportJob.objects.create(kind="residents", user=user, file=xlsx(rows), file_name="居民.xlsx", language="en")


def test_the_progress_and_the_job_answer_only_the_importer(world, login, client):
    job = queued_job(world, world.village1_user)
    urls = [
        reverse("import_detail", args=[job.pk]),
        reverse("import_progress", args=[job.pk]),
        reverse("import_error_file", args=[job.pk]),
    ]
    mine = login(world.village1_user)
    response = mine.get(urls[1], HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'hx-trigger="every 2s"' in response.content.decode()
    assert "HX-Refresh" not in response
    assert mine.get(urls[0]).status_code == 200
    for other in (world.admin, world.district1, world.village2_user):
        client.logout()
        c = login(other)
        for url in urls:
            assert c.get(url).status_code == 404, (other, url)
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302


def test_the_progress_bar_survives_a_reload_and_reloads_the_page_when_done(world, login):
    job = queued_job(world, world.village1_user)
    ImportJob.objects.filter(pk=job.pk).update(status="checking", rows_checked=50, rows_expected=100)
    client = login(world.village1_user)
    html = client.get(job.get_absolute_url()).content.decode()  # a reload finds the bar where it was
    assert 'value="45"' in html and "50 rows checked" in html
    import_job_run(job_id=job.pk)  # a job left running (killed worker) is claimed again
    response = client.get(reverse("import_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true" and 'value="100"' in response.content.decode()


def test_a_crash_mid_write_saves_nothing_and_the_job_runs_again(world, monkeypatch):
    """The write is one transaction: a worker dying half-way (here: an exception after the
    first batch was written) leaves nothing, and the task's redelivery imports the file."""
    from grids.importers import ResidentImporter

    rows = [(f"居民{i}", make_id_number(), world.grid1.code) for i in range(5)]
    job = queued_job(world, world.admin, rows)
    monkeypatch.setattr(ResidentImporter, "batch_size", 2)
    real_write = ResidentImporter.write_batch
    calls = []

    def dying_write(self, items):
        calls.append(len(items))
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real_write(self, items)

    monkeypatch.setattr(ResidentImporter, "write_batch", dying_write)
    with pytest.raises(SystemExit):
        import_job_run(job_id=job.pk)
    assert calls == [2, 2]
    assert not Resident.objects.filter(name__startswith="居民").exists()
    job.refresh_from_db()
    assert job.status == "writing"  # as the killed worker left it

    monkeypatch.setattr(ResidentImporter, "write_batch", real_write)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.created, job.attempts) == ("done", 5, 2)
    assert Resident.objects.filter(name__startswith="居民").count() == 5
    assert import_job_run(job_id=job.pk) is None  # finished: not claimed a third time


def test_an_imported_account_must_change_its_password_first(world, client):
    user = User.objects.create_user(
        "13700000001", password="initial-1", role=User.Role.GRID_WORKER, must_change_password=True
    )
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("password_change")
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": "initial-1", "new_password1": "Qx7-long-enough-pass", "new_password2": "Qx7-long-enough-pass"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("home")).status_code == 200


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    kind=st.sampled_from(["areas", "grids", "households", "residents", "team", "", "x" * 30]),
    name=st.sampled_from(["a.xlsx", "a.csv", "a.txt", "a", "a.xlsm"]),
    content=st.one_of(
        st.binary(max_size=200),
        st.lists(st.lists(st.text(max_size=20), max_size=6), max_size=5).map(
            lambda rows: "\n".join(
                ",".join(c.replace("\x00", "") for c in r)
                for r in [
                    [
                        "姓名",
                        "公民身份号码",
                        "网格编码",
                        "代码",
                        "名称",
                        "手机号码",
                        "角色",
                        "户号",
                        "户主姓名",
                        "住址",
                        "网格名称",
                    ],
                    *rows,
                ]
            ).encode("utf-8")
        ),
    ),
)
def test_no_upload_makes_a_server_error(world, login, django_capture_on_commit_callbacks, kind, name, content):
    client = login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import_list"), {"kind": kind, "file": SimpleUploadedFile(name, content)})
    assert response.status_code < 500
    for job in ImportJob.objects.all():
        assert client.get(job.get_absolute_url()).status_code == 200
        assert client.get(reverse("import_error_file", args=[job.pk])).status_code in (200, 302, 404)


def test_the_admin_history_of_an_imported_resident_names_the_import(world, login, django_capture_on_commit_callbacks):
    client = login(world.village1_user)
    upload(
        client, "residents", xlsx([("史料", make_id_number(), world.grid1.code)]), django_capture_on_commit_callbacks
    )
    job = ImportJob.objects.get()
    resident = Resident.objects.get(name="史料")
    admin_client = login(world.admin)
    html = admin_client.get(reverse("admin:grids_resident_history", args=[resident.pk])).content.decode()
    assert f"from the import #{job.pk}: 居民.xlsx" in html
    assert world.village1_user.username in html
    # And the import itself is on record for the administrator.
    listing = admin_client.get(reverse("admin:govcenter_importjob_changelist")).content.decode()
    assert "居民.xlsx" in listing


def test_a_job_whose_task_never_reached_the_broker_is_queued_again(world, monkeypatch):
    import datetime

    from django.utils import timezone

    from govcenter import tasks

    now = timezone.now()
    job = queued_job(world, world.admin)
    fresh = queued_job(world, world.admin)
    dead = queued_job(world, world.admin)
    running = queued_job(world, world.admin)
    ImportJob.objects.filter(pk__in=[job.pk, dead.pk, running.pk]).update(created_at=now - datetime.timedelta(hours=4))
    ImportJob.objects.filter(pk=dead.pk).update(status="writing", started_at=now - datetime.timedelta(hours=4))
    ImportJob.objects.filter(pk=running.pk).update(status="writing", started_at=now - datetime.timedelta(minutes=5))
    sent = []
    monkeypatch.setattr(tasks, "send_now", lambda task, *args: sent.append((task.name, args)) or True)
    assert tasks.resume_queued_imports() == 2
    assert sorted(sent) == sorted(
        [("govcenter.tasks.run_import", (job.pk,)), ("govcenter.tasks.run_import", (dead.pk,))]
    )
    assert fresh.pk not in [a[0] for _n, a in sent] and running.pk not in [a[0] for _n, a in sent]


def test_an_unexpected_error_ends_the_job_with_a_message_and_saves_nothing(world, monkeypatch):
    from grids.importers import ResidentImporter

    job = queued_job(world, world.admin)

    def broken(self, items):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ResidentImporter, "write_batch", broken)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "nothing was saved" in job.message
    assert not Resident.objects.filter(name__startswith="居民").exists()


def test_a_team_file_gives_a_printable_sheet_and_the_account_logs_in_and_changes_its_password(
    world, login, client, django_capture_on_commit_callbacks
):
    importer = login(world.district1)
    team = xlsx(
        [("陈网格", "13700000021", "网格员", world.grid1b.code)],
        header=("姓名", "手机号码", "角色", "网格编码"),
        name="队伍.xlsx",
    )
    upload(importer, "team", team, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert (job.status, job.created) == ("done", 1)
    assert "13700000021" not in job.passwords_sheet  # stored encrypted
    sheet_url = reverse("import_passwords", args=[job.pk])
    assert sheet_url in importer.get(job.get_absolute_url()).content.decode()
    html = importer.get(sheet_url).content.decode()
    password = html.split('<td class="font-monospace fs-5">')[1].split("<")[0]
    assert "陈网格" in html and "13700000021" in html
    # Nobody else sees the sheet.
    for other in (world.admin, world.village1_user):
        assert login(other).get(sheet_url).status_code == 404
    # The new account signs in with it, is sent to the password change, and chooses its own.
    client.logout()
    response = client.post(reverse("login"), {"username": "13700000021", "password": password})
    assert response.status_code == 302
    assert client.get(reverse("grids:grid_list")).url == reverse("password_change")
    client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "Qx7-long-enough-pass", "new_password2": "Qx7-long-enough-pass"},
    )
    assert client.get(reverse("grids:grid_list")).status_code == 200
    # Once changed, the account is off the sheet; the importer then deletes the sheet.
    importer = login(world.district1)
    assert password not in importer.get(sheet_url).content.decode()
    assert importer.post(sheet_url).status_code == 302
    job.refresh_from_db()
    assert job.passwords_sheet == "" and importer.get(sheet_url).status_code == 404


def test_uploaded_files_are_deleted_after_the_keep_days_and_the_record_stays(
    world, login, client, settings, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from govcenter.tasks import expire_stored_files

    settings.IMPORT_UPLOAD_KEEP_DAYS = 30
    clerk = login(world.village1_user)
    upload(clerk, "residents", xlsx([("坏", "123", world.grid1.code)]), django_capture_on_commit_callbacks)
    refused = ImportJob.objects.get()
    upload(clerk, "residents", xlsx([("好", make_id_number(), world.grid1.code)]), django_capture_on_commit_callbacks)
    recent = ImportJob.objects.exclude(pk=refused.pk).get()
    district = login(world.district1)
    team = xlsx(
        [("陈网格", "13700000031", "网格员", world.grid1b.code)], header=("姓名", "手机号码", "角色", "网格编码")
    )
    upload(district, "team", team, django_capture_on_commit_callbacks)
    done = ImportJob.objects.get(kind="team")
    assert (refused.status, recent.status, done.status) == ("refused", "done", "done") and done.passwords_sheet
    now = timezone.now()
    ImportJob.objects.filter(pk__in=[refused.pk, done.pk]).update(
        finished_at=now - datetime.timedelta(days=30, hours=1)
    )
    ImportJob.objects.filter(pk=recent.pk).update(finished_at=now - datetime.timedelta(days=29, hours=23))
    paths = {job.pk: job.file.path for job in (refused, recent, done)}
    clerk = login(world.village1_user)
    assert clerk.get(refused.get_absolute_url()).status_code == 200

    assert expire_stored_files() == {"exports": 0, "imports": 2}
    import os

    assert not os.path.exists(paths[refused.pk]) and not os.path.exists(paths[done.pk])
    assert os.path.exists(paths[recent.pk])
    for job in (refused, done):
        job.refresh_from_db()
        assert job.file_deleted_at is not None and not job.file and job.errors == [] and job.passwords_sheet == ""
    # The record stays: who, when, the counts.
    assert (refused.user, refused.file_name, refused.total, refused.failed) == (world.village1_user, "居民.xlsx", 1, 1)
    assert (done.user, done.total, done.created) == (world.district1, 1, 1)
    html = clerk.get(refused.get_absolute_url()).content.decode()
    assert "The uploaded file was deleted on" in html and "kept 30 days" in html
    assert reverse("import_error_file", args=[refused.pk]) not in html
    response = clerk.get(reverse("import_error_file", args=[refused.pk]), follow=True)
    assert response.status_code == 200 and "upload the corrected file again" in response.content.decode()
    assert "file-deleted" not in clerk.get(recent.get_absolute_url()).content.decode()
    district = login(world.district1)
    assert district.get(reverse("import_passwords", args=[done.pk])).status_code == 404
    # Other users and anonymous visitors still get nothing.
    assert login(world.village2_user).get(refused.get_absolute_url()).status_code == 404
    client.logout()
    assert client.get(refused.get_absolute_url()).status_code == 302
    # Run again: nothing more to delete.
    assert expire_stored_files() == {"exports": 0, "imports": 0}


def test_a_running_import_keeps_its_file_whatever_its_age(world, settings):
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from govcenter.imports import import_uploads_expire

    job = ImportJob.objects.create(kind="residents", user=world.village1_user, file_name="x.csv", status="checking")
    job.file.save("x.csv", ContentFile(b"a,b\n"))
    long_ago = timezone.now() - datetime.timedelta(days=365)
    ImportJob.objects.filter(pk=job.pk).update(created_at=long_ago, finished_at=long_ago)
    assert import_uploads_expire(at=timezone.now()) == 0
    job.refresh_from_db()
    assert job.file and job.file_deleted_at is None
