"""The working-day calendar the administrator keeps (govcenter/calendar.py, calendar_import.py):
entries change deadlines, the seed agrees with chinesecalendar, the cache follows edits, a
year without entries warns administrators and district staff, and the XLSX / CSV import."""

from __future__ import annotations

import datetime
import io
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from disputes.deadlines import deadline_after
from disputes.models import DeadlinePolicy
from govcenter import calendar
from govcenter.models import CalendarDay

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

TZ = ZoneInfo("Asia/Shanghai")
WORKING = DeadlinePolicy.DayKind.WORKING
THURSDAY = datetime.datetime(2026, 11, 5, 15, 0, tzinfo=TZ)  # an ordinary week in the seeded 2026


def due(at: datetime.datetime, days: int) -> datetime.date:
    return deadline_after(at, days=days, day_kind=WORKING).date()


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


# --- Entries change deadlines ----------------------------------------------------------


def test_a_rest_day_added_inside_the_span_moves_the_deadline(db):
    # Fri 6, Mon 9, Tue 10, Wed 11, Thu 12 November.
    assert due(THURSDAY, 5) == datetime.date(2026, 11, 12)
    CalendarDay.objects.create(date=datetime.date(2026, 11, 10), kind=CalendarDay.Kind.REST, name="测试假日")
    assert due(THURSDAY, 5) == datetime.date(2026, 11, 13)


def test_an_adjusted_working_saturday_shortens_the_deadline(db):
    CalendarDay.objects.create(date=datetime.date(2026, 11, 7), kind=CalendarDay.Kind.WORK, name="调休上班")
    # Fri 6, Sat 7 (work), Mon 9, Tue 10, Wed 11.
    assert due(THURSDAY, 5) == datetime.date(2026, 11, 11)


def test_a_day_entered_in_the_admin_changes_a_dispute_deadline(world, admin_client):
    from tests.disputes.test_deadlines import register, set_policy

    set_policy(5, WORKING)
    assert register(world, THURSDAY).due_at.date() == datetime.date(2026, 11, 12)
    response = admin_client.post(
        reverse("admin:govcenter_calendarday_add"), {"date": "2026-11-09", "kind": "rest", "name": "测试假日"}
    )
    assert response.status_code == 302
    assert register(world, THURSDAY).due_at.date() == datetime.date(2026, 11, 13)
    row = CalendarDay.objects.get(date=datetime.date(2026, 11, 9))
    assert row.history.count() == 1  # the admin's edit is in the audit history


# --- The cache -------------------------------------------------------------------------


