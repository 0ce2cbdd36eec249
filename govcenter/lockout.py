"""Login throttling on top of django-axes: the second, per-address rule and the lockout page.

Axes counts failed logins per username *and* client address (settings.AXES_LOCKOUT_PARAMETERS)
and refuses, before the password is even checked, a login whose count reached
``AXES_FAILURE_LIMIT`` within ``AXES_COOLOFF_TIME``. Axes has one limit for all its
parameter sets, so the rule "one address, many usernames" (password spraying) with a
higher limit is added here by counting the address's failures on the same scale.
"""

from __future__ import annotations

import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def _address_attempts(request: HttpRequest):
    return AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
    )


class PortalAxesHandler(AxesDatabaseHandler):
    """Axes' database handler plus a per-address limit (``LOGIN_ADDRESS_FAILURE_LIMIT``)."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        per_account = super().get_failures(request, credentials)
        address_limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
        if not address_limit or not request.axes_ip_address:
            return per_account
        per_address = _address_attempts(request).aggregate(n=Sum("failures_since_start"))["n"] or 0
        # Axes compares one number with one limit: scale the address's failures so that they
        # reach AXES_FAILURE_LIMIT exactly when they reach the address limit (floor(x) >= L iff x >= L).
        limit = get_failure_limit(request, credentials)
        return max(per_account, per_address * limit // address_limit)


def locked_until(request: HttpRequest, username: str | None) -> datetime.datetime:
    """When the lock that refused this request ends: cool-off after the failure that set it."""
    attempts = _address_attempts(request)
    account = attempts.filter(username=username)
    limit = get_failure_limit(request, None)
    if (account.aggregate(n=Sum("failures_since_start"))["n"] or 0) >= limit:
        attempts = account  # the account rule locked it; otherwise the address rule did
    last = attempts.aggregate(last=Max("attempt_time"))["last"] or timezone.now()
    return last + get_cool_off(request)


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None):
    """The page axes shows instead of the login form while a login is locked (AXES_LOCKOUT_CALLABLE)."""
    username = get_client_username(request, credentials)
    context = {
        "minutes": int(get_cool_off(request).total_seconds() // 60),
        "until": timezone.localtime(locked_until(request, username)),
    }
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
