"""The ledger's, the residents' and the logs' filter forms, drawn once and kept
(``govcenter.drawn_filters``): the same HTML as drawn afresh, per user and values, never with
errors, and forgotten when the places, care tags or grid workers they offer change."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govcenter import drawn_filters
from grids.models import GridMembership
from grids.services import membership_end

from ..factories import make_grid

pytestmark = pytest.mark.django_db

FORM = re.compile(r'<form method="get".*?</form>', re.S)


def _form(client, url="/disputes/"):
    response = client.get(url)
    assert response.status_code == 200
    (form,) = FORM.findall(response.content.decode())
    return form


def _drawn_afresh(client, monkeypatch, url="/disputes/"):
    with monkeypatch.context() as m:
        m.setattr(drawn_filters, "drawn_form", lambda filterset, request, flags, draw: draw())
        m.setattr("govcenter.templatetags.filter_form.drawn_form", lambda filterset, request, flags, draw: draw())
        return _form(client, url)


def _kept_as_drawn(login, monkeypatch, users, url) -> None:
    """For each user: the form shown twice is the same (the second kept), and the same as
    the form drawn afresh."""
    for user in users:
        client = login(user)
        first = _form(client, url)
        assert _form(client, url) == first  # the kept one
        assert first == _drawn_afresh(client, monkeypatch, url)


URLS = [
    "/disputes/",
    "/disputes/?page=2",
    "/disputes/?status=open&category=neighbourhood&sort=due_at",
    "/disputes/?q=%E7%8E%8B&overdue=yes",
]


@pytest.mark.parametrize("url", URLS)
def test_a_kept_form_is_the_form_drawn_afresh(world, login, monkeypatch, url):
    _kept_as_drawn(login, monkeypatch, (world.district1, world.township1_user, world.police1, world.village1_user), url)


def test_the_kept_form_spares_its_choice_queries(world, login):
    client = login(world.township1_user)
    with CaptureQueriesContext(connection) as drawing:
        client.get("/disputes/")
    with CaptureQueriesContext(connection) as kept:
        client.get("/disputes/")
    assert len(kept) < len(drawing)
    assert not [q for q in kept if "govcenter_area" in q["sql"] and "\"level\" = 'village'" in q["sql"]]


def test_each_user_and_language_has_their_own_form(world, login):
    one, two = _form(login(world.township1_user)), _form(login(world.township2_user))
    assert "东山村" in one and "南湖村" not in one
    assert "南湖村" in two and "东山村" not in two
    client = login(world.township1_user)
    client.cookies["django_language"] = "en"
    english = _form(client)
    client.cookies["django_language"] = "zh-hans"
    assert english != _form(client)


def test_the_chosen_values_are_kept_apart(world, login):
    client = login(world.district1)
    status = _form(client, "/disputes/?status=registered")
    level = _form(client, "/disputes/?level=village")
    assert 'value="registered" selected' in status and 'value="registered" selected' not in level
    assert 'value="village" selected' in level


def test_a_form_with_errors_is_drawn_each_time_with_its_message(world, login):
    client = login(world.district1)
    url = "/disputes/?township=99999999&registered_from=2026-13-45"
    first = _form(client, url)
    assert "text-danger" in first
    assert _form(client, url) == first
    assert not [key for key in _kept_keys()]  # nothing kept for it


def _kept_keys():
    from django.core.cache import cache

    return [key for key in getattr(cache, "_cache", {}) if "drawn-filters:" in key and "version" not in key]


def test_a_new_grid_shows_at_once(world, login):
    client = login(world.township1_user)
    before = _form(client)
    make_grid(world.village1, 7, name="新设网格")
    after = _form(client)
    assert "新设网格" not in before and "新设网格" in after


def test_a_team_member_leaving_forgets_the_kept_forms(world, login):
    client = login(world.grid1_user)
    before = _form(client)
    membership = GridMembership.objects.get(grid=world.grid1, user=world.grid1_user, ended_on__isnull=True)
    version = drawn_filters._version()
    membership_end(membership=membership, ended_on=datetime.date(2026, 2, 1))
    assert drawn_filters._version() != version
    assert _form(client) != before  # the grid is no longer theirs to choose


def test_a_stations_villages_forget_the_kept_forms(world, login):
    _form(login(world.station1))
    version = drawn_filters._version()
    world.station.villages.add(world.village3)
    assert drawn_filters._version() != version


def test_a_grids_import_shows_its_grids_at_once(world, login, tmp_path, django_capture_on_commit_callbacks):
    """An import writes in bulk (no save signals): its commit forgets the kept forms."""
    from govcenter.importers import import_run, importer_class, table_of
    from tests.imports.test_importers import write_xlsx

    client = login(world.township1_user)
    assert "东山五格" not in _form(client)
    path = write_xlsx(tmp_path / "g.xlsx", ("网格编码", "网格名称"), [("330102001001005", "东山五格")])
    with django_capture_on_commit_callbacks(execute=True):
        result = import_run(importer_class("grids")(user=world.district1), table_of(path))
    assert result.ok and result.created == 1
    assert "东山五格" in _form(client)


def test_a_transaction_replaces_the_token_once_after_its_commit(world):
    """Thousands of rows saved in one transaction (an import, the demo) leave one replacement
    for the commit, not one per row; the token is new at once and again after the commit."""
    from django.db import connection, transaction

    from govcenter.cache_versions import Replacement

    def waiting():
        return [
            f
            for _s, f, _r in connection.run_on_commit
            if isinstance(f, Replacement) and f.key == drawn_filters.VERSION_KEY
        ]

    version = drawn_filters._version()
    with transaction.atomic():
        for number in range(3, 8):
            make_grid(world.village2, number)
        during = drawn_filters._version()
    assert during != version
    (replacement,) = waiting()  # the test's own transaction is still open: one, for its commit
    replacement()
    assert drawn_filters._version() not in (version, during)


RESIDENT_URLS = [
    "/grids/residents/",
    "/grids/residents/?q=%E7%8E%8B&gender=F",
    "/grids/residents/?care_tag=elderly-alone",
]


@pytest.mark.parametrize("url", RESIDENT_URLS)
def test_the_residents_kept_form_is_the_form_drawn_afresh(world, login, monkeypatch, url):
    _kept_as_drawn(login, monkeypatch, (world.admin, world.township1_user, world.grid1_user), url)


def test_a_new_care_tag_shows_at_once(world, login):
    from grids.models import CareTag

    client = login(world.township1_user)
    assert "新设关爱标签" not in _form(client, "/grids/residents/")
    CareTag.objects.create(code="new-care", name="新设关爱标签", order=99)
    assert "新设关爱标签" in _form(client, "/grids/residents/")


LOG_URLS = [
    "/logs/all/",
    "/logs/all/?status=open&kind=visit",
    "/logs/all/?q=%E7%8E%8B&page=2",
]


@pytest.mark.parametrize("url", LOG_URLS)
def test_the_logs_kept_form_is_the_form_drawn_afresh(world, login, monkeypatch, url):
    _kept_as_drawn(login, monkeypatch, (world.admin, world.district1, world.village1_user, world.police1), url)


def test_a_grid_worker_renamed_shows_at_once(world, login):
    client = login(world.district1)
    worker = world.grid1_user
    assert worker.display_name in _form(client, "/logs/all/")
    worker.full_name = "改名后的网格员"
    worker.save()
    assert "改名后的网格员" in _form(client, "/logs/all/")


def test_a_login_forgets_no_kept_form(world, client):
    """A login saves the user's last_login alone: nothing a form shows."""
    from django.contrib.auth.models import update_last_login

    version = drawn_filters._version()
    update_last_login(None, world.grid1_user)
    assert drawn_filters._version() == version
    world.grid1_user.role = world.grid1_user.Role.VILLAGE_CLERK
    world.grid1_user.save(update_fields=["role"])
    assert drawn_filters._version() != version


