"""The import framework and its kinds (govcenter.importers, grids.importers), run as the
page's task and the command line run them: good files, every kind of error, re-runs,
templates, encodings, jurisdiction, a crash mid-write and the first-login password change."""

from __future__ import annotations

import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from govcenter.channels import MemorySmsBackend
from govcenter.importers import (
    ImportFileError,
    error_workbook,
    import_run,
    importer_class,
    table_of,
    template_workbook,
)
from govcenter.models import Area, User
from grids.models import Grid, GridMembership, Household, Resident
from tests.factories import make_id_number


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def write_xlsx(path: Path, header, rows) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def write_csv(path: Path, header, rows, encoding="utf-8") -> Path:
    lines = [",".join(header)] + [",".join(str(c) for c in r) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def run(kind, path, user=None, **kwargs):
    return import_run(importer_class(kind)(user=user), table_of(path), **kwargs)


RESIDENT_HEADER = ("姓名", "公民身份号码", "网格编码", "户号", "性别", "联系电话")


def resident_rows(world, n=3):
    return [
        (f"居民{i}", make_id_number(), world.grid1.code, world.household1.number, "", "13800000000") for i in range(n)
    ]


# --- a good file of each kind ---------------------------------------------------------


def test_grids_households_residents_and_team_import(world, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "govcenter.channels.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    result = run(
        "grids",
        write_xlsx(
            tmp_path / "g.xlsx",
            ("网格编码", "网格名称"),
            [("330102001001005", "东山五格"), ("330102001002007", "西岭七格")],
        ),
        user=world.district1,
    )
    assert (result.ok, result.created, result.total) == (True, 2, 2)
    assert Grid.objects.get(code="330102001002007").village == world.village2

    result = run(
        "households",
        write_csv(
            tmp_path / "h.csv",
            ("网格编码", "户号", "户主姓名", "住址"),
            [("330102001001005", "5组1号", "钱一", "东山5组1号")],
        ),
        user=world.village1_user,
    )
    assert (result.ok, result.created) == (True, 1)
    household = Household.objects.get(number="5组1号")
    assert household.village == world.village1

    number = make_id_number(female=True)
    result = run(
        "residents",
        write_xlsx(
            tmp_path / "r.xlsx",
            RESIDENT_HEADER,
            [("钱二", number, "330102001001005", "5组1号", "", "138 0000 1111")],
        ),
        user=world.village1_user,
    )
    assert (result.ok, result.created) == (True, 1)
    resident = Resident.objects.get(name="钱二")
    assert resident.reveal_id_number() == number
    assert resident.has_id_number and resident.id_number_masked.endswith(number[-4:])
    assert (resident.gender, resident.household, resident.village, resident.phone) == (
        "F",
        household,
        world.village1,
        "13800001111",
    )

    team_file = write_xlsx(
        tmp_path / "t.xlsx",
        ("姓名", "手机号码", "角色", "派出所", "网格编码"),
        [
            ("孙网格", "13700000001", "网格员", "", "330102001001005"),
            ("周辅警", "13700000002", "辅警", "桃源派出所", "330102001001005，330102001002007"),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = run("team", team_file, user=world.district1)
    assert (result.ok, result.created) == (True, 2), result.errors
    worker = User.objects.get(username="13700000001")
    assert (worker.role, worker.area, worker.must_change_password) == (User.Role.GRID_WORKER, world.village1, True)
    aux = User.objects.get(phone="13700000002")
    assert aux.police_station == world.station
    assert set(aux.grid_memberships.values_list("grid__code", flat=True)) == {"330102001001005", "330102001002007"}
    # Each new account got its login and initial password by SMS, after the commit.
    assert [phone for phone, _text in MemorySmsBackend.outbox] == ["13700000001", "13700000002"]
    password = MemorySmsBackend.outbox[0][1].split("initial password ")[1].split(".")[0]
    assert worker.check_password(password)


def test_import_file_command_runs_the_same_importer(world, tmp_path):
    path = write_xlsx(tmp_path / "g.xlsx", ("网格编码", "网格名称"), [("330102001001005", "东山五格")])
    out = StringIO()
    call_command("import_file", "grids", str(path), "--user", "district1", stdout=out, stderr=StringIO())
    assert "1 created, 0 updated, 0 unchanged" in out.getvalue()
    assert Grid.objects.filter(code="330102001001005").exists()


# --- errors ---------------------------------------------------------------------------


def test_every_kind_of_resident_error_is_listed_and_nothing_is_saved(world, tmp_path):
    good = make_id_number()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    registered = world.resident2  # village 2, outside village 1's clerk
    rows = [
        ("好人", good, world.grid1.code, "", "", ""),  # row 2: fine
        ("坏号", bad_check, world.grid1.code, "", "", ""),  # row 3: check digit
        ("重复", good, world.grid1.code, "", "", ""),  # row 4: duplicate within the file
        ("无格", make_id_number(), "330102001001999", "", "", ""),  # row 5: unknown grid
        ("外村", make_id_number(), world.grid2.code, "", "", ""),  # row 6: another village's grid
        ("", make_id_number(), world.grid1.code, "", "", ""),  # row 7: missing name
        ("坏机", make_id_number(), world.grid1.code, "", "", "12345"),  # row 8: not a mobile number
        ("坏性别", make_id_number(), world.grid1.code, "", "未知", ""),  # row 9: gender not allowed
        ("无户", make_id_number(), world.grid1.code, "9组9号", "", ""),  # row 10: unknown household
        ("别人", registered.reveal_id_number(), world.grid1.code, "", "", ""),  # row 11: registered elsewhere
        ("短号", "1234", world.grid1.code, "", "", ""),  # row 12: length
    ]
    before = Resident.objects.count()
    result = run("residents", write_xlsx(tmp_path / "r.xlsx", RESIDENT_HEADER, rows), user=world.village1_user)
    assert not result.ok
    by_row = {}
    for e in result.errors:
        by_row.setdefault(e.row, []).append(e)
    assert sorted(by_row) == list(range(3, 13))
    assert "does not match" in by_row[3][0].message
    assert "already in row 2" in by_row[4][0].message
    assert "No grid" in by_row[5][0].message
    assert "outside your jurisdiction" in by_row[6][0].message
    assert by_row[7][0].column == "name"
    assert "mobile" in by_row[8][0].message
    assert "allowed" in by_row[9][0].message
    assert "no household" in by_row[10][0].message
    assert "outside your jurisdiction" in by_row[11][0].message
    assert "18 characters" in by_row[12][0].message
    # The error keeps no ID number in clear.
    assert registered.reveal_id_number() not in str(by_row[11][0])
    assert result.failed == 10 and result.total == 11
    assert Resident.objects.count() == before


def test_team_errors_include_a_third_auxiliary_and_a_bad_mobile(world, tmp_path):
    # grid1 has one auxiliary (aux1); the file adds two more: the second of them is one too many.
    rows = [
        ("甲", "13700000011", "辅警", "桃源派出所", world.grid1.code),
        ("乙", "13700000012", "辅警", "桃源派出所", world.grid1.code),
        ("丙", "1370000", "网格员", "", world.grid1.code),
        ("丁", "13700000014", "民警", "桃源派出所", world.grid1.code),
        ("戊", "13700000015", "社区民警", "桃源派出所", world.grid1.code),  # grid1 has police1
        ("己", "13700000016", "村综治专干", "", ""),  # no home area
    ]
    path = write_xlsx(tmp_path / "t.xlsx", ("姓名", "手机号码", "角色", "派出所", "网格编码"), rows)
    result = run("team", path, user=world.district1)
    rows_with_errors = sorted({e.row for e in result.errors})
    assert rows_with_errors == [3, 4, 5, 6, 7]
    messages = {e.row: e.message for e in result.errors}
    assert "two auxiliary" in messages[3]
    assert "mobile" in messages[4]
    assert "allowed" in messages[5]
    assert "community police" in messages[6]
    assert "home area" in messages[7]
    assert not User.objects.filter(phone__startswith="1370000001").exists()


def test_a_file_without_the_required_headers_is_refused(world, tmp_path):
    path = write_csv(tmp_path / "x.csv", ("foo", "bar"), [("1", "2")])
    with pytest.raises(ImportFileError, match="header"):
        run("residents", path, user=world.admin)


def test_an_unreadable_workbook_is_refused(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFileError):
        table_of(path)


# --- re-running, templates, encodings ---------------------------------------------------


def test_running_the_same_file_again_changes_nothing(world, tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", RESIDENT_HEADER, resident_rows(world))
    first = run("residents", path, user=world.admin)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    snapshot = list(Resident.objects.order_by("pk").values())
    history = Resident.history.count()
    again = run("residents", path, user=world.admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert list(Resident.objects.order_by("pk").values()) == snapshot
    assert Resident.history.count() == history

    team = write_xlsx(
        tmp_path / "t.xlsx",
        ("姓名", "手机号码", "角色", "网格编码"),
        [("孙", "13700000001", "网格员", world.grid1b.code)],
    )
    assert run("team", team, user=world.admin).created == 1
    again = run("team", team, user=world.admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert GridMembership.objects.filter(user__phone="13700000001").count() == 1


def test_a_changed_row_counts_as_updated(world, tmp_path):
    rows = resident_rows(world, 2)
    run("residents", write_xlsx(tmp_path / "a.xlsx", RESIDENT_HEADER, rows), user=world.admin)
    rows[1] = (*rows[1][:5], "13900000000")
    result = run("residents", write_xlsx(tmp_path / "b.xlsx", RESIDENT_HEADER, rows), user=world.admin)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Resident.objects.get(name=rows[1][0]).phone == "13900000000"


@pytest.mark.parametrize("kind", ["areas", "grids", "households", "residents", "team"])
def test_the_template_round_trips(world, tmp_path, kind):
    """Download the template, keep its example row, upload it: it imports."""
    if kind in ("households", "residents", "team"):
        make = {"households": [], "residents": ["households"], "team": []}[kind]
        Grid.objects.create(village=world.village1, code="330102001001003", name="东山村第三网格")
        for earlier in make:
            out = io.BytesIO()
            template_workbook(importer_class(earlier), out)
            (tmp_path / f"{earlier}.xlsx").write_bytes(out.getvalue())
            assert run(earlier, tmp_path / f"{earlier}.xlsx", user=world.admin).ok
    out = io.BytesIO()
    template_workbook(importer_class(kind), out)
    path = tmp_path / "template.xlsx"
    path.write_bytes(out.getvalue())
    wb = load_workbook(path, read_only=True)
    assert [c.value for c in next(wb.worksheets[0].iter_rows(max_row=1))][0] == importer_class(kind).columns[0].header
    wb.close()
    result = run(kind, path, user=world.admin)
    assert result.ok, result.errors
    assert result.total == 1 and result.created + result.unchanged == 1


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gb18030_or_utf8_imports(world, tmp_path, encoding):
    path = write_csv(tmp_path / "r.csv", RESIDENT_HEADER, resident_rows(world, 2), encoding=encoding)
    result = run("residents", path, user=world.village1_user)
    assert (result.ok, result.created) == (True, 2)
    assert Resident.objects.filter(name="居民0").exists()


def test_the_error_file_adds_a_column_of_each_rows_errors(world, tmp_path):
    rows = [("好", make_id_number(), world.grid1.code, "", "", ""), ("坏", "123", world.grid1.code, "", "", "")]
    path = write_xlsx(tmp_path / "r.xlsx", RESIDENT_HEADER, rows)
    result = run("residents", path, user=world.admin)
    out = io.BytesIO()
    error_workbook(importer_class("residents"), table_of(path), result.errors, out)
    wb = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    values = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    assert values[0][-1] == "错误"
    assert values[1][-1] in ("", None)
    assert "18 characters" in values[2][-1]
    # Uploaded again after fixing, the error column is ignored.
    fixed = write_xlsx(
        tmp_path / "fixed.xlsx",
        values[0],
        [values[1][:-1] + [""], [*values[2][:1], make_id_number(), *values[2][2:-1], "x"]],
    )
    assert run("residents", fixed, user=world.admin).ok


# --- jurisdiction ----------------------------------------------------------------------


def test_a_village_clerk_cannot_import_into_another_village(world, tmp_path):
    rows = [
        ("本村", make_id_number(), world.grid1.code, "", "", ""),
        ("外村", make_id_number(), world.grid2.code, "", "", ""),
    ]
    result = run("residents", write_xlsx(tmp_path / "r.xlsx", RESIDENT_HEADER, rows), user=world.village1_user)
    assert [(e.row, e.column) for e in result.errors] == [(3, "grid code")]
    assert not Resident.objects.filter(name__in=["本村", "外村"]).exists()  # not skipped: nothing saved


def test_who_may_import_which_kind(world):
    from govcenter.importers import kinds_for

    assert {k.key for k in kinds_for(world.admin)} == {"areas", "grids", "households", "residents", "team"}
    assert {k.key for k in kinds_for(world.district1)} == {"areas", "grids", "households", "residents", "team"}
    assert {k.key for k in kinds_for(world.village1_user)} == {"households", "residents"}
    assert kinds_for(world.grid1_user) == [] and kinds_for(world.township1_user) == []


def test_district_staff_cannot_import_areas_of_another_district(world, tmp_path):
    path = write_csv(tmp_path / "a.csv", ("代码", "名称"), [("330103000000", "别区")])
    result = run("areas", path, user=world.district1)
    assert "outside your district" in result.errors[0].message
    assert not Area.objects.filter(code="330103000000").exists()


def test_no_initial_password_goes_to_the_log_of_the_default_sms_backend(
    world, tmp_path, settings, caplog, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "govcenter.channels.LoggingSmsBackend"
    path = write_xlsx(
        tmp_path / "t.xlsx",
        ("姓名", "手机号码", "角色", "网格编码"),
        [("孙", "13700000031", "网格员", world.grid1b.code)],
    )
    with caplog.at_level("INFO"), django_capture_on_commit_callbacks(execute=True):
        assert run("team", path, user=world.admin).created == 1
    assert "initial password" not in caplog.text and "13700000031" not in caplog.text


def test_district_staff_cannot_take_over_an_account_of_another_district(world, tmp_path):
    from govcenter.services import area_add_or_update
    from tests.factories import make_user

    other_district, _ = area_add_or_update(code="330103000000", name="别区")
    outsider = make_user("outsider", User.Role.DISTRICT_STAFF, area=other_district, phone="13700000041")
    path = write_xlsx(
        tmp_path / "t.xlsx",
        ("姓名", "手机号码", "角色", "网格编码"),
        [("改名", "13700000041", "网格员", world.grid1b.code)],
    )
    result = run("team", path, user=world.district1)
    assert [e.message for e in result.errors] == ["This account belongs to another district."]
    outsider.refresh_from_db()
    assert (outsider.role, outsider.full_name) == (User.Role.DISTRICT_STAFF, "outsider")


# --- care tags with residents ------------------------------------------------------------

TAGGED_HEADER = (*RESIDENT_HEADER, "关爱标签")


def _tags_of(name) -> set[str]:
    return set(Resident.objects.get(name=name).care_tags.values_list("name", flat=True))


def test_care_tags_import_with_residents_and_a_rerun_changes_nothing(world, tmp_path):
    rows = [
        (*row, tags)
        for row, tags in zip(
            resident_rows(world),
            ["留守儿童、低保户", "独居老人,残疾人；veteran", ""],
            strict=True,
        )
    ]
    path = write_xlsx(tmp_path / "r.xlsx", TAGGED_HEADER, rows)
    before = Resident.care_tags.through.objects.count()  # the world's own residents' tags
    first = run("residents", path, user=world.village1_user)
    assert (first.ok, first.created) == (True, 3), first.errors
    assert _tags_of("居民0") == {"留守儿童", "低保户"}
    assert _tags_of("居民1") == {"独居老人", "残疾人", "退役军人"}
    assert _tags_of("居民2") == set()
    links = Resident.care_tags.through.objects.count()
    assert links == before + 5
    again = run("residents", path, user=world.village1_user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Resident.care_tags.through.objects.count() == links

    rows[0] = (*rows[0][:-1], "低保户;留守妇女")  # one tag dropped, one added, one kept
    changed = run("residents", write_xlsx(tmp_path / "b.xlsx", TAGGED_HEADER, rows), user=world.village1_user)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    assert _tags_of("居民0") == {"低保户", "留守妇女"}
    assert _tags_of("居民1") == {"独居老人", "残疾人", "退役军人"}


def test_a_file_without_the_care_tag_column_keeps_the_tags(world, tmp_path):
    rows = resident_rows(world, 1)
    run("residents", write_xlsx(tmp_path / "a.xlsx", TAGGED_HEADER, [(*rows[0], "留守儿童")]), user=world.admin)
    result = run("residents", write_xlsx(tmp_path / "b.xlsx", RESIDENT_HEADER, rows), user=world.admin)
    assert (result.ok, result.unchanged) == (True, 1)
    assert _tags_of("居民0") == {"留守儿童"}


def test_an_unknown_care_tag_is_a_row_error_and_nothing_is_saved(world, tmp_path):
    good, bad = resident_rows(world, 2)
    path = write_xlsx(tmp_path / "r.xlsx", TAGGED_HEADER, [(*good, "留守儿童"), (*bad, "留守儿童、外星人")])
    links = Resident.care_tags.through.objects.count()
    result = run("residents", path, user=world.admin)
    assert [(e.row, e.column, e.value) for e in result.errors] == [(3, "care tags", "留守儿童、外星人")]
    assert "外星人" in result.errors[0].message and "留守儿童" in result.errors[0].message
    assert not Resident.objects.filter(name__in=["居民0", "居民1"]).exists()
    assert Resident.care_tags.through.objects.count() == links


def test_the_residents_template_lists_the_care_tags_and_its_example_imports_them(world, tmp_path):
    from grids.models import CareTag

    run("households", _template(tmp_path, "households"), user=world.admin)
    path = _template(tmp_path, "residents")
    wb = load_workbook(path, read_only=True)
    notes = {row[0]: row for row in wb.worksheets[1].iter_rows(min_row=2, values_only=True)}
    wb.close()
    assert notes["关爱标签"][2] == "、".join(CareTag.objects.values_list("name", flat=True))
    result = run("residents", path, user=world.admin)
    assert (result.ok, result.created) == (True, 1), result.errors
    example = importer_class("residents")(user=None).column("name").example
    assert _tags_of(example) == {"留守儿童", "低保户"}


def _template(tmp_path, kind) -> Path:
    out = io.BytesIO()
    template_workbook(importer_class(kind), out)
    path = tmp_path / f"{kind}-template.xlsx"
    path.write_bytes(out.getvalue())
    return path
