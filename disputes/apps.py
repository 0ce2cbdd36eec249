from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Conflict-dispute ledger")

    def ready(self) -> None:
        from . import exports, home, police, reminders, tasks  # noqa: F401  (register the ledger's reminder and overdue kinds, queue, home tiles and button figures)
