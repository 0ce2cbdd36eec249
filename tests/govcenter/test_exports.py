"""The pieces of every spreadsheet download (``govcenter.exports``), shared by the ledger,
the logs and the publicity activities: text a spreadsheet never runs as a formula, file
names with the local date, a row limit that says where it cut, and a workbook with a
bold frozen header that Excel opens."""

from __future__ import annotations

import datetime
import io
from urllib.parse import quote

import openpyxl
import pytest

from govcenter.exports import (
    XLSX_CELL_MAX,
    XLSX_CONTENT_TYPE,
    capped_rows,
    dated_filename,
    fit_cell,
    safe_text,
    xlsx_response,
)
from govcenter.models import Area


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("bell\x07 and form feed\x0c", "bell and form feed"),
        ("王大明 = 李四", "王大明 = 李四"),
        ("王\u202e大明\u2066", "王大明"),
        ("\u202e=1+1", "'=1+1"),
        (12, "12"),
    ],
)
def test_text_is_cleaned_and_formulas_are_escaped(value, text):
    assert safe_text(value) == text


def test_file_names_carry_the_local_date():
    # 17:30 UTC on 1 March is 01:30 on 2 March in Asia/Shanghai.
    at = datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC)
    assert dated_filename("民情日志", "xlsx", at) == "民情日志-20260302.xlsx"


@pytest.mark.django_db
def test_rows_beyond_the_limit_are_replaced_by_one_saying_so():
    for i in range(3):
        Area.objects.add_root({"code": f"99{i:03d}1000000", "name": f"区{i}", "level": Area.Level.DISTRICT})
    qs = Area.objects.filter(code__startswith="99").order_by("code")
    rows = list(capped_rows(qs, lambda a: [a.name], max_rows=2, chunk_size=1))
    assert rows[:2] == [["区0"], ["区1"]]
    assert rows[2][0] == "Only the first 2 rows were exported; narrow the filter to export the rest."
    assert list(capped_rows(qs, lambda a: [a.name], max_rows=3, chunk_size=2)) == [["区0"], ["区1"], ["区2"]]


def test_the_workbook_has_a_bold_frozen_header_and_clean_rows():
    response = xlsx_response(
        sheet_title="A sheet title longer than Excel's limit of 31 characters",
        columns=[("Name", 20), ("Day", 12)],
        rows=iter([["=cmd|' /C calc'!A0", datetime.date(2026, 3, 2)], ["王大明", None]]),
        filename="台账-20260302.xlsx",
    )
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('台账-20260302.xlsx')}"
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    assert sheet.title == "A sheet title longer than Excel"  # 31 characters at most
    assert [c.value for c in sheet[1]] == ["Name", "Day"] and all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width == 20
    assert sheet["A2"].value == "'=cmd|' /C calc'!A0" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value.date() == datetime.date(2026, 3, 2)
    assert sheet["A3"].value == "王大明" and sheet["B3"].value is None


def test_a_cell_that_fits_is_left_whole():
    assert fit_cell("字" * XLSX_CELL_MAX) == "字" * XLSX_CELL_MAX
    assert fit_cell("short") == "short"


def test_a_longer_cell_is_cut_and_says_how_much_is_missing():
    value = "a" * 40_000
    cell = fit_cell(value)
    assert len(cell) == XLSX_CELL_MAX
    kept, note = cell.split("…", 1)
    assert note == f"[cut: {40_000 - len(kept)} characters not exported]"
    assert value.startswith(kept)


def test_the_cut_counts_as_a_spreadsheet_does():
    # An emoji is two UTF-16 units: half as many fit, and none is split in two.
    cell = fit_cell("😀" * 20_000)
    assert len(cell.encode("utf-16-le")) // 2 <= XLSX_CELL_MAX
    kept = cell.split("…", 1)[0]
    assert set(kept) == {"😀"} and cell.endswith(f"[cut: {20_000 - len(kept)} characters not exported]")


def test_a_cut_cell_reaches_the_workbook(tmp_path):
    response = xlsx_response(
        sheet_title="t", columns=[("text", 10), ("n", 5)], rows=[["字" * 40_000, 3]], filename="t.xlsx"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    value = sheet.cell(row=2, column=1).value
    assert len(value) == XLSX_CELL_MAX and value.endswith("characters not exported]")
    assert sheet.cell(row=2, column=2).value == 3
