"""Writes owned by the project package: personal-data reveals, notifications."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from . import limits
from .models import Area, Notification, PersonalDataAccess, User
from .pii import ProtectedIdNumber


def personal_data_reveal(*, user: User, subject: ProtectedIdNumber, ip_address: str | None = None) -> str:
    """Record that ``user`` saw the clear ID number of ``subject`` and return it.

    The caller has already checked ``jurisdiction.can_reveal_id_numbers``; the record is
    written before the number leaves, so there is no reveal without a trace.
    """
    PersonalDataAccess.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        subject_label=str(subject)[:100],
        field="id_number",
        ip_address=ip_address,
    )
    return subject.reveal_id_number()


def _has_external_channel(user: User) -> bool:
    return bool((user.notify_by_email and user.email) or (user.notify_by_sms and user.phone))


def notification_send(*, recipients, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Put a message in the inbox of each recipient (deduplicated, active users only) and,
    after commit, queue its e-mail / SMS copies for those who chose them."""
    from django.utils import timezone

    from .queue import enqueue_on_commit
    from .tasks import deliver_notification

    seen: set[int] = set()
    rows = []
    now = timezone.now()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                title=title[:200],
                body=body[: limits.MESSAGE],  # the whole text stays on the record the link opens
                url=url,
                delivered_at=None if _has_external_channel(user) else now,
            )
        )
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
        for n in created:
            if n.delivered_at is None:
                enqueue_on_commit(deliver_notification, n.pk)
    return created


class AreaError(Exception):
    """An area that cannot be added; the message is shown to the user."""


def area_add_or_update(*, code: str, name: str) -> tuple[Area, bool]:
    """Add the area with this division code under the parent its code names, or rename it.

    Returns (area, created). The level and the parent follow from the code; the parent
    must exist already (import files list districts before townships before villages,
    or are sorted by code, which gives the same order).
    """
    from django.utils.translation import gettext as _

    code = (code or "").strip()
    name = (name or "").strip()
    if not name:
        raise AreaError(_("The name is empty."))
    level = Area.level_of_code(code)
    if level is None:
        raise AreaError(_("%(code)s is not a 12-digit district, township or village division code.") % {"code": code})
    existing = Area.objects.filter(code=code).first()
    if existing is not None:
        if existing.name != name:
            existing.name = name
            existing.save(update_fields=["name"])
        return existing, False
    parent_code = Area.parent_code_of(code)
    if parent_code is None:
        return Area.objects.add_root({"code": code, "name": name, "level": level}), True
    parent = Area.objects.filter(code=parent_code).first()
    if parent is None:
        raise AreaError(_("Its parent area %(parent)s does not exist; add that first.") % {"parent": parent_code})
    # Refetch: treebeard needs the parent's current numchild/path.
    parent = Area.objects.get(pk=parent.pk)
    return Area.objects.add_child(parent, {"code": code, "name": name, "level": level}), True
