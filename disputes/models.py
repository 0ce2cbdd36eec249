from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govcenter import limits, uploads
from govcenter.choices import ChoiceLabels
from govcenter.deadlines import DeadlinePolicyBase
from govcenter.feedback import ResultFeedback
from govcenter.history import admin_edit_history
from govcenter.levels import LEVEL_ORDER, Level
from govcenter.levels import next_level as level_above
from govcenter.levels import previous_level as level_below
from govcenter.models import Area, Department, PoliceStation
from govcenter.pii import ProtectedIdNumber
from govcenter.police import PoliceOpinion, PoliceQueueItem
from govcenter.reverse import reverse_pk
from govcenter.timeline import LevelMove, TimelineEvent
from govcenter.urgent import UrgentItem
from grids.models import Grid, Resident


class RiskLevel(models.TextChoices):
    GENERAL = "general", _("General")
    SIGNIFICANT = "significant", _("Significant")
    MAJOR = "major", _("Major")


class DeadlinePolicy(DeadlinePolicyBase):
    """How long a level has to handle a dispute of a risk level. Edited in Django admin."""

    key_fields = ("risk_level", "level")
    DEFAULT_DAYS = {
        ("general", "village"): 7,
        ("general", "township"): 10,
        ("general", "district"): 15,
        ("general", "department"): 15,
        ("significant", "village"): 5,
        ("significant", "township"): 7,
        ("significant", "district"): 10,
        ("significant", "department"): 10,
        ("major", "village"): 3,
        ("major", "township"): 5,
        ("major", "district"): 7,
        ("major", "department"): 7,
        # A township's station or institute has the township's time.
        ("general", "town_unit"): 10,
        ("significant", "town_unit"): 7,
        ("major", "town_unit"): 5,
    }

    risk_level = models.CharField(_("risk level"), max_length=12, choices=RiskLevel.choices)
    level = models.CharField(_("handling level"), max_length=12, choices=Level.choices)

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["risk_level", "level"]
        constraints = [models.UniqueConstraint(fields=["risk_level", "level"], name="deadline_policy_unique")]

    def __str__(self) -> str:
        return (
            f"{self.get_risk_level_display()} · {self.get_level_display()}: {self.days} {self.get_day_kind_display()}"
        )


class PoliceReviewPolicy(models.Model):
    """How long the police have to give their opinion on an entry of the review queue
    (待公安研判), per kind of entry. Edited in Django admin; without a row, 3 working days."""

    class Subject(models.TextChoices):
        DISPUTE = "dispute", _("Dispute")
        LOG = "log", _("Sentiment log")

    subject = models.CharField(_("entry"), max_length=10, choices=Subject.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("days"))
    day_kind = models.CharField(
        _("counted as"), max_length=10, choices=DeadlinePolicy.DayKind.choices, default=DeadlinePolicy.DayKind.WORKING
    )

    class Meta:
        verbose_name = _("police review time limit")
        verbose_name_plural = _("police review time limits")
        ordering = ["subject"]

    def __str__(self) -> str:
        return f"{self.get_subject_display()}: {self.days} {self.get_day_kind_display()}"


class FollowUpRule(models.Model):
    """A follow-up visit scheduled when a dispute is resolved, ``days_after`` calendar days later."""

    days_after = models.PositiveSmallIntegerField(_("days after resolution"), unique=True)

    class Meta:
        verbose_name = _("follow-up rule")
        verbose_name_plural = _("follow-up rules")
        ordering = ["days_after"]

    def __str__(self) -> str:
        return _("Follow-up %(days)d days after resolution") % {"days": self.days_after}


class LedgerCounter(models.Model):
    """The last ledger sequence number given out per district and year (see services.ledger_number_next)."""

    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ledger counter")
        verbose_name_plural = _("ledger counters")
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="ledger_counter_unique")]

    def __str__(self) -> str:
        return f"{self.district_id}/{self.year}: {self.last}"


