from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SentimentConfig(AppConfig):
    name = "sentiment"
    verbose_name = _("People's-sentiment log")

    def ready(self) -> None:
        # Register the reminder kinds ("agency-matter-due", "log-due"), the overdue kinds and the police queue's logs.
        from . import police, reminders, tasks  # noqa: F401
