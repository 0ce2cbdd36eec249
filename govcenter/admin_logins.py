"""Admin pages for login locks (django-axes) and the administrators' second factor
(django-otp): administrators see who is locked until when, and unlock with one action.

Imported by govcenter/admin.py; replaces the registration axes makes for its attempts.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin  # importing it registers axes' admins first
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginLockAdmin(AccessAttemptAdmin):
    """Failed-login counters per username, address and browser. A row at the failure limit
    is a lock until the cool-off has passed; "Unlock" (or deleting the row) lifts it now."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "lock", "user_agent"]
    list_display_links = ["username"]
    search_fields = ["username", "ip_address"]
    actions = ["unlock"]

    @admin.display(description=_("Lock"))
    def lock(self, obj: AccessAttempt) -> str:
        limit = settings.AXES_FAILURE_LIMIT
        until = obj.attempt_time + get_cool_off()
        if obj.failures_since_start >= limit and until > timezone.now():
            return gettext("Locked until %(time)s") % {"time": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")}
        left = max(limit - obj.failures_since_start, 0)
        return ngettext("%(left)d attempt left", "%(left)d attempts left", left) % {"left": left}

    @admin.action(description=_("Unlock the selected logins"), permissions=["delete"])
    def unlock(self, request, queryset):
        """Deletes the selected counters and every other counter of the same username and
        address (another browser of the same person counts towards the same lock)."""
        pairs = Q()
        for username, ip_address in queryset.values_list("username", "ip_address").distinct():
            pairs |= Q(username=username, ip_address=ip_address)
        attempts = AccessAttempt.objects.filter(pairs)
        self.log_deletions(request, attempts)  # who unlocked whom stays in the admin history
        count = len(queryset.values_list("username", "ip_address").distinct())
        attempts.delete()
        self.message_user(
            request,
            ngettext("Unlocked %(count)d login.", "Unlocked %(count)d logins.", count) % {"count": count},
            messages.SUCCESS,
        )