class DisputeLinkGroup(models.Model):
    """Related disputes linked together (关联): every member shows the others, and among
    them a lead case may be chosen for the others to be merged into (并案,
    ``Dispute.merged_into``). A dispute is in one group at most; linking a member of one
    group with a member of another joins the two groups (services.disputes_link)."""

    created_at = models.DateTimeField(_("linked at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("linked by")
    )

    class Meta:
        verbose_name = _("group of linked disputes")
        verbose_name_plural = _("groups of linked disputes")

    def __str__(self) -> str:
        return _("Linked disputes #%(pk)s") % {"pk": self.pk}


class DisputeQuerySet(models.QuerySet):
    def open(self) -> DisputeQuerySet:
        return self.filter(status__in=Dispute.OPEN_STATUSES)

    def overdue(self, at: datetime.datetime | None = None) -> DisputeQuerySet:
        return self.open().filter(due_at__lt=at or timezone.now())

    # The closing outcomes, each counted apart (statistics, the ledger's filters).

    def resolved(self) -> DisputeQuerySet:
        """Closed as resolved (archived ones included: they were resolved first)."""
        return self.filter(status__in=(Dispute.Status.RESOLVED, Dispute.Status.ARCHIVED))

    def not_resolved(self) -> DisputeQuerySet:
        return self.filter(status=Dispute.Status.NOT_RESOLVED)

    def transferred_to_police(self) -> DisputeQuerySet:
        """Transferred to the police (移送公安机关): neither resolved nor not resolved."""
        return self.filter(status=Dispute.Status.TRANSFERRED_TO_POLICE)

    def awaiting_police_acknowledgement(self) -> DisputeQuerySet:
        """Transferred, the station has not yet recorded its case number."""
        return self.transferred_to_police().filter(police_transfer__acknowledged_at__isnull=True)

    def referred_to_court(self) -> DisputeQuerySet:
        """Closed as not resolved with a referral to litigation (诉调对接), with or without the court's outcome."""
        return self.not_resolved().filter(court_referral__isnull=False)

    def awaiting_court_outcome(self) -> DisputeQuerySet:
        return self.referred_to_court().filter(court_referral__outcome="")


# The columns the statistics' "open now" counts read (analysis.figures), carried in the open
# cases' partial indexes so that PostgreSQL counts a province's open cases from the index
# alone (an index-only scan; the heap pages of 40,000 open cases cost 120-180 ms a query).
OPEN_FIGURES = ["id", "status", "category", "source", "risk_level", "level", "result_level", "due_at", "supervised_at"]


class Dispute(ChoiceLabels, PoliceQueueItem, ResultFeedback, UrgentItem, models.Model):
    """One entry of the conflict-dispute ledger (矛盾纠纷排查化解台账).

    It enters the police review queue (``PoliceQueueItem``) when ``needs_police_review``."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        IN_MEDIATION = "in_mediation", _("In mediation")
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Result returned, awaiting confirmation")
        RESOLVED = "resolved", _("Resolved")
        NOT_RESOLVED = "not_resolved", _("Not resolved")
        # Closed on the mediation side: the case turned criminal and the police took it over.
        TRANSFERRED_TO_POLICE = "transferred_to_police", _("Transferred to police")
        ARCHIVED = "archived", _("Archived")

    class Source(models.TextChoices):
        GRID_INSPECTION = "grid_inspection", _("Grid inspection")
        WALK_IN = "walk_in", _("Walk-in")
        HOTLINE_12345 = "hotline_12345", _("12345 hotline")
        POLICE_110 = "police_110", _("110 police")
        LETTERS_VISITS = "letters_visits", _("Letters and visits")
        REFERRAL = "referral", _("Referral")

    class Category(models.TextChoices):
        NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
        LAND_BOUNDARY = "land_boundary", _("Land and boundary")
        MARRIAGE_FAMILY = "marriage_family", _("Marriage and family")
        LABOUR_WAGES = "labour_wages", _("Labour and wage arrears")
        DEMOLITION = "demolition", _("Demolition and compensation")
        RESETTLEMENT = "resettlement", _("Resettlement and customs")
        PROPERTY = "property", _("Property management")
        CONSUMER = "consumer", _("Consumer")
        TRAFFIC = "traffic", _("Traffic")
        MEDICAL = "medical", _("Medical")
        ONLINE_FRAUD = "online_fraud", _("Online fraud")
        OTHER = "other", _("Other")

    class Referral(models.TextChoices):
        LITIGATION = "litigation", _("Litigation")
        ARBITRATION = "arbitration", _("Arbitration")
        LETTERS_VISITS = "letters_visits", _("Letters and visits")
        ADMIN_RECONSIDERATION = "admin_reconsideration", _("Administrative reconsideration")

    class HandedTo(models.TextChoices):
        """Where the police station handed a 110 dispute for mediation (警调联动)."""

        VILLAGE = "village", _("Village centre")
        TOWNSHIP = "township", _("Township centre")
        STATION_ROOM = "station_room", _("The station's police mediation room (警务调解室)")

    OPEN_STATUSES = (Status.REGISTERED, Status.ACCEPTED, Status.IN_MEDIATION, Status.AWAITING_CONFIRMATION)
    # Closed with a result the police station confirms when it handed the case to a centre.
    CLOSED_STATUSES = (Status.RESOLVED, Status.NOT_RESOLVED, Status.ARCHIVED)
    Level = Level
    RiskLevel = RiskLevel

    number = models.CharField(_("ledger number"), max_length=32, unique=True)
    # Where: the district is always known; township / village / grid as far as known
    # (a 12345 item may arrive with only a township). Denormalised so that each level's
    # list filters on one indexed column.
    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    township = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("township")
    )
    village = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("village")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="disputes", verbose_name=_("grid")
    )

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_reference = models.CharField(
        _("source reference"), max_length=50, blank=True, help_text=_("e.g. the 12345 work-order number")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"), max_length=limits.NARRATIVE)
    occurred_on = models.DateField(_("date it arose"))
    location = models.CharField(_("place"), max_length=200, blank=True)

    risk_level = models.CharField(_("risk level"), max_length=12, choices=RiskLevel.choices, default=RiskLevel.GENERAL)
    risk_criminal = models.BooleanField(_("risk of turning criminal"), default=False)
    risk_mass_incident = models.BooleanField(_("risk of a mass incident"), default=False)
    vulnerable_party = models.BooleanField(_("vulnerable party involved"), default=False)
    people_involved = models.PositiveIntegerField(
        _("people involved"),
        null=True,
        blank=True,
        help_text=_("Number of people on the applicant side, e.g. the workers owed wages."),
    )

    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.REGISTERED)
    level = models.CharField(_("handling level"), max_length=12, choices=Level.choices)
    registered_level = models.CharField(_("registered at level"), max_length=12, choices=Level.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("functional department"),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_disputes",
        verbose_name=_("handler"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="registered_disputes",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)
    supervised_at = models.DateTimeField(
        _("under supervision since"), null=True, blank=True, help_text=_("督办: overdue at the top level")
    )

    # Police-mediation linkage (警调联动): a 110 call the police station registered and hands
    # to mediation; the result returns to the station, which confirms it. ``police_station``
    # is set only on such cases; ``handed_to`` is empty until the station hands it over.
    police_station = models.ForeignKey(
        PoliceStation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linked_disputes",
        verbose_name=_("police station (police-mediation linkage)"),
    )
    alarm_number = models.CharField(_("alarm receipt number (接警单号)"), max_length=50, blank=True)
    alarm_at = models.DateTimeField(_("alarm received at"), null=True, blank=True)
    handed_to = models.CharField(_("handed to"), max_length=16, choices=HandedTo.choices, blank=True)
    handed_at = models.DateTimeField(_("handed to mediation at"), null=True, blank=True)
    station_confirmed_at = models.DateTimeField(_("result confirmed by the station at"), null=True, blank=True)

    result = models.TextField(_("handling result"), max_length=limits.REASON, blank=True)
    referral = models.CharField(_("referred to"), max_length=24, choices=Referral.choices, blank=True)
    resolved_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Linked cases (关联) and merged cases (并案): see DisputeLinkGroup. A merged case is
    # handled with its lead: the lead's steps copy their state onto it (services._event)
    # and it takes no step of its own; the lead carries the deadline (due_at is empty).
    link_group = models.ForeignKey(
        DisputeLinkGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("linked with"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        verbose_name=_("merged into (lead case)"),
    )
    # Number, summary, description and party names in one column, so that the ledger's
    # search box is one indexed LIKE (a trigram index on PostgreSQL, migration 0004)
    # instead of an OR across two tables. Kept up to date by services.dispute_register.
    search_text = models.TextField(editable=False, blank=True)

    objects = DisputeQuerySet.as_manager()
    # Administrators' edits only: every step of the workflow is on the case's timeline.
    history = admin_edit_history(
        excluded_fields=["search_text", "updated_at"],
        no_db_index=[
            "number",
            "district",
            "township",
            "village",
            "grid",
            "department",
            "handler",
            "registered_by",
            "police_station",
            "link_group",
            "merged_into",
        ],
    )

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-registered_at", "-pk"]
        indexes = [
            # Each level's ledger list, newest first (the default order, pk breaking ties).
            models.Index(fields=["-registered_at", "-id"], name="dispute_recent"),
            models.Index(fields=["district", "-registered_at", "-id"], name="dispute_district_recent"),
            models.Index(fields=["township", "-registered_at", "-id"], name="dispute_township_recent"),
            models.Index(fields=["village", "-registered_at", "-id"], name="dispute_village_recent"),
            models.Index(fields=["department", "-registered_at", "-id"], name="dispute_department_recent"),
            models.Index(fields=["grid", "-registered_at", "-id"], name="dispute_grid_recent"),
            # The ledger sorted by deadline within a district ("due soonest").
            models.Index(fields=["district", "due_at"], name="dispute_district_due"),
            # ... and within a township, the whole order: a township's 10,000 cases were read
            # and sorted for each page (20 ms at province scale, make bench).
            models.Index(fields=["township", "due_at", "-registered_at", "-id"], name="dispute_township_due"),
            # The overdue sweep and "overdue" filters: open cases by deadline.
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["registered", "accepted", "in_mediation", "awaiting_confirmation"]),
                name="dispute_open_due",
            ),
            # The figures' "open now" of an area (analysis.figures, read next to the tallies):
            # open cases of a district or township by village.
            models.Index(
                fields=["district", "township", "village"],
                condition=Q(status__in=["registered", "accepted", "in_mediation", "awaiting_confirmation"]),
                name="dispute_open_district",
                include=OPEN_FIGURES,
            ),
            models.Index(
                fields=["township", "village"],
                condition=Q(status__in=["registered", "accepted", "in_mediation", "awaiting_confirmation"]),
                name="dispute_open_township",
                include=OPEN_FIGURES,
            ),
            # The dashboard's "urgent now": the few open cases marked urgent, by area.
            models.Index(
                fields=["district", "township", "village"],
                condition=Q(
                    status__in=["registered", "accepted", "in_mediation", "awaiting_confirmation"],
                    urgent_at__isnull=False,
                ),
                name="dispute_open_urgent",
            ),
            # The police review queue, its reminders and its overdue sweep: queued cases by deadline.
            models.Index(
                fields=["police_review_due_at"], condition=Q(police_review="pending"), name="dispute_police_queue"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse_pk("disputes:detail", self.pk)

    def notice_name(self, parties: Iterable[tuple[str, str]] | None = None) -> str:
        """The ledger number with the parties and the matter, as notifications name the case
        ("MD-… (张三 and 李四, Land and boundary)"): the reader knows which case it is without
        opening it. One query (the parties), none when the caller read its ``parties`` as
        (role, name) in the order they were added."""
        if parties is None:
            parties = self.parties.order_by("pk").values_list("role", "name")
        names = {}
        for role, name in parties:
            names.setdefault(role, name)
        people = [n for n in (names.get(Party.Role.APPLICANT), names.get(Party.Role.RESPONDENT)) if n]
        if len(people) == 2:
            parties = _("%(applicant)s and %(respondent)s") % {"applicant": people[0], "respondent": people[1]}
        else:
            parties = people[0] if people else ""
        if not parties:
            return f"{self.number} ({self.get_category_display()})"
        return _("%(number)s (%(parties)s, %(category)s)") % {
            "number": self.number,
            "parties": parties,
            "category": self.get_category_display(),
        }

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def build_search_text(self, party_names: list[str] | None = None) -> str:
        if party_names is None:
            party_names = [p.name for p in self.parties.all()]
        return " ".join([self.number, self.summary, self.description, *party_names])

    def is_overdue(self, at: datetime.datetime | None = None) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < (at or timezone.now())

    @property
    def level_index(self) -> int:
        return LEVEL_ORDER.index(self.level)

    def next_level(self) -> str | None:
        return level_above(self.level)

    # --- police-mediation linkage (警调联动) ---------------------------------------------

    @property
    def is_police_linked(self) -> bool:
        """A 110 dispute the police station registered (and hands, or handed, to mediation)."""
        return self.police_station_id is not None

    @property
    def awaits_handover(self) -> bool:
        """Registered by the police and not yet handed to mediation."""
        return self.is_police_linked and not self.handed_to

    @property
    def in_station_room(self) -> bool:
        """Mediated by the police station's own mediation room (its staff take the steps)."""
        return self.is_police_linked and self.handed_to == self.HandedTo.STATION_ROOM

    @property
    def held_by_station(self) -> bool:
        """With the police station rather than a centre: not yet handed over, or in its room."""
        return self.awaits_handover or self.in_station_room

    @property
    def result_returns_to_station(self) -> bool:
        """Handed to a centre: its result goes back to the station for confirmation."""
        return self.is_police_linked and self.handed_to in (self.HandedTo.VILLAGE, self.HandedTo.TOWNSHIP)

    @property
    def awaits_station_confirmation(self) -> bool:
        return (
            self.result_returns_to_station and self.status in self.CLOSED_STATUSES and self.station_confirmed_at is None
        )

    def linkage_summary(self) -> str:
        """The linkage in one line (ledger export, printed ledger): station, alarm receipt,
        where it was handed, and whether the station confirmed the result."""
        if not self.is_police_linked:
            return ""
        parts = [str(self.police_station)]
        if self.alarm_number:
            parts.append(_("alarm %(number)s") % {"number": self.alarm_number})
        if self.handed_to:
            parts.append(_("handed to %(place)s") % {"place": self.get_handed_to_display()})
        else:
            parts.append(str(_("not yet handed to mediation")))
        if self.station_confirmed_at:
            parts.append(str(_("confirmed by the station")))
        elif self.awaits_station_confirmation:
            parts.append(str(_("awaiting the station's confirmation")))
        return " · ".join(parts)

    def escalates_automatically(self) -> bool:
        """Whether the overdue sweep can move this case one level up by itself.

        It cannot at department level (the district assigned it there; its result returns
        to the district) nor at a township station or institute (likewise, to the
        township), from district level (only the district centre can choose the
        department; a department named earlier, or a township unit the case had, is not
        chosen again by the sweep), while a returned result awaits
        confirmation, nor while the police station holds it (not yet handed to
        mediation, or in its own mediation room); such cases are supervised (督办) instead.
        """
        target = self.next_level()
        if target is None or self.status == self.Status.AWAITING_CONFIRMATION or self.held_by_station:
            return False
        if target == Level.DEPARTMENT:
            return False
        return not (target == Level.TOWNSHIP and self.township_id is None)

    @property
    def awaiting_parties(self) -> bool:
        """A returned result waits to be told to the parties (not once the case reopened)."""
        return self.status == self.Status.RESOLVED and super().awaiting_parties

    @property
    def origin_level(self) -> str:
        """Where the case was registered (or diverted to): a result comes back down to it."""
        return self.registered_level

    @property
    def finder(self):
        """The grid worker who found the case (registered it), else None."""
        return self.registered_by if self.registered_by.role == self.registered_by.Role.GRID_WORKER else None

    def previous_level(self) -> str | None:
        """The level that sent the case up to the current one (never below where it was registered).
        An urgent case the village passed straight to the district skipped the township: its
        result goes back to the village (the highest level it passed below this one)."""
        below = level_below(self.level, floor=self.registered_level)
        if below is None or self.urgent_at is None:
            return below
        from govcenter.feedback import return_levels

        passed = return_levels(self, self.level)
        return passed[0] if passed else below

    def police_review_reasons(self) -> list[str]:
        """Why the police must judge this case (empty: they need not): the flags, a major
        risk, online fraud."""
        reasons = []
        if self.risk_criminal:
            reasons.append(str(_("risk of turning criminal")))
        if self.risk_mass_incident:
            reasons.append(str(_("risk of a mass incident")))
        if self.risk_level == RiskLevel.MAJOR:
            reasons.append(str(_("major risk")))
        if self.category == self.Category.ONLINE_FRAUD:
            reasons.append(str(self.Category.ONLINE_FRAUD.label))
        return reasons

    @property
    def flags(self) -> list[str]:
        names = []
        if self.risk_criminal:
            names.append(str(_("risk of turning criminal")))
        if self.risk_mass_incident:
            names.append(str(_("risk of a mass incident")))
        if self.vulnerable_party:
            names.append(str(_("vulnerable party involved")))
        return names


class Party(ChoiceLabels, ProtectedIdNumber):
    """An applicant or respondent: a person (ID number protected like residents') or an organisation."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        RESPONDENT = "respondent", _("Respondent")
        OTHER = "other", _("Other party")

    class Kind(models.TextChoices):
        PERSON = "person", pgettext_lazy("party kind", "Person")
        ORGANISATION = "organisation", _("Organisation")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties", verbose_name=_("dispute"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    resident = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispute_parties",
        verbose_name=_("resident"),
    )
    # Organisations only (GB 32100-2015, checked by govcenter.identity.validate_credit_code).
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    # Who this party is across disputes (disputes.parties.party_match_key); "" matches nobody.
    match_key = models.CharField(_("match key"), max_length=80, blank=True, editable=False)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute", "role", "pk"]
        indexes = [
            # The ledger's search by the start of a party's name (two characters, below the
            # trigram index's reach: ``DisputeFilter.filter_search``); the pattern operator
            # class serves = and LIKE 'x%' on PostgreSQL whatever the database's collation.
            models.Index(fields=["name"], name="party_name_prefix", opclasses=["varchar_pattern_ops"]),
            # early warning: "the disputes with this respondent" (match_key = ..., dispute_id)
            models.Index(fields=["match_key", "dispute"], name="party_match_key"),
        ]

    def __str__(self) -> str:
        return self.name


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name (the uploaded one is kept in ``original_name``): files are served only
    # through the visibility-checking view, and a name must not be guessable all the same.
    return uploads.random_name(f"disputes/{instance.dispute_id}", filename)


class Attachment(models.Model):
    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("Mediation agreement")
        PHOTO = "photo", _("Photo")
        OTHER = "other", _("Other document")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("dispute")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    # The stored file is the portal's re-encoded copy of an image: only such a file is shown inline.
    reencoded = models.BooleanField(default=False, editable=False)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("disputes:attachment", args=[self.pk])


class MediationRecord(models.Model):
    class Method(models.TextChoices):
        ON_SITE = "on_site", _("On-site mediation")
        COMMITTEE = "committee", _("People's mediation committee")
        POLICE_LINKAGE = "police_linkage", _("Police-mediation linkage")

    class Outcome(models.TextChoices):
        AGREEMENT = "agreement", _("Agreement reached")
        PARTIAL = "partial", _("Partial agreement")
        FAILED = "failed", _("Failed")

    class MediatorKind(models.TextChoices):
        PEOPLES_MEDIATOR = "peoples_mediator", _("People's mediator")
        COMMUNITY_POLICE = "community_police", _("Community police")
        RURAL_SAGE = "rural_sage", _("Rural sage")
        CADRE = "cadre", _("Village or township cadre")
        LAWYER = "lawyer", _("Lawyer")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="mediations", verbose_name=_("dispute"))
    held_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    mediator_kinds = models.JSONField(
        _("mediators present"), default=list, help_text=_("People's mediators, community police, rural sages, ...")
    )
    mediators = models.CharField(_("mediators' names"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    notes = models.TextField(_("record"), max_length=limits.NARRATIVE, blank=True)
    agreement = models.ForeignKey(
        Attachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("agreement")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mediation record")
        verbose_name_plural = _("mediation records")
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.dispute} · {self.held_on} · {self.get_outcome_display()}"

    def mediator_kind_labels(self) -> list[str]:
        return [str(self.MediatorKind(k).label) for k in self.mediator_kinds if k in self.MediatorKind.values]


class FollowUp(models.Model):
    """A follow-up visit (回访) after resolution: scheduled from FollowUpRule, then recorded."""

    class Finding(models.TextChoices):
        STABLE = "stable", _("Stable")
        FLARED = "flared", _("Flared up again")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("dispute"))
    due_on = models.DateField(_("due on"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    finding = models.CharField(_("finding"), max_length=10, choices=Finding.choices, blank=True)
    notes = models.TextField(_("notes"), max_length=limits.NOTE, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visited by"),
    )
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["due_on", "pk"]
        indexes = [
            # Follow-ups coming due (reminders): pending ones by date.
            models.Index(
                fields=["due_on"], condition=Q(visited_on__isnull=True, cancelled=False), name="followup_pending_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute} · {self.due_on}"

    @property
    def is_pending(self) -> bool:
        return self.visited_on is None and not self.cancelled


class PoliceReview(PoliceOpinion):
    """A police opinion (研判意见) on a dispute by station staff or community police: the
    verdict, the text, and the flags the police raise."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="police_reviews", verbose_name=_("dispute")
    )
    flags_criminal_risk = models.BooleanField(_("flags a risk of turning criminal"), default=False)
    flags_mass_incident = models.BooleanField(_("flags a risk of a mass incident"), default=False)

    class Meta(PoliceOpinion.Meta):
        verbose_name = _("police review")
        verbose_name_plural = _("police reviews")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.dispute} · {self.author}"


