from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .jurisdiction import can_manage_grids, is_admin, sees_residents


def navigation(request):
    """The navbar entries this user's role may use. An app adds its entry when it has pages."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("home", reverse("home"), _("Home"))]
    if sees_residents(user):
        items += [
            ("areas", reverse("area_tree"), _("Areas")),
            ("grids", reverse("grids:grid_list"), _("Grids")),
            ("residents", reverse("grids:resident_list"), _("Residents")),
        ]
    return {
        "nav_items": items,
        "nav_is_admin": is_admin(user),
        "nav_can_manage_grids": can_manage_grids(user),
    }
