"""Transfer to police (移送公安机关): who may transfer in which state, the station's
acknowledgement with its case number, the notifications (once per event), and the outcome
in the ledger list, its filters, the exports and the printed sheet and ledger."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from disputes import services as s
from disputes.models import Dispute, DisputeEvent, PoliceTransfer
from disputes.views import FLOW
from govcenter.models import Notification, User
from govcenter.steps import steps_offered
from tests.factories import make_user

from . import ledger_helpers
from .helpers import T0, at, register
from .ledger_helpers import messages_of, url

pytestmark = pytest.mark.usefixtures("world_for_the_module")

Status = Dispute.Status
Kind = DisputeEvent.Kind

ROLES = [
    "admin", "district1", "township1_user", "township2_user", "village1_user", "village2_user", "village3_user",
    "grid1_user", "grid2_user", "police1", "police3", "aux1", "station1", "station2_user", "dept1",
]  # fmt: skip


class _Rollback(Exception):
    pass


def allowed(world, fn) -> set[str]:
    """The roles for which ``fn(actor)`` succeeds, each attempt rolled back."""
    ok = set()
    for role in ROLES:
        try:
            with transaction.atomic():
                fn(getattr(world, role))
                raise _Rollback
        except s.DisputeError:
            continue
        except _Rollback:
            ok.add(role)
    return ok


def fresh(d: Dispute) -> Dispute:
    return Dispute.objects.get(pk=d.pk)


def transfer(d, actor, station, when=None, reason="双方持械互殴致一人轻伤，涉嫌故意伤害。"):
    return s.dispute_transfer_to_police(dispute=fresh(d), actor=actor, at=when or at(1), station=station, reason=reason)


def acknowledge(d, actor, when=None, number="A3301022026110001", day=None):
    when = when or at(2)
    return s.dispute_acknowledge_transfer(
        dispute=fresh(d), actor=actor, at=when, case_number=number, case_registered_on=day or when.date()
    )


def accepted_case(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(0.1))
    return fresh(d)


# --- the transfer: who, in which state -----------------------------------------------------------


def test_the_level_handling_an_open_case_transfers_it(world):
    d = register(world.grid1_user, grid=world.grid1)
    assert allowed(world, lambda a: transfer(d, a, world.station)) == {"admin", "village1_user"}  # registered
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(0.1))
    assert allowed(world, lambda a: transfer(d, a, world.station)) == {"admin", "village1_user"}  # accepted
    s.dispute_escalate(dispute=fresh(d), actor=world.village1_user, reason="x", at=at(0.2))
    assert allowed(world, lambda a: transfer(d, a, world.station)) == {"admin", "township1_user"}
    s.dispute_escalate(dispute=fresh(d), actor=world.township1_user, reason="x", at=at(0.3))
    assert allowed(world, lambda a: transfer(d, a, world.station)) == {"admin", "district1"}


def test_a_result_awaiting_confirmation_can_be_transferred_by_the_level_holding_it(world):
    d = accepted_case(world)
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="x", at=at(0.2))
    s.dispute_accept(dispute=fresh(d), actor=world.township1_user, at=at(0.3))
    s.dispute_return_feedback(dispute=fresh(d), actor=world.township1_user, at=at(0.4), result="r")
    assert fresh(d).status == Status.AWAITING_CONFIRMATION
    assert allowed(world, lambda a: transfer(d, a, world.station)) == {"admin", "village1_user"}


@pytest.mark.parametrize("closing", ["resolve", "unresolved", "transferred"])
def test_a_closed_case_cannot_be_transferred(world, closing):
    d = accepted_case(world)
    if closing == "resolve":
        s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(0.5), result="settled")
    elif closing == "unresolved":
        s.dispute_close_unresolved(dispute=d, actor=world.village1_user, at=at(0.5), result="r", referral="arbitration")
    else:
        transfer(d, world.village1_user, world.station, when=at(0.5))
    assert allowed(world, lambda a: transfer(d, a, world.station)) == set()
    with pytest.raises(s.DisputeError, match="closed"):
        transfer(d, world.village1_user, world.station)


def test_only_a_station_covering_the_village_takes_it(world):
    d = accepted_case(world)
    with pytest.raises(s.DisputeError, match="covering") as refused:
        transfer(d, world.village1_user, world.station2)  # 石门派出所 covers village3 only
    assert refused.value.field == "station"
    assert fresh(d).status == Status.ACCEPTED and not PoliceTransfer.objects.exists()


def test_a_case_without_a_village_cannot_be_transferred(world):
    d = register(world.township1_user, township=world.township1, source="walk_in")
    with pytest.raises(s.DisputeError, match="village"):
        transfer(d, world.township1_user, world.station)


def test_a_transfer_needs_a_reason(world):
    d = accepted_case(world)
    with pytest.raises(s.DisputeError) as refused:
        transfer(d, world.village1_user, world.station, reason="   ")
    assert refused.value.field == "reason"


def test_the_transfer_closes_the_mediation_side_and_notifies_the_station_once(world):
    make_user("station1b", User.Role.STATION_STAFF, police_station=world.station)
    d = accepted_case(world)
    before = Notification.objects.count()
    t = transfer(d, world.village1_user, world.station, when=at(1))
    d = fresh(d)
    assert (d.status, d.resolved_at, d.result) == (Status.TRANSFERRED_TO_POLICE, at(1), t.reason)
    assert not d.is_open and d.is_overdue(at(100)) is False
    assert (t.station, t.from_level, t.transferred_by, t.case_number) == (
        world.station,
        "village",
        world.village1_user,
        "",
    )
    assert list(d.events.filter(kind=Kind.POLICE_TRANSFER).values_list("status", flat=True)) == [
        Status.TRANSFERRED_TO_POLICE]  # fmt: skip
    sent = list(Notification.objects.order_by("pk")[before:])
    assert sorted(n.recipient.username for n in sent) == ["station1", "station1b"]
    assert all(d.number in n.title and n.url == d.get_absolute_url() for n in sent)
    # Nothing else can happen on the mediation side.
    assert steps_offered(FLOW, world.village1_user, d) == ["attach"]


def test_the_outcome_is_counted_apart_from_resolved_and_not_resolved(world):
    resolved, unresolved, moved = accepted_case(world), accepted_case(world), accepted_case(world)
    s.dispute_resolve(dispute=resolved, actor=world.village1_user, at=at(1), result="ok")
    s.dispute_close_unresolved(
        dispute=unresolved, actor=world.village1_user, at=at(1), result="r", referral="arbitration"
    )
    transfer(moved, world.village1_user, world.station)
    qs = Dispute.objects.all()
    assert list(qs.transferred_to_police()) == [moved]
    assert list(qs.resolved()) == [resolved]
    assert list(qs.not_resolved()) == [unresolved]
    assert list(qs.awaiting_police_acknowledgement()) == [moved]
    acknowledge(moved, world.station1)
    assert not qs.awaiting_police_acknowledgement().exists()
    assert list(qs.transferred_to_police()) == [moved]


# --- the station's acknowledgement ----------------------------------------------------------------


def test_only_the_stations_staff_acknowledge_and_only_once(world):
    d = accepted_case(world)
    assert allowed(world, lambda a: acknowledge(d, a)) == set()  # nothing transferred yet
    transfer(d, world.village1_user, world.station)
    # Not the community police officer of the grid, not the other station, not the centre.
    assert allowed(world, lambda a: acknowledge(d, a)) == {"station1"}
    acknowledge(d, world.station1, number="A330102202611020001")
    assert allowed(world, lambda a: acknowledge(d, a)) == set()
    with pytest.raises(s.DisputeError, match="already"):
        acknowledge(d, world.station1)
    t = PoliceTransfer.objects.get(dispute=d)
    assert (t.case_number, t.case_registered_on, t.acknowledged_by) == (
        "A330102202611020001",
        at(2).date(),
        world.station1,
    )
    assert d.events.filter(kind=Kind.POLICE_ACKNOWLEDGED, note__contains="A330102202611020001").count() == 1


def test_the_acknowledgement_notifies_the_centre_that_transferred_once(world):
    make_user("village1b", User.Role.VILLAGE_CLERK, area=world.village1)
    d = accepted_case(world)
    transfer(d, world.village1_user, world.station)
    before = Notification.objects.count()
    acknowledge(d, world.station1, number="A-77")
    sent = list(Notification.objects.order_by("pk")[before:])
    assert sorted(n.recipient.username for n in sent) == ["village1", "village1b"]
    assert all("A-77" in n.title for n in sent)


@pytest.mark.parametrize(
    ("number", "day", "field"),
    [
        ("  ", None, "case_number"),
        ("A1", at(3).date(), "case_registered_on"),
        ("A1", at(0).date(), "case_registered_on"),
    ],
)
def test_the_case_number_and_a_sane_date_are_required(world, number, day, field):
    d = accepted_case(world)
    transfer(d, world.village1_user, world.station, when=at(1))
    with pytest.raises(s.DisputeError) as refused:
        acknowledge(d, world.station1, when=at(2), number=number, day=day)
    assert refused.value.field == field
    assert not PoliceTransfer.objects.get(dispute=d).is_acknowledged


# --- pages ---------------------------------------------------------------------------------------


def page_case(world):
    d = ledger_helpers.register(world.grid1_user, grid=world.grid1, summary="持械斗殴")
    s.dispute_accept(dispute=d, actor=world.village1_user, at=timezone.now())
    return fresh(d)


def test_the_centre_transfers_from_the_detail_page(world, login):
    d = page_case(world)
    client = login(world.village1_user)
    html = client.get(url("detail", d.pk)).content.decode()
    assert url("transfer", d.pk) in html and "桃源派出所" in html
    response = client.post(url("transfer", d.pk), {"station": world.station.pk, "reason": "涉嫌故意伤害"}, follow=True)
    assert fresh(d).status == Status.TRANSFERRED_TO_POLICE
    assert any("桃源派出所" in m for m in messages_of(response))
    html = response.content.decode()
    assert 'id="police-transfer"' in html and "涉嫌故意伤害" in html


def test_a_transfer_without_a_reason_keeps_the_form_and_changes_nothing(world, login):
    d = page_case(world)
    response = login(world.village1_user).post(url("transfer", d.pk), {"station": world.station.pk, "reason": ""})
    assert response.status_code == 200
    assert response.context["actions"] and "reason" in next(
        a.form.errors for a in response.context["actions"] if a.name == "transfer")  # fmt: skip
    assert fresh(d).status == Status.ACCEPTED


def test_the_station_acknowledges_from_the_detail_page(world, login):
    d = page_case(world)
    transfer(d, world.village1_user, world.station, when=timezone.now())
    client = login(world.station1)
    html = client.get(url("detail", d.pk)).content.decode()
    assert url("acknowledge", d.pk) in html
    today = timezone.localdate().isoformat()
    client.post(url("acknowledge", d.pk), {"case_number": "A330102-9", "case_registered_on": today})
    assert PoliceTransfer.objects.get(dispute=d).case_number == "A330102-9"
    html = client.get(url("detail", d.pk)).content.decode()
    assert "A330102-9" in html and url("acknowledge", d.pk) not in html


def test_community_police_cannot_acknowledge_and_are_told_why(world, login):
    d = page_case(world)
    transfer(d, world.village1_user, world.station, when=timezone.now())
    today = timezone.localdate().isoformat()
    response = login(world.police1).post(
        url("acknowledge", d.pk), {"case_number": "X", "case_registered_on": today}, follow=True
    )
    assert response.status_code == 200 and any("桃源派出所" in m for m in messages_of(response))
    assert not PoliceTransfer.objects.get(dispute=d).is_acknowledged


@pytest.mark.parametrize("outsider", ["village2_user", "station2_user", "police3", "township2_user"])
def test_outsiders_get_404_on_both_steps(world, login, outsider):
    d = page_case(world)
    client = login(getattr(world, outsider))
    assert client.post(url("transfer", d.pk), {"station": world.station.pk, "reason": "x"}).status_code == 404
    transfer(d, world.village1_user, world.station, when=timezone.now())
    today = timezone.localdate().isoformat()
    response = client.post(url("acknowledge", d.pk), {"case_number": "X", "case_registered_on": today})
    assert response.status_code == 404
    assert not PoliceTransfer.objects.get(dispute=d).is_acknowledged


def test_anonymous_users_go_to_login(world, client):
    d = page_case(world)
    for name in ("transfer", "acknowledge"):
        response = client.post(url(name, d.pk), {})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- ledger list, filters, exports, print -------------------------------------------------------


@pytest.fixture
def two_transfers(world):
    """One transfer acknowledged with its case number, one awaiting it, and an open case."""
    done, waiting, open_case = page_case(world), page_case(world), page_case(world)
    now = timezone.now()
    transfer(done, world.village1_user, world.station, when=now)
    acknowledge(done, world.station1, when=now, number="A330102-DONE", day=timezone.localdate())
    transfer(waiting, world.village1_user, world.station, when=now)
    return {"done": fresh(done), "waiting": fresh(waiting), "open": open_case}


def _pks(response) -> set[int]:
    return {d.pk for d in response.context["page"].object_list}


def test_the_ledger_list_shows_and_filters_the_transfers(world, login, two_transfers):
    client = login(world.village1_user)
    done, waiting = two_transfers["done"], two_transfers["waiting"]
    response = client.get(url("list") + "?status=transferred_to_police")
    assert _pks(response) == {done.pk, waiting.pk}
    html = response.content.decode()
    assert "A330102-DONE" in html and html.count('data-note="police-transfer"') == 2
    assert _pks(client.get(url("list") + "?police_transfer=awaiting")) == {waiting.pk}
    assert _pks(client.get(url("list") + "?police_transfer=acknowledged")) == {done.pk}
    assert two_transfers["open"].pk not in _pks(client.get(url("list") + "?police_transfer=any"))
    # Station staff see the one waiting for them.
    assert _pks(login(world.station1).get(url("list") + "?police_transfer=awaiting")) == {waiting.pk}


def test_the_exports_and_printed_ledger_show_the_transfer(world, login, two_transfers):
    client = login(world.village1_user)
    done, waiting = two_transfers["done"], two_transfers["waiting"]
    query = "?status=transferred_to_police"
    rows = list(csv.reader(io.StringIO(client.get(url("export_csv") + query).getvalue().decode("utf-8-sig"))))
    column = rows[0].index("Transferred to police")
    by_number = {r[0]: r for r in rows[1:]}
    assert set(by_number) == {done.number, waiting.number}
    assert "桃源派出所" in by_number[done.number][column] and "A330102-DONE" in by_number[done.number][column]
    assert "awaiting the station's case number" in by_number[waiting.number][column]
    assert by_number[done.number][rows[0].index("Status")] == "Transferred to police"
    sheet = load_workbook(io.BytesIO(client.get(url("export_xlsx") + query).getvalue())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("A330102-DONE" in (v or "") for row in values for v in row if isinstance(v, str))
    html = client.get(url("print_ledger") + query).content.decode()
    assert "A330102-DONE" in html and html.count("桃源派出所") >= 2


def test_the_printed_sheet_shows_the_transfer_and_the_case_number(world, login, two_transfers):
    html = login(world.station1).get(url("print", two_transfers["done"].pk)).content.decode()
    assert "Transferred to police" in html and "A330102-DONE" in html and "桃源派出所" in html
    html = login(world.station1).get(url("print", two_transfers["waiting"].pk)).content.decode()
    assert "awaiting the station&#x27;s case number" in html or "awaiting the station's case number" in html


def test_transfer_dates_are_local(world):
    d = accepted_case(world)
    late = datetime.datetime(2026, 11, 2, 23, 30, tzinfo=T0.tzinfo)
    transfer(d, world.village1_user, world.station, when=late)
    with pytest.raises(s.DisputeError, match="before the transfer"):
        acknowledge(d, world.station1, when=late + datetime.timedelta(hours=1), day=datetime.date(2026, 11, 1))


def _table_queries(client, path, table):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response, sum(f'FROM "{table}"' in q["sql"] for q in queries)


def test_the_ledger_reads_transfers_only_for_the_rows_that_name_one(world, login, two_transfers):
    """``with_closing_records``: one query for the page's transfers when a row names one (not
    one per row), none when no row does."""
    client = login(world.village1_user)
    response, reads = _table_queries(client, url("list") + "?status=transferred_to_police", "disputes_policetransfer")
    assert reads == 1 and response.content.decode().count('data-note="police-transfer"') == 2
    for table in ("disputes_policetransfer", "disputes_courtreferral"):
        response, reads = _table_queries(client, url("list") + "?status=accepted", table)
        assert [d.pk for d in response.context["page"].object_list] == [two_transfers["open"].pk]
        assert reads == 0
