"""Delivery of notifications beyond the in-app inbox: e-mail and SMS.

E-mail goes through Django's mail backends (console by default; EMAIL_URL for SMTP).
SMS goes through the backend named by settings.SMS_BACKEND: the default writes the
message to the log; a provider's backend subclasses ``BaseSmsBackend`` and is named
in the SMS_BACKEND environment variable.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Notification

logger = logging.getLogger(__name__)


class BaseSmsBackend:
    def send(self, *, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LoggingSmsBackend(BaseSmsBackend):
    """Writes each SMS to the log: the default, and a stand-in until a provider is configured."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class MemorySmsBackend(BaseSmsBackend):
    """Keeps messages in ``outbox`` (tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url if url.startswith("/") else url


def notification_deliver(*, notification_id: int) -> bool:
    """Send the e-mail and SMS copies of one notification, at most once.

    The row is claimed with a conditional UPDATE (delivered_at from null to now) before
    anything is sent, so a redelivered task or a second worker does nothing twice. A
    worker killed between the claim and the send loses that copy rather than sending
    it twice: for reminders, one missed e-mail is better than a flood.
    """
    with transaction.atomic():
        claimed = Notification.objects.filter(pk=notification_id, delivered_at__isnull=True).update(
            delivered_at=timezone.now()
        )
    if not claimed:
        return False
    n = Notification.objects.select_related("recipient").get(pk=notification_id)
    user = n.recipient
    text = f"{n.title}\n\n{n.body}\n\n{_absolute(n.get_absolute_url())}".strip()
    # An urgent item's alarm goes over every channel the user has: their choice is about
    # everyday notifications, and a danger to life is what the SMS channel exists for.
    if (user.notify_by_email or n.urgent) and user.email:
        try:
            send_mail(n.title, text, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception:
            logger.exception("E-mail of notification %s to %s failed", n.pk, user.email)
    if (user.notify_by_sms or n.urgent) and user.phone:
        try:
            sms_backend().send(phone=user.phone, text=f"{n.title} {_absolute(n.get_absolute_url())}")
        except Exception:
            logger.exception("SMS of notification %s failed", n.pk)
    return True
