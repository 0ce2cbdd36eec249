from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govcenter import limits
from govcenter.choices import ChoiceLabels
from govcenter.history import audit_history
from govcenter.models import Area
from govcenter.pii import ProtectedIdNumber, mask_id_number  # noqa: F401  (mask re-exported for templates)


class GridQuerySet(models.QuerySet):
    def with_team_counts(self) -> GridQuerySet:
        """Annotate active workers / police / auxiliaries, in the same query (no per-row queries)."""
        active = Q(memberships__ended_on__isnull=True)
        Duty = GridMembership.Duty
        return self.annotate(
            n_workers=models.Count("memberships", filter=active & Q(memberships__duty=Duty.GRID_WORKER)),
            n_police=models.Count("memberships", filter=active & Q(memberships__duty=Duty.COMMUNITY_POLICE)),
            n_auxiliaries=models.Count("memberships", filter=active & Q(memberships__duty=Duty.AUXILIARY_POLICE)),
        )

    def team_complete(self, complete: bool = True) -> GridQuerySet:
        """A complete team: at least one grid worker and a community police officer."""
        Duty = GridMembership.Duty
        q = Q(_someone_serving(Duty.GRID_WORKER)) & Q(_someone_serving(Duty.COMMUNITY_POLICE))
        return self.filter(q) if complete else self.exclude(q)

    def without_police(self) -> GridQuerySet:
        return self.exclude(_someone_serving(GridMembership.Duty.COMMUNITY_POLICE))

    def without_worker(self) -> GridQuerySet:
        return self.exclude(_someone_serving(GridMembership.Duty.GRID_WORKER))


def _someone_serving(duty: str) -> models.Exists:
    """Whether the grid (the outer row) has someone serving in ``duty`` now."""
    return models.Exists(GridMembership.objects.filter(grid=models.OuterRef("pk"), ended_on__isnull=True, duty=duty))


