"""XLSX and CSV exports of the ledger: the columns of the paper ledger, the user's
jurisdiction and filter exactly like the list, local dates, and files Excel opens."""

from __future__ import annotations

import csv
import datetime
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import exports, services
from disputes.models import Dispute
from disputes.services import PartyData
from govcenter.exports import XLSX_CONTENT_TYPE

from .ledger_helpers import days_ago, register, url

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")


def _xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


KEYS = [key for key, _title, _width in exports.columns()]


def _record(values) -> dict:
    """A row as {column key: value} (headers are translated, keys are not)."""
    return dict(zip(KEYS, values, strict=True))


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf"), "the BOM lets Excel read UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def three_villages(world):
    return {
        "v1": register(world.grid1_user, grid=world.grid1, summary="东山村纠纷"),
        "v2": register(world.village2_user, village=world.village2, summary="西岭村纠纷"),
        "v3": register(world.village3_user, village=world.village3, summary="南湖村纠纷"),
    }


EXPECTED = {
    "admin": {"v1", "v2", "v3"},
    "district1": {"v1", "v2", "v3"},
    "township1_user": {"v1", "v2"},
    "township2_user": {"v3"},
    "village1_user": {"v1"},
    "village2_user": {"v2"},
    "grid1_user": {"v1"},
    "police1": {"v1", "v2"},
    "station2_user": {"v3"},
    "dept1": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_xlsx_holds_exactly_the_users_jurisdiction(world, login, three_villages, who):
    sheet = _xlsx(login(getattr(world, who)).get(url("export_xlsx")))
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {three_villages[k].number for k in EXPECTED[who]}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_csv_holds_exactly_the_users_jurisdiction(world, login, three_villages, who):
    rows = _csv(login(getattr(world, who)).get(url("export_csv")))
    assert rows[0] == [title for _key, title, _width in exports.columns()]
    assert {row[0] for row in rows[1:]} == {three_villages[k].number for k in EXPECTED[who]}


def test_exports_follow_the_current_filter(world, login, three_villages):
    client = login(world.district1)
    query = {"q": "南湖村"}
    assert [r[0] for r in _csv(client.get(url("export_csv"), query))[1:]] == [three_villages["v3"].number]
    sheet = _xlsx(client.get(url("export_xlsx"), {"township": world.township1.pk}))
    assert {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)} == {
        three_villages["v1"].number,
        three_villages["v2"].number,
    }


def test_xlsx_has_the_paper_ledger_columns_and_values(world, login):
    d = register(
        world.grid1_user,
        grid=world.grid1,
        risk_level="major",
        risk_criminal=True,
        parties=[
            PartyData(role="applicant", name="王大明"),
            PartyData(role="applicant", name="王小明"),
            PartyData(role="respondent", name="李四"),
            PartyData(role="other", name="某物业公司", kind="organisation"),
        ],
    )
    now = timezone.now()
    services.dispute_accept(dispute=d, actor=world.village1_user, at=now)
    for outcome in ("partial", "failed"):
        services.dispute_record_mediation(
            dispute=d,
            actor=world.village1_user,
            at=now,
            held_on=timezone.localdate(),
            method="on_site",
            mediator_kinds=["peoples_mediator"],
            mediators="张调解",
            outcome=outcome,
        )
    services.dispute_resolve(dispute=d, actor=world.village1_user, at=now, result="双方和解")
    sheet = _xlsx(login(world.village1_user).get(url("export_xlsx")))
    header = [c.value for c in sheet[1]]
    assert header == [title for _key, title, _w in exports.columns()]
    assert all(c.font.b for c in sheet[1])
    row = _record([c.value for c in sheet[2]])
    assert row["number"] == d.number
    assert row["applicants"] == "王大明、王小明"
    assert row["respondents"] == "李四、某物业公司"
    assert row["risk"] == "；".join([str(d.get_risk_level_display()), *d.flags]) and len(d.flags) == 1
    assert row["mediation"] == f"2 · {d.mediations.last().get_outcome_display()}"
    assert row["result"] == "双方和解"
    assert row["handler"] == world.village1_user.display_name
    assert row["place"] == f"{world.township1} / {world.village1} / {world.grid1}"
    assert row["registered"].date() == timezone.localdate()
    assert row["closed"].date() == timezone.localdate()
    assert row["occurred"].date() == d.occurred_on
    assert row["due"] is not None


