from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from govcenter.models import Area

DATA = Path(__file__).resolve().parent.parent / "data"

GOOD_ROWS = [
    # Out of order on purpose: villages before their township, the district last.
    ("330102001002", "西岭村"),
    ("330102001001", "东山村"),
    ("330102001000", "桃源镇"),
    ("330102002000", "石门乡"),
    ("330102002001", "南湖村"),
    ("330102000000", "清溪区"),
]


@pytest.fixture(autouse=True)
def english():
    """The command speaks the default language (Chinese); assert on the English source strings."""
    with translation.override("en"):
        yield


def write_csv(path: Path, rows, header=("code", "name"), encoding="utf-8") -> Path:
    lines = [",".join(header)] + [f"{code},{name}" for code, name in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_xlsx(path: Path, rows, header=("代码", "名称")) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for code, name in rows:
        sheet.append([int(code), name])  # spreadsheets keep long codes as numbers
    workbook.save(path)
    return path


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_areas", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def assert_tree_of_good_rows():
    areas = {a.code: a for a in Area.objects.all()}
    assert set(areas) == {code for code, _ in GOOD_ROWS}
    assert areas["330102000000"].level == Area.Level.DISTRICT
    assert areas["330102001000"].level == Area.Level.TOWNSHIP
    assert areas["330102001001"].level == Area.Level.VILLAGE
    assert Area.objects.get_parent(areas["330102001002"]) == areas["330102001000"]
    assert Area.objects.get_parent(areas["330102002001"]) == areas["330102002000"]
    assert Area.objects.get_parent(areas["330102002000"]) == areas["330102000000"]
    assert areas["330102001001"].name == "东山村"


@pytest.mark.django_db
def test_import_csv_builds_the_tree_from_codes(tmp_path):
    out, err = run(write_csv(tmp_path / "areas.csv", GOOD_ROWS))
    assert_tree_of_good_rows()
    assert "6 created, 0 updated, 0 unchanged" in out
    assert err == ""


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_import_csv_reads_bom_and_gb18030_with_chinese_headers(tmp_path, encoding):
    run(write_csv(tmp_path / "areas.csv", GOOD_ROWS, header=("代码", "名称"), encoding=encoding))
    assert_tree_of_good_rows()


@pytest.mark.django_db
def test_import_xlsx_builds_the_tree_from_numeric_codes(tmp_path):
    out, _ = run(write_xlsx(tmp_path / "areas.xlsx", GOOD_ROWS))
    assert_tree_of_good_rows()
    assert "6 created" in out


@pytest.mark.django_db
def test_import_is_idempotent_and_updates_a_changed_name(tmp_path):
    path = write_csv(tmp_path / "areas.csv", GOOD_ROWS)
    run(path)
    pks = dict(Area.objects.values_list("code", "pk"))
    out, _ = run(path)
    assert "0 created, 0 updated, 6 unchanged" in out
    assert dict(Area.objects.values_list("code", "pk")) == pks

    renamed = [(code, "东山新村" if code == "330102001001" else name) for code, name in GOOD_ROWS]
    out, _ = run(write_csv(tmp_path / "renamed.csv", renamed))
    assert "0 created, 1 updated, 5 unchanged" in out
    assert Area.objects.get(code="330102001001").name == "东山新村"
    assert dict(Area.objects.values_list("code", "pk")) == pks


@pytest.mark.django_db
def test_import_with_bad_rows_lists_every_error_and_saves_nothing(tmp_path):
    rows = [
        *GOOD_ROWS,
        ("33010200100", "短代码村"),  # row 8: 11 digits
        ("330102009001", "无主村"),  # row 9: its township 330102009000 is not in the file
        ("330102002002", ""),  # row 10: empty name
        ("330102000001", "无级别"),  # row 11: a village number under no township
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    err = StringIO()
    with pytest.raises(CommandError, match="4 of 10 rows"):
        call_command("import_areas", str(path), stdout=StringIO(), stderr=err)
    report = err.getvalue().splitlines()
    assert len(report) == 4
    for line, (row, code) in zip(
        report, [(8, "33010200100"), (9, "330102009001"), (10, "330102002002"), (11, "330102000001")], strict=True
    ):
        assert line.startswith(f"Row {row}, code {code}: ")
    assert "330102009000" in report[1]  # names the missing parent
    assert Area.objects.count() == 0


@pytest.mark.django_db
def test_import_of_the_sample_bad_file_saves_nothing():
    with pytest.raises(CommandError):
        run(DATA / "areas_bad.csv")
    assert not Area.objects.exists()


@pytest.mark.django_db
def test_import_of_the_sample_file_works():
    out, _ = run(DATA / "areas_sample.csv")
    assert "7 created" in out
    assert Area.objects.get(code="330102001003").level == Area.Level.VILLAGE


@pytest.mark.django_db
def test_dry_run_saves_nothing(tmp_path):
    out, _ = run(write_csv(tmp_path / "areas.csv", GOOD_ROWS), "--dry-run")
    assert "6 created" in out
    assert not Area.objects.exists()


@pytest.mark.django_db
def test_a_file_without_the_header_is_refused(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text("330102000000,清溪区\n", encoding="utf-8")
    with pytest.raises(CommandError, match="header"):
        run(path)
    assert not Area.objects.exists()


@pytest.mark.django_db
def test_a_duplicated_code_is_an_error(tmp_path):
    path = write_csv(tmp_path / "areas.csv", [*GOOD_ROWS, ("330102001001", "东山二村")])
    with pytest.raises(CommandError):
        run(path)
    assert not Area.objects.exists()
