"""The told-the-parties step and the returned result over HTTP: who may post it (404
outside the jurisdiction, login for anonymous), bad input, and where the satisfaction shows
(detail page, printed sheet, exports, the ledger's "result returned" filter)."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from disputes import services
from disputes.models import Dispute, DisputeEvent

from .ledger_helpers import messages_of, register, url

pytestmark = pytest.mark.usefixtures("world_for_the_module")

Status = Dispute.Status


@pytest.fixture
def returned(world):
    """A grid1 case resolved at the township: its result is back at village1 and grid1."""
    d = register(world.grid1_user, grid=world.grid1)
    services.dispute_escalate(dispute=d, actor=world.village1_user, reason="上报", at=timezone.now())
    services.dispute_accept(dispute=d, actor=world.township1_user, at=timezone.now())
    services.dispute_resolve(dispute=d, actor=world.township1_user, at=timezone.now(), result="镇里调处成功")
    return d


TOLD = {"how": "visit", "satisfaction": "basically", "note": "双方基本认可"}


def test_the_grid_worker_records_that_the_parties_were_told(world, login, returned):
    client = login(world.grid1_user)
    assert "told" in {a.name for a in client.get(url("detail", returned.pk)).context["actions"]}
    response = client.post(url("parties_told", returned.pk), TOLD, follow=True)
    assert "Recorded that the parties were told." in messages_of(response)
    returned.refresh_from_db()
    assert (returned.satisfaction, returned.parties_told_how, returned.parties_told_by) == (
        "basically",
        "visit",
        world.grid1_user,
    )
    page = response.content.decode()
    assert 'id="parties-told"' in page and "Basically satisfied" in page


def test_unsatisfied_over_http_sends_it_back_and_says_where(world, login, returned):
    client = login(world.village1_user)
    response = client.post(url("parties_told", returned.pk), {**TOLD, "satisfaction": "unsatisfied"}, follow=True)
    assert "The parties are unsatisfied: it is back with the Township for review." in messages_of(response)
    returned.refresh_from_db()
    assert (returned.level, returned.status) == ("township", Status.ACCEPTED)
    assert "Parties unsatisfied: back for review" in response.content.decode()


@pytest.mark.parametrize("outsider", ["village2_user", "grid2_user", "township2_user", "dept1"])
def test_outsiders_get_404_and_change_nothing(world, login, returned, outsider):
    response = login(getattr(world, outsider)).post(url("parties_told", returned.pk), TOLD)
    assert response.status_code == 404
    returned.refresh_from_db()
    assert returned.awaiting_parties


def test_anonymous_goes_to_login(client, returned):
    response = client.post(url("parties_told", returned.pk), TOLD)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_insiders_who_are_not_the_origin_are_refused_with_the_reason(world, login, returned):
    response = login(world.township1_user).post(url("parties_told", returned.pk), TOLD, follow=True)
    assert messages_of(response) == [
        "Only the Village centre where it was registered, or its grid worker, tells the parties."
    ]
    returned.refresh_from_db()
    assert returned.awaiting_parties


def test_a_missing_choice_redraws_the_form_and_keeps_the_note(world, login, returned):
    response = login(world.grid1_user).post(url("parties_told", returned.pk), {**TOLD, "satisfaction": ""})
    assert response.status_code == 200
    assert "双方基本认可" in response.content.decode()
    returned.refresh_from_db()
    assert returned.awaiting_parties and returned.events.last().kind == DisputeEvent.Kind.RESOLVED


def test_the_ledger_filter_lists_results_awaiting_the_parties_and_those_sent_back(world, login, returned):
    other = register(world.grid1_user, grid=world.grid1, summary="另一起纠纷")
    client = login(world.village1_user)
    listed = client.get(url("list"), {"feedback": "returned"}).content.decode()
    assert returned.number in listed and other.number not in listed
    assert "Result returned: tell the parties" in listed
    services.dispute_tell_parties(
        dispute=returned, actor=world.grid1_user, at=timezone.now(), how="phone", satisfaction="unsatisfied"
    )
    assert returned.number not in client.get(url("list"), {"feedback": "returned"}).content.decode()
    assert returned.number in client.get(url("list"), {"feedback": "review"}).content.decode()


def test_the_printed_sheet_and_the_export_show_the_satisfaction(world, login, returned):
    client = login(world.village1_user)
    assert "Result returned, parties not yet told" in client.get(url("print", returned.pk)).content.decode()
    services.dispute_tell_parties(
        dispute=returned, actor=world.grid1_user, at=timezone.now(), how="phone", satisfaction="satisfied"
    )
    sheet = client.get(url("print", returned.pk)).content.decode()
    assert "By phone · Satisfied" in sheet
    response = client.get(url("export_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    column = rows[0].index("Parties told / satisfaction")
    row = next(r for r in rows if r[0] == returned.number)
    assert row[column] == "By phone · Satisfied"
