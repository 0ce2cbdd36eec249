from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = _("Policy publicity")

    def ready(self) -> None:
        from . import home, reminders  # noqa: F401  (the campaign-assignment reminder kind, the home buttons' figures)
