"""Every sentiment page for a user who may (200), a user outside the jurisdiction (404, also
on every step URL), and an anonymous visitor (login); what each role's lists and exports
hold; bad input on the filing form; constant query counts; the monthly counts; photos;
the resident page's cases section."""

from __future__ import annotations

import collections
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from disputes.models import Dispute
from grids.models import GridMembership
from grids.services import membership_add
from sentiment import services as s
from sentiment.exports import monthly_counts
from sentiment.models import AgencyMatter, Log, LogPhoto
from tests import images
from tests.factories import make_resident
from tests.sentiment.helpers import an_hour_ago

from .helpers import at, file_log, reported

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

PNG = images.PNG_BYTES  # real pictures: the portal decodes every uploaded image
JPEG = images.JPEG_BYTES
MARK = "东山村路灯坏了三盏"

SEES_GRID1 = ["grid1_user", "village1_user", "township1_user", "district1", "police1", "aux1", "station1", "admin"]
OUTSIDE_GRID1 = ["grid2_user", "village2_user", "village3_user", "township2_user", "police3", "station2_user", "dept1"]


@pytest.fixture(autouse=True)
def english(client, settings, tmp_path):
    # Assertions read English messages; the default UI language is Chinese.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def log(world):
    """A log of grid1 reported to the village centre, with an agency matter's sibling and a photo."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    log = s.log_file(
        actor=world.grid1_user,
        grid=world.grid1,
        at=timezone.now(),
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        kind="incident",
        category="other",
        matter=MARK,
        resident=world.resident1,
        next_step="report",
        photos=[SimpleUploadedFile("lamp.png", PNG, content_type="image/png")],
    )
    return log


@pytest.fixture
def matter(world):
    return s.log_file(
        actor=world.grid1_user,
        grid=world.grid1,
        at=timezone.now(),
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        kind="agency",
        category="subsistence",
        matter="代办低保申请",
        resident=world.resident1,
        next_step="agency",
    ).agency_matters.get()


def object_urls(log, matter) -> list[str]:
    return [
        reverse("sentiment:detail", args=[log.pk]),
        reverse("sentiment:print", args=[log.pk]),
        reverse("sentiment:photo", args=[log.photos.get().pk]),
        reverse("sentiment:agency_complete", args=[matter.pk]),
    ]


STEPS = [
    "report_up",
    "handle_here",
    "assign_department",
    "feed_back",
    "to_dispute",
    "add_photos",
    "cosign",
    "decline_cosign",
    "parties_told",
]
LISTS = [
    "sentiment:home",
    "sentiment:list",
    "sentiment:export_xlsx",
    "sentiment:monthly",
    "sentiment:agency_list",
    "sentiment:mine",
    "sentiment:queue",
    "sentiment:file",
    "sentiment:resident_search",
]


# --- access matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SEES_GRID1)
def test_everyone_of_the_jurisdiction_opens_the_log_its_print_photo_and_agency_matter(world, login, log, matter, name):
    client = login(getattr(world, name))
    for url in object_urls(log, matter):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("name", OUTSIDE_GRID1)
def test_outside_the_jurisdiction_every_object_and_step_url_is_404(world, login, log, matter, name):
    client = login(getattr(world, name))
    for url in object_urls(log, matter):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    for step in STEPS:
        assert client.post(reverse(f"sentiment:{step}", args=[log.pk]), {}).status_code == 404, step


def test_a_department_sees_a_log_once_assigned_to_it(world, login, log):
    client = login(world.dept1)
    url = reverse("sentiment:detail", args=[log.pk])
    assert client.get(url).status_code == 404
    s.log_report_up(log=log, actor=world.village1_user, at=timezone.now())
    s.log_report_up(log=log, actor=world.township1_user, at=timezone.now())
    s.log_assign_department(log=log, actor=world.district1, at=timezone.now(), department=world.department)
    assert client.get(url).status_code == 200
    assert MARK in client.get(reverse("sentiment:queue") + "?tab=in_hand").content.decode()


def test_anonymous_goes_to_login_everywhere(world, client, log, matter):
    login_url = reverse("login")
    urls = object_urls(log, matter) + [reverse(name) for name in LISTS]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login_url), url
    for step in STEPS:
        response = client.post(reverse(f"sentiment:{step}", args=[log.pk]), {})
        assert response.status_code == 302 and response["Location"].startswith(login_url), step


def test_step_urls_answer_405_to_get(world, login, log):
    client = login(world.village1_user)
    for step in STEPS:
        assert client.get(reverse(f"sentiment:{step}", args=[log.pk])).status_code == 405


@pytest.mark.parametrize("name", ["village1_user", "township1_user", "district1", "aux1", "station1", "dept1", "admin"])
def test_filing_pages_are_for_the_grid_team_only(world, login, name):
    client = login(getattr(world, name))
    assert client.get(reverse("sentiment:file")).status_code == 403
    assert client.get(reverse("sentiment:mine")).status_code == 403
    assert client.get(reverse("sentiment:resident_search"), {"grid": world.grid1.pk}).status_code == 403


@pytest.mark.parametrize("name", ["grid1_user", "police1", "aux1", "station1"])
def test_queues_are_for_centres_and_departments(world, login, name):
    assert login(getattr(world, name)).get(reverse("sentiment:queue")).status_code == 403


@pytest.mark.parametrize(
    "name,target",
    [
        ("grid1_user", "sentiment:mine"),
        ("village1_user", "sentiment:queue"),
        ("dept1", "sentiment:queue"),
        ("police1", "sentiment:to_cosign"),
        ("aux1", "sentiment:to_cosign"),
        ("station1", "sentiment:list"),
        ("admin", "sentiment:list"),
    ],
)
def test_the_nav_entry_opens_each_role_on_its_page(world, login, name, target):
    response = login(getattr(world, name)).get(reverse("sentiment:home"))
    assert response.status_code == 302 and response["Location"] == reverse(target)


@pytest.mark.parametrize(
    "name", ["grid1_user", "police1", "aux1", "village1_user", "township1_user", "district1", "dept1", "admin"]
)
def test_nav_shows_logs_to_roles_that_file_cosign_or_screen(world, login, name):
    html = login(getattr(world, name)).get(reverse("home")).content.decode()
    assert reverse("sentiment:home") in html


@pytest.mark.parametrize("name", ["station1", "station2_user"])
def test_nav_has_no_log_entry_for_station_staff(world, login, name):
    """No nav entry to the logs' home (the dashboard on the home page may still link a count
    to the log list of the station's villages, which the station sees)."""
    client = login(getattr(world, name))
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("sentiment:home")}"' not in page
    assert client.get(reverse("sentiment:list")).status_code == 200  # what the dashboard's counts link to
    assert f'href="{reverse("sentiment:home")}"' in login(world.grid1_user).get(reverse("home")).content.decode()