def test_dates_are_local_shanghai_dates(world, login):
    # 17:30 UTC on 1 March is 01:30 on 2 March in Asia/Shanghai.
    at = datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC)
    d = services.dispute_register(
        actor=world.grid1_user,
        at=at,
        source="walk_in",
        category="other",
        summary="s",
        description="d",
        occurred_on=datetime.date(2026, 2, 27),
        parties=[PartyData(role="applicant", name="甲")],
        grid=world.grid1,
    )
    rows = _csv(login(world.village1_user).get(url("export_csv")))
    row = _record(rows[1])
    assert row["number"] == d.number
    assert row["registered"] == "2026-03-02"
    assert row["occurred"] == "2026-02-27"


def test_export_file_names_are_the_ledger_title_and_date(world, login):
    client = login(world.village1_user)
    today = timezone.localdate().strftime("%Y%m%d")
    for name, ext in (("export_xlsx", "xlsx"), ("export_csv", "csv")):
        disposition = client.get(url(name))["Content-Disposition"]
        assert disposition == f"attachment; filename*=utf-8''{quote(f'矛盾纠纷台账-{today}.{ext}')}"


def test_formula_like_text_is_exported_as_text(world, login):
    register(world.grid1_user, grid=world.grid1, summary='=HYPERLINK("http://evil","x")', applicant="+SUM(A1)")
    client = login(world.village1_user)
    rows = _csv(client.get(url("export_csv")))
    row = _record(rows[1])
    assert row["summary"].startswith("'=") and row["applicants"].startswith("'+")
    sheet = _xlsx(client.get(url("export_xlsx")))
    cell = sheet.cell(row=2, column=KEYS.index("summary") + 1)
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_control_characters_do_not_break_the_workbook(world, login):
    register(world.grid1_user, grid=world.grid1, summary="bell\x07 and form feed\x0c")
    sheet = _xlsx(login(world.village1_user).get(url("export_xlsx")))
    assert sheet.cell(row=2, column=KEYS.index("summary") + 1).value == "bell and form feed"


def test_an_export_beyond_the_row_limit_says_it_was_cut(world, login, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 2)
    for _ in range(3):
        register(world.grid1_user, grid=world.grid1)
    rows = _csv(login(world.village1_user).get(url("export_csv")))
    assert len(rows) == 1 + 2 + 1 and rows[-1][0].startswith("Only the first 2 rows")


@pytest.mark.parametrize("name", ["export_xlsx", "export_csv"])
def test_exports_run_a_constant_number_of_queries(world, login, name):
    client = login(world.district1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url(name))
            b"".join(response.streaming_content)
        return len(ctx.captured_queries)

    register(world.grid1_user, grid=world.grid1)
    few = queries()
    for i in range(12):
        d = register(world.village3_user, village=world.village3, occurred_on=days_ago(i))
        services.dispute_accept(dispute=d, actor=world.village3_user, at=timezone.now())
        services.dispute_record_mediation(
            dispute=d,
            actor=world.village3_user,
            at=timezone.now(),
            held_on=timezone.localdate(),
            method="on_site",
            mediator_kinds=[],
            mediators="m",
            outcome="failed",
        )
    assert queries() == few


def test_empty_export_still_has_the_header(world, login):
    assert Dispute.objects.count() == 0
    sheet = _xlsx(login(world.dept1).get(url("export_xlsx")))
    assert sheet.max_row == 1 and sheet.max_column == len(KEYS)
    assert len(_csv(login(world.dept1).get(url("export_csv")))) == 1