PUBLICITY_URLS = ["/publicity/", "/publicity/assignments/", "/publicity/activities/?form=door_to_door"]


@pytest.mark.parametrize("url", PUBLICITY_URLS)
def test_the_publicity_kept_forms_are_the_forms_drawn_afresh(world, login, monkeypatch, url):
    from tests.publicity.helpers import handed_out

    handed_out(world)
    _kept_as_drawn(login, monkeypatch, (world.admin, world.district1, world.township1_user, world.village1_user), url)


def test_a_campaign_handed_out_shows_at_once(world, login):
    """A hand-out writes its assignments in bulk (no save signal): it forgets the kept forms
    itself, so the grid worker's campaign filter offers the campaign at once."""
    from publicity import services
    from tests.publicity.helpers import at, distributed

    title = "新的宣传活动"
    campaign = distributed(world, title=title)
    client = login(world.grid1_user)
    assert title not in _form(client, "/publicity/activities/")  # not yet theirs: kept so
    services.assignments_hand_out(
        distribution=campaign.distributions.get(village=world.village1),
        actor=world.village1_user,
        at=at(-6),
        grids=[world.grid1],
        due_on=datetime.date(2026, 6, 20),
    )
    assert title in _form(client, "/publicity/activities/")
    # And a campaign distributed (a save of the campaign) shows to the village at once.
    village = login(world.village1_user)
    assert "另一个宣传活动" not in _form(village, "/publicity/assignments/")
    distributed(world, title="另一个宣传活动")
    assert "另一个宣传活动" in _form(village, "/publicity/assignments/")
