"""The early-warning rules (预警规则) in the admin: switched on and off and tuned by the
administrator; one row per kind (seeded by migration), so none is added or deleted here."""

from __future__ import annotations

from django.contrib import admin

from .models import WarningRule


@admin.register(WarningRule)
class WarningRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "enabled", "threshold", "window_days", "urgent", "days_to_handle"]
    list_editable = ["enabled"]
    readonly_fields = ["kind"]
    fields = [
        "kind",
        "enabled",
        "threshold",
        "window_days",
        "festival_threshold",
        "festival_weeks",
        "urgent",
        "days_to_handle",
        "description",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
