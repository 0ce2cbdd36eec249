"""Steps of the queue integration tests, each run as its own process against a real
database and broker (the test passes them in DATABASE_URL / CELERY_BROKER_URL):

    python -m tests.integration.scenario setup N     world + N overdue disputes; prints their ids
    python -m tests.integration.scenario sweep       sends disputes.tasks.escalate_overdue through the broker
    python -m tests.integration.scenario state       prints JSON: levels, escalation events, notifications
    python -m tests.integration.scenario web-escalate  escalates through the web (test client); prints its broker calls (and seconds)
    python -m tests.integration.scenario web-register  registers a dispute through the web as grid1; prints its broker calls
    python -m tests.integration.scenario import-setup N  world + an uploaded file of N residents; sends its import; prints the job id
    python -m tests.integration.scenario import-state JOB  prints JSON: the job's status and attempts, the residents imported
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govcenter.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.utils import timezone  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
make_password("warm-up")


def setup(n: int) -> None:
    from disputes.models import Dispute
    from disputes.services import PartyData, dispute_register
    from tests.factories import build_world

    w = build_world()
    w.village1_user.email = "village1@example.org"
    w.village1_user.save()
    ids = []
    for i in range(n):
        d = dispute_register(
            actor=w.grid1_user,
            at=timezone.now() - datetime.timedelta(days=30),
            grid=w.grid1,
            source="grid_inspection",
            category="neighbourhood",
            summary=f"集成测试纠纷{i}",
            description="测试",
            occurred_on=(timezone.now() - datetime.timedelta(days=30)).date(),
            parties=[PartyData(role="applicant", name="张三")],
        )
        ids.append(d.pk)
    Dispute.objects.filter(pk__in=ids).update(due_at=timezone.now() - datetime.timedelta(minutes=5))
    print(json.dumps(ids))


def sweep(times: int = 1) -> None:
    from disputes.tasks import escalate_overdue

    for _ in range(times):
        escalate_overdue.apply_async(retry=False)
    print(json.dumps("sent"))


def due_tomorrow() -> None:
    """Move every open dispute's deadline to tomorrow evening: each is due a reminder."""
    from disputes.models import Dispute

    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    n = Dispute.objects.open().update(due_at=tomorrow.replace(hour=23, minute=59, second=59))
    print(json.dumps(n))


def remind(times: int = 1) -> None:
    from govcenter.tasks import send_reminders

    for _ in range(times):
        send_reminders.apply_async(retry=False)
    print(json.dumps("sent"))


def state() -> None:
    from django.db.models import Count

    from disputes.models import Dispute, DisputeEvent
    from govcenter.models import Notification, ReminderSent

    per_case = DisputeEvent.objects.filter(kind="escalated").values("dispute").annotate(n=Count("pk"))
    print(
        json.dumps(
            {
                "levels": dict(Dispute.objects.values_list("pk", "level")),
                "escalations": DisputeEvent.objects.filter(kind="escalated").count(),
                "max_escalations_per_case": max(per_case.values_list("n", flat=True), default=0),
                "reminders": ReminderSent.objects.count(),
                "township_reminded": Notification.objects.filter(
                    recipient__username="township1", title__contains="("
                ).count(),
                "township_notified": Notification.objects.filter(recipient__username="township1").count(),
                "village_notified": Notification.objects.filter(recipient__username="village1").count(),
                "undelivered": Notification.objects.filter(delivered_at__isnull=True).count(),
            }
        )
    )


class BrokerCalls:
    """Counts, during a request, the broker probes (``govcenter.queue._answers``: one
    connection, bounded by CELERY_BROKER_CONNECTION_TIMEOUT) and the sends that got past
    them (``Task.apply_async``: bounded by the transport's socket timeouts). The tests
    assert these counts, not seconds: how long a request can wait for a broker is the
    number of bounded calls times their bound."""

    def __enter__(self):
        from celery.app.task import Task

        from govcenter import queue

        self.probes = self.sends = 0
        self._answers, self._apply_async = queue._answers, Task.apply_async

        def answers(*args, **kwargs):
            self.probes += 1
            return self._answers(*args, **kwargs)

        def apply_async(task, *args, **kwargs):
            self.sends += 1
            return self._apply_async(task, *args, **kwargs)

        queue._answers, Task.apply_async = answers, apply_async
        return self

    def __exit__(self, *exc):
        from celery.app.task import Task

        from govcenter import queue

        queue._answers, Task.apply_async = self._answers, self._apply_async

    def report(self) -> dict:
        from govcenter.celery import app

        options = app.conf.broker_transport_options or {}
        return {
            "probes": self.probes,
            "sends": self.sends,
            "probe_timeout": settings.CELERY_BROKER_CONNECTION_TIMEOUT,
            "socket_timeout": options.get("socket_timeout"),
            "socket_connect_timeout": options.get("socket_connect_timeout"),
        }