# --- what lists and exports hold -----------------------------------------------------------------


def _xlsx_rows(response) -> list[tuple]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_village2_sees_none_of_village1s_logs_in_lists_queues_counts_and_exports(world, login, log, matter):
    client = login(world.village2_user)
    for url in [
        reverse("sentiment:list"),
        reverse("sentiment:agency_list") + "?state=",
        *[reverse("sentiment:queue") + f"?tab={t}" for t in ("new", "in_hand", "reported_up", "fed_back")],
    ]:
        html = client.get(url).content.decode()
        assert MARK not in html and "代办低保申请" not in html and "王大明" not in html, url
    assert len(_xlsx_rows(client.get(reverse("sentiment:export_xlsx")))) == 1  # the header only
    assert client.get(reverse("sentiment:monthly")).context["counts"].total.total == 0
    # A filter naming village1's grid is refused, not obeyed.
    response = client.get(reverse("sentiment:list"), {"grid": world.grid1.pk})
    assert MARK not in response.content.decode()
    assert len(_xlsx_rows(client.get(reverse("sentiment:export_xlsx"), {"grid": world.grid1.pk}))) == 1


def test_village1_sees_them_and_the_export_holds_the_filtered_rows(world, login, log, matter):
    client = login(world.village1_user)
    assert MARK in client.get(reverse("sentiment:list")).content.decode()
    rows = _xlsx_rows(client.get(reverse("sentiment:export_xlsx")))
    assert len(rows) == 3
    assert {r[11] for r in rows[1:]} == {MARK, "代办低保申请"}
    only_reported = _xlsx_rows(client.get(reverse("sentiment:export_xlsx"), {"next_step": "report"}))
    assert [r[11] for r in only_reported[1:]] == [MARK]


