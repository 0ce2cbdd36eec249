"""The ledger's part of the police review queue and of the police home page
(``govcenter.police``), registered at start-up (``apps.DisputesConfig.ready``)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govcenter.police import (
    HomeTile,
    QueueSource,
    queue_reminders,
    register_home_tile,
    register_queue_source,
    this_week_start,
)
from govcenter.reminders import register_reminder_kind

from . import selectors, services
from .models import Dispute

SOURCE = register_queue_source(
    QueueSource(
        key="disputes",
        title=gettext_lazy("Disputes"),
        model=Dispute,
        visible=selectors.disputes_visible_to,
        rows=lambda qs: qs.select_related("village", "grid"),
        supervise=lambda d, at: services.dispute_supervise_police_review(dispute=d, at=at),
        remind=lambda d: (_("Police opinion on dispute %(number)s is coming due") % {"number": d.number}, d.summary),
        # An archived case takes no more steps (rules.not_archived), and one placed no lower
        # than a township (a diversion may do that) has no station: both drop out of the queue.
        live=~Q(status=Dispute.Status.ARCHIVED) & Q(village__isnull=False),
        order=10,
    )
)


@register_reminder_kind("police-review-dispute")
def police_reviews_due(at, horizon):
    """Queued disputes whose police opinion is coming due: to the police of the place."""
    return queue_reminders(SOURCE, at, horizon)


def _new_this_week_url(user) -> str:
    monday = this_week_start(timezone.now()).date()
    return f"{reverse('disputes:list')}?registered_from={monday.isoformat()}"


# The police home page's buttons fed by the ledger.
register_home_tile(
    HomeTile(
        key="handed_to_mediation",
        label=gettext_lazy("110 cases handed to mediation, result not yet confirmed"),
        count=lambda user: selectors.handed_to_mediation(user).count(),
        url=lambda user: f"{reverse('disputes:list')}?linkage=handed",
        order=30,
        urgent=False,
    )
)
register_home_tile(
    HomeTile(
        key="criminal_risk",
        label=gettext_lazy("Risk of turning criminal (民转刑)"),
        count=lambda user: selectors.criminal_risk_open(user).count(),
        url=lambda user: f"{reverse('disputes:list')}?flag=risk_criminal",
        order=20,
    )
)
register_home_tile(
    HomeTile(
        key="new_this_week",
        label=gettext_lazy("New cases in the area this week"),
        count=lambda user: selectors.new_this_week(user, at=timezone.now()).count(),
        url=_new_this_week_url,
        order=50,
        urgent=False,
    )
)
