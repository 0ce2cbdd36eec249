"""The administrators' second factor (django-otp): who needs it, enrolment of an
authenticator app (TOTP), checking a code, and one-time recovery codes.

Only staff entering Django admin are asked (govcenter.admin_site.PortalAdminSite); the
portal's own pages and login stay as they are for everyone. A session that passed the
second factor carries the device's id (django_otp.login), which OTPMiddleware turns into
``request.user.is_verified()`` on every request.
"""

from __future__ import annotations

import io
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

AUTHENTICATOR_NAME = "authenticator app"
RECOVERY_NAME = "recovery codes"


class TwoFactorError(Exception):
    """A code that was not accepted; the message is shown to the user."""


def second_factor_required(user) -> bool:
    """Whether this user must pass a second factor to enter Django admin."""
    return bool(settings.ADMIN_TWO_FACTOR and user.is_authenticated and user.is_active and user.is_staff)


def second_factor_passed(request: HttpRequest) -> bool:
    """Whether this session passed the second factor (or needs none)."""
    if not second_factor_required(request.user):
        return True
    is_verified = getattr(request.user, "is_verified", None)  # absent right after login(): not verified
    return bool(is_verified and is_verified())


def authenticator_of(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def authenticator_enrol_start(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up: made once and reused, so that reloading
    the page keeps showing the QR code already scanned."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def authenticator_confirm(*, device: TOTPDevice, code: str) -> TOTPDevice:
    """Confirm the authenticator being set up with a code it shows now."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
        error = _check(device, _normalise(code))
        if error is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    if error:  # raised after the commit, which keeps the throttle's count of this failure
        raise TwoFactorError(error)
    return device


def recovery_codes_issue(*, user: User) -> list[str]:
    """New one-time recovery codes, replacing any earlier ones. Returned in clear once: the
    caller shows them and does not keep them."""
    count = settings.RECOVERY_CODE_COUNT
    with transaction.atomic():
        # The device is kept (only its codes change): a session that came in with a recovery
        # code stays verified by it.
        device = StaticDevice.objects.filter(user=user).order_by("pk").first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
        StaticToken.objects.filter(device__user=user).delete()
        codes = [StaticToken.random_token() for _i in range(count)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def second_factor_check(*, user: User, code: str) -> Device:
    """The device that accepts ``code``: six digits from the authenticator app, or a recovery
    code (used up by this). Raises TwoFactorError otherwise.

    1. The code's shape picks the device, so that a mistyped app code does not count against
       the recovery codes' throttle (or the reverse).
    2. The device row is locked while checking: two requests cannot both use one code.
    3. Each device throttles itself after a failure (1, 2, 4, 8 ... seconds, django-otp).
    """
    code = _normalise(code)
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        device = model.objects.devices_for_user(user, confirmed=True).select_for_update().first()
        error = _check(device, code) if device is not None else _wrong_code(model)
    if error:  # raised after the commit, which keeps the throttle's count of this failure
        raise TwoFactorError(error)
    return device


def second_factor_login(request: HttpRequest, device: Device) -> None:
    """Mark this session as having passed the second factor with ``device``, under a new
    session key (the session just gained the right to enter admin)."""
    request.session.cycle_key()
    django_otp.login(request, device)


def qr_code_svg(device: TOTPDevice) -> str:
    """The QR code an authenticator app scans, as an inline <svg> element (drawn here, no
    request leaves the portal and no script is needed)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]  # drop the XML declaration: this goes inside an HTML page


def manual_key(device: TOTPDevice) -> str:
    """The secret for typing into an app that cannot scan, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _check(device: Device, code: str) -> str | None:
    """None when ``device`` accepts ``code``, else the message to show."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        until = timezone.localtime((info or {}).get("locked_until") or timezone.now())
        return _("Too many wrong codes. Try again after %(time)s.") % {"time": formats.time_format(until, "H:i:s")}
    if not device.verify_token(code):
        return _wrong_code(type(device))
    return None


def _wrong_code(model: type[Device]) -> str:
    if model is TOTPDevice:
        return _("This code is not valid. Enter the six digits your app shows now.")
    return _("This recovery code is not valid or was already used.")
