"""Pages of the administrators' second factor: enter a code, set up the authenticator app,
recovery codes. Staff only (anyone else gets 404); the admin site sends staff here."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_static.models import StaticDevice

from . import twofactor as tf
from .forms import SecondFactorForm

NEW_CODES_SESSION_KEY = "two_factor_new_recovery_codes"


def _staff_only(view):
    @wraps(view)
    @never_cache  # codes and secrets are never kept by a browser or proxy cache
    @login_required
    def wrapper(request, *args, **kwargs):
        if not tf.second_factor_required(request.user):
            raise Http404  # clerks and grid workers have no second factor (or it is switched off)
        return view(request, *args, **kwargs)

    return wrapper


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return reverse("admin:index")


def _with_next(name: str, next_url: str) -> HttpResponseRedirect:
    return redirect(f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


@_staff_only
def verify(request):
    """The second step for staff: a code from the app, or a recovery code."""
    next_url = _next_url(request)
    if tf.second_factor_passed(request):
        return redirect(next_url)
    if tf.authenticator_of(request.user) is None:
        return _with_next("two_factor_setup", next_url)  # first visit: set the app up
    form = SecondFactorForm(request.POST or None)
    if form.is_valid():
        try:
            device = tf.second_factor_check(user=request.user, code=form.cleaned_data["code"])
        except tf.TwoFactorError as e:
            form.add_error("code", str(e))
        else:
            tf.second_factor_login(request, device)
            if isinstance(device, StaticDevice):
                left = tf.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    _("Recovery code used; %(left)s left. Make new ones on the recovery codes page.") % {"left": left},
                )
            return redirect(next_url)
    return render(request, "twofactor/verify.html", {"form": form, "next": next_url})


@_staff_only
def setup(request):
    """First use: scan the QR code (or type the key) into an authenticator app, confirm a code."""
    next_url = _next_url(request)
    if tf.authenticator_of(request.user) is not None:
        return _with_next("two_factor", next_url)  # already set up: enter a code instead
    device = tf.authenticator_enrol_start(user=request.user)
    form = SecondFactorForm(request.POST or None)
    form.fields["code"].widget.attrs["inputmode"] = "numeric"
    if form.is_valid():
        try:
            device = tf.authenticator_confirm(device=device, code=form.cleaned_data["code"])
        except tf.TwoFactorError as e:
            form.add_error("code", str(e))
        else:
            tf.second_factor_login(request, device)
            request.session[NEW_CODES_SESSION_KEY] = tf.recovery_codes_issue(user=request.user)
            messages.success(request, _("The authenticator app is set up."))
            return _with_next("two_factor_recovery_codes", next_url)
    context = {"form": form, "next": next_url, "qr_svg": tf.qr_code_svg(device), "key": tf.manual_key(device)}
    return render(request, "twofactor/setup.html", context)


@_staff_only
def recovery_codes(request):
    """New recovery codes, shown once; POST replaces the old ones."""
    next_url = _next_url(request)
    if not tf.second_factor_passed(request):
        return _with_next("two_factor", reverse("two_factor_recovery_codes"))
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = tf.recovery_codes_issue(user=request.user)
        return _with_next("two_factor_recovery_codes", next_url)
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)  # shown once: gone on reload
    context = {"codes": codes, "left": tf.recovery_codes_left(request.user), "next": next_url}
    return render(request, "twofactor/recovery_codes.html", context)
