from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SentimentConfig(AppConfig):
    name = "sentiment"
    verbose_name = _("People's-sentiment log")

    def ready(self) -> None:
        from . import reminders  # noqa: F401  (registers the "agency-matter-due" reminder kind)
