"""Audit history: who changed a record, when, from which address, and the old and new values.

django-simple-history keeps a copy of each saved row in a historical table beside the
model's own (``grids_historicalresident``, ...). What this module adds:

- every historical table has ``ip_address``, the client's address as
  ``govcenter.clientip.client_ip`` tells it (behind the TLS proxy: ``TRUSTED_PROXIES``),
  filled from the request that ``simple_history``'s middleware exposes;
- ``audit_history(...)`` for registers people edit by hand (residents, households,
  grids, team memberships): every save is kept, whichever path wrote it;
- ``admin_edit_history(...)`` for the cases (disputes, logs, campaigns): only what an
  administrator edits in Django admin is kept. Their workflow steps have their own
  timeline (written in the same transaction as each step, with the actor), and many
  steps are conditional UPDATEs that no save signal sees: a history of every save would
  be a partial copy of the timeline that costs one more INSERT of the whole row on each
  step of a million-row ledger;
- ``history_record(instance)`` for a write that bypassed ``save()`` (a conditional UPDATE).

ID numbers: the history keeps the keyed hash and the masked form, never the ciphertext
(excluded): the history shows that a number changed and which one (masked), the hash
tells whether a number someone holds is the old one, and no old ciphertext outlives a
key rotation. The admin pages are in ``govcenter.admin_history``.
"""

from __future__ import annotations

from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from .clientip import client_ip

# The change reason of the snapshot taken before an administrator edits a case: the state
# the portal's workflow left it in (shown as such in the history, not as the admin's doing).
WORKFLOW_STATE = "workflow-state"

# The attribute Django admin sets on a case before saving it, for admin_edit_history.
ADMIN_EDIT = "_history_admin_edit"

# Never in a historical table: the encrypted ID number (see the module's docstring).
NEVER_KEPT = ["id_number_encrypted"]


class AuditedHistory(models.Model):
    """Abstract base of every historical model: where the change came from."""

    ip_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    class Meta:
        abstract = True


@receiver(pre_create_historical_record)
def _record_client_address(sender, history_instance, **kwargs) -> None:
    if isinstance(history_instance, AuditedHistory) and history_instance.ip_address is None:
        request = getattr(HistoricalRecords.context, "request", None)
        history_instance.ip_address = client_ip(request) if request is not None else None


class AuditedRecords(HistoricalRecords):
    """simple-history's HistoricalRecords, leaving out ``NEVER_KEPT`` on the models that have it."""

    def finalize(self, sender, **kwargs):
        if sender is self.cls:
            names = {f.name for f in sender._meta.fields}
            self.excluded_fields = [f for f in self.excluded_fields if f in names or f not in NEVER_KEPT]
        super().finalize(sender, **kwargs)


def audit_history(*, excluded_fields: list[str] = (), no_db_index: list[str] = ()) -> HistoricalRecords:
    """History of every save (and delete) of the model.

    ``excluded_fields``: derived or noisy columns (``updated_at``, denormalised search text)
    that would only repeat what the other columns say. ``no_db_index``: indexed columns of
    the model that the history is never searched by; each index left out is one less to
    update on every write.
    """
    return AuditedRecords(
        bases=[AuditedHistory],
        excluded_fields=[*NEVER_KEPT, *excluded_fields],
        no_db_index=list(no_db_index),
    )


class AdminEditHistoricalRecords(AuditedRecords):
    """Keeps only the saves and deletes Django admin makes (``ADMIN_EDIT`` set on the instance)."""

    def post_save(self, instance, created, using=None, **kwargs):
        if getattr(instance, ADMIN_EDIT, False):
            super().post_save(instance, created, using=using, **kwargs)

    def post_delete(self, instance, using=None, **kwargs):
        if getattr(instance, ADMIN_EDIT, False):
            super().post_delete(instance, using=using, **kwargs)


def admin_edit_history(*, excluded_fields: list[str] = (), no_db_index: list[str] = ()) -> HistoricalRecords:
    """History of administrators' edits of a case; see the module's docstring for why not every save."""
    return AdminEditHistoricalRecords(
        bases=[AuditedHistory],
        excluded_fields=[*NEVER_KEPT, *excluded_fields],
        no_db_index=list(no_db_index),
    )


def history_record(instance: models.Model, *, workflow_state: bool = False) -> None:
    """Keep the current state of ``instance`` after a write that bypassed ``save()``.

    ``save()`` writes its history by itself; a conditional UPDATE (``filter(...).update()``,
    used where two requests may race) does not, so its service calls this after a
    successful update. The user and the client address come from the current request,
    as for a save. ``workflow_state``: the snapshot is the state the workflow left, kept
    with no user, address or request (see ``history_keep_workflow_state``).
    """
    request = None if workflow_state else getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    type(instance).history.bulk_history_create(
        [instance],
        update=True,
        default_user=user if user is not None and user.is_authenticated else None,
        default_change_reason=WORKFLOW_STATE if workflow_state else "",
        custom_historical_attrs={"ip_address": client_ip(request) if request is not None else None},
    )


def history_keep_workflow_state(instance: models.Model) -> None:
    """Before an administrator edits a case, keep the state the workflow left it in, unless
    the last historical record already holds it: the admin's change is then the difference
    between this snapshot and the record the edit writes, and what the workflow changed
    between two admin edits shows as the workflow's, not as the second administrator's."""
    model = type(instance)
    stored = model._default_manager.filter(pk=instance.pk).first()
    if stored is None:
        return
    history_model = model.history.model
    latest = model.history.filter(**{model._meta.pk.attname: instance.pk}).order_by("-history_date", "-pk").first()
    if latest is not None and all(
        getattr(latest, f.attname) == getattr(stored, f.attname) for f in history_model.tracked_fields
    ):
        return
    stored._history_user = None  # not the administrator's doing
    history_record(stored, workflow_state=True)
