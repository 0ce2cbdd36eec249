"""Linked cases (关联) and merged cases (并案): the services and their rules."""

from __future__ import annotations

import datetime

import pytest

from analysis.figures import Period, counts
from disputes import rules
from disputes import services as s
from disputes.models import Dispute, DisputeEvent, DisputeLinkGroup, Level

from .helpers import T0, at, register

pytestmark = pytest.mark.usefixtures("world_for_the_module")

Status = Dispute.Status
Kind = DisputeEvent.Kind


def fresh(d: Dispute) -> Dispute:
    return Dispute.objects.get(pk=d.pk)


def kinds(d: Dispute) -> list[str]:
    return list(d.events.order_by("at", "pk").values_list("kind", flat=True))


def three(world, **kwargs) -> list[Dispute]:
    """Three cases at township level of T1 (two villages), which township1 handles."""
    return [
        register(world.township1_user, township=world.township1, village=v, **kwargs)
        for v in (world.village1, world.village2, world.village1)
    ]


def test_link_is_transitive_one_group(world):
    a, b, c = three(world)
    s.disputes_link(disputes=[a, b], actor=world.township1_user, at=at(1))
    group = s.disputes_link(disputes=[b, c], actor=world.township1_user, at=at(1, 1))
    assert {fresh(d).link_group_id for d in (a, b, c)} == {group.pk}
    assert DisputeLinkGroup.objects.count() == 1
    # each saw its linked cases grow: a twice (b, then c), b twice, c once
    assert kinds(a).count(Kind.LINKED) == 2
    assert kinds(b).count(Kind.LINKED) == 2
    assert kinds(c).count(Kind.LINKED) == 1
    assert c.number in fresh(a).events.filter(kind=Kind.LINKED).last().note


def test_linking_members_of_two_groups_joins_them(world):
    a, b, c = three(world)
    d = register(world.township1_user, township=world.township1, village=world.village2)
    s.disputes_link(disputes=[a, b], actor=world.township1_user, at=at(1))
    s.disputes_link(disputes=[c, d], actor=world.township1_user, at=at(1))
    group = s.disputes_link(disputes=[a, d], actor=world.township1_user, at=at(2))
    assert {fresh(x).link_group_id for x in (a, b, c, d)} == {group.pk}
    assert DisputeLinkGroup.objects.count() == 1


def test_linking_needs_two_and_refuses_already_linked(world):
    a, b, _c = three(world)
    with pytest.raises(s.DisputeError):
        s.disputes_link(disputes=[a], actor=world.township1_user)
    s.disputes_link(disputes=[a, b], actor=world.township1_user)
    with pytest.raises(s.DisputeError, match="already linked"):
        s.disputes_link(disputes=[b, a], actor=world.township1_user)


def test_a_village_clerk_cannot_link_another_villages_case(world):
    mine = register(world.village1_user, village=world.village1)
    theirs = register(world.village2_user, village=world.village2)
    with pytest.raises(s.DisputeError):
        s.disputes_link(disputes=[mine, theirs], actor=world.village1_user)
    assert fresh(mine).link_group_id is None and fresh(theirs).link_group_id is None


def test_the_district_links_cases_of_several_villages(world):
    a = register(world.village1_user, village=world.village1)
    b = register(world.village3_user, village=world.village3)
    s.disputes_link(disputes=[a, b], actor=world.district1)
    assert fresh(a).link_group_id == fresh(b).link_group_id is not None


def test_unlink_removes_one_case_and_dissolves_a_pair(world):
    a, b, c = three(world)
    s.disputes_link(disputes=[a, b, c], actor=world.township1_user)
    s.dispute_unlink(dispute=a, actor=world.township1_user, note="不相关")
    assert fresh(a).link_group_id is None
    assert fresh(b).link_group_id == fresh(c).link_group_id is not None
    assert Kind.UNLINKED in kinds(a) and Kind.UNLINKED in kinds(b)
    s.dispute_unlink(dispute=b, actor=world.township1_user)
    assert fresh(c).link_group_id is None
    assert DisputeLinkGroup.objects.count() == 0


def merged_three(world) -> list[Dispute]:
    lead, b, c = three(world)
    s.disputes_link(disputes=[lead, b, c], actor=world.township1_user, at=at(0, 1))
    s.disputes_merge(lead=lead, others=[b, c], actor=world.township1_user, at=at(0, 2), note="同一欠薪主体")
    return [fresh(lead), fresh(b), fresh(c)]


def test_merge_makes_the_others_follow_the_lead(world):
    lead, b, c = merged_three(world)
    assert b.merged_into_id == c.merged_into_id == lead.pk
    assert b.due_at is None and lead.due_at is not None  # the lead carries the deadline
    assert Kind.MERGED in kinds(b) and Kind.MERGED_LEAD in kinds(lead)
    assert b.number in lead.events.get(kind=Kind.MERGED_LEAD).note


def test_the_leads_steps_apply_to_all_merged_cases(world):
    lead, b, c = merged_three(world)
    t = world.township1_user
    s.dispute_accept(dispute=lead, actor=t, at=at(1))
    assert {fresh(x).status for x in (b, c)} == {Status.ACCEPTED}
    s.dispute_escalate(dispute=fresh(lead), actor=t, reason="涉及人数多", at=at(2))
    assert {fresh(x).level for x in (lead, b, c)} == {Level.DISTRICT}
    s.dispute_accept(dispute=fresh(lead), actor=world.district1, at=at(3))
    s.dispute_resolve(dispute=fresh(lead), actor=world.district1, at=at(4), result="达成还款协议")
    for x in (b, c):
        x = fresh(x)
        assert (x.status, x.level, x.result, x.resolved_at) == (Status.RESOLVED, Level.DISTRICT, "达成还款协议", at(4))
        with_lead = x.events.filter(kind=Kind.WITH_LEAD)
        # accepted, escalated, accepted, resolved: one event per change of the lead's state
        assert with_lead.count() == 4
        assert all(lead.number in e.note for e in with_lead)
    # the lead's own follow-up visits only; the merged ones are closed with it
    assert fresh(lead).follow_ups.exists() and not fresh(b).follow_ups.exists()