def test_the_export_escapes_formulas(world, login):
    file_log(world, matter='=HYPERLINK("http://x")', when=timezone.now())
    rows = _xlsx_rows(login(world.village1_user).get(reverse("sentiment:export_xlsx")))
    assert rows[1][11].startswith("'=")


def test_list_filters_by_kind_category_next_step_worker_and_dates(world, login):
    a = file_log(world, matter="甲事项", kind="visit", category="subsistence", when=at(0))
    b = file_log(world, matter="乙事项", kind="inspection", category="security_hazard", when=at(5), resident=None)
    client = login(world.village1_user)

    def matters(**params):
        page = client.get(reverse("sentiment:list"), params).context["page"]
        return sorted(x.matter for x in page)

    assert matters() == ["乙事项", "甲事项"]
    assert matters(kind="inspection") == ["乙事项"]
    assert matters(category="subsistence") == ["甲事项"]
    assert matters(next_step="answered") == ["乙事项", "甲事项"]
    assert matters(worker=world.grid1_user.pk) == ["乙事项", "甲事项"]
    assert matters(grid=world.grid1.pk, date_from="2026-11-03") == ["乙事项"]
    assert matters(date_to="2026-11-02") == ["甲事项"]
    assert matters(q="乙") == ["乙事项"]
    assert a.pk and b.pk


def test_queue_tabs_follow_the_flow(world, login):
    new = reported(world, matter="新的事项")
    up = reported(world, matter="上报的事项")
    s.log_report_up(log=up, actor=world.village1_user, at=at(1))
    done = reported(world, matter="反馈的事项")
    s.log_feed_back(log=done, actor=world.village1_user, at=at(1), result="已办")
    hand = reported(world, matter="在办的事项")
    s.log_handle_here(log=hand, actor=world.village1_user, at=at(1), handler=world.grid1_user)
    file_log(world, matter="当场答复的事项")

    def tab(user, name):
        return [x.matter for x in login(user).get(reverse("sentiment:queue"), {"tab": name}).context["page"]]

    assert tab(world.village1_user, "new") == ["新的事项"]
    assert tab(world.village1_user, "in_hand") == ["在办的事项"]
    assert tab(world.village1_user, "reported_up") == ["上报的事项"]
    assert tab(world.village1_user, "fed_back") == ["反馈的事项"]
    assert tab(world.township1_user, "new") == ["上报的事项"]
    assert tab(world.township1_user, "fed_back") == []  # handled at the village: not the township's
    assert new.pk


def test_my_logs_show_the_worker_the_result_fed_back(world, login):
    log = reported(world, matter=MARK)
    s.log_report_up(log=log, actor=world.village1_user, at=at(1))
    s.log_feed_back(log=log, actor=world.township1_user, at=at(2), result="已安排电工维修")
    html = login(world.grid1_user).get(reverse("sentiment:mine"), {"tab": "fed_back"}).content.decode()
    assert MARK in html and "已安排电工维修" in html
    detail = login(world.grid1_user).get(log.get_absolute_url()).content.decode()
    assert "已安排电工维修" in detail


# --- query counts -----------------------------------------------------------------------------


