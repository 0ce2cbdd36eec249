from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SentimentConfig(AppConfig):
    name = "sentiment"
    verbose_name = _("People's-sentiment log")

    def ready(self) -> None:
        from . import police, reminders  # noqa: F401  (register the reminder kinds and the police queue's logs)
