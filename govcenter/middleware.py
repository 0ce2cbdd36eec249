from __future__ import annotations


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
