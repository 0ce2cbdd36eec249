"""The nightly sweep raises its findings in batches (issue 15: the first sweep over a
province raised 5,243 warnings at about 20 ms each): ``warnings_raise_many`` gives each
warning what ``warning_raise`` gives it, in a number of queries that does not grow with the
batch, and falls back to one by one when another worker raised one meanwhile."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from analysis import warning_services
from analysis.models import Warning, WarningCase, WarningRule
from analysis.warning_services import warning_raise, warnings_raise_many, warnings_sweep
from analysis.warnings import Finding
from govcenter.models import Notification
from tests.analysis.warning_helpers import T0, case, rule

K = WarningRule.Kind


def _findings(world, n: int, r: WarningRule) -> list[Finding]:
    """``n`` findings of ``r``, each behind its own case, spread over the three villages."""
    villages = [world.village1, world.village2, world.village3]
    out = []
    for i in range(n):
        d = case(world, village=villages[i % 3], respondent=f"企业{i}")
        out.append(Finding(r, f"org:{i}", f"企业{i}", [d.pk], measure=3, threshold=3, window_days=180))
    return out


def _state() -> dict:
    """Per subject: the warning's columns, its cases, its events and who was told."""
    out = {}
    for w in Warning.objects.select_related("rule"):
        out[w.subject_key] = {
            "columns": (
                w.rule.kind,
                w.subject_label,
                w.measure,
                w.threshold_used,
                w.window_used,
                w.raised_at,
                w.due_at,
            ),
            "place": (w.district_id, w.township_id, w.village_id, w.level, w.status),
            "urgent": (w.urgent_reason, w.urgent_at),
            "cases": sorted(WarningCase.objects.filter(warning=w).values_list("dispute_id", flat=True)),
            "events": sorted(w.events.values_list("kind", "note")),
            "told": sorted(
                Notification.objects.filter(url=w.get_absolute_url()).values_list(
                    "recipient__username", "title", "body", "urgent"
                )
            ),
        }
    return out


def _run(raise_them) -> dict:
    """The state after ``raise_them()``, rolled back afterwards."""
    with transaction.atomic():
        raise_them()
        state = _state()
        transaction.set_rollback(True)
    return state


@pytest.mark.parametrize("urgent", [False, True])
def test_a_batch_gives_each_warning_what_one_raise_gives_it(world, urgent):
    r = rule(K.REPEAT_RESPONDENT, urgent=urgent)
    findings = _findings(world, 6, r)
    together = _run(lambda: warnings_raise_many(findings, at=T0))
    one_by_one = _run(lambda: [warning_raise(finding=f, at=T0) for f in findings])
    assert together == one_by_one
    assert len(together) == 6
    # Told: the district, the township, and the station of villages 1 and 2 (village 3's is station2).
    told = {name for state in together.values() for name, _t, _b, _u in state["told"]}
    assert {"district1", "township1", "township2", "station1", "station2"} <= told
    if urgent:  # marked urgent as it is raised, and the village centres alarmed
        assert all(state["urgent"][1] == T0 for state in together.values())
        assert "village1" in told
        assert all(u for state in together.values() for *_rest, u in state["told"])


def test_the_queries_do_not_grow_with_the_batch(world):
    r = rule(K.REPEAT_RESPONDENT, urgent=False)
    findings = _findings(world, 30, r)

    def queries(batch):
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            assert len(warnings_raise_many(batch, at=T0)) == len(batch)
            transaction.set_rollback(True)
        return len(captured.captured_queries)

    assert queries(findings[:3]) == queries(findings)


def test_open_warnings_are_extended_and_closed_cases_not_raised_again(world):
    r = rule(K.REPEAT_RESPONDENT, urgent=False)
    a, b, c = _findings(world, 3, r)
    first, _ids, _new = warning_raise(finding=a, at=T0)
    closed, _ids, _new = warning_raise(finding=b, at=T0)
    Warning.objects.filter(pk=closed.pk).update(status=Warning.Status.CLOSED)
    extra = case(world, respondent="企业0")
    grown = Finding(r, a.subject_key, a.subject_label, [*a.dispute_ids, extra.pk], measure=4, threshold=3)
    done = warnings_raise_many([grown, b, c], at=T0)
    assert sorted((w.subject_key, new) for w, new in done) == [(a.subject_key, False), (c.subject_key, True)]
    assert set(WarningCase.objects.filter(warning=first).values_list("dispute_id", flat=True)) == {
        *a.dispute_ids,
        extra.pk,
    }
    assert Warning.objects.filter(subject_key=b.subject_key).count() == 1  # only the closed one


