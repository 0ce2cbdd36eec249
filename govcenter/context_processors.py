from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .jurisdiction import can_manage_grids, is_admin, sees_residents
from .models import Notification, User


def navigation(request):
    """The navbar entries this user's role may use. An app adds its entry when it has pages."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("home", reverse("home"), _("Home")), ("disputes", reverse("disputes:list"), _("Dispute ledger"))]
    if is_admin(user) or user.role == User.Role.DISTRICT_STAFF:
        items.append(("supervision", reverse("disputes:supervision"), _("Overdue and supervised")))
    if sees_residents(user):
        items += [
            ("areas", reverse("area_tree"), _("Areas")),
            ("grids", reverse("grids:grid_list"), _("Grids")),
            ("residents", reverse("grids:resident_list"), _("Residents")),
        ]
    # Sentiment logs: the grid workers who file them, the centres and departments that screen them.
    if is_admin(user) or user.role in (
        User.Role.GRID_WORKER,
        User.Role.VILLAGE_CLERK,
        User.Role.TOWNSHIP_STAFF,
        User.Role.DISTRICT_STAFF,
        User.Role.DEPARTMENT_STAFF,
    ):
        items.append(("logs", reverse("sentiment:home"), _("Sentiment logs")))
    # Publicity campaigns: everyone who works with villages and grids (not department staff).
    if sees_residents(user):
        items.append(("publicity", reverse("publicity:list"), _("Publicity")))
    # Capped so that the badge costs one small indexed query, however full the inbox.
    unread = len(Notification.objects.filter(recipient=user, read_at__isnull=True).values_list("pk", flat=True)[:100])
    return {
        "nav_items": items,
        "nav_unread": unread,
        "nav_is_admin": is_admin(user),
        "nav_can_manage_grids": can_manage_grids(user),
    }
