from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from treebeard.mp_tree import MP_Node

from . import limits
from .history import audit_history


class Area(MP_Node):
    """A district, township or village; each has a governance centre (the centre is the area).

    ``code`` is the 12-digit statistical division code (统计用区划代码): 6 digits of
    the county/district, 3 of the township, 3 of the village. The level follows from
    the code, and a child's code must start with its parent's prefix.
    """

    class Level(models.TextChoices):
        DISTRICT = "district", _("District")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village")

    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{12}$", _("A division code has exactly 12 digits."))],
    )
    name = models.CharField(pgettext_lazy("not a person", "name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, editable=False)

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [
            # "all villages of a district / township" (jurisdiction, filters) is a prefix
            # scan on the tree path restricted to a level.
            models.Index(fields=["level", "path"], name="area_level_path"),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def level_of_code(code: str) -> str | None:
        """The level a 12-digit code denotes, or None if it denotes none of ours."""
        if len(code) != 12 or not code.isascii() or not code.isdigit() or code[:6].endswith("00"):
            return None
        if code[6:] == "000000":
            return Area.Level.DISTRICT
        if code[9:] == "000":
            return Area.Level.TOWNSHIP
        if code[6:9] == "000":
            return None
        return Area.Level.VILLAGE

    @staticmethod
    def parent_code_of(code: str) -> str | None:
        level = Area.level_of_code(code)
        if level == Area.Level.VILLAGE:
            return code[:9] + "000"
        if level == Area.Level.TOWNSHIP:
            return code[:6] + "000000"
        return None

    def save(self, *args, **kwargs):
        self.level = self.level_of_code(self.code or "") or self.level
        super().save(*args, **kwargs)

    def clean(self) -> None:
        level = self.level_of_code(self.code or "")
        if level is None:
            raise ValidationError({"code": _("This is not a district, township or village division code.")})
        self.level = level

    def check_parent(self, parent: Area | None) -> None:
        """Raise ValidationError unless ``parent`` is where a node with this code belongs."""
        expected = self.parent_code_of(self.code)
        if expected is None and parent is not None:
            raise ValidationError({"code": _("A district has no parent area.")})
        if expected is not None and (parent is None or parent.code != expected):
            raise ValidationError(
                {"code": _("Code %(code)s must sit under area %(parent)s.") % {"code": self.code, "parent": expected}}
            )

    @property
    def prefix(self) -> str:
        """The significant digits of the code: 6 for a district, 9 for a township, 12 for a village."""
        return {self.Level.DISTRICT: self.code[:6], self.Level.TOWNSHIP: self.code[:9]}.get(self.level, self.code)

    @property
    def district_code(self) -> str:
        return self.code[:6]


class PoliceStation(models.Model):
    """A police station (派出所); it covers a set of villages."""

    name = models.CharField(pgettext_lazy("not a person", "name"), max_length=100)
    district = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="police_stations",
        verbose_name=_("district"),
        limit_choices_to={"level": Area.Level.DISTRICT},
    )
    villages = models.ManyToManyField(
        Area,
        related_name="covering_stations",
        blank=True,
        verbose_name=_("villages covered"),
        limit_choices_to={"level": Area.Level.VILLAGE},
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("police station")
        verbose_name_plural = _("police stations")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="station_unique_name_per_district")]

    def __str__(self) -> str:
        return self.name


class DepartmentQuerySet(models.QuerySet):
    def functional(self):
        """The district's functional departments (the district assigns items to them)."""
        return self.filter(township__isnull=True)

    def units_of(self, township_id: int | None):
        """The stations and institutes of a township (the township assigns items to them)."""
        return self.filter(township_id=township_id) if township_id is not None else self.none()


class Department(models.Model):
    """A district functional department (职能部门) that handles cases the district assigns
    it, or, with a ``township``, one of that township's stations and institutes (站所: 司法所,
    派出所, 民政办, 农业站 …) that handles items the township assigns it (seed 003 step 3).

    One model for both rather than a second one: a unit is to its township exactly what a
    department is to its district (assigned an item, handles it, returns its result), so the
    items keep naming it in their one ``department`` column, which already drives
    jurisdiction (its staff see what was assigned to it), the lists' filters, exports,
    printed sheets and timelines; only the level differs (``Level.TOWNSHIP_UNIT``, staffed by
    ``User.Role.UNIT_STAFF``). ``Department.objects.functional()`` are the district's own.
    """

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Functional department")
        JUSTICE = "justice", _("Judicial office (司法所)")
        POLICE = "police", _("Police station (派出所)")
        CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs office (民政办)")
        AGRICULTURE = "agriculture", _("Agricultural station (农业站)")
        OTHER = "other", _("Other station or institute")

    district = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="departments",
        verbose_name=_("district"),
        limit_choices_to={"level": Area.Level.DISTRICT},
    )
    township = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("township"),
        limit_choices_to={"level": Area.Level.TOWNSHIP},
        help_text=_("Set for a township's station or institute (站所); empty for a district functional department."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DEPARTMENT)
    name = models.CharField(pgettext_lazy("not a person", "name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("functional department or township unit")
        verbose_name_plural = _("functional departments and township units")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="department_unique_name_per_district"),
            # A unit is of a township and of a kind other than "functional department".
            models.CheckConstraint(
                name="department_unit_kind",
                condition=Q(township__isnull=True, kind="department")
                | Q(township__isnull=False) & ~Q(kind="department"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_unit(self) -> bool:
        return self.township_id is not None

    def clean(self) -> None:
        errors = {}
        if self.township_id is not None:
            if self.kind == self.Kind.DEPARTMENT:
                errors["kind"] = _("Choose the kind of station or institute.")
            if self.district_id is not None and not self.township.path.startswith(self.district.path):
                errors["township"] = _("The township must be in the district.")
        elif self.kind != self.Kind.DEPARTMENT:
            errors["township"] = _("A station or institute belongs to a township.")
        if errors:
            raise ValidationError(errors)


class User(AbstractUser):
    """A portal user with one role and a home jurisdiction (area, police station or department)."""

    class Role(models.TextChoices):
        GRID_WORKER = "grid_worker", _("Grid worker")
        COMMUNITY_POLICE = "community_police", _("Community police officer")
        AUXILIARY_POLICE = "auxiliary_police", _("Auxiliary police officer")
        VILLAGE_CLERK = "village_clerk", _("Village centre clerk")
        TOWNSHIP_STAFF = "township_staff", _("Township centre staff")
        DISTRICT_STAFF = "district_staff", _("District centre staff")
        STATION_STAFF = "station_staff", _("Police station staff")
        DEPARTMENT_STAFF = "department_staff", _("Functional department staff")
        UNIT_STAFF = "unit_staff", _("Township station or institute staff")
        ADMINISTRATOR = "administrator", _("Administrator")

    # The level of area each area-bound role must have as its home.
    AREA_LEVEL_OF_ROLE = {
        Role.VILLAGE_CLERK: Area.Level.VILLAGE,
        Role.TOWNSHIP_STAFF: Area.Level.TOWNSHIP,
        Role.DISTRICT_STAFF: Area.Level.DISTRICT,
    }

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.GRID_WORKER)
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("home area"),
        help_text=_(
            "The centre this person works for: a village for clerks and grid workers, a township or a district for centre staff."
        ),
    )
    police_station = models.ForeignKey(
        PoliceStation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("police station"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("functional department"),
        help_text=_(
            "For department staff their department; for station and institute staff their station or institute."
        ),
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    notify_by_email = models.BooleanField(_("send notifications by e-mail"), default=True)
    notify_by_sms = models.BooleanField(_("send notifications by SMS"), default=False)
    # Set on an account made with an initial password (an import): every page sends the
    # user to the password change until they chose their own (govcenter.middleware).
    must_change_password = models.BooleanField(_("must change password at next login"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_police(self) -> bool:
        return self.role in (self.Role.COMMUNITY_POLICE, self.Role.AUXILIARY_POLICE, self.Role.STATION_STAFF)

    def clean(self) -> None:
        errors = {}
        level = self.AREA_LEVEL_OF_ROLE.get(self.role)
        if level and (self.area is None or self.area.level != level):
            errors["area"] = _("A %(role)s needs a home area of level %(level)s.") % {
                "role": self.get_role_display(),
                "level": Area.Level(level).label,
            }
        if self.role == self.Role.STATION_STAFF and self.police_station_id is None:
            errors["police_station"] = _("Police station staff need a police station.")
        if self.role == self.Role.DEPARTMENT_STAFF and (self.department_id is None or self.department.is_unit):
            errors["department"] = _("Department staff need a functional department.")
        if self.role == self.Role.UNIT_STAFF and (self.department_id is None or not self.department.is_unit):
            errors["department"] = _("Station and institute staff need a township station or institute.")
        if self.phone:
            from .pii import validate_mobile

            try:
                self.phone = validate_mobile(self.phone)
            except ValidationError as e:
                errors["phone"] = e.messages
        if errors:
            raise ValidationError(errors)


class PersonalDataAccess(models.Model):
    """One reveal of protected personal data (an unmasked ID number): who, what, when."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("user"))
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    subject_label = models.CharField(_("whose data"), max_length=100)
    field = models.CharField(_("field"), max_length=50, default="id_number")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data accesses")
        ordering = ["-at"]
        indexes = [
            # "who looked at this person's data" on the subject's page and in admin.
            models.Index(fields=["content_type", "object_id", "-at"], name="pda_subject_at"),
            # "how many numbers did this user see in the last hour": the reveal limit.
            models.Index(fields=["user", "-at"], name="pda_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.subject_label} ({self.at:%Y-%m-%d %H:%M})"


class Notification(models.Model):
    """An in-app message to one user, with a link to the item it is about."""

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=limits.MESSAGE, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set when the e-mail / SMS copies were handed to their backends (or there were none to
    # send). Null: still to deliver; the periodic catch-up finds these after a broker outage.
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # An urgent item's alarm (govcenter.urgent): sent by e-mail and SMS to every address the
    # recipient has, whatever they chose for everyday notifications.
    urgent = models.BooleanField(_("urgent"), default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            # The inbox page and the unread badge: one user's newest / unread first.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
            # The delivery catch-up: undelivered notifications, oldest first.
            models.Index(
                fields=["created_at"], condition=models.Q(delivered_at__isnull=True), name="notification_undelivered"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.url or reverse("home")


class ReminderSent(models.Model):
    """The claim that a reminder of ``kind`` for one item and one deadline went out.

    The unique constraint is what makes reminders once-only: whoever inserts the row
    first sends, every other worker (or a restarted beat) finds it and skips.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(_("kind"), max_length=50)
    deadline = models.DateTimeField(_("deadline"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind", "deadline"], name="reminder_once_per_deadline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.content_type_id}:{self.object_id} @ {self.deadline:%Y-%m-%d %H:%M}"


class CalendarDay(models.Model):
    """A day the statutory calendar makes different from an ordinary week: a holiday
    (rest, also on the weekend days a holiday spans) or an adjusted working day (work,
    often a Saturday or Sunday). Every other day is a working day from Monday to Friday.

    The administrator keeps the table (Django admin, or an XLSX / CSV import); the
    migration seeds it from ``chinesecalendar`` for the years that package covers. A
    year with no row at all is a year nobody has entered: ``govcenter.calendar`` then
    counts weekends only and warns.
    """

    class Kind(models.TextChoices):
        REST = "rest", _("Rest day (holiday)")
        WORK = "work", _("Working day (adjusted)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    name = models.CharField(
        pgettext_lazy("not a person", "name"),
        max_length=100,
        blank=True,
        help_text=_(
            "The holiday as the State Council's notice names it (e.g. 春节); for a working day, the holiday it makes up for."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = audit_history(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".rstrip()


class Supervision(models.Model):
    """An item of any flow put under supervision (挂牌督办) by a higher level: by district
    staff (or township staff for their villages) with a due date and a note, or by the
    overdue sweep (``supervisor`` empty) where an item cannot move up by itself. The item
    carries the mark (its ``supervised_at``); this row says who supervises, until when and
    why, and when and by whom it was lifted (``govcenter.supervision``)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    level = models.CharField(
        _("supervising level"),
        max_length=12,
        choices=[("township", _("Township")), ("district", _("District"))],
    )
    # The supervising centre's place: the item's township or district.
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("supervising centre"))
    supervisor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supervised by"),
        help_text=_("Empty when the overdue sweep placed it."),
    )
    due_at = models.DateTimeField(_("supervision due"))
    note = models.TextField(_("note"), max_length=limits.REASON, blank=True)
    started_at = models.DateTimeField(_("since"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("lifted by")
    )
    lift_note = models.TextField(_("why lifted"), max_length=limits.REASON, blank=True)

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["due_at", "pk"]
        constraints = [
            # One supervision in force per item: two clerks (or the sweep and a clerk) cannot both place one.
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=models.Q(lifted_at__isnull=True),
                name="supervision_one_active_per_item",
            ),
        ]
        indexes = [
            # The supervisor's list: a centre's supervisions in force, soonest due first.
            models.Index(
                fields=["area", "level", "due_at"],
                condition=models.Q(lifted_at__isnull=True),
                name="supervision_active",
            ),
            # The item's detail page: its supervision in force.
            models.Index(fields=["content_type", "object_id"], name="supervision_item"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.content_type_id}:{self.object_id} · {self.due_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class ImportJob(models.Model):
    """One uploaded file imported (or refused) by ``govcenter.importers``: who, what, when,
    how it went. The file is kept (under MEDIA_ROOT, served only to its importer) so that
    the background task can read it and the importer can download it back with the errors,
    for IMPORT_UPLOAD_KEEP_DAYS after the import finished; then the hourly sweep deletes it
    (with the rows it quotes: the errors, the passwords sheet) and the row stays, saying so."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        CHECKING = "checking", _("Checking rows")
        WRITING = "writing", _("Saving")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Not imported: rows with errors")
        FAILED = "failed", _("Not imported: the file cannot be read")

    RUNNING = (Status.QUEUED, Status.CHECKING, Status.WRITING)

    kind = models.CharField(_("kind"), max_length=20)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("imported by"))
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=200)
    file_name = models.CharField(_("file name"), max_length=200)
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(_("message"), blank=True, editable=False)  # written by the portal
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    rows_expected = models.PositiveIntegerField(null=True, blank=True)
    rows_checked = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("rows with errors"), default=0)
    # [[row, column, message, value], ...] of a refused file, in the importer's language.
    errors = models.JSONField(default=list, blank=True)
    # The accounts a team file made, with their initial passwords, for the importer to print
    # (SMS may not reach everyone): encrypted like ID numbers (govcenter.pii), emptied once printed.
    passwords_sheet = models.TextField(blank=True, editable=False)
    file_deleted_at = models.DateTimeField(_("file deleted at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The import page: the user's own imports, newest first.
            models.Index(fields=["user", "-created_at"], name="importjob_user_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("import_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def history_reason(self) -> str:
        """The change reason each imported record's history carries (max 100 characters)."""
        return f"import #{self.pk}: {self.file_name}"[:100]

    def percent(self) -> int:
        """Progress for the bar: checking is the first 90 %, saving the rest (one transaction:
        its progress is not visible outside it)."""
        if self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.FAILED):
            return 100
        if self.status == self.Status.WRITING:
            return 95
        if not self.rows_expected:
            return 0
        return min(90, self.rows_checked * 90 // self.rows_expected)


class ExportJob(models.Model):
    """A large export written in the background (``govcenter.background_exports``): the
    requester follows its progress and downloads the file, which only they can open and
    which expires a day after it was asked for."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Writing the file")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"

    kind = models.CharField(_("kind"), max_length=40)
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.XLSX)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="export_jobs", verbose_name=_("requested by"))
    params = models.TextField(blank=True, editable=False)  # the list's query string: the same filter as the page
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_expected = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The expiry sweep: the oldest exports first.
            models.Index(fields=["created_at"], name="exportjob_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"

    def get_absolute_url(self) -> str:
        return reverse("export_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    def percent(self) -> int:
        if not self.is_running:
            return 100
        return min(99, self.rows_done * 100 // self.rows_expected) if self.rows_expected else 0

    def content_type(self) -> str:
        from .exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE

        return CSV_CONTENT_TYPE if self.file_format == self.Format.CSV else XLSX_CONTENT_TYPE
