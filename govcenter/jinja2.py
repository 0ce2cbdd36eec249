"""The Jinja2 environment of the few fragments that render many rows per request (the ledger's
rows: disputes/rows_html.py; the logs' table: sentiment/templatetags/log_badges.py),
where Django's template engine spent most of the page's time (about 1.2 ms a row in variable
lookups, filters and tags; Jinja2 compiles a template to Python and renders the same row in a
small fraction of that). Every page stays a Django template; a fragment here is rendered from
one by a tag (``fragment``), with what that tag passes.

What the fragments may use, besides Jinja2's own: ``_`` / ``gettext`` and ``ngettext`` (Django's
catalogue; ``makemessages`` reads ``_("...")`` in these files as in Django templates),
``url(name, *args)``, ``static(path)``, Django's own filters ``date`` (in the local time zone,
as Django templates show a datetime) and ``truncatechars``, and the marks of
govcenter/templatetags/badges.py."""

from __future__ import annotations

import datetime
import functools
import unicodedata

from django.template import defaultfilters, engines
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from govcenter.templatetags.badges import feedback_badge, urgent_badge
from jinja2 import Environment

# Django's date-format characters that are plain numbers, as str.format fields.
_NUMERIC = {"Y": "{0.year:04d}", "m": "{0.month:02d}", "d": "{0.day:02d}", "H": "{0.hour:02d}", "i": "{0.minute:02d}"}


@functools.cache
def _numeric_format(fmt: str) -> str | None:
    """``fmt`` as a str.format pattern if it holds only numeric fields (Y m d H i) and
    separators, else None. Django's ``dateformat`` reads a format character by character
    for every value: two dates per row were a fifth of the ledger rows' time."""
    if not fmt:
        return None  # Django's DATE_FORMAT
    parts = []
    for char in fmt:
        if char in _NUMERIC:
            parts.append(_NUMERIC[char])
        elif char in " -:/.":
            parts.append(char)
        else:
            return None
    return "".join(parts)


def date(value, fmt: str) -> str:
    """Django's ``date`` filter, after the local-time conversion Django's engine applies
    (numeric formats such as "Y-m-d H:i" formatted directly, the same text)."""
    local = template_localtime(value)
    pattern = _numeric_format(fmt)
    if pattern is None or not isinstance(local, datetime.datetime):
        return defaultfilters.date(local, fmt)
    return pattern.format(local)


def truncatechars(value, length) -> str:
    """Django's ``truncatechars``, without its work when nothing is cut: a text that is
    already in NFC and no longer than ``length`` comes back as it is, as Django's would
    (it counts characters of the NFC form, combining marks not counted, so such a text is
    never cut). Django's ran its character loop for every summary on the ledger's page."""
    if isinstance(value, str) and isinstance(length, int) and 0 < len(value) <= length:
        if unicodedata.is_normalized("NFC", value):
            return value
    return defaultfilters.truncatechars(value, length)


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True)
    env.globals.update(url=url, static=static, urgent_badge=urgent_badge, feedback_badge=feedback_badge)
    env.filters.update(date=date, truncatechars=truncatechars)
    return env


def fragment(name: str, context: dict) -> SafeString:
    """The Jinja2 fragment ``name`` (under jinja2/) rendered with ``context``, for a Django
    template tag to return. Jinja2 escapes every value it prints (the backend's autoescape),
    so its output is safe."""
    return mark_safe(engines["jinja2"].get_template(name).render(context))  # noqa: S308
