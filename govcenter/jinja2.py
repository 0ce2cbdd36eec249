"""The Jinja2 environment of the few fragments that render many rows per request (the ledger's
rows: disputes/templatetags/ledger.py), where Django's template engine spent most of the page's
time (about 1.2 ms a row in variable lookups, filters and tags; Jinja2 compiles a template to
Python and renders the same row in a small fraction of that). Every page stays a Django
template; a fragment here is rendered from one by a tag, with what that tag passes.

What the fragments may use, besides Jinja2's own: ``_`` / ``gettext`` and ``ngettext`` (Django's
catalogue; ``makemessages`` reads ``_("...")`` in these files as in Django templates),
``url(name, *args)``, ``static(path)``, the filters ``date`` (Django's format characters, in the
local time zone) and ``truncatechars``, and the marks of govcenter/templatetags/badges.py."""

from __future__ import annotations

import datetime

from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.text import Truncator
from django.utils.timezone import localtime

from govcenter.templatetags.badges import feedback_badge, urgent_badge
from jinja2 import Environment


def date(value, fmt: str) -> str:
    """Django's ``date`` filter: a datetime in the local time zone; empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = localtime(value)
    return date_format(value, fmt)


def truncatechars(value, length: int) -> str:
    return Truncator(value).chars(length)


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True)
    env.globals.update(url=url, static=static, urgent_badge=urgent_badge, feedback_badge=feedback_badge)
    env.filters.update(date=date, truncatechars=truncatechars)
    return env
