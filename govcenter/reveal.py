"""The page's answer to "show me this ID number": one view helper for every reveal button.

The caller has already found the subject in the user's jurisdiction and checked that the
user may reveal; this helper reveals it through ``personal_data_reveal`` (which records
the view and applies the daily limit) and answers the page. htmx gets the small fragment
that replaces the masked number in place, also for a refusal (htmx swaps only 2xx
answers); a plain form POST (no JavaScript) gets the whole page with the number shown,
or, refused, the message and a redirect back.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers

from .clientip import client_ip
from .services import RevealLimitReached, personal_data_reveal


def reveal_response(
    request: HttpRequest,
    subject,
    *,
    fragment: str,
    context: dict,
    page: Callable[[str], HttpResponse],
    back,
) -> HttpResponse:
    """Reveal ``subject``'s clear ID number to ``request.user`` and answer the page.

    ``fragment`` is rendered with ``context`` plus ``id_number`` or ``refused``;
    ``page(id_number)`` is the whole page with the number shown; ``back`` is where a
    refused plain POST is sent (anything ``redirect`` takes).
    """
    htmx = request.headers.get("HX-Request") == "true"
    try:
        id_number = personal_data_reveal(user=request.user, subject=subject, ip_address=client_ip(request))
    except RevealLimitReached as e:
        if htmx:
            response = render(request, fragment, {**context, "refused": str(e)})
        else:
            messages.error(request, str(e))
            response = redirect(back)
    else:
        if htmx:
            response = render(request, fragment, {**context, "id_number": id_number})
        else:
            response = page(id_number)
    patch_vary_headers(response, ["HX-Request"])
    return response
