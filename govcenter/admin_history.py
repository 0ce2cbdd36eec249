"""The "History" page of Django admin for the audited models (see ``govcenter.history``).

Each version is listed with who saved it, when, from which client address, and the
fields it changed with their old and new values. Only administrators (superusers) see
it: the history holds the old values of personal data. Nothing is reverted from it:
an old version of a case put back from here would skip the workflow, and an old
version of a resident would skip the portal's checks; the version pages are read-only.
ID numbers appear masked, as everywhere in admin: "ID number: **************1234 →
**************5678", from the masked column the history keeps (never the ciphertext).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from .history import ADMIN_EDIT, history_keep_workflow_state

# Columns a history page never lists as changed: the protected ID number is shown as one
# masked line of its own, and the clear number is never stored at all.
HIDDEN_FIELDS = {"id_number_encrypted", "id_number_hash", "id_number_masked"}


class ChoiceLabelContextHelper(HistoricalRecordContextHelper):
    """Old and new values as a clerk reads them: a choice's label, not its stored code."""

    def __init__(self, model, historical_record):
        # Long texts (a dispute's description) are cut around their first difference.
        super().__init__(model, historical_record, max_displayed_delta_change_chars=300)

    def prepare_delta_change_value(self, change, value) -> Any:
        field = self.model._meta.get_field(change.field)
        if field.choices and not isinstance(value, list):
            return dict(field.flatchoices).get(value, value)
        if value in (None, "") or (isinstance(value, DeletedObject) and value.pk is None):
            return "—"  # an empty field; simple-history calls a foreign key set to None "Deleted ..."
        return super().prepare_delta_change_value(change, value)


class AuditHistoryAdmin(SimpleHistoryAdmin):
    """A ModelAdmin whose "History" lists every version of the row with old and new values."""

    object_history_list_template = "admin/audit_history_list.html"
    history_list_per_page = 50

    def has_view_history_or_change_history_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_history_permission(self, request, obj=None) -> bool:
        return False

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The version page shows an old version; simple-history would save a POSTed form
        # there even with revert disabled (the button is only hidden).
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return ChoiceLabelContextHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True) -> None:
        """Each record's changes against the one before it (the page lists newest first)."""
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current, excluded_fields=HIDDEN_FIELDS, foreign_keys_are_objs=foreign_keys_are_objs
                )
                helper = self.get_historical_record_context_helper(request, previous)
                changes = helper.context_for_delta_changes(delta)
                if getattr(previous, "id_number_hash", "") != getattr(current, "id_number_hash", ""):
                    changes.insert(
                        0,
                        {
                            "field": _("ID number"),
                            "old": current.id_number_masked or "—",
                            "new": previous.id_number_masked or "—",
                        },
                    )
                previous.history_delta_changes = changes
            previous = current


class AdminEditHistoryAdmin(AuditHistoryAdmin):
    """For a case whose model keeps only admin edits (``govcenter.history.admin_edit_history``)."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if change:
                history_keep_workflow_state(obj)
            setattr(obj, ADMIN_EDIT, True)
            try:
                super().save_model(request, obj, form, change)
            finally:
                delattr(obj, ADMIN_EDIT)

    def delete_model(self, request, obj):
        with transaction.atomic():
            history_keep_workflow_state(obj)
            setattr(obj, ADMIN_EDIT, True)
            super().delete_model(request, obj)
