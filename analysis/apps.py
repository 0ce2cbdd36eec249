from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    """研判: statistics over the other apps' records. It reads every app; no app imports it."""

    name = "analysis"
    verbose_name = _("Analysis and judgement")

    def ready(self) -> None:
        from . import dashboard, reminders, signals, tasks  # noqa: F401  (reminders, tasks: kernel kinds)

        dashboard.register()  # the dashboard on the home page (govcenter.panels)
        from . import tallies

        tallies.connect()  # the dispute rollups follow every write, in its transaction
        signals.connect()  # early warning: a changed dispute is checked after commit