class Grid(models.Model):
    """A grid (网格) of one village, served by a grid team."""

    village = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="grids",
        verbose_name=_("village"),
        limit_choices_to={"level": Area.Level.VILLAGE},
    )
    code = models.CharField(
        _("grid code"),
        max_length=20,
        unique=True,
        help_text=_("Village division code followed by a 3-digit grid number."),
    )
    name = models.CharField(pgettext_lazy("not a person", "name"), max_length=100)
    description = models.TextField(_("boundary and description"), max_length=limits.REASON, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = GridQuerySet.as_manager()
    history = audit_history(no_db_index=["village"])

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("grids:grid_detail", args=[self.pk])


class GridMembership(models.Model):
    """A person's duty in a grid team from ``started_on`` until ``ended_on`` (null: still serving).

    Team-size limits are database constraints, so that no code path can break them:
    the community police officer holds slot 1, auxiliaries slots 1 or 2, and a slot is
    unique per grid and duty among active memberships. Grid workers have no slot.
    """

    class Duty(models.TextChoices):
        GRID_WORKER = "grid_worker", _("Grid worker")
        COMMUNITY_POLICE = "community_police", _("Community police officer")
        AUXILIARY_POLICE = "auxiliary_police", _("Auxiliary police officer")

    SLOTS = {Duty.COMMUNITY_POLICE: (1,), Duty.AUXILIARY_POLICE: (1, 2), Duty.GRID_WORKER: (None,)}

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("grid"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grid_memberships", verbose_name=_("person")
    )
    duty = models.CharField(_("duty"), max_length=20, choices=Duty.choices)
    slot = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    started_on = models.DateField(_("start date"), default=timezone.localdate)
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = audit_history(no_db_index=["grid", "user"])

    class Meta:
        verbose_name = _("grid team membership")
        verbose_name_plural = _("grid team memberships")
        ordering = ["grid", "duty", "started_on"]
        constraints = [
            models.CheckConstraint(
                name="membership_slot_fits_duty",
                condition=Q(duty="community_police", slot=1)
                | Q(duty="auxiliary_police", slot__in=[1, 2])
                | Q(duty="grid_worker", slot__isnull=True),
            ),
            # At most one active community police officer and two active auxiliaries per grid.
            models.UniqueConstraint(
                fields=["grid", "duty", "slot"],
                condition=Q(ended_on__isnull=True),
                name="membership_one_active_per_slot",
            ),
            # A person serves a grid once at a time.
            models.UniqueConstraint(
                fields=["grid", "user"], condition=Q(ended_on__isnull=True), name="membership_one_active_per_person"
            ),
            models.CheckConstraint(
                name="membership_ends_after_start",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
            ),
        ]
        indexes = [
            # "the grids this person serves now" (jurisdiction of grid workers and police).
            models.Index(fields=["user"], condition=Q(ended_on__isnull=True), name="membership_active_by_user"),
        ]

    def __str__(self) -> str:
        return f"{self.grid} · {self.get_duty_display()} · {self.user}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class CareTag(models.Model):
    """A reason for special attention (关爱标签): left-behind child, elderly living alone, ..."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("not a person", "name"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("care tag")
        verbose_name_plural = _("care tags")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="households", verbose_name=_("grid"))
    # Denormalised from grid.village: jurisdiction filters on it without a join.
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    number = models.CharField(
        _("household number"), max_length=30, help_text=_("House or door number within the grid, e.g. 3组12号.")
    )
    address = models.CharField(_("address"), max_length=200)
    head_name = models.CharField(_("head of household"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    note = models.TextField(_("note"), max_length=limits.NOTE, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = audit_history(no_db_index=["grid", "village"])

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["grid", "number"]
        constraints = [models.UniqueConstraint(fields=["grid", "number"], name="household_unique_number_per_grid")]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}"

    def save(self, *args, **kwargs):
        self.village_id = self.grid.village_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("grids:household_detail", args=[self.pk])


class ResidentQuerySet(models.QuerySet):
    AGE_BANDS = {
        "child": (0, 17),
        "adult": (18, 59),
        "senior": (60, 79),
        "old": (80, 150),
    }

    def in_age_band(self, band: str, today: datetime.date | None = None) -> ResidentQuerySet:
        low, high = self.AGE_BANDS[band]
        today = today or timezone.localdate()

        # Born after (today - (high+1) years) and on or before (today - low years).
        def years_ago(n: int) -> datetime.date:
            try:
                return today.replace(year=today.year - n)
            except ValueError:  # 29 February
                return today.replace(year=today.year - n, day=28)

        return self.filter(birth_date__gt=years_ago(high + 1), birth_date__lte=years_ago(low))


class Resident(ChoiceLabels, ProtectedIdNumber):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="residents", verbose_name=_("grid"))
    # Denormalised from grid.village: jurisdiction filters on it without a join.
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("household")
    )
    relation = models.CharField(_("relation to head"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=50, db_index=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnic group"), max_length=20, blank=True, default="汉族")
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    care_tags = models.ManyToManyField(CareTag, blank=True, related_name="residents", verbose_name=_("care tags"))
    note = models.TextField(_("note"), max_length=limits.NOTE, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ResidentQuerySet.as_manager()
    # Care tags (many-to-many) are not in the history: each form save clears and re-adds
    # them, which would write extra versions per edit.
    history = audit_history(excluded_fields=["updated_at"], no_db_index=["grid", "village", "household", "name"])

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["grid", "name", "pk"]
        constraints = [
            # One person is registered once: duplicate detection by the keyed hash.
            models.UniqueConstraint(
                fields=["id_number_hash"], condition=~Q(id_number_hash=""), name="resident_unique_id_number"
            ),
        ]
        indexes = [
            # Resident list of a village / grid, alphabetical.
            models.Index(fields=["village", "name"], name="resident_village_name"),
            models.Index(fields=["grid", "name"], name="resident_grid_name"),
            # Age-band filters.
            models.Index(fields=["village", "birth_date"], name="resident_village_birth"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.village_id = self.grid.village_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("grids:resident_detail", args=[self.pk])

    def age(self, today: datetime.date | None = None) -> int | None:
        if not self.birth_date:
            return None
        today = today or timezone.localdate()
        return (
            today.year
            - self.birth_date.year
            - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))
        )
