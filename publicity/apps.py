from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = _("Policy publicity")

    def ready(self) -> None:
        from govcenter import drawn_filters

        from . import home, reminders  # noqa: F401  (the campaign-assignment reminder kind, the home buttons' figures)
        from .models import Campaign

        # The assignments' and activities' filters offer the campaigns a user sees, and are kept
        # once drawn: a campaign's save (a new status, a distribution) forgets them.
        drawn_filters.watch(Campaign)
