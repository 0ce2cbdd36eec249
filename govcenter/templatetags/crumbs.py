"""``{% crumbs %}``: the breadcrumb trail of a page whose view gives none (templates/_breadcrumbs.html)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def crumbs(*titles_and_urls) -> list[tuple[str, str]]:
    """``{% crumbs title1 url1 title2 url2 ... as breadcrumbs %}`` -> [(title1, url1), ...], the
    list ``_breadcrumbs.html`` takes, as views give it. The last pair is the page itself."""
    if len(titles_and_urls) % 2:
        raise template.TemplateSyntaxError("crumbs takes pairs of title and url")
    return [(str(title), url or "") for title, url in zip(titles_and_urls[::2], titles_and_urls[1::2], strict=True)]
