from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from grids.selectors import areas_visible_to, grids_visible_to

from . import panels, police
from .calendar import missing_years
from .context_processors import quick_actions
from .forms import ProfileForm
from .jurisdiction import is_admin, scope_of, sees_residents
from .levels import local_date
from .models import Area, Notification, User
from .selectors import jurisdiction_overview


@login_required
def home(request):
    return render(
        request,
        "govcenter/home.html",
        {
            "nav_active": "home",
            "scope": scope_of(request.user),
            # The grid and resident figures; department staff have none (they see cases only).
            "sees_residents": sees_residents(request.user),
            "overview": jurisdiction_overview(request.user),
            "quick_actions": quick_actions(request.user),
            "calendar_missing_years": _calendar_missing_years(request.user),
            "police_tiles": police.home_tiles(request.user),
            # The dashboard and whatever else the apps above govcenter contribute.
            "home_panels": panels.home_panels(request.user, timezone.now()),
        },
    )


def _calendar_missing_years(user) -> list[int]:
    """Years without a working-day calendar, for those who keep it or answer for the deadlines."""
    if not (user.is_superuser or user.role in (User.Role.ADMINISTRATOR, User.Role.DISTRICT_STAFF)):
        return []
    return missing_years(local_date(timezone.now()))


QUEUE_ROWS = 100


@login_required
def police_queue(request):
    """The police review queue (待公安研判): every entry of the user's area awaiting a police
    opinion, one section per kind of item, soonest due first."""
    if not (police.works_the_queue(request.user) or is_admin(request.user)):
        raise PermissionDenied
    now = timezone.now()
    sections = []
    for source in police.queue_sources():
        qs = police.awaiting(source, request.user)
        rows = list(source.rows(qs)[:QUEUE_ROWS])
        for item in rows:
            item.queue_overdue = item.police_review_overdue(now)
        sections.append({"key": source.key, "title": source.title, "rows": rows, "count": qs.count()})
    return render(
        request,
        "govcenter/police_queue.html",
        {"nav_active": "police_queue", "sections": sections, "shown": QUEUE_ROWS},
    )


@login_required
def area_tree(request):
    """The user's part of the district > township > village tree, with grid counts per village."""
    areas = list(areas_visible_to(request.user).order_by("path"))
    grid_counts = dict(
        grids_visible_to(request.user).order_by().values("village").annotate(n=Count("pk")).values_list("village", "n")
    )
    incomplete_counts = dict(
        grids_visible_to(request.user)
        .team_complete(False)
        .order_by()
        .values("village")
        .annotate(n=Count("pk"))
        .values_list("village", "n")
    )
    # Build the nested list in Python from the path order (one query, no recursion in SQL).
    roots: list[dict] = []
    stack: list[dict] = []
    for area in areas:
        node = {
            "area": area,
            "children": [],
            "grids": grid_counts.get(area.pk, 0),
            "incomplete": incomplete_counts.get(area.pk, 0),
        }
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


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    return render(request, "govcenter/profile.html", {"form": form})


@login_required
def notification_list(request):
    """The user's inbox, newest first; ?unread=1 shows only unread messages."""
    qs = Notification.objects.filter(recipient=request.user)
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs.order_by("-created_at", "-pk"), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "govcenter/notifications.html",
        {"nav_active": "notifications", "page": page, "only_unread": only_unread},
    )


@require_POST
@login_required
def notification_open(request, pk):
    """Mark one notification read and go to the item it is about."""
    n = get_object_or_404(Notification, pk=pk, recipient=request.user)  # someone else's: 404
    if n.read_at is None:
        Notification.objects.filter(pk=n.pk, read_at__isnull=True).update(read_at=timezone.now())
    target = n.get_absolute_url()
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "notifications"
    return redirect(target)


@require_POST
@login_required
def notification_read_all(request):
    n = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("%(n)d notifications marked as read.") % {"n": n})
    return redirect("notifications")


def csrf_failure(request, reason: str = ""):
    """A form refused by the CSRF check (settings.CSRF_FAILURE_VIEW). Nearly always a page
    that stayed open past the end of the login session or across a log-in in another
    tab: say so plainly, with the way to go on, instead of Django's technical page."""
    return render(request, "403_csrf.html", {"error_page": True}, status=403)


@login_required
def supervised(request):
    """The supervisor's list (挂牌督办): what the user's centre has under supervision, of
    every flow, with each item's state; soonest due first."""
    from .supervision import SUPERVISOR_ROWS, supervision_figures, supervisions_of, with_items

    now = timezone.now()
    rows = with_items(list(supervisions_of(request.user).select_related("supervisor", "area")[:SUPERVISOR_ROWS]))
    rows = [sv for sv in rows if sv.subject is not None]
    for sv in rows:
        sv.late = sv.subject.is_open and sv.due_at < now
        sv.kind_label = sv.subject._meta.verbose_name
    return render(
        request,
        "govcenter/supervised.html",
        {"nav_active": "supervised", "rows": rows, "figures": supervision_figures(rows, now), "shown": SUPERVISOR_ROWS},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, which also lifts an imported account's obligation to
    change its initial password (``User.must_change_password``)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.user.must_change_password:
            User.objects.filter(pk=form.user.pk).update(must_change_password=False)
            form.user.must_change_password = False
        return response


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    """/favicon.ico, which browsers ask for on pages without an icon link (Django's admin):
    the portal's icon in static/ (its hashed name changes with it, so not a permanent redirect)."""
    return redirect(static("favicon.ico"))