def _bulk_logs(world, n: int, start: int = 0) -> None:
    """n logs of grid1 in every shape a row can take (resident or visitor, handler,
    department, dispute, companion), written directly for speed."""
    rows = []
    now = timezone.now()
    disputes = {
        i: Dispute.objects.create(
            number=f"T-{i}",
            district=world.district,
            village=world.village1,
            grid=world.grid1,
            source="walk_in",
            category="other",
            summary="s",
            description="d",
            occurred_on=now.date(),
            level="village",
            registered_level="village",
            registered_by=world.village1_user,
        )
        for i in range(start, start + n, 10)
    }
    for i in range(start, start + n):
        rows.append(
            Log(
                grid=world.grid1,
                village=world.village1,
                township=world.township1,
                district=world.district,
                recorded_by=world.grid1_user,
                accompanied_by=world.aux1 if i % 3 else None,
                occurred_at=now - datetime.timedelta(hours=i + 2),
                kind=Log.Kind.values[i % 5],
                category=Log.Category.values[i % 10],
                resident=world.resident1 if i % 2 else None,
                visitor_name="" if i % 2 else "访客",
                matter=f"事项{i}",
                next_step=Log.NextStep.values[i % 4],
                status=["filed", "new", "in_hand", "fed_back", "reported_up"][i % 5],
                level="department" if i % 7 == 0 else "village",
                department=world.department if i % 7 == 0 else None,
                handler=world.village1_user if i % 5 == 2 else None,
                fed_back_by=world.village1_user if i % 5 == 3 else None,
                reported_at=now,
                fed_back_at=now if i % 5 == 3 else None,
                dispute=disputes.get(i),
            )
        )
    created = Log.objects.bulk_create(rows)
    AgencyMatter.objects.bulk_create(
        [
            AgencyMatter(
                log=log,
                resident=log.resident,
                person_name="王大明",
                grid=world.grid1,
                village=world.village1,
                township=world.township1,
                district=world.district,
                matter_type="subsistence",
                due_on=datetime.date(2026, 11, 30),
                assignee=world.grid1_user,
            )
            for log in created[::2]
        ]
    )


LIST_PAGES = [
    ("village1_user", "sentiment:list", {}),
    ("village1_user", "sentiment:list", {"kind": "visit", "worker": "GRID1"}),
    ("village1_user", "sentiment:queue", {"tab": "new"}),
    ("village1_user", "sentiment:queue", {"tab": "fed_back"}),
    ("grid1_user", "sentiment:mine", {}),
    ("village1_user", "sentiment:agency_list", {}),
    ("district1", "sentiment:monthly", {}),
]


@pytest.mark.parametrize("name,url_name,params", LIST_PAGES)
def test_list_pages_run_the_same_queries_for_20_and_100_logs(world, login, name, url_name, params):
    params = {k: (world.grid1_user.pk if v == "GRID1" else v) for k, v in params.items()}
    client = login(getattr(world, name))
    _bulk_logs(world, 20)
    client.get(reverse(url_name), params)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(url_name), params).status_code == 200
    _bulk_logs(world, 80, start=20)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    # The relations a log may lack (companion, resident, dispute, handler, department) are
    # prefetched (sentiment.selectors.log_rows): a query each when a row of the page has one,
    # whatever the number of rows. No statement runs per row: none more than twice (the
    # companion and the handler are both users, looked up alike).
    assert abs(len(large) - len(small)) <= 5, [q["sql"][:120] for q in large]
    shapes = collections.Counter(re.sub(r"\d+", "N", q["sql"]) for q in large)
    assert max(shapes.values()) <= 2, shapes.most_common(1)
    assert len(large) <= 20


def test_list_pages_without_counting_the_table(world, login):
    _bulk_logs(world, 30)
    client = login(world.district1)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("sentiment:list")).context["page"]
    assert page.has_next() and len(page) == 25
    assert not [q for q in queries if "COUNT(" in q["sql"].upper() and "sentiment_log" in q["sql"]]


# --- the filing form -----------------------------------------------------------------------------


def _post(client, **overrides):
    data = {
        "grid": overrides.pop("grid_pk", None),
        "kind": "visit",
        "category": "social_security",
        "matter": "咨询医保缴费",
        "next_step": "answered",
        **an_hour_ago(),
        "client_token": "",
    }
    follow = overrides.pop("follow", False)
    data.update(overrides)
    return client.post(reverse("sentiment:file"), {k: v for k, v in data.items() if v is not None}, follow=follow)


