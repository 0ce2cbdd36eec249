from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .jurisdiction import can_manage_grids, is_admin, sees_residents
from .models import Notification, User
from .pagination import capped_counts
from .panels import nav_badge_rows
from .police import works_the_queue

# The navbar's counts stop here: the badges then say "99+".
NAV_BADGE_CAP = 100


def with_badge(label, n: int | None):
    """A navbar label with a count beside it (none when zero or unknown)."""
    if not n:
        return label
    return format_html('{} <span class="badge rounded-pill text-bg-warning">{}</span>', label, n)


def navigation(request):
    """The navbar entries this user's role may use. An app adds its entry when it has pages."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("home", reverse("home"), _("Home"))]
    counted = {}  # key: the rows its badge counts
    # The police review queue (待公安研判) comes first for the police who work it.
    if works_the_queue(user):
        items.append(("police_queue", reverse("police_queue"), _("Police review queue")))
    items.append(("disputes", reverse("disputes:list"), _("Dispute ledger")))
    if is_admin(user) or user.role == User.Role.DISTRICT_STAFF:
        items.append(("supervision", reverse("disputes:supervision"), _("Overdue and supervised")))
    if is_admin(user) or user.role in (User.Role.DISTRICT_STAFF, User.Role.TOWNSHIP_STAFF):
        items.append(("supervised", reverse("supervised"), _("Supervised by us")))
    if sees_residents(user):
        items += [
            ("areas", reverse("area_tree"), _("Areas")),
            ("grids", reverse("grids:grid_list"), _("Grids")),
            ("residents", reverse("grids:resident_list"), _("Residents")),
        ]
    # Sentiment logs: the grid team who file and co-sign them (grid workers, community and
    # auxiliary police), the centres and departments that screen them.
    if is_admin(user) or user.role in (
        User.Role.GRID_WORKER,
        User.Role.COMMUNITY_POLICE,
        User.Role.AUXILIARY_POLICE,
        User.Role.VILLAGE_CLERK,
        User.Role.TOWNSHIP_STAFF,
        User.Role.DISTRICT_STAFF,
        User.Role.DEPARTMENT_STAFF,
        User.Role.UNIT_STAFF,
    ):
        items.append(("logs", reverse("sentiment:home"), _("Sentiment logs")))
    # Publicity campaigns: everyone who works with villages and grids (not department staff).
    if sees_residents(user):
        items.append(("publicity", reverse("publicity:list"), _("Publicity")))
    # Statistics (统计报表): analysis sits on top of the apps, so its page is named by URL only.
    if is_admin(user) or user.role in (
        User.Role.DISTRICT_STAFF,
        User.Role.TOWNSHIP_STAFF,
        User.Role.VILLAGE_CLERK,
        User.Role.STATION_STAFF,
        User.Role.DEPARTMENT_STAFF,
    ):
        items.append(("analysis", reverse("analysis:statistics"), _("Statistics")))
    # The monthly report (月报): townships prepare it, the district receives it.
    if is_admin(user) or user.role in (User.Role.DISTRICT_STAFF, User.Role.TOWNSHIP_STAFF):
        items.append(("reports", reverse("analysis:reports"), _("Monthly reports")))
    # Early warning (预警): the centres and the police stations; the badge counts the open
    # warnings the user sees (``panels.register_nav_badge``: analysis names them).
    if is_admin(user) or user.role in (
        User.Role.DISTRICT_STAFF,
        User.Role.TOWNSHIP_STAFF,
        User.Role.VILLAGE_CLERK,
        User.Role.STATION_STAFF,
    ):
        items.append(("warnings", reverse("analysis:warnings"), _("Warnings")))
        warnings = nav_badge_rows("warnings", user)
        if warnings is not None:
            counted["warnings"] = warnings
    # Onboarding from spreadsheets: administrators, district staff, village clerks (their village).
    from .importers import kinds_for

    if kinds_for(user):
        items.append(("imports", reverse("import_list"), _("Import")))
    # The badges' counts in one query, each capped so that it stays a small indexed read
    # however full the inbox ("99+" beyond).
    counted["unread"] = Notification.objects.filter(recipient=user, read_at__isnull=True)
    counts = dict(zip(counted, capped_counts(list(counted.values()), cap=NAV_BADGE_CAP), strict=True))
    items = [(key, url, with_badge(label, counts.get(key))) for key, url, label in items]
    unread = counts["unread"]
    return {
        "nav_items": items,
        "nav_unread": unread,
        "nav_is_admin": is_admin(user),
        "nav_can_manage_grids": can_manage_grids(user),
    }


def quick_actions(user) -> list[dict]:
    """The day's first clicks for the user's role, as big buttons on the home page:
    {url, label, primary, count}. Like the navbar, this only offers pages; each page still
    checks jurisdiction and rights itself. A button whose name an app registered
    (``panels.register_action_count``) carries the number of rows waiting behind it
    (``count``, else None) and leads to exactly those rows."""
    from .panels import action_count

    R = User.Role
    if is_admin(user):
        return [
            {"url": reverse("admin:index"), "label": _("Administration"), "primary": True, "count": None},
            {"url": reverse("disputes:list"), "label": _("Dispute ledger"), "primary": False, "count": None},
        ]
    by_role = {
        R.GRID_WORKER: [
            ("sentiment:file", _("File a sentiment log"), True),
            ("disputes:register", _("Register a dispute"), False),
            ("sentiment:mine", _("My logs"), False),
            ("publicity:my_assignments", _("My publicity assignments"), False),
            ("sentiment:agency_list", _("Agency matters"), False),
        ],
        R.VILLAGE_CLERK: [
            ("sentiment:queue", _("Incoming logs"), True),
            ("disputes:register", _("Register a dispute"), False),
            ("disputes:to_accept", _("Disputes to accept"), False),
            ("publicity:distributions", _("Campaigns to hand to grids"), False),
            ("sentiment:agency_list", _("Agency matters"), False),
        ],
        R.TOWNSHIP_STAFF: [
            ("sentiment:queue", _("Incoming logs"), True),
            ("disputes:to_accept", _("Disputes to accept"), False),
            ("disputes:register", _("Register a dispute"), False),
            ("publicity:list", _("Publicity"), False),
        ],
        R.DISTRICT_STAFF: [
            ("disputes:supervision", _("Overdue and supervised"), True),
            ("publicity:review_queue", _("Campaigns to review"), False),
            ("sentiment:queue", _("Incoming logs"), False),
            ("disputes:to_accept", _("Disputes to accept"), False),
            ("disputes:register", _("Register a dispute"), False),
        ],
        R.DEPARTMENT_STAFF: [
            ("disputes:assigned", _("Cases assigned to us"), True),
            ("sentiment:queue", _("Incoming logs"), False),
        ],
        R.UNIT_STAFF: [
            ("disputes:assigned", _("Cases assigned to us"), True),
            ("sentiment:queue", _("Incoming logs"), False),
        ],
        R.COMMUNITY_POLICE: [
            ("police_queue", _("Police review queue"), True),
            ("disputes:list", _("Dispute ledger"), False),
            ("grids:resident_list", _("Residents"), False),
        ],
        R.AUXILIARY_POLICE: [
            ("disputes:list", _("Dispute ledger"), True),
            ("grids:resident_list", _("Residents"), False),
        ],
        R.STATION_STAFF: [
            ("police_queue", _("Police review queue"), True),
            ("disputes:list", _("Dispute ledger"), False),
            ("grids:grid_list", _("Grids"), False),
        ],
    }
    actions = []
    for name, label, primary in by_role.get(user.role, []):
        counted = action_count(name)
        if counted is None:
            actions.append({"url": reverse(name), "label": label, "primary": primary, "count": None})
            continue
        query = counted.query(user) if counted.query else ""
        url = reverse(counted.url_name) + (f"?{query}" if query else "")
        actions.append(
            {
                "url": url,
                "label": label,
                "primary": primary,
                "count": counted.count(user),
                "caption": counted.caption or _("waiting"),
            }
        )
    return actions
