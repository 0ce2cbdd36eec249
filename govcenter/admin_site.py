"""The portal's Django admin site: a staff user enters only after passing a second factor.

Installed as ``admin.site`` through PortalAdminConfig.default_site, so the ModelAdmins
every app registers with ``@admin.register`` stay where they are, at /admin/.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from .twofactor import second_factor_passed, second_factor_required


class PortalAdminSite(admin.AdminSite):
    site_header = settings.ADMIN_SITE_HEADER
    site_title = settings.ADMIN_SITE_HEADER

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and second_factor_passed(request)

    def login(self, request: HttpRequest, extra_context=None):
        """Admin's login page; a staff user who is logged in but has not passed the second
        factor (or has just given the password here) goes on to the code page instead."""
        if request.method == "GET" and self._needs_code(request):
            return self._to_code_page(request)
        response = super().login(request, extra_context)
        if request.method == "POST" and self._needs_code(request):
            return self._to_code_page(request)
        return response

    def _needs_code(self, request: HttpRequest) -> bool:
        return second_factor_required(request.user) and not second_factor_passed(request)

    def _to_code_page(self, request: HttpRequest) -> HttpResponseRedirect:
        next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
        query = urlencode({REDIRECT_FIELD_NAME: next_url or reverse("admin:index", current_app=self.name)})
        return HttpResponseRedirect(f"{reverse('two_factor')}?{query}")
