"""The overdue sweep of reported logs and agency matters under two workers at once
(PostgreSQL): each item moves or is supervised once. Apart from test_time_limits.py, whose
module-wide world does not mix with ``transaction=True`` tests."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections

from govcenter.models import Supervision
from govcenter.sweep import sweep_kind
from sentiment.models import Level, Log, LogEvent

from .helpers import T0, TZ, file_log, reported

Kind = LogEvent.Kind


def _two_workers(code: str, later: datetime.datetime) -> list[dict]:
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(sweep_kind(code, at=later, batch=7))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_logs_at_once_report_each_up_once():
    from tests.factories import build_world

    w = build_world()
    logs = [reported(w, when=T0 + datetime.timedelta(minutes=i)) for i in range(30)]
    later = max(log.due_at for log in logs) + datetime.timedelta(minutes=1)
    results = _two_workers("sentiment-log", later)
    assert sum(r["escalated"] for r in results) == 30
    for log in logs:
        assert LogEvent.objects.filter(log=log, kind=Kind.REPORTED_UP).count() == 1
        assert Log.objects.get(pk=log.pk).level == Level.TOWNSHIP


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_agency_matters_at_once_supervise_each_once():
    from tests.factories import build_world

    w = build_world()
    logs = [
        file_log(w, when=T0 + datetime.timedelta(minutes=i), next_step=Log.NextStep.AGENCY, agency_type="pension")
        for i in range(30)
    ]
    later = datetime.datetime(2026, 11, 10, 8, 0, tzinfo=TZ)
    results = _two_workers("agency-matter", later)
    assert sum(r["supervised"] for r in results) == 30
    for log in logs:
        assert LogEvent.objects.filter(log=log, kind=Kind.AGENCY_OVERDUE).count() == 1
    assert Supervision.objects.filter(content_type__model="agencymatter").count() == 30
