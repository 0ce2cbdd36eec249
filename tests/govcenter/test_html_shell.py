"""The HTML shell every page shares (templates/_html.html, extended by base.html): a list
page's column headings belong to its table, not to the document's <head>. base.html used to
have a block named "head" of its own, so the <th>s that _list_page.html's "head" block takes
were drawn there too, and a browser showed them as loose text above the navigation.
"""

from __future__ import annotations

from django.urls import reverse


def test_a_list_pages_column_headings_are_in_its_table_only(world, login):
    html = login(world.village1_user).get(reverse("grids:grid_list")).content.decode()
    head, body = html.split("</head>")
    assert "<th>" not in head
    assert body.count("<thead") == 1 and "<th>" in body
    assert "css/portal.css" in head and "js/portal.js" in body