def test_a_step_that_changes_nothing_shared_writes_nothing_on_merged_cases(world):
    lead, b, _c = merged_three(world)
    before = fresh(b).events.count()
    s.dispute_mark_urgent(dispute=lead, actor=world.township1_user, at=at(1), urgent_reason="mass_incident")
    assert fresh(b).events.count() == before


def test_a_merged_case_takes_no_step_but_unmerge(world):
    lead, b, _c = merged_three(world)
    t = world.township1_user
    assert not rules.can_accept(t, b)
    assert "merged into" in rules.can_accept(t, b).reason
    assert not rules.can_escalate(t, b) and not rules.can_supervise(world.district1, b)
    assert rules.can_unmerge(t, b)
    with pytest.raises(s.DisputeError, match=lead.number):
        s.dispute_accept(dispute=b, actor=t, at=at(1))
    with pytest.raises(s.DisputeError):
        s.dispute_supervise_by(dispute=b, actor=world.district1, at=at(1), due_on=at(5).date(), note="督办")


def test_unmerge_keeps_history_and_continues_from_the_leads_state(world):
    lead, b, c = merged_three(world)
    t = world.township1_user
    s.dispute_accept(dispute=lead, actor=t, at=at(1))
    history = kinds(b)
    s.dispute_unmerge(dispute=b, actor=t, at=at(2), note="分别处理")
    b = fresh(b)
    assert b.merged_into_id is None
    assert kinds(b) == [*history, Kind.UNMERGED]  # every earlier event stays
    assert (b.status, b.level, b.due_at) == (Status.ACCEPTED, fresh(lead).level, fresh(lead).due_at)
    # on its own now: the lead's later steps leave it alone, and it takes its own
    s.dispute_resolve(dispute=fresh(lead), actor=t, at=at(3), result="调解成功")
    assert fresh(b).status == Status.ACCEPTED and fresh(c).status == Status.RESOLVED
    s.dispute_resolve(dispute=b, actor=t, at=at(4), result="另行调解成功")
    assert fresh(b).result == "另行调解成功"


def test_merge_requires_linked_open_cases_the_user_handles(world):
    lead, b, c = three(world)
    t = world.township1_user
    with pytest.raises(s.DisputeError, match="link"):
        s.disputes_merge(lead=lead, others=[b], actor=t)
    s.disputes_link(disputes=[lead, b], actor=t)
    with pytest.raises(s.DisputeError, match="not linked"):
        s.disputes_merge(lead=lead, others=[c], actor=t)
    # a village clerk does not handle township-level cases
    with pytest.raises(s.DisputeError):
        s.disputes_merge(lead=lead, others=[b], actor=world.village1_user)
    s.dispute_accept(dispute=b, actor=t, at=at(1))
    s.dispute_resolve(dispute=b, actor=t, at=at(2), result="已化解")
    with pytest.raises(s.DisputeError, match="closed"):
        s.disputes_merge(lead=lead, others=[b], actor=t)
    assert fresh(b).merged_into_id is None


def test_a_lead_is_not_merged_and_cannot_be_unlinked(world):
    lead, b, c = merged_three(world)
    t = world.township1_user
    with pytest.raises(s.DisputeError):
        s.disputes_merge(lead=b, others=[lead], actor=t)
    with pytest.raises(s.DisputeError, match="unmerge"):
        s.dispute_unlink(dispute=lead, actor=t)


def test_statistics_count_each_merged_dispute_once(world):
    lead, b, c = merged_three(world)
    t = world.township1_user
    s.dispute_accept(dispute=lead, actor=t, at=at(1))
    s.dispute_resolve(dispute=fresh(lead), actor=t, at=at(2), result="调解成功")
    cases = Dispute.objects.filter(pk__in=[lead.pk, b.pk, c.pk])
    period = Period.of_dates(T0.date(), T0.date() + datetime.timedelta(days=30))
    figures = counts(cases, period, now=at(3))
    # recounted by hand over the rows: three disputes, each resolved in the period
    rows = list(cases)
    assert figures["registered"] == sum(period.start <= r.registered_at < period.end for r in rows) == 3
    assert (
        figures["resolved"]
        == sum(r.status == Status.RESOLVED and period.start <= r.resolved_at < period.end for r in rows)
        == 3
    )


def test_a_lead_step_keeps_the_tallies_of_its_merged_cases_equal_to_a_recount(world):
    """The merged cases are written by a queryset UPDATE (no post_save): the tallies follow
    through the kernel's rows_updated signal."""
    from analysis.models import DisputeTally
    from analysis.tallies import tally_rebuild

    lead, b, c = merged_three(world)
    t = world.township1_user
    s.dispute_accept(dispute=lead, actor=t, at=at(1))
    s.dispute_resolve(dispute=fresh(lead), actor=t, at=at(2), result="调解成功")
    assert DisputeTally.objects.filter(dimension="all").values_list("resolved", flat=True).first() == 3
    incremental = sorted(DisputeTally.objects.values_list("month", "dimension", "value", "resolved", "closed"))
    tally_rebuild()
    assert sorted(DisputeTally.objects.values_list("month", "dimension", "value", "resolved", "closed")) == incremental