def web_escalate() -> None:
    """Escalate one dispute through the web page, as village1, and time the request."""
    from django.test import Client
    from django.urls import reverse

    from disputes.models import Dispute
    from govcenter.models import User

    d = Dispute.objects.filter(level="village").order_by("pk").first()
    client = Client()
    client.force_login(User.objects.get(username="village1"))
    started = time.monotonic()
    with BrokerCalls() as calls:
        response = client.post(reverse("disputes:escalate", args=[d.pk]), {"reason": "村级无法化解"})
    took = time.monotonic() - started
    d.refresh_from_db()
    print(json.dumps({"status": response.status_code, "seconds": took, "level": d.level, **calls.report()}))


def web_register() -> None:
    """Register a dispute through the web page, as grid1, and time the request (after one
    warm-up GET of the form, so that loading templates is not counted)."""
    from django.test import Client
    from django.urls import reverse

    from disputes.models import Dispute
    from govcenter.models import Notification, User
    from grids.models import Grid

    grid = Grid.objects.get(code="330102001001001")
    client = Client()
    client.force_login(User.objects.get(username="grid1"))
    client.get(reverse("disputes:register"))
    summary = f"挂起的代理{time.monotonic_ns()}"
    data = {
        "source": "grid_inspection",
        "category": "neighbourhood",
        "risk_level": "general",
        "summary": summary,
        "description": "测试",
        "occurred_on": timezone.localdate().isoformat(),
        "grid": grid.pk,
        "parties-TOTAL_FORMS": "1",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "张三",
    }
    started = time.monotonic()
    with BrokerCalls() as calls:
        response = client.post(reverse("disputes:register"), data)
    took = time.monotonic() - started
    saved = Dispute.objects.filter(summary=summary)
    print(
        json.dumps(
            {
                "status": response.status_code,
                "seconds": took,
                **calls.report(),
                "saved": saved.count(),
                "undelivered": Notification.objects.filter(
                    url__in=[d.get_absolute_url() for d in saved], delivered_at__isnull=True
                ).count(),
            }
        )
    )


def import_setup(n: int) -> None:
    from django.core.files.base import ContentFile

    from govcenter.models import ImportJob
    from govcenter.tasks import run_import
    from tests.factories import build_world, make_id_number

    w = build_world()
    lines = ["姓名,公民身份号码,网格编码"]
    born = datetime.date(1950, 1, 1)
    for i in range(n):
        lines.append(f"导入{i},{make_id_number(born + datetime.timedelta(days=i // 400))},{w.grid1.code}")
    job = ImportJob(kind="residents", user=w.admin, file_name="residents.csv", language="en")
    job.file.save("residents.csv", ContentFile("\n".join(lines).encode("utf-8")), save=False)
    job.save()
    run_import.apply_async(args=[job.pk], retry=False)
    print(json.dumps(job.pk))


def import_state(job_id: int) -> None:
    from govcenter.models import ImportJob
    from grids.models import Resident

    job = ImportJob.objects.get(pk=job_id)
    print(
        json.dumps(
            {
                "status": job.status,
                "attempts": job.attempts,
                "created": job.created,
                "residents": Resident.objects.filter(name__startswith="导入").count(),
            }
        )
    )


if __name__ == "__main__":
    step = sys.argv[1]
    if step == "setup":
        setup(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    elif step == "sweep":
        sweep(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    elif step == "due-tomorrow":
        due_tomorrow()
    elif step == "remind":
        remind(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    elif step == "state":
        state()
    elif step == "web-escalate":
        web_escalate()
    elif step == "web-register":
        web_register()
    elif step == "import-setup":
        import_setup(int(sys.argv[2]))
    elif step == "import-state":
        import_state(int(sys.argv[2]))
    else:
        raise SystemExit(__doc__)
