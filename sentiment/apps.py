from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SentimentConfig(AppConfig):
    name = "sentiment"
    verbose_name = _("People's-sentiment log")

    def ready(self) -> None:
        # Register the reminder kinds ("agency-matter-due", "log-due"), the overdue kinds, the police
        # queue's logs and the logs' background export.
        from . import exports, home, police, reminders, tasks  # noqa: F401