def test_a_visit_answered_on_the_spot_is_filed_from_buttons_and_the_matter(world, login):
    client = login(world.grid1_user)
    page = client.get(reverse("sentiment:file")).content.decode()
    assert 'value="visit"' in page and "checked" in page  # kind and next step preset
    response = _post(client, grid_pk=world.grid1.pk, resident=world.resident1.pk, client_token="abc")
    log = Log.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{log.get_absolute_url()}?filed=1"
    assert (log.kind, log.category, log.next_step, log.status, log.resident) == (
        "visit",
        "social_security",
        "answered",
        "filed",
        world.resident1,
    )
    detail = client.get(log.get_absolute_url()).content.decode()
    assert 'data-sentiment-filed-token="abc"' in detail  # the page that clears the browser's draft


def test_after_filing_the_log_page_offers_to_file_another(world, login):
    client = login(world.grid1_user)
    response = _post(client, grid_pk=world.grid1.pk, client_token="next", follow=True)
    html = response.content.decode()
    assert 'id="file-another"' in html and f'href="{reverse("sentiment:file")}"' in html
    # Only right after filing, and only to the one who filed it.
    log = Log.objects.get()
    assert 'id="file-another"' not in client.get(log.get_absolute_url()).content.decode()
    clerk_view = login(world.village1_user).get(f"{log.get_absolute_url()}?filed=1")
    assert clerk_view.status_code == 200 and 'id="file-another"' not in clerk_view.content.decode()


def test_the_filing_form_presets_today_the_time_and_the_only_grid(world, login):
    form = login(world.grid1_user).get(reverse("sentiment:file")).context["form"]
    assert form["occurred_on"].value() == timezone.localdate()
    assert form["grid"].value() == world.grid1.pk
    assert len(form["client_token"].value()) == 32


def test_resubmitting_the_same_draft_shows_the_log_filed_first(world, login):
    client = login(world.grid1_user)
    _post(client, grid_pk=world.grid1.pk, client_token="same")
    response = _post(client, grid_pk=world.grid1.pk, client_token="same")
    assert response.status_code == 302 and Log.objects.count() == 1


@pytest.mark.parametrize(
    "overrides,message,kept",
    [
        ({"resident": "RES2"}, "Pick the resident from the search results of your grid.", "咨询医保缴费"),
        ({"occurred_on": "2099-01-01"}, "The date cannot be in the future.", "咨询医保缴费"),
        ({"matter": "   "}, "Describe the matter", r'value="social_security"[^>]*checked'),
        (
            {"kind": "publicity", "participants": "-3"},
            "This number cannot be negative.",
            r'name="participants" value="-3"',
        ),
        (  # more than PostgreSQL's integer column holds: a message, not a 500
            {"kind": "publicity", "participants": "2147483648"},
            "Ensure this value is less than or equal to 100000.",
            r'name="participants" value="2147483648"',
        ),
        (
            {"kind": "publicity", "households_reached": "9" * 20},
            "Ensure this value is less than or equal to 100000.",
            r'name="households_reached" value="9{20}"',
        ),
        ({"category": ""}, "Tap a category.", "咨询医保缴费"),
        ({"next_step": "dispute", "resident": ""}, "A dispute needs the person concerned", "咨询医保缴费"),
        ({"accompanied_by": "POLICE3"}, "Select a valid choice", "咨询医保缴费"),
    ],
)
def test_bad_input_gets_a_message_and_keeps_what_was_typed(world, login, overrides, message, kept):
    swap = {"RES2": world.resident2.pk, "POLICE3": world.police3.pk}
    overrides = {k: swap.get(v, v) for k, v in overrides.items()}
    response = _post(login(world.grid1_user), grid_pk=world.grid1.pk, **overrides)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html.replace("&#x27;", "'")
    assert re.search(kept, html)
    assert not Log.objects.exists()


