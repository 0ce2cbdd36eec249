from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovcenterConfig(AppConfig):
    name = "govcenter"
    verbose_name = _("Governance centres")

    def ready(self):
        from . import uploads

        uploads.apply_pillow_limit()