class PoliceTransfer(models.Model):
    """A dispute that turned criminal, transferred to the police station covering its place
    (移送公安机关). The mediation side is closed; the station acknowledges it with its own
    case number (受案/立案编号)."""

    dispute = models.OneToOneField(
        Dispute, on_delete=models.CASCADE, related_name="police_transfer", verbose_name=_("dispute")
    )
    station = models.ForeignKey(
        PoliceStation, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("police station")
    )
    reason = models.TextField(_("reason for the transfer"), max_length=limits.REASON)
    from_level = models.CharField(_("transferred by level"), max_length=12, choices=Level.choices)
    transferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("transferred by")
    )
    transferred_at = models.DateTimeField(_("transferred at"))
    case_number = models.CharField(_("police case number"), max_length=50, blank=True)
    case_registered_on = models.DateField(_("police case registered on"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer to police")
        verbose_name_plural = _("transfers to police")
        ordering = ["-transferred_at"]

    def __str__(self) -> str:
        return f"{self.dispute} → {self.station}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class CourtReferralPolicy(models.Model):
    """After how many days an open court referral reminds the handling level to record the
    court's outcome. One row, edited in Django admin; without it ``DEFAULT_DAYS``."""

    DEFAULT_DAYS = 90

    days = models.PositiveSmallIntegerField(
        _("remind after (calendar days)"),
        default=DEFAULT_DAYS,
        help_text=_("Counted from the date of the referral to court."),
    )

    class Meta:
        verbose_name = _("court referral reminder")
        verbose_name_plural = _("court referral reminder")

    def __str__(self) -> str:
        return _("Remind %(days)d days after a referral to court") % {"days": self.days}

    @classmethod
    def current_days(cls) -> int:
        row = cls.objects.order_by("pk").first()
        return row.days if row is not None else cls.DEFAULT_DAYS


class CourtReferral(models.Model):
    """A dispute closed as not resolved and referred to litigation (诉调对接): the court,
    the date, and later the court's outcome, which the handling level records."""

    class Outcome(models.TextChoices):
        JUDGEMENT = "judgement", _("Judgement")
        COURT_MEDIATION = "court_mediation", _("Court mediation")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    dispute = models.OneToOneField(
        Dispute, on_delete=models.CASCADE, related_name="court_referral", verbose_name=_("dispute")
    )
    court = models.CharField(_("court"), max_length=100)
    referred_on = models.DateField(_("referred to court on"))
    outcome = models.CharField(_("court outcome"), max_length=20, choices=Outcome.choices, blank=True)
    decided_on = models.DateField(_("court outcome on"), null=True, blank=True)
    outcome_note = models.TextField(_("note on the outcome"), max_length=limits.REASON, blank=True)
    outcome_recorded_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    # Set when the reminder went out: claimed by a conditional UPDATE, so it goes out once.
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("court referral")
        verbose_name_plural = _("court referrals")
        ordering = ["-referred_on", "-pk"]
        indexes = [
            # The reminder sweep: open referrals not yet reminded, by date.
            models.Index(
                fields=["referred_on"], condition=Q(outcome="", reminded_at__isnull=True), name="court_referral_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute} · {self.court}"

    @property
    def is_open(self) -> bool:
        return not self.outcome


class DisputeEvent(TimelineEvent, LevelMove):
    """One step on the dispute's timeline. Written by the services only; never edited."""

    item_field = "dispute"
    snapshot_fields = ("status", "due_at")

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        DIVERTED = "diverted", _("Diverted down")
        ACCEPTED = "accepted", _("Accepted")
        HANDLER_ASSIGNED = "handler_assigned", _("Handler assigned")
        MEDIATION = "mediation", _("Mediation recorded")
        ESCALATED = "escalated", _("Escalated")
        SUPERVISED = "supervised", _("Placed under supervision")
        SUPERVISION_LIFTED = "supervision_lifted", _("Supervision lifted")
        FEEDBACK_RETURNED = "feedback_returned", _("Result returned down")
        FEEDBACK_CONFIRMED = "feedback_confirmed", _("Returned result confirmed")
        FEEDBACK_REJECTED = "feedback_rejected", _("Returned result rejected")
        RESOLVED = "resolved", _("Resolved")
        NOT_RESOLVED = "not_resolved", _("Closed as not resolved")
        FOLLOW_UP = "follow_up", _("Follow-up visit")
        REOPENED = "reopened", _("Reopened")
        ARCHIVED = "archived", _("Archived")
        POLICE_QUEUED = "police_queued", _("Awaiting police review")
        PARTIES_TOLD = "parties_told", _("Parties told the result")
        PARTIES_UNSATISFIED = "unsatisfied", _("Parties unsatisfied: back for review")
        POLICE_REVIEW = "police_review", _("Police opinion")
        POLICE_TRANSFER = "police_transfer", _("Transferred to police")
        POLICE_ACKNOWLEDGED = "police_acknowledged", _("Police recorded their case number")
        COURT_OUTCOME = "court_outcome", _("Court outcome recorded")
        POLICE_SUPERVISED = "police_supervised", _("Police opinion overdue, under supervision")
        ATTACHMENT = "attachment", _("Attachment added")
        HANDED_OVER = "handed_over", _("Handed to mediation by the police station")
        STATION_CONFIRMED = "station_confirmed", _("Result confirmed by the police station")
        MARKED_URGENT = "urgent", _("Marked urgent")
        LINKED = "linked", _("Linked with related disputes")
        UNLINKED = "unlinked", _("Unlinked")
        MERGED = "merged", _("Merged into a lead case")
        MERGED_LEAD = "merged_lead", _("Disputes merged into this one")
        UNMERGED = "unmerged", _("Merge undone")
        WITH_LEAD = "with_lead", _("Handled with the lead case")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events", verbose_name=_("dispute"))
    kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status after"), max_length=24, choices=Dispute.Status.choices)
    due_at = models.DateTimeField(_("deadline after"), null=True, blank=True)

    @property
    def label(self) -> str:
        """The step as the timeline shows it. The district assigns (交办) a case to a
        department and the department returns its result to the district: those moves
        are stored as the level moves they are, and named for what they mean."""
        if self.kind == self.Kind.REGISTERED and self.status == Dispute.Status.ACCEPTED:
            return str(_("Registered and accepted"))  # the handling centre registered it itself
        if self.kind == self.Kind.ESCALATED and self.to_level == Level.DEPARTMENT:
            return str(_("Assigned to a functional department"))
        if self.kind == self.Kind.ESCALATED and (self.from_level, self.to_level) == (Level.VILLAGE, Level.DISTRICT):
            return str(_("Urgent: passed straight to the district"))
        if self.kind == self.Kind.FEEDBACK_RETURNED and self.from_level == Level.DEPARTMENT:
            return str(_("Department's result returned to the district"))
        if self.kind == self.Kind.ESCALATED and self.to_level == Level.TOWNSHIP_UNIT:
            return str(_("Assigned to a township station or institute"))
        if self.kind == self.Kind.FEEDBACK_RETURNED and self.from_level == Level.TOWNSHIP_UNIT:
            return str(_("Station's result returned to the township"))
        return self.get_kind_display()

    class Meta(TimelineEvent.Meta):
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [models.Index(fields=["dispute", "at"], name="dispute_event_timeline")]
