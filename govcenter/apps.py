# Modules, not classes, are imported: Django picks an app's config among the AppConfig
# classes found in this module's namespace, and only GovcenterConfig is the default here.
from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static import apps as otp_static_apps
from django_otp.plugins.otp_totp import apps as otp_totp_apps


class GovcenterConfig(AppConfig):
    name = "govcenter"
    verbose_name = _("Governance centres")
    default = True

    def ready(self):
        from . import calendar, drawn_filters, supervision, uploads  # noqa: F401  (calendar: its signal receivers; supervision: its reminder kind)

        uploads.apply_pillow_limit()
        drawn_filters.connect()


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's site as ``admin.site``, so every app's
    ``@admin.register`` lands on the site that asks staff for a second factor."""

    default = False
    default_site = "govcenter.admin_site.PortalAdminSite"


# django-axes and django-otp name their apps "Axes", "Otp_Totp" and "Otp_Static" and ship no
# Chinese: these subclasses (Django's documented way to rename a third-party app) give the
# admin index headings that translate.


class LoginAttemptsConfig(axes_apps.AppConfig):
    default = False
    verbose_name = _("Login attempts")


class AuthenticatorAppsConfig(otp_totp_apps.DefaultConfig):
    default = False
    verbose_name = _("Two-factor: authenticator apps")


class RecoveryCodesConfig(otp_static_apps.DefaultConfig):
    default = False
    verbose_name = _("Two-factor: recovery codes")
