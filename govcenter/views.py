from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from grids.selectors import areas_visible_to, grids_visible_to

from .jurisdiction import scope_of
from .models import Area
from .selectors import jurisdiction_overview


@login_required
def home(request):
    return render(request, "govcenter/home.html", {
        "nav_active": "home",
        "scope": scope_of(request.user),
        "overview": jurisdiction_overview(request.user),
    })


@login_required
def area_tree(request):
    """The user's part of the district > township > village tree, with grid counts per village."""
    areas = list(areas_visible_to(request.user).order_by("path"))
    grid_counts = dict(
        grids_visible_to(request.user).order_by().values("village").annotate(n=Count("pk")).values_list("village", "n")
    )
    incomplete_counts = dict(
        grids_visible_to(request.user).team_complete(False).order_by().values("village")
        .annotate(n=Count("pk")).values_list("village", "n")
    )
    # Build the nested list in Python from the path order (one query, no recursion in SQL).
    roots: list[dict] = []
    stack: list[dict] = []
    for area in areas:
        node = {"area": area, "children": [], "grids": grid_counts.get(area.pk, 0),
                "incomplete": incomplete_counts.get(area.pk, 0)}
        while stack and not area.path.startswith(stack[-1]["area"].path):
            stack.pop()
        (stack[-1]["children"] if stack else roots).append(node)
        stack.append(node)
    for node in _walk(roots):
        if node["area"].level != Area.Level.VILLAGE:
            node["grids"] = sum(c["grids"] for c in node["children"])
            node["incomplete"] = sum(c["incomplete"] for c in node["children"])
    return render(request, "govcenter/area_tree.html", {"nav_active": "areas", "roots": roots})


def _walk(nodes):
    """Post-order walk, so that children's sums are ready before their parent's."""
    for node in nodes:
        yield from _walk(node["children"])
        yield node



