"""``manage.py seed_demo``: the demo district, its people and its work, for trying the portal.

Idempotent: a second run finds everything by its natural key and creates nothing.
Each app brings its own ``<app>/demo.py`` with ``seed(ctx)``; this command runs them
in dependency order after ``govcenter.demo``. They are imported by name, so the
project package does not import the apps (dependencies point one way).
"""

from __future__ import annotations

import importlib
import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govcenter import demo
from govcenter.models import Notification
from govcenter.queue import sending_suppressed

# Dependency order: grids builds on govcenter, the others on grids; analysis reads them all.
DEMO_APPS = ["grids", "disputes", "sentiment", "publicity", "analysis"]


def demo_module(label: str):
    """``<label>.demo``, or None if that app has no demo data (yet)."""
    name = f"{label}.demo"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name in (name, label):
            return None
        raise  # a missing import inside the demo module is a bug, not "no demo"


class Command(BaseCommand):
    help = "Create the demo district, grids, people and accounts (idempotent)."

    def handle(self, *args, **options):
        started = time.monotonic()
        seeded = ["govcenter"]
        last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        # The demo writes months of history through the real services; their notifications
        # belong in the inboxes, but are past news: no e-mail or SMS goes out for them.
        with transaction.atomic(), sending_suppressed():
            ctx = demo.seed(self.stdout)
            for label in DEMO_APPS:
                module = demo_module(label)
                if module is not None:
                    module.seed(ctx)
                    seeded.append(label)
            Notification.objects.filter(pk__gt=last_notification, delivered_at__isnull=True).update(
                delivered_at=timezone.now()
            )
        elapsed = time.monotonic() - started
        if options["verbosity"] < 1:
            return

        self.stdout.write(_("Demo data ready in %(seconds).1f s:") % {"seconds": elapsed})
        for label in seeded:
            for model in apps.get_app_config(label).get_models():
                count = model._default_manager.count()
                if count:
                    self.stdout.write(f"  {model._meta.verbose_name_plural}: {count}")
        self.stdout.write("")
        self.stdout.write(
            _("Demo logins (password %(password)s, for demonstration only):") % {"password": demo.DEMO_PASSWORD}
        )
        for username in ctx.logins:
            user = ctx.users[username]
            home = user.area or user.police_station or user.department or "—"
            self.stdout.write(f"  {username:<10} {user.full_name}  {user.get_role_display()}  {home}")
