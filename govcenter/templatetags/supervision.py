"""``{% supervision_of item as sv %}``: the supervision in force on an item (or None), for
the detail pages' mark (templates/_supervision.html)."""

from __future__ import annotations

from django import template

from govcenter.supervision import active_supervision

register = template.Library()


@register.simple_tag
def supervision_of(item):
    return active_supervision(item)