def test_a_resident_of_the_workers_other_grid_gets_the_services_message(world, login):
    membership_add(
        grid=world.grid1b,
        user=world.grid1_user,
        duty=GridMembership.Duty.GRID_WORKER,
        started_on=datetime.date(2026, 1, 5),
    )
    other = make_resident(world.grid1b, "王小二")
    response = _post(login(world.grid1_user), grid_pk=world.grid1.pk, resident=other.pk)
    html = response.content.decode()
    assert "王小二 is not registered in 东山村第1网格" in html
    assert "王小二" in html  # the pick is drawn again, checked
    assert not Log.objects.exists()


def test_a_worker_of_two_grids_picks_one(world, login):
    membership_add(
        grid=world.grid1b,
        user=world.grid1_user,
        duty=GridMembership.Duty.GRID_WORKER,
        started_on=datetime.date(2026, 1, 5),
    )
    client = login(world.grid1_user)
    assert client.get(reverse("sentiment:file")).context["form"].several_grids
    _post(client, grid_pk=world.grid1b.pk)
    assert Log.objects.get().grid == world.grid1b
    response = _post(client, grid_pk=world.grid2.pk)
    assert "Choose one of your grids." in response.content.decode()


def test_agency_and_report_up_from_the_filing_form(world, login):
    client = login(world.grid1_user)
    _post(
        client,
        grid_pk=world.grid1.pk,
        next_step="agency",
        agency_type="medical_insurance",
        agency_due_on=(timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        resident=world.resident1.pk,
    )
    m = AgencyMatter.objects.get()
    assert m.matter_type == "medical_insurance" and m.assignee == world.grid1_user
    _post(client, grid_pk=world.grid1.pk, next_step="report", matter=MARK)
    assert Log.objects.get(matter=MARK).status == "new"


def test_dispute_from_the_filing_form_with_a_chosen_category(world, login):
    _post(
        login(world.grid1_user),
        grid_pk=world.grid1.pk,
        next_step="dispute",
        resident=world.resident1.pk,
        dispute_category="land_boundary",
    )
    d = Dispute.objects.get()
    assert d.category == "land_boundary" and d.sentiment_log == Log.objects.get()


# --- photos ---------------------------------------------------------------------------------------


def test_photos_are_checked_by_their_bytes_and_served_with_the_proven_type(world, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(world.grid1_user)
    response = _post(
        client,
        grid_pk=world.grid1.pk,
        photos=[SimpleUploadedFile("a.jpg", JPEG, "image/jpeg"), SimpleUploadedFile("b.png", PNG, "image/png")],
    )
    assert response.status_code == 302
    photos = list(LogPhoto.objects.order_by("pk"))
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]
    served = client.get(photos[1].get_absolute_url())
    # The portal's re-encoded copy of the picture (tests/sentiment/test_photos.py), not the upload.
    body = b"".join(served.streaming_content)
    assert served["Content-Type"] == "image/png" and body.startswith(b"\x89PNG") and images.size_of(body) == (8, 6)
    # Stored under a random name with the extension the bytes proved, never the uploaded name.
    assert re.fullmatch(r"sentiment/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", photos[0].file.name), photos[0].file.name


@pytest.mark.parametrize("name,content", [("fake.jpg", b"<script>alert(1)</script>"), ("doc.pdf", b"%PDF-1.4")])
def test_a_file_that_is_not_a_jpeg_or_png_is_refused(world, login, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = _post(
        login(world.grid1_user), grid_pk=world.grid1.pk, photos=[SimpleUploadedFile(name, content, "image/jpeg")]
    )
    assert response.status_code == 200 and "only JPG or PNG photos" in response.content.decode()
    assert not Log.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(world, login, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.SENTIMENT_PHOTO_MAX_BYTES = 50
    response = _post(
        login(world.grid1_user),
        grid_pk=world.grid1.pk,
        photos=[SimpleUploadedFile("big.png", PNG + b"\x00" * 100, "image/png")],
    )
    assert "big.png: only JPG or PNG photos up to" in response.content.decode()
    assert not LogPhoto.objects.exists()


def test_photos_added_later_by_the_worker(world, login, log):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("sentiment:add_photos", args=[log.pk])
    response = login(world.grid1_user).post(url, {"photos-photos": [SimpleUploadedFile("c.jpg", JPEG, "image/jpeg")]})
    assert response.status_code == 302 and log.photos.count() == 2
    response = login(world.village1_user).post(
        url, {"photos-photos": [SimpleUploadedFile("d.jpg", JPEG, "image/jpeg")]}
    )
    assert log.photos.count() == 2  # the village centre cannot add the worker's photos


# --- steps through the pages ------------------------------------------------------------------------


def test_the_detail_page_offers_only_the_allowed_steps(world, login, log):
    report_url = reverse("sentiment:report_up", args=[log.pk])
    assert report_url in login(world.village1_user).get(log.get_absolute_url()).content.decode()
    for name in ("grid1_user", "township1_user", "police1", "station1"):
        assert report_url not in login(getattr(world, name)).get(log.get_absolute_url()).content.decode(), name


def test_village1_reports_up_and_township1_feeds_back_through_the_pages(world, login, log):
    response = login(world.village1_user).post(reverse("sentiment:report_up", args=[log.pk]), {"report-note": "需协调"})
    assert response.status_code == 302
    log.refresh_from_db()
    assert (log.level, log.status) == ("township", "reported_up")
    response = login(world.township1_user).post(
        reverse("sentiment:feed_back", args=[log.pk]), {"feedback-result": "已修复"}
    )
    log.refresh_from_db()
    assert response.status_code == 302 and (log.status, log.feedback) == ("fed_back", "已修复")


def test_a_step_form_with_errors_comes_back_with_the_input(world, login, log):
    response = login(world.village1_user).post(
        reverse("sentiment:handle_here", args=[log.pk]),
        {"handle-handler": world.township1_user.pk, "handle-note": "请处理路灯"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Choose someone who works at this level." in html and "请处理路灯" in html
    response = login(world.village1_user).post(reverse("sentiment:feed_back", args=[log.pk]), {"feedback-result": " "})
    assert "Describe the result." in response.content.decode()


def test_a_step_the_user_may_not_take_is_refused_with_a_message(world, login, log):
    client = login(world.grid1_user)
    response = client.post(reverse("sentiment:report_up", args=[log.pk]), {"report-note": "x"}, follow=True)
    assert "Only the Village centre handling this log can report it up." in response.content.decode()
    assert Log.objects.get().level == "village"


def test_turning_into_a_dispute_through_the_page(world, login, log):
    client = login(world.village1_user)
    response = client.post(
        reverse("sentiment:to_dispute", args=[log.pk]),
        {
            "dispute-category": "neighbourhood",
            "dispute-summary": "路灯纠纷",
            "dispute-respondent_name": "",
            "dispute-risk_level": "general",
        },
        follow=True,
    )
    log.refresh_from_db()
    assert log.dispute.number in response.content.decode()
    assert log.dispute.summary == "路灯纠纷"


def test_completing_an_agency_matter_through_its_page(world, login, matter):
    url = reverse("sentiment:agency_complete", args=[matter.pk])
    client = login(world.grid1_user)
    response = client.post(url, {"result": "  "})
    assert response.status_code == 200 and "Describe the result." in response.content.decode()
    response = client.post(url, {"result": "已审批"})
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.status == "done"
    response = login(world.police1).post(url, {"result": "x"}, follow=True)
    assert "completed, or you may not complete it" in response.content.decode()


def test_agency_list_shows_open_and_overdue_matters(world, login, matter):
    AgencyMatter.objects.filter(pk=matter.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    client = login(world.village1_user)
    page = client.get(reverse("sentiment:agency_list")).context["page"]
    assert [m.pk for m in page] == [matter.pk] and page.object_list[0].overdue
    assert [m.pk for m in client.get(reverse("sentiment:agency_list"), {"state": "overdue"}).context["page"]] == [
        matter.pk
    ]
    assert not list(client.get(reverse("sentiment:agency_list"), {"state": "done"}).context["page"])


# --- monthly counts ---------------------------------------------------------------------------------


def test_monthly_counts_equal_the_records(world, login):
    from tests.factories import make_user

    colleague = make_user("grid1c", "grid_worker", area=world.village1)
    membership_add(
        grid=world.grid1b, user=colleague, duty=GridMembership.Duty.GRID_WORKER, started_on=datetime.date(2026, 1, 5)
    )
    tz = timezone.get_default_timezone()
    november = [
        (world.grid1_user, world.grid1, "visit", "answered", datetime.datetime(2026, 11, 1, 0, 30)),  # Oct 31 in UTC
        (world.grid1_user, world.grid1, "agency", "agency", datetime.datetime(2026, 11, 2, 8, 0)),
        (world.grid1_user, world.grid1, "visit", "report", datetime.datetime(2026, 11, 2, 9, 0)),
        (colleague, world.grid1b, "inspection", "answered", datetime.datetime(2026, 11, 2, 9, 30)),
        (colleague, world.grid1b, "publicity", "answered", datetime.datetime(2026, 11, 2, 10, 0)),
        (world.grid2_user, world.grid2, "visit", "answered", datetime.datetime(2026, 11, 2, 10, 0)),
    ]
    october = [(world.grid1_user, world.grid1, "visit", "answered", datetime.datetime(2026, 10, 31, 23, 30))]
    for worker, grid, kind, step, naive in november + october:
        when = naive.replace(tzinfo=tz)
        s.log_file(
            actor=worker,
            grid=grid,
            at=datetime.datetime(2026, 11, 2, 12, 0, tzinfo=tz),
            occurred_at=when,
            kind=kind,
            category="other",
            matter="m",
            next_step=step,
        )
    response = login(world.village1_user).get(reverse("sentiment:monthly"), {"month": "2026-11"})
    counts = response.context["counts"]
    records = Log.objects.filter(
        village=world.village1,
        occurred_at__gte=datetime.datetime(2026, 11, 1, tzinfo=tz),
        occurred_at__lt=datetime.datetime(2026, 12, 1, tzinfo=tz),
    )
    assert counts.total.total == records.count() == 5
    by_grid = {row.label: row.total for row in counts.by_grid}
    assert by_grid == {"东山村第1网格": 3, "东山村第2网格": 2}
    by_worker = {
        row.label: (row.total, row.kinds["visit"], row.steps["agency"], row.steps["report"]) for row in counts.by_worker
    }
    assert by_worker == {"grid1": (3, 2, 1, 1), "grid1c": (2, 0, 0, 0)}
    for row in counts.by_grid:
        assert row.total == records.filter(grid__name=row.label).count()
        assert sum(row.kind_counts) == row.total
    october_counts = monthly_counts(Log.objects.filter(village=world.village1), datetime.date(2026, 10, 1))
    assert october_counts.total.total == 1
    assert (
        login(world.district1).get(reverse("sentiment:monthly"), {"month": "2026-11"}).context["counts"].total.total
        == 6
    )


def test_monthly_counts_in_one_query(world, login):
    _bulk_logs(world, 30)
    with CaptureQueriesContext(connection) as queries:
        monthly_counts(Log.objects.filter(village=world.village1), timezone.localdate())
    assert len(queries) == 1


def test_a_bad_month_falls_back_to_this_month(world, login):
    response = login(world.village1_user).get(reverse("sentiment:monthly"), {"month": "2026-13"})
    assert response.status_code == 200 and response.context["month"] == timezone.localdate().replace(day=1)


# --- the resident's page -------------------------------------------------------------------------------


def test_the_residents_page_shows_their_agency_matters_and_logs(world, login, log, matter):
    html = login(world.grid1_user).get(world.resident1.get_absolute_url()).content.decode()
    assert 'id="resident-cases"' in html
    assert reverse("sentiment:agency_complete", args=[matter.pk]) in html
    assert log.get_absolute_url() in html
    other = login(world.grid2_user).get(world.resident2.get_absolute_url()).content.decode()
    assert "No agency matters or logs for this resident yet." in other


def test_print_sheet_holds_the_log(world, login, log):
    html = login(world.village1_user).get(reverse("sentiment:print", args=[log.pk])).content.decode()
    assert MARK in html and "东山村第1网格" in html and "css/print-log.css" in html  # @page is in there