def test_a_year_is_read_once_and_read_again_after_a_save_or_delete(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        calendar.year_days(2026)
    with django_assert_num_queries(0):
        assert calendar.is_working_day(datetime.date(2026, 11, 9))  # an ordinary Monday, from the cache
    row = CalendarDay.objects.create(date=datetime.date(2026, 11, 9), kind=CalendarDay.Kind.REST, name="x")
    assert not calendar.is_working_day(datetime.date(2026, 11, 9))
    row.kind = CalendarDay.Kind.WORK
    row.save()
    assert not calendar.is_working_day(datetime.date(2026, 11, 8))  # Sunday 8th untouched: rest
    assert calendar.year_days(2026)[datetime.date(2026, 11, 9)] is True
    row.delete()
    assert datetime.date(2026, 11, 9) not in calendar.year_days(2026)


# --- The seed from chinesecalendar ------------------------------------------------------


def test_the_seeded_calendar_counts_every_day_of_2004_to_2026_as_chinesecalendar_does(db):
    is_working = calendar.WorkingDays()  # what add_working_days asks, reading each year once
    day, disagree, n = datetime.date(2004, 1, 1), [], 0
    while day.year <= 2026:
        if is_working(day) != chinese_calendar.is_workday(day):
            disagree.append(day)
        day += datetime.timedelta(days=1)
        n += 1
    assert n == 8401 and disagree == []


def test_the_seed_keeps_the_names(db):
    assert CalendarDay.objects.get(date=datetime.date(2026, 10, 1)).name == "国庆节"
    saturday = CalendarDay.objects.get(date=datetime.date(2026, 10, 10))
    assert (saturday.kind, saturday.name) == ("work", "国庆节 调休上班")
    assert CalendarDay.objects.get(date=datetime.date(2004, 1, 22)).name == "春节"
    assert not CalendarDay.objects.filter(date__year__gte=2027).exists()  # no schedule without a notice


def test_the_seed_command_leaves_entered_years_alone(db):
    CalendarDay.objects.filter(date=datetime.date(2026, 10, 1)).update(name="改过的名字")
    out = io.StringIO()
    call_command("calendar_seed", stdout=out)
    assert "0" in out.getvalue()
    assert CalendarDay.objects.get(date=datetime.date(2026, 10, 1)).name == "改过的名字"
    CalendarDay.objects.filter(date__year=2025).delete()
    call_command("calendar_seed", stdout=io.StringIO())
    assert CalendarDay.objects.filter(date__year=2025).count() == sum(
        1 for d, _kind, _name in calendar.chinesecalendar_days() if d.year == 2025
    )


# --- A year without entries -------------------------------------------------------------

SEES_WARNING = ["admin", "district1"]
NO_WARNING = ["township1_user", "village1_user", "grid1_user", "police1", "station1", "dept1"]


@pytest.fixture
def late_in_2026(monkeypatch):
    """Home pages as on 20 December 2026: the current year is entered, the next one is not."""
    monkeypatch.setattr("govcenter.views.local_date", lambda at: datetime.date(2026, 12, 20))


@pytest.mark.parametrize("role", SEES_WARNING)
def test_the_next_year_without_entries_is_shown_to_administrators_and_district_staff(world, login, late_in_2026, role):
    response = login(getattr(world, role)).get(reverse("home"))
    assert response.context["calendar_missing_years"] == [2027]
    assert b'id="calendar-missing"' in response.content and b"2027" in response.content


@pytest.mark.parametrize("role", NO_WARNING)
def test_the_warning_is_not_shown_to_other_roles(world, login, late_in_2026, role):
    response = login(getattr(world, role)).get(reverse("home"))
    assert response.context["calendar_missing_years"] == []
    assert b'id="calendar-missing"' not in response.content


def test_a_year_a_deadline_counted_through_is_shown_until_entered(world, login, late_in_2026):
    due(datetime.datetime(2031, 3, 2, 9, 0, tzinfo=TZ), 3)
    client = login(world.district1)
    assert client.get(reverse("home")).context["calendar_missing_years"] == [2027, 2031]
    CalendarDay.objects.create(date=datetime.date(2031, 1, 1), kind=CalendarDay.Kind.REST, name="元旦")
    assert client.get(reverse("home")).context["calendar_missing_years"] == [2027]


def test_an_entered_year_is_not_shown(world, login, late_in_2026):
    CalendarDay.objects.create(date=datetime.date(2027, 1, 1), kind=CalendarDay.Kind.REST, name="元旦")
    assert login(world.admin).get(reverse("home")).context["calendar_missing_years"] == []


# --- Admin: the list and the import -------------------------------------------------------


def xlsx(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return SimpleUploadedFile("2027.xlsx", data.getvalue())


def csv_file(text: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile("2027.csv", text.encode(encoding))


GOOD_ROWS = [
    ("日期", "休/班", "名称"),
    (datetime.datetime(2027, 1, 1), "休", "元旦"),
    ("2027-02-06", "休", "春节"),
    ("2027/2/7", "rest", "春节"),
    ("2027年2月14日", "班", "春节 调休上班"),
    ("2027-02-20", "WORK", "春节 调休上班"),
]


def post_import(client, upload):
    return client.post(reverse("admin:govcenter_calendarday_import"), {"file": upload}, follow=True)


def year_2027() -> list[tuple]:
    return list(CalendarDay.objects.filter(date__year=2027).values_list("date", "kind", "name"))


def test_the_changelist_lists_filters_and_searches(world, admin_client):
    url = reverse("admin:govcenter_calendarday_changelist")
    response = admin_client.get(url, {"year": "2026", "kind": "work"})
    shown = list(response.context["cl"].result_list)
    assert shown and all(d.date.year == 2026 and d.kind == "work" for d in shown)
    assert len(shown) == CalendarDay.objects.filter(date__year=2026, kind="work").count()
    found = admin_client.get(url, {"q": "国庆节", "year": "2026"}).context["cl"].result_list
    assert {d.date for d in found} == set(
        CalendarDay.objects.filter(date__year=2026, name__contains="国庆节").values_list("date", flat=True)
    )


def test_a_good_xlsx_is_imported(world, admin_client):
    response = post_import(admin_client, xlsx(GOOD_ROWS))
    assert response.redirect_chain[-1][0] == reverse("admin:govcenter_calendarday_changelist")
    assert "5 added, 0 changed, 0 unchanged" in response.content.decode()
    assert year_2027() == [
        (datetime.date(2027, 1, 1), "rest", "元旦"),
        (datetime.date(2027, 2, 6), "rest", "春节"),
        (datetime.date(2027, 2, 7), "rest", "春节"),
        (datetime.date(2027, 2, 14), "work", "春节 调休上班"),
        (datetime.date(2027, 2, 20), "work", "春节 调休上班"),
    ]
    # A deadline across them: after Friday 12 February, Saturday 13th rests and the
    # adjusted Sunday 14th is the next working day.
    assert due(datetime.datetime(2027, 2, 12, 9, 0, tzinfo=TZ), 1) == datetime.date(2027, 2, 14)


def test_importing_the_same_file_twice_changes_nothing(world, admin_client):
    post_import(admin_client, xlsx(GOOD_ROWS))
    before = year_2027()
    stamps = list(CalendarDay.objects.filter(date__year=2027).values_list("updated_at", flat=True))
    response = post_import(admin_client, xlsx(GOOD_ROWS))
    assert "0 added, 0 changed, 5 unchanged" in response.content.decode()
    assert year_2027() == before
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("updated_at", flat=True)) == stamps
    assert CalendarDay.history.filter(date__year=2027).count() == 5  # one record per day, from the first import


def test_an_import_updates_a_changed_day(world, admin_client):
    post_import(admin_client, xlsx(GOOD_ROWS))
    response = post_import(admin_client, csv_file("2027-02-20,休,春节\n"))
    assert "0 added, 1 changed, 0 unchanged" in response.content.decode()
    assert CalendarDay.objects.get(date=datetime.date(2027, 2, 20)).kind == "rest"


def test_bad_rows_are_named_by_number_and_nothing_is_saved(world, admin_client):
    rows = [
        *GOOD_ROWS,
        ("2027-02-30", "休", "春节"),  # row 7: no such day
        ("2027-10-01", "假", "国庆节"),  # row 8: unknown kind
        ("2027-02-06", "休", "春节"),  # row 9: already in row 3
        ("", "", ""),  # blank: skipped
        ("明天", "上", "x" * 101),  # row 11: three problems
    ]
    response = post_import(admin_client, xlsx(rows))
    assert response.status_code == 200 and not response.redirect_chain
    errors = response.context["row_errors"]
    assert errors == [
        "Row 7: “2027-02-30” is not a date (write it as 2027-01-01).",
        "Row 8: “假” is neither rest nor work (write 休 or 班).",
        "Row 9: 2027-02-06 is already in row 3.",
        "Row 11: “明天” is not a date (write it as 2027-01-01).",
        "Row 11: “上” is neither rest nor work (write 休 or 班).",
        "Row 11: The name is longer than 100 characters.",
    ]
    assert "6 errors; nothing was saved." in response.content.decode()
    assert year_2027() == []  # the good rows were not saved either


def test_a_gb18030_csv_is_imported(world, admin_client):
    text = "date,kind,name\r\n2027-10-01,休,国庆节\r\n2027-10-09,班,国庆节 调休上班\r\n"
    assert text.encode("gb18030") != text.encode("utf-8")
    response = post_import(admin_client, csv_file(text, "gb18030"))
    assert "2 added" in response.content.decode()
    assert year_2027() == [
        (datetime.date(2027, 10, 1), "rest", "国庆节"),
        (datetime.date(2027, 10, 9), "work", "国庆节 调休上班"),
    ]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("2027.pdf", b"%PDF-1.4"), "Use a .xlsx or .csv file."),
        (SimpleUploadedFile("2027.xlsx", b"not a zip"), "This is not a readable XLSX workbook."),
        (SimpleUploadedFile("2027.csv", b"\xff\xfe\x00\x81"), "neither UTF-8 nor GB18030"),
        (SimpleUploadedFile("2027.csv", b"date,kind,name\n"), "The file has no rows."),
    ],
)
def test_an_unreadable_file_is_refused_with_a_message(world, admin_client, upload, message):
    response = post_import(admin_client, upload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert year_2027() == []


def test_the_import_page_is_for_administrators_only(world, client, login):
    url = reverse("admin:govcenter_calendarday_import")
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and reverse("admin:login") in anonymous["Location"]
    district = login(world.district1).get(url)
    assert district.status_code == 302 and reverse("admin:login") in district["Location"]
    assert login(world.admin).get(url).status_code == 200
