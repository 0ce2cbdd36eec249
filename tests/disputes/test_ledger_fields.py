"""The ledger's list reads only the columns its rows show (``disputes.selectors.list_rows``).

A field the rows read but the list did not fetch would cost one query per row, silently:
Django loads a deferred field on first access. So rows of every kind the ledger tells apart
are drawn with deferred loads forbidden, and the same rows drawn from every column
(``ledger_rows``) must give the same HTML."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Model
from django.utils import timezone, translation

from disputes.models import CourtReferral, Dispute, PoliceTransfer
from disputes.rows_html import ledger_rows_html
from disputes.selectors import disputes_visible_to, ledger_rows, list_rows, with_list_records
from govcenter.urgent import UrgentReason

from .ledger_helpers import register, url

pytestmark = pytest.mark.usefixtures("world_for_the_module")


@pytest.fixture
def every_kind(world):
    """One case for each mark a row can carry: urgent, supervised, linked to the police, at
    each level, with a department and a handler, overdue, each feedback state, and closed by
    a transfer to the police or a referral to court (with and without their outcome)."""
    w = world
    now = timezone.now()
    past = now - datetime.timedelta(days=3)
    S = Dispute.Status
    kinds = {
        "urgent": {"urgent_reason": UrgentReason.DANGER_TO_LIFE, "urgent_at": past},
        "supervised": {"supervised_at": past, "risk_level": "major", "risk_criminal": True},
        "linkage": {"police_station": w.station, "risk_mass_incident": True, "vulnerable_party": True},
        "township": {"level": "township", "township": w.township1, "handler": w.township1_user},
        "department": {"department": w.department, "handler": w.dept1, "status": S.ACCEPTED},
        "overdue": {"status": S.ACCEPTED, "due_at": past},
        "awaiting_parties": {"status": S.RESOLVED, "result_returned_at": past},
        "unsatisfied": {"status": S.IN_MEDIATION, "satisfaction": "unsatisfied"},
        "satisfied": {"status": S.RESOLVED, "satisfaction": "satisfied"},
        "transferred": {"status": S.TRANSFERRED_TO_POLICE},
        "transferred_numbered": {"status": S.TRANSFERRED_TO_POLICE},
        "to_court": {"status": S.NOT_RESOLVED, "referral": Dispute.Referral.LITIGATION},
        "to_court_decided": {"status": S.NOT_RESOLVED, "referral": Dispute.Referral.LITIGATION},
    }
    made = {}
    for name, fields in kinds.items():
        dispute = register(w.grid1_user, grid=w.grid1, summary=f"各类标记 {name} " + "很长的摘要" * 15)
        Dispute.objects.filter(pk=dispute.pk).update(**fields)
        made[name] = dispute
    for name, number in (("transferred", ""), ("transferred_numbered", "A330102-7")):
        PoliceTransfer.objects.create(
            dispute=made[name],
            station=w.station,
            reason="涉嫌违法",
            from_level="village",
            transferred_by=w.village1_user,
            transferred_at=past,
            case_number=number,
        )
    for name, outcome in (("to_court", ""), ("to_court_decided", "judgment")):
        CourtReferral.objects.create(
            dispute=made[name], court="西湖区人民法院", referred_on=past.date(), outcome=outcome
        )
    return made


def _no_deferred_loads(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError(f"{type(self).__name__} loaded a deferred field {kwargs.get('fields') or args}")

    monkeypatch.setattr(Model, "refresh_from_db", refuse)


def _rows_html(rows, *, lean: bool) -> str:
    rows = list(rows)
    if lean:
        with_list_records(rows)
    else:  # the parties as the ORM reads them (ledger_rows prefetches them in the ledger's order)
        for dispute in rows:
            dispute.party_names = [party.name for party in dispute.parties.all()]
    now = timezone.now()
    for dispute in rows:
        dispute.overdue = dispute.is_overdue(now)
    with translation.override("zh-hans"):
        return str(ledger_rows_html(rows))


def test_the_ledger_page_reads_no_column_it_did_not_fetch(world, login, every_kind, monkeypatch):
    client = login(world.district1)
    _no_deferred_loads(monkeypatch)
    html = client.get(url("list")).content.decode()
    for dispute in every_kind.values():
        assert dispute.number in html
    # Each mark is on the page (so the fields behind it were read).
    for mark in ("urgent-badge", 'data-note="police-transfer"', 'data-note="court-referral"', "A330102-7"):
        assert mark in html


def test_the_lean_rows_draw_the_same_html_as_every_column(world, every_kind, monkeypatch):
    pks = [d.pk for d in every_kind.values()]
    everything = ledger_rows(disputes_visible_to(world.district1).filter(pk__in=pks))
    lean = list_rows(disputes_visible_to(world.district1).filter(pk__in=pks))
    full_html = _rows_html(everything.order_by("pk"), lean=False)
    _no_deferred_loads(monkeypatch)
    lean_html = _rows_html(lean.order_by("pk"), lean=True)
    assert lean_html == full_html
    assert lean_html.count("<tr>") == len(pks)
