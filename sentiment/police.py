"""The sentiment log's part of the police review queue (``govcenter.police``), registered
at start-up (``apps.SentimentConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govcenter.police import HomeTile, QueueSource, queue_reminders, register_home_tile, register_queue_source
from govcenter.reminders import register_reminder_kind

from . import rules, selectors, services
from .models import Log

SOURCE = register_queue_source(
    QueueSource(
        key="logs",
        title=gettext_lazy("Sentiment logs: public-security hazards and incidents"),
        model=Log,
        visible=selectors.logs_visible_to,
        rows=lambda qs: qs.select_related("village", "grid", "resident"),
        supervise=lambda log, at: services.log_supervise_police_review(log=log, at=at),
        remind=lambda log: (_("Police opinion on a log is coming due"), log.summary),
        order=20,
    )
)


@register_reminder_kind("police-review-log")
def police_reviews_due(at, horizon):
    """Queued logs whose police opinion is coming due: to the police of the place."""
    return queue_reminders(SOURCE, at, horizon)


# The police home page's button for co-signed logs (会签).
register_home_tile(
    HomeTile(
        key="to_cosign",
        label=gettext_lazy("Logs to co-sign"),
        count=lambda user: selectors.logs_to_cosign(user).count(),
        url="sentiment:to_cosign",
        order=40,
        shown=lambda user: user.role in rules.COSIGNING_ROLES,  # station staff do not co-sign
    )
)
