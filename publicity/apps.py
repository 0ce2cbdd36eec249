from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = _("Policy publicity")

    def ready(self) -> None:
        from . import reminders  # noqa: F401  (registers the campaign-assignment reminder kind)
