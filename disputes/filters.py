"""The ledger's filters (django-filter), shared by the list, the printed ledger and the exports.

Always built over ``disputes_visible_to(user)`` with ``request=``: the township,
village and grid choices come from the user's jurisdiction, so a filter never offers
(or accepts) an area the user may not see, and a value outside it is simply ignored
(the rows stay those of the jurisdiction).
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govcenter import feedback
from govcenter.filters import BootstrapFilterSet, among, request_user
from govcenter.forms import clean_text_field, date_input, parse_pk
from govcenter.jurisdiction import is_admin
from govcenter.levels import level_of, local_zone
from govcenter.models import Area, User
from govcenter.urgent import urgent_filter
from grids.filters import grid_filter, township_filter, village_filter, visible_townships
from grids.models import Grid
from grids.selectors import villages_visible_to

from .forms import cascade_places
from .models import CourtReferral, Dispute, Level, Party, RiskLevel
from .selectors import grids_for, villages_for

Role = User.Role


# A ledger number is "MD-<district code>-<year>-<sequence>", the year that of its registration
# in local time (services.dispute_register).
NUMBER_YEAR = re.compile(r"MD-\d{6}-(\d{1,4})")


def _number_prefix(text: str) -> Q:
    """Ledger numbers starting with ``text`` and, when it holds the year or its first digits,
    registered in the years they allow ("MD-340799-2025": 2025; "MD-340799-202": 2020 to 2029).
    The same disputes, but the planner starts the ledger's date-ordered index where they are:
    without it a district-year's prefix (25,000 cases of 2025) walked the whole province's 2026
    cases first (1.5 s in make bench). A prefix without the year matches cases of every year,
    which the newest-first walk meets at once."""
    prefix = Q(number__startswith=text)
    year = NUMBER_YEAR.match(text)
    if year is None:
        return prefix
    scale = 10 ** (4 - len(year[1]))
    first, last = int(year[1]) * scale, (int(year[1]) + 1) * scale  # years first <= y < last
    if first < 1 or last > 9999:  # no ledger has such a year (and datetime could not hold it)
        return prefix
    zone = local_zone()
    return prefix & Q(
        registered_at__gte=datetime.datetime(first, 1, 1, tzinfo=zone),
        registered_at__lt=datetime.datetime(last, 1, 1, tzinfo=zone),
    )


# The shortest search the trigram index on Dispute.search_text serves (three characters).
SEARCH_TRIGRAM = 3

SORT_CHOICES = (
    ("-registered_at", _("Newest first")),
    ("registered_at", _("Oldest first")),
    ("due_at", _("Due soonest")),
    ("-due_at", _("Due latest")),
    ("number", _("Ledger number")),
    ("-number", _("Ledger number, descending")),
    ("-risk_level", _("Highest risk first")),
    ("risk_level", _("Lowest risk first")),
)
# ``sort`` value -> ORDER BY; anything else is refused by the ChoiceFilter (whitelist).
# Ties are broken by the default order, so that pages do not overlap.
SORT_ORDER = {
    "registered_at": ("registered_at", "pk"),
    "-registered_at": ("-registered_at", "-pk"),
    "due_at": ("due_at", "-registered_at", "-pk"),
    "-due_at": ("-due_at", "-registered_at", "-pk"),
    "number": ("number",),
    "-number": ("-number",),
    "risk_level": ("risk_rank", "-registered_at", "-pk"),
    "-risk_level": ("-risk_rank", "-registered_at", "-pk"),
}
RISK_RANK = Case(
    When(risk_level=RiskLevel.GENERAL, then=Value(0)),
    When(risk_level=RiskLevel.SIGNIFICANT, then=Value(1)),
    When(risk_level=RiskLevel.MAJOR, then=Value(2)),
    default=Value(0),
    output_field=IntegerField(),
)

FLAG_CHOICES = (
    ("any", _("Any flag")),
    ("risk_criminal", _("Risk of turning criminal")),
    ("risk_mass_incident", _("Risk of a mass incident")),
    ("vulnerable_party", _("Vulnerable party involved")),
)
FLAG_FIELDS = ("risk_criminal", "risk_mass_incident", "vulnerable_party")

LINKAGE_CHOICES = (
    ("linked", _("Police-mediation linkage (警调联动)")),
    ("station_room", _("In the police station's mediation room")),
    ("handed", _("Handed to a centre, not yet confirmed by the station")),
    ("awaiting", _("Result awaiting the station's confirmation")),
    ("confirmed", _("Result confirmed by the station")),
)
# Transfers to police (移送公安机关) and referrals to court (诉调对接), by where they stand.
POLICE_TRANSFER_CHOICES = (
    ("any", _("Transferred to police")),
    ("awaiting", _("Awaiting the station's case number")),
    ("acknowledged", _("Case number recorded")),
)
COURT_CHOICES = (
    ("any", _("Referred to court")),
    ("awaiting", _("Awaiting the court's outcome")),
    *((f"outcome:{value}", label) for value, label in CourtReferral.Outcome.choices),
)

# Which area filters a role is offered: none for a department or a township unit (its cases are assigned,
# not placed), and only those below the user's own centre.
AREA_FILTERS = {
    Role.GRID_WORKER: ("grid",),
    Role.AUXILIARY_POLICE: ("grid",),
    Role.VILLAGE_CLERK: ("grid",),
    Role.TOWNSHIP_STAFF: ("village", "grid"),
    Role.DISTRICT_STAFF: ("township", "village", "grid"),
    Role.COMMUNITY_POLICE: ("township", "village", "grid"),
    Role.STATION_STAFF: ("township", "village", "grid"),
    Role.DEPARTMENT_STAFF: (),
    Role.UNIT_STAFF: (),
}
# Filters shown above the fold; the rest sit under "More filters".
PRIMARY_FILTERS = ("q", "status", "level", "urgent", "overdue")


def _chosen(request, name: str) -> int | None:
    return parse_pk(request.GET.get(name)) if request is not None else None


def _chosen_township(request) -> Area | None:
    """The township chosen in the filter, looked up once per request (the village and grid
    choices both depend on it)."""
    if not hasattr(request, "_ledger_township"):
        pk = _chosen(request, "township")
        request._ledger_township = visible_townships(request).filter(pk=pk).first() if pk else None
    return request._ledger_township


# Village and grid choices follow the rule of the registration form (``selectors.villages_for``):
# cut to the area chosen above; for a district, offered once a township is chosen.
def _villages(request):
    user = request_user(request)
    if user is None:
        return Area.objects.none()
    return villages_for(user, township=_chosen_township(request))


def _grids(request):
    user = request_user(request)
    if user is None:
        return Grid.objects.none()
    pk = _chosen(request, "village")
    village = villages_visible_to(user).filter(pk=pk).first() if pk else None
    return grids_for(user, village=village, township=_chosen_township(request))


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=local_zone())


# The status filter's value for any open status (Dispute.OPEN_STATUSES): the "open now"
# figure of the dashboard and the statistics page.
OPEN_STATUS = "open"


class DisputeFilter(BootstrapFilterSet):
    # Its choices are constants and the user's places: the drawn form is kept
    # (govcenter/drawn_filters.py).
    keep_drawn_form = True

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=[(OPEN_STATUS, pgettext_lazy("dispute status", "Open (all)")), *Dispute.Status.choices],
        method="filter_status",
        label=_("Status"),
        empty_label=_("Any status"),
    )
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Handling level"), empty_label=_("Any level"))
    supervised = django_filters.ChoiceFilter(
        choices=(("yes", _("Under supervision")),),
        method="filter_supervised",
        label=_("Supervision"),
        empty_label=_("With or without"),
    )
    urgent = urgent_filter()
    overdue = django_filters.ChoiceFilter(
        choices=(("yes", _("Overdue")), ("no", _("Not overdue"))),
        method="filter_overdue",
        label=_("Deadline"),
        empty_label=_("Any deadline"),
    )
    feedback = django_filters.ChoiceFilter(
        choices=(
            ("returned", _("Result returned, parties not yet told")),
            ("review", _("Parties unsatisfied, back for review")),
        ),
        method="filter_feedback",
        label=_("Result back to the origin"),
        empty_label=_("Any"),
    )
    category = django_filters.ChoiceFilter(
        choices=Dispute.Category.choices, label=_("Category"), empty_label=_("Any category")
    )
    source = django_filters.ChoiceFilter(choices=Dispute.Source.choices, label=_("Source"), empty_label=_("Any source"))
    risk_level = django_filters.ChoiceFilter(
        choices=RiskLevel.choices, label=_("Risk level"), empty_label=_("Any risk")
    )
    flag = django_filters.ChoiceFilter(
        choices=FLAG_CHOICES, method="filter_flag", label=_("Flag"), empty_label=_("With or without")
    )
    linkage = django_filters.ChoiceFilter(
        choices=LINKAGE_CHOICES, method="filter_linkage", label=_("Police-mediation linkage"), empty_label=_("Any")
    )
    police_transfer = django_filters.ChoiceFilter(
        choices=POLICE_TRANSFER_CHOICES,
        method="filter_police_transfer",
        label=_("Transfer to police"),
        empty_label=_("With or without"),
    )
    court = django_filters.ChoiceFilter(
        choices=COURT_CHOICES, method="filter_court", label=_("Court referral"), empty_label=_("With or without")
    )
    township = township_filter()
    village = village_filter(queryset=_villages)
    grid = grid_filter(queryset=_grids)
    registered_from = django_filters.DateFilter(
        method="filter_registered_from",
        label=_("Registered from"),
        widget=date_input(),
    )
    registered_to = django_filters.DateFilter(
        method="filter_registered_to",
        label=_("Registered until"),
        widget=date_input(),
    )
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, method="filter_sort", label=_("Order"), empty_label=None)

    class Meta:
        model = Dispute
        fields: list[str] = []

    def __init__(self, *args, at: datetime.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.at = at or timezone.now()
        user = request_user(self.request)
        offered = ("township", "village", "grid") if user is None or is_admin(user) else AREA_FILTERS.get(user.role, ())
        for name in ("township", "village", "grid"):
            if name not in offered:
                del self.filters[name]

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_styled", False):
            for name, field in form.fields.items():
                clean_text_field(field)  # a NUL or direction control in the search box, as on every form
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)
                field.primary = name in PRIMARY_FILTERS
            form.fields["q"].widget.attrs.update(
                {
                    "placeholder": _("Ledger number, party name or text"),
                    "type": "search",
                    "title": _(
                        "One or two characters find the parties whose name begins with them; "
                        "three or more search ledger numbers, names and text."
                    ),
                }
            )
            cascade_places(form)
            form._styled = True
        return form

    @property
    def advanced_in_use(self) -> bool:
        """Whether a filter under "More filters" is set (the section then starts open)."""
        if not self.is_bound:
            return False
        return any(self.data.get(name) for name in self.filters if name not in PRIMARY_FILTERS and name != "sort")

    # --- methods --------------------------------------------------------------------

    def filter_status(self, queryset, name, value):
        if value == OPEN_STATUS:
            return queryset.filter(status__in=Dispute.OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.upper().startswith("MD-"):
            # Ledger numbers are stored upper-case: a case-sensitive prefix match can use the
            # unique index (on PostgreSQL its varchar_pattern_ops twin), istartswith could not.
            ids = Dispute.objects.filter(number__startswith=value.upper()).order_by().values_list("pk")  # a set
            return among(queryset, ids, otherwise=lambda: _number_prefix(value.upper()))
        if len(value) < SEARCH_TRIGRAM:
            # The commonest Chinese names have two characters (王伟, 李娜), too short for the
            # trigram index, and a LIKE '%王伟%' would read the whole ledger: a short search
            # matches the start of a party's name instead (an index on Party.name serves it).
            return among(queryset, Party.objects.filter(name__startswith=value).order_by().values_list("dispute_id"))
        # One indexed column (trigram GIN on PostgreSQL) holds number, summary, description
        # and party names: see Dispute.search_text.
        return queryset.filter(search_text__icontains=value)

    def filter_supervised(self, queryset, name, value):
        return (
            queryset.filter(supervised_at__isnull=False, status__in=Dispute.OPEN_STATUSES)
            if value == "yes"
            else queryset
        )

    def filter_feedback(self, queryset, name, value):
        if value == "returned":
            return queryset.filter(feedback.awaiting_parties_q(), status=Dispute.Status.RESOLVED)
        if value == "review":
            return queryset.filter(feedback.sent_back_for_review_q(), status__in=Dispute.OPEN_STATUSES)
        return queryset

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=Dispute.OPEN_STATUSES, due_at__lt=self.at)
        if value == "yes":
            return queryset.filter(overdue)
        return queryset.exclude(overdue)

    def filter_flag(self, queryset, name, value):
        if value == "any":
            return queryset.filter(Q(risk_criminal=True) | Q(risk_mass_incident=True) | Q(vulnerable_party=True))
        if value in FLAG_FIELDS:
            return queryset.filter(**{value: True})
        return queryset

    def filter_linkage(self, queryset, name, value):
        linked = queryset.filter(police_station__isnull=False)
        returned = [Dispute.HandedTo.VILLAGE, Dispute.HandedTo.TOWNSHIP]
        if value == "station_room":
            return linked.filter(handed_to=Dispute.HandedTo.STATION_ROOM)
        if value == "handed":
            return linked.filter(handed_to__in=returned, station_confirmed_at__isnull=True)
        if value == "awaiting":
            return linked.filter(
                handed_to__in=returned, status__in=Dispute.CLOSED_STATUSES, station_confirmed_at__isnull=True
            )
        if value == "confirmed":
            return linked.filter(station_confirmed_at__isnull=False)
        return linked

    def filter_police_transfer(self, queryset, name, value):
        transferred = queryset.transferred_to_police()
        if value == "awaiting":
            return transferred.filter(police_transfer__acknowledged_at__isnull=True)
        if value == "acknowledged":
            return transferred.filter(police_transfer__acknowledged_at__isnull=False)
        return transferred if value == "any" else queryset

    def filter_court(self, queryset, name, value):
        referred = queryset.referred_to_court()
        if value == "awaiting":
            return referred.filter(court_referral__outcome="")
        if value.startswith("outcome:"):
            return referred.filter(court_referral__outcome=value.removeprefix("outcome:"))
        return referred if value == "any" else queryset

    def filter_registered_from(self, queryset, name, value):
        # Bounds as instants of local midnight, so the registered_at indexes serve the range.
        return queryset.filter(registered_at__gte=_local_midnight(value))

    def filter_registered_to(self, queryset, name, value):
        return queryset.filter(registered_at__lt=_local_midnight(value + datetime.timedelta(days=1)))

    def filter_sort(self, queryset, name, value):
        order = SORT_ORDER.get(value)
        if not order:
            return queryset
        if "risk_rank" in order or "-risk_rank" in order:
            queryset = queryset.annotate(risk_rank=RISK_RANK)
        return queryset.order_by(*order)


# --- quick filters ----------------------------------------------------------------------

# Parameters a quick filter leaves alone: which page, and the order of the rows.
_NOT_A_CONDITION = {"page", "sort"}


def quick_filters(request) -> list[dict]:
    """The one-tap views above the ledger that police and clerks use most, each a set of
    DisputeFilter parameters (so the rows are exactly those of the full filter with the same
    values): open disputes at risk of turning criminal (民转刑), disputes awaiting
    acceptance, open disputes at the user's own handling level (centre and department staff
    only) and overdue disputes. A quick filter is active when the conditions in the query
    string are exactly its own; tapping an active one clears it."""
    user = request_user(request)
    choices = [
        ("criminal", _("Risk of turning criminal"), {"status": OPEN_STATUS, "flag": "risk_criminal"}),
        ("registered", _("Awaiting acceptance"), {"status": Dispute.Status.REGISTERED}),
    ]
    own_level = level_of(user) if user is not None else None
    if own_level is not None:
        choices.append(("my_level", _("Handled at my level"), {"status": OPEN_STATUS, "level": own_level}))
    choices.append(("overdue", _("Overdue"), {"overdue": "yes"}))
    current = {k: v for k, v in request.GET.items() if v and k not in _NOT_A_CONDITION}
    sort = request.GET.get("sort")
    quick = []
    for key, label, params in choices:
        params = {k: str(v) for k, v in params.items()}
        active = current == params
        query = {} if active else {**params, **({"sort": sort} if sort else {})}
        quick.append(
            {
                "key": key,
                "label": label,
                "params": params,
                "active": active,
                "url": "?" + urlencode(query) if query else request.path,
            }
        )
    return quick