def test_a_subject_twice_in_one_batch_makes_one_warning(world):
    r = rule(K.REPEAT_RESPONDENT, urgent=False)
    (a,) = _findings(world, 1, r)
    warnings_raise_many([a, a], at=T0)
    assert Warning.objects.filter(subject_key=a.subject_key).count() == 1


def test_another_worker_raising_one_meanwhile_falls_back_to_one_by_one(world, monkeypatch):
    """The other worker's warning appears between the read of the open ones and the INSERT:
    the partial unique constraint refuses the batch, and each finding is raised by itself."""
    r = rule(K.REPEAT_RESPONDENT, urgent=False)
    findings = _findings(world, 4, r)
    real = Warning.objects.bulk_create

    def other_worker_first(objs, *args, **kwargs):
        monkeypatch.setattr(Warning.objects, "bulk_create", real)
        warning_raise(finding=findings[0], at=T0)
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(Warning.objects, "bulk_create", other_worker_first)
    done = warnings_raise_many(findings, at=T0)
    assert Warning.objects.bulk_create == real  # the batch's INSERT was tried, and refused
    # (Here the "other worker" wrote in this test's transaction, which the refusal rolled
    # back with the batch; a real one has committed, and its warning would be extended.)
    assert sorted(w.subject_key for w, _new in done) == sorted(f.subject_key for f in findings)
    for f in findings:
        assert Warning.objects.filter(subject_key=f.subject_key).count() == 1
        assert WarningCase.objects.filter(warning__subject_key=f.subject_key).count() == 1


def test_the_sweep_raises_in_batches(world, monkeypatch):
    r = rule(K.REPEAT_RESPONDENT, urgent=False, threshold=2, window_days=365)
    for i in range(3):
        case(world, respondent=f"公司{i}", when=T0)
        case(world, respondent=f"公司{i}", when=T0)
    Warning.objects.all().delete()
    calls = []
    real = warning_services.warnings_raise_many

    def counting(findings, *, at):
        calls.append(len(findings))
        return real(findings, at=at)

    monkeypatch.setattr(warning_services, "warnings_raise_many", counting)
    counts = warnings_sweep(at=T0, kinds=[r.kind], batch=2)
    assert counts["raised"] == 3 == Warning.objects.filter(rule=r).count()
    assert calls == [2, 1]


@pytest.mark.parametrize("chunk", [1, 2, 500])
def test_the_sweep_finds_in_chunks_what_each_subject_finds_alone(world, monkeypatch, chunk):
    """The sweep reads the cases and labels of many subjects at once (two queries a chunk);
    its findings equal those of ``_party_finding`` and ``_cluster_finding``, subject by subject."""
    from analysis import warnings as w_rules
    from disputes.models import Party

    monkeypatch.setattr(w_rules, "SWEEP_CHUNK", chunk)
    respondent = rule(K.REPEAT_RESPONDENT, threshold=2, window_days=365)
    cluster = rule(K.CATEGORY_CLUSTER, threshold=2, window_days=365)
    for i in range(3):
        for village in (world.village1, world.village2)[: i + 1]:
            case(world, respondent=f"公司{i}", village=village, category="land_boundary")
    case(world, respondent="公司9", village=world.village3, category="marriage_family")  # one: below both thresholds
    swept = {
        (f.rule.kind, f.subject_key): f
        for f in w_rules.sweep_findings(T0, kinds=[K.REPEAT_RESPONDENT, K.CATEGORY_CLUSTER])
    }
    alone = {}
    for key in Party.objects.filter(role="respondent").exclude(match_key="").values_list("match_key", flat=True):
        found = w_rules._party_finding(respondent, T0, key, "respondent", w_rules.Q())
        if found is not None:
            alone[found.rule.kind, found.subject_key] = found
    for village in (world.village1, world.village2, world.village3):
        for category in ("land_boundary", "marriage_family"):
            found = w_rules._cluster_finding(cluster, T0, village.pk, category)
            if found is not None:
                alone[found.rule.kind, found.subject_key] = found
    assert swept == alone
    assert {kind for kind, _key in swept} == {K.REPEAT_RESPONDENT, K.CATEGORY_CLUSTER}
