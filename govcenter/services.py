"""Writes owned by the project package: personal-data reveals, notifications."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import limits
from .models import Area, Notification, PersonalDataAccess, ReminderSent, User
from .pii import ProtectedIdNumber

REVEAL_WINDOW = datetime.timedelta(hours=1)
REVEAL_LIMIT_ALERT = "reveal_limit"  # ReminderSent.kind of the once-per-hour alert


class RevealLimitReached(Exception):
    """The user has seen as many ID numbers in the last hour as ``settings.PII_REVEALS_PER_HOUR``
    allows; the message, in the user's language, says until when."""


def personal_data_reveal(*, user: User, subject: ProtectedIdNumber, ip_address: str | None = None) -> str:
    """Record that ``user`` saw the clear ID number of ``subject`` and return it.

    The caller has already checked ``jurisdiction.can_reveal_id_numbers``. At most
    ``settings.PII_REVEALS_PER_HOUR`` reveals per user in any rolling hour (issue 9: one
    clerk revealed 88 numbers in a second):

    1. Lock the user's row, so that a burst of reveals by one user passes here one at a
       time (select_for_update on PostgreSQL; on SQLite the IMMEDIATE transaction already
       serialises writers). Without it, ten simultaneous requests would all count 29.
    2. Count the user's reveals of the last hour (index ``pda_user_at``), at most the limit.
    3. At the limit: nothing is revealed; the district is told once per hour (step 3 of
       ``_reveal_limit_alert``) and RevealLimitReached is raised after the commit.
    4. Otherwise write the record before the number leaves: no reveal without a trace.
    """
    limit = settings.PII_REVEALS_PER_HOUR
    now = timezone.now()
    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        recent = list(
            PersonalDataAccess.objects.filter(user=user, at__gt=now - REVEAL_WINDOW)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        refused = len(recent) >= limit
        if refused:
            _reveal_limit_alert(user=user, limit=limit, at=now)
        else:
            PersonalDataAccess.objects.create(
                user=user,
                content_type=ContentType.objects.get_for_model(subject),
                object_id=subject.pk,
                subject_label=str(subject)[:100],
                field="id_number",
                ip_address=ip_address,
            )
    if refused:
        # The limit-th newest reveal leaving the window frees the next one.
        again = timezone.localtime(recent[limit - 1] + REVEAL_WINDOW)
        raise RevealLimitReached(
            gettext(
                "You have seen %(limit)d ID numbers in the last hour, the most allowed. You can see "
                "another from %(time)s; the district centre has been told."
            )
            % {"limit": limit, "time": formats.time_format(again, "H:i")}
        )
    return subject.reveal_id_number()


def district_of(user: User) -> Area | None:
    """The district a user works in: from their home area, police station, department or,
    for a grid worker without a home area, the grids they serve."""
    area = user.area
    if area is None and user.police_station_id:
        return user.police_station.district
    if area is None and user.department_id:
        return user.department.district
    if area is None:
        area = (
            Area.objects.filter(grids__memberships__user=user, grids__memberships__ended_on__isnull=True)
            .order_by("path")
            .first()
        )
    if area is None:
        return None
    if area.level == Area.Level.DISTRICT:
        return area
    ancestors = [area.path[:i] for i in range(Area.steplen, len(area.path), Area.steplen)]
    return Area.objects.filter(level=Area.Level.DISTRICT, path__in=ancestors).first()


def _reveal_limit_alert(*, user: User, limit: int, at: datetime.datetime) -> None:
    """Tell the administrators and the district centre that ``user`` reached the reveal limit,
    once per user per hour.

    Runs under the lock on the user's row (personal_data_reveal, step 1), so the check and
    the claim below cannot interleave for one user:

    1. An alert about this user in the last hour (a ReminderSent claim): say nothing again.
    2. Claim this hour for the user.
    3. Notify superusers and administrators (with a link to the user's reveals in the admin)
       and the district centre staff of the user's district.
    """
    user_type = ContentType.objects.get_for_model(User)
    claims = ReminderSent.objects.filter(content_type=user_type, object_id=user.pk, kind=REVEAL_LIMIT_ALERT)
    if claims.filter(deadline__gt=at - REVEAL_WINDOW).exists():
        return
    ReminderSent.objects.create(content_type=user_type, object_id=user.pk, kind=REVEAL_LIMIT_ALERT, deadline=at)
    district = district_of(user)
    active = User.objects.filter(is_active=True).exclude(pk=user.pk)
    admins = active.filter(Q(is_superuser=True) | Q(role=User.Role.ADMINISTRATOR))
    district_staff = (
        active.filter(role=User.Role.DISTRICT_STAFF, area=district).exclude(pk__in=admins.values("pk"))
        if district is not None
        else User.objects.none()
    )
    # Written in the portal's language, like every record: the readers are not the user.
    with translation.override(settings.LANGUAGE_CODE):
        title = str(_("%(user)s reached the limit of %(limit)d ID numbers per hour")) % {
            "user": user.display_name,
            "limit": limit,
        }
        body = str(
            _(
                "%(user)s (%(username)s, %(role)s%(place)s) has seen %(limit)d clear ID numbers within "
                "one hour and was refused the next at %(time)s. Check whether this was needed for their work."
            )
        ) % {
            "user": user.display_name,
            "username": user.username,
            "role": user.get_role_display(),
            # The separator is the language's own (a Chinese comma in Chinese).
            "place": str(_(", %(district)s")) % {"district": district.name} if district is not None else "",
            "limit": limit,
            "time": formats.date_format(timezone.localtime(at), "Y-m-d H:i"),
        }
    audit_url = reverse("admin:govcenter_personaldataaccess_changelist") + f"?user__id__exact={user.pk}"
    notification_send(recipients=admins, title=title, body=body, url=audit_url)
    notification_send(recipients=district_staff, title=title, body=body)


def _has_external_channel(user: User, urgent: bool = False) -> bool:
    if urgent:
        return bool(user.email or user.phone)
    return bool((user.notify_by_email and user.email) or (user.notify_by_sms and user.phone))


def notification_send(
    *, recipients, title: str, body: str = "", url: str = "", urgent: bool = False
) -> list[Notification]:
    """Put a message in the inbox of each recipient (deduplicated, active users only) and,
    after commit, queue its e-mail / SMS copies for those who chose them. An ``urgent``
    message (an urgent item's alarm, ``govcenter.urgent``) goes by e-mail and SMS to
    everyone with an address or a phone, whatever they chose."""
    return notifications_send([Message(recipients, title, body, url, urgent)])


@dataclass(frozen=True)
class Message:
    """One message of ``notifications_send``: its text and link, for each of ``recipients``."""

    recipients: Iterable
    title: str
    body: str = ""
    url: str = ""
    urgent: bool = False


def notifications_send(messages: Iterable[Message]) -> list[Notification]:
    """``notification_send`` for many messages at once (a sweep's batch): one INSERT for all."""
    from .queue import enqueue_on_commit
    from .tasks import deliver_notification

    rows = []
    now = timezone.now()
    for message in messages:
        seen: set[int] = set()
        for user in message.recipients:
            if user is None or user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            rows.append(
                Notification(
                    recipient=user,
                    title=message.title[:200],
                    body=message.body[: limits.MESSAGE],  # the whole text stays on the record the link opens
                    url=message.url,
                    urgent=message.urgent,
                    delivered_at=None if _has_external_channel(user, message.urgent) else now,
                )
            )
    if not rows:
        return []
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
