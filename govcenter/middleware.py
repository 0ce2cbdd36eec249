from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_cache_control


class ChineseUnlessChosenMiddleware:
    """Simplified Chinese unless the user picked English with the switcher.

    Django's LocaleMiddleware would also follow the browser's Accept-Language, so a
    township office PC with an English Windows would show English to a clerk who never
    asked for it. The portal's language is a choice made in the portal (the language
    cookie set by the switcher), so the browser's header is set aside before
    LocaleMiddleware reads it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """``Cache-Control: no-store, private`` on every response to a logged-in user and on
    every download, so that no page, export or file with personal data stays in a
    browser's cache or a shared proxy's (an office PC used by several clerks).

    A response that declares itself ``public`` keeps its own Cache-Control; any other
    Cache-Control a view set (e.g. ``private, max-age=0`` on a file) gets ``no-store``
    and ``private`` added. Static files never get here: WhiteNoise answers them earlier.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        is_download = response.get("Content-Disposition", "").startswith(("attachment", "inline"))
        if (user is not None and user.is_authenticated) or is_download:
            if "public" not in get_cache_control(response):
                patch_cache_control(response, no_store=True, private=True)
        return response


def get_cache_control(response) -> set[str]:
    """The directive names of a response's Cache-Control header."""
    header = response.get("Cache-Control", "")
    return {part.split("=", 1)[0].strip().lower() for part in header.split(",") if part.strip()}


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header from ``settings.PERMISSIONS_POLICY`` (Django has no
    setting for it): ``{"camera": [], "fullscreen": ["self"]}`` becomes
    ``camera=(), fullscreen=(self)``. A response that set its own header keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response
        policy = getattr(settings, "PERMISSIONS_POLICY", {})
        self.header = ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class PasswordChangeRequiredMiddleware:
    """Send a user whose account was made with an initial password (``must_change_password``,
    set by an import) to the password change page, from every page but that one, the
    sign-out and the language switch, until they have chosen their own password
    (``govcenter.views.PasswordChangeView`` clears the flag)."""

    ALLOWED = ("password_change", "password_change_done", "logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.shortcuts import redirect
        from django.urls import NoReverseMatch, reverse

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            try:
                allowed = {reverse(name) for name in self.ALLOWED}
            except NoReverseMatch:  # pragma: no cover - a URLconf without them (tests' own)
                allowed = set()
            if (
                allowed
                and request.path not in allowed
                and not request.path.startswith(settings.STATIC_URL or "/static/")
            ):
                return redirect("password_change")
        return self.get_response(request)
