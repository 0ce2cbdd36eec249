"""The grid app's kinds of import file (``govcenter.importers`` is the framework):
grids, households, residents, and team members with their accounts.

Who may import what (the import page and ``import_file --user``): administrators
everything; district staff everything within their district; village clerks households
and residents of their own village. A row outside the importer's jurisdiction is an
error, never silently skipped.

Many rows are written with ``bulk_create_with_history`` / ``bulk_update_with_history``
(500,000 residents: one INSERT per batch rather than a save, a savepoint and a history
INSERT per row); the history of each record carries the import's job as its change
reason and the importer as its user, so a resident's history says which file it came from.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from govcenter import pii
from govcenter.importers import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    Importer,
    Row,
    RowError,
    RowProblem,
    register,
)
from govcenter.jurisdiction import is_admin, scope_of
from govcenter.models import Area, PoliceStation, User

from .models import CareTag, Grid, GridMembership, Household, Resident
from .services import DUTY_FOR_ROLE, RESIDENT_FIELDS, TeamError, membership_add

GRID_CODE_RE = re.compile(r"^\d{15}$")
# Several values in one cell (grid codes, care tags): 、 , ; (ASCII or full-width) or spaces.
SEPARATORS = re.compile(r"[\s,，;；、]+")


def _admin_or_cli(user) -> bool:
    return user is None or is_admin(user)


def _district_staff(user) -> bool:
    return user is not None and user.role == User.Role.DISTRICT_STAFF and user.area_id is not None


def _village_clerk(user) -> bool:
    return user is not None and user.role == User.Role.VILLAGE_CLERK and user.area_id is not None


class GridAppImporter(Importer):
    """What the grid app's kinds share: the importer's jurisdiction over villages, and the
    history's user and change reason."""

    def start_pass(self) -> None:
        self._covers: dict[int, bool] = {}
        self.seen: dict[str, int] = {}

    def covers(self, village_id: int) -> bool:
        if _admin_or_cli(self.user):
            return True
        if village_id not in self._covers:
            self._covers[village_id] = scope_of(self.user).covers_village(village_id)
        return self._covers[village_id]

    @property
    def reason(self) -> str:
        return self.job.history_reason if self.job is not None else "import"

    def grids_by_code(self, codes) -> dict[str, Grid]:
        return {g.code: g for g in Grid.objects.filter(code__in=set(codes) - {""}).select_related("village")}

    def grid_of(self, row: Row, grids: dict[str, Grid], errors: list[RowError], key: str = "grid") -> Grid | None:
        code = row[key]
        if not code:
            return None
        grid = grids.get(code)
        if grid is None:
            errors.append(self.error(row, key, _("No grid has this code.")))
        elif not self.covers(grid.village_id):
            errors.append(self.error(row, key, _("This grid is outside your jurisdiction.")))
            return None
        return grid

    def duplicate(self, row: Row, key: str, value: str, errors: list[RowError], message=None) -> bool:
        """Whether ``value`` was already in an earlier row of the file (an error if so)."""
        if value in self.seen:
            text = str(message) if message else _("The same value is already in row %(row)d.")
            errors.append(self.error(row, key, text % {"row": self.seen[value]}))
            return True
        self.seen[value] = row.number
        return False

    def save_changed(self, objects: list, model, fields: list[str]) -> None:
        if objects:
            bulk_update_with_history(
                objects, model, fields, batch_size=500, default_user=self.user, default_change_reason=self.reason
            )

    def save_new(self, objects: list, model) -> None:
        if objects:
            bulk_create_with_history(
                objects, model, batch_size=500, default_user=self.user, default_change_reason=self.reason
            )


def _changed(instance, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


# --- grids -------------------------------------------------------------------------


@register
class GridImporter(GridAppImporter):
    key = "grids"
    title = gettext_lazy("Grids")
    matched_by = gettext_lazy("the grid code")
    columns = (
        Column(
            "code",
            "网格编码",
            gettext_lazy("grid code"),
            required=True,
            example="330102001001003",
            help=gettext_lazy("The village's 12-digit division code followed by a 3-digit grid number."),
        ),
        Column("name", "网格名称", pgettext_lazy("not a person", "name"), required=True, example="东山村第三网格"),
        Column("description", "网格范围", gettext_lazy("boundary and description"), example="东山村3组、4组"),
    )

    @classmethod
    def allowed(cls, user) -> bool:
        return _admin_or_cli(user) or _district_staff(user)

    def check_batch(self, rows):
        errors: list[RowError] = []
        items = []
        existing = self.grids_by_code(r["code"] for r in rows)
        villages = {
            a.code: a for a in Area.objects.filter(level=Area.Level.VILLAGE, code__in={r["code"][:12] for r in rows})
        }
        name_max = Grid._meta.get_field("name").max_length
        for row in rows:
            row_errors = self.required_errors(row)
            code = row["code"]
            village = None
            if code and not GRID_CODE_RE.match(code):
                row_errors.append(
                    self.error(row, "code", _("A grid code has 15 digits: the village's code and 3 more."))
                )
            elif code:
                village = villages.get(code[:12])
                if village is None:
                    row_errors.append(
                        self.error(row, "code", _("No village has the code %(code)s.") % {"code": code[:12]})
                    )
                elif not self.covers(village.pk):
                    row_errors.append(self.error(row, "code", _("This village is outside your jurisdiction.")))
                self.duplicate(row, "code", code, row_errors)
            self.too_long(row, "name", name_max, row_errors)
            self.too_long(row, "description", 2000, row_errors)
            errors += row_errors
            if not row_errors:
                items.append((existing.get(code), village, row))
        return items, errors

    def write_batch(self, items):
        outcomes, new, changed = [], [], []
        for grid, village, row in items:
            values = {"name": row["name"], "description": row["description"]}
            if grid is None:
                new.append(Grid(village=village, code=row["code"], **values))
                outcomes.append(CREATED)
            elif _changed(grid, values):
                changed.append(grid)
                outcomes.append(UPDATED)
            else:
                outcomes.append(UNCHANGED)
        self.save_new(new, Grid)
        self.save_changed(changed, Grid, ["name", "description"])
        return outcomes


# --- households ------------------------------------------------------------------------


class VillageImporter(GridAppImporter):
    """Households and residents: also village clerks, for their own village."""

    @classmethod
    def allowed(cls, user) -> bool:
        return _admin_or_cli(user) or _district_staff(user) or _village_clerk(user)


GRID_COLUMN = Column(
    "grid",
    "网格编码",
    gettext_lazy("grid code"),
    required=True,
    example="330102001001001",
    help=gettext_lazy("The code of a grid already in the portal (import the grids first)."),
)


@register
class HouseholdImporter(VillageImporter):
    key = "households"
    title = gettext_lazy("Households")
    matched_by = gettext_lazy("the grid code and the household number")
    columns = (
        GRID_COLUMN,
        Column("number", "户号", gettext_lazy("household number"), required=True, example="1组12号"),
        Column("head_name", "户主姓名", gettext_lazy("head of household"), required=True, example="王大明"),
        Column("address", "住址", gettext_lazy("address"), required=True, example="东山村1组12号"),
        Column("phone", "联系电话", gettext_lazy("phone"), example="13812345678"),
        Column("note", "备注", gettext_lazy("note")),
    )

    def check_batch(self, rows):
        errors: list[RowError] = []
        items = []
        grids = self.grids_by_code(r["grid"] for r in rows)
        existing = {
            (h.grid_id, h.number): h
            for h in Household.objects.filter(
                grid__in=[g.pk for g in grids.values()], number__in={r["number"] for r in rows}
            )
        }
        for row in rows:
            row_errors = self.required_errors(row)
            grid = self.grid_of(row, grids, row_errors)
            for key in ("number", "head_name", "address", "phone"):
                self.too_long(row, key, Household._meta.get_field(key).max_length, row_errors)
            self.too_long(row, "note", 2000, row_errors)
            if row["grid"] and row["number"]:
                self.duplicate(row, "number", f"{row['grid']}/{row['number']}", row_errors)
            errors += row_errors
            if not row_errors:
                items.append((existing.get((grid.pk, row["number"])), grid, row))
        return items, errors

    def write_batch(self, items):
        outcomes, new, changed = [], [], []
        fields = ["head_name", "address", "phone", "note"]
        for household, grid, row in items:
            values = {f: row[f] for f in fields}
            if household is None:
                new.append(Household(grid=grid, village_id=grid.village_id, number=row["number"], **values))
                outcomes.append(CREATED)
            elif _changed(household, values):
                changed.append(household)
                outcomes.append(UPDATED)
            else:
                outcomes.append(UNCHANGED)
        self.save_new(new, Household)
        self.save_changed(changed, Household, fields)
        return outcomes


# --- residents -------------------------------------------------------------------------

GENDERS = (("男", Resident.Gender.MALE), ("女", Resident.Gender.FEMALE))
SAME_ID_NUMBER = gettext_lazy("The same ID number is already in row %(row)d.")
# What the check of a known resident reads; the ciphertext and timestamps are not needed.
RESIDENT_COMPARED = ("id", "id_number_hash", "village", *RESIDENT_FIELDS)


@register
class ResidentImporter(VillageImporter):
    key = "residents"
    title = gettext_lazy("Residents")
    matched_by = gettext_lazy("the ID number")
    columns = (
        Column("name", "姓名", gettext_lazy("name"), required=True, example="王小明"),
        Column(
            "id_number",
            "公民身份号码",
            gettext_lazy("ID number"),
            required=True,
            example="330102199001011234",
            aliases=("身份证号", "身份证号码"),
            help=gettext_lazy("18 characters; the last one is checked against the others."),
        ),
        GRID_COLUMN,
        Column(
            "household",
            "户号",
            gettext_lazy("household number"),
            example="1组12号",
            help=gettext_lazy("A household of the same grid already in the portal (import the households first)."),
        ),
        Column("relation", "与户主关系", gettext_lazy("relation to head"), example="子"),
        Column(
            "gender",
            "性别",
            gettext_lazy("gender"),
            choices=GENDERS,
            example="男",
            help=gettext_lazy("Taken from the ID number when left empty."),
        ),
        Column("ethnicity", "民族", gettext_lazy("ethnic group"), example="汉族"),
        Column("phone", "联系电话", gettext_lazy("mobile phone"), example="13912345678"),
        Column("address", "居住地址", gettext_lazy("address"), example="东山村1组12号"),
        Column(
            "care_tags",
            "关爱标签",
            gettext_lazy("care tags"),
            example="留守儿童、低保户",
            help=gettext_lazy(
                "Several tags separated by 、 , or ; . The resident's tags become exactly these; "
                "leave the cell empty for none, or leave the column out to keep the tags as they are."
            ),
        ),
        Column("note", "备注", gettext_lazy("note")),
    )

    @classmethod
    def allowed_values(cls, column: Column) -> list[str]:
        if column.key == "care_tags":
            return list(CareTag.objects.values_list("name", flat=True))
        return super().allowed_values(column)

    def start_pass(self) -> None:
        super().start_pass()
        # A tag is named in a cell by its name (留守儿童) or its code (left-behind-child).
        self.tags: dict[str, int] = {}
        for pk, code, name in CareTag.objects.values_list("pk", "code", "name"):
            self.tags[code.lower()] = self.tags[name.lower()] = pk

    def care_tags(self, row: Row, errors: list[RowError]) -> frozenset[int] | None:
        """The ids of the row's tags; None when the file has no care-tag column (keep them)."""
        if "care_tags" not in row.values:
            return None
        names = [n for n in SEPARATORS.split(row["care_tags"]) if n]
        unknown = [n for n in names if n.lower() not in self.tags]
        if unknown:
            errors.append(
                self.error(
                    row,
                    "care_tags",
                    _("Unknown care tag %(tags)s; use one of: %(values)s.")
                    % {"tags": "、".join(unknown), "values": "、".join(self.allowed_values(self.column("care_tags")))},
                )
            )
            return None
        return frozenset(self.tags[n.lower()] for n in names)

    def error(self, row: Row, key: str, message: str) -> RowError:
        error = super().error(row, key, message)
        if key == "id_number":  # the job keeps its errors: never an ID number in clear
            error = RowError(error.row, error.column, error.message, pii.mask_id_number(error.value))
        return error

    # What an import may change of a known resident: what a clerk edits, and the village
    # that follows from the grid.
    FIELDS = ["village", *RESIDENT_FIELDS]

    def check_batch(self, rows):
        errors: list[RowError] = []
        checked = []
        grids = self.grids_by_code(r["grid"] for r in rows)
        for row in rows:
            row_errors = self.required_errors(row)
            number = ""
            if row["id_number"]:
                try:
                    number = pii.validate_id_number(row["id_number"])
                except ValidationError as e:
                    row_errors.append(self.error(row, "id_number", " ".join(e.messages)))
                else:
                    self.duplicate(row, "id_number", number, row_errors, SAME_ID_NUMBER)
            grid = self.grid_of(row, grids, row_errors)
            gender = self.choice(row, "gender", row_errors)
            tags = self.care_tags(row, row_errors)
            phone = row["phone"]
            if phone:
                try:
                    phone = pii.validate_mobile(phone)
                except ValidationError as e:
                    row_errors.append(self.error(row, "phone", " ".join(e.messages)))
            for key in ("name", "relation", "ethnicity", "address"):
                self.too_long(row, key, Resident._meta.get_field(key).max_length, row_errors)
            self.too_long(row, "note", 2000, row_errors)
            errors += row_errors
            if not row_errors:
                checked.append((row, number, grid, gender, phone, tags))
        checked = [
            (row, number, pii.keyed_hash(number), grid, gender, phone, tags)
            for row, number, grid, gender, phone, tags in checked
        ]
        existing = {
            r.id_number_hash: r
            for r in Resident.objects.filter(id_number_hash__in=[c[2] for c in checked]).only(*RESIDENT_COMPARED)
        }
        tags_of: dict[int, set[int]] = {r.pk: set() for r in existing.values()}
        if any(c[6] is not None for c in checked):
            for resident_id, tag_id in Resident.care_tags.through.objects.filter(resident_id__in=tags_of).values_list(
                "resident_id", "caretag_id"
            ):
                tags_of[resident_id].add(tag_id)
        households = {
            (h.grid_id, h.number): h
            for h in Household.objects.filter(
                grid__in={c[3].pk for c in checked}, number__in={c[0]["household"] for c in checked}
            )
        }
        items = []
        for row, number, digest, grid, gender, phone, tags in checked:
            resident = existing.get(digest)
            household = None
            if row["household"]:
                household = households.get((grid.pk, row["household"]))
                if household is None:
                    errors.append(self.error(row, "household", _("This grid has no household with this number.")))
                    continue
            if resident is not None:
                if not self.covers(resident.village_id):
                    errors.append(
                        self.error(
                            row, "id_number", _("This person is registered in a village outside your jurisdiction.")
                        )
                    )
                    continue
                if resident.name != row["name"]:
                    errors.append(
                        self.error(
                            row,
                            "id_number",
                            _("This ID number is already registered to %(name)s; check the name or the number.")
                            % {"name": resident.name},
                        )
                    )
                    continue
            # Ids, not instances: comparing an instance would load the resident's own one (a query a row).
            values = {
                "grid_id": grid.pk,
                "village_id": grid.village_id,
                "household_id": household.pk if household else None,
                "relation": row["relation"],
                "name": row["name"],
                "gender": gender or pii.gender_from_id(number),
                "birth_date": pii.birth_date_from_id(number),
                "ethnicity": row["ethnicity"] or "汉族",
                "phone": phone,
                "address": row["address"],
                "note": row["note"],
            }
            # (tags to add, tags to remove); nothing when the file has no care-tag column.
            had = tags_of.get(resident.pk, set()) if resident is not None else set()
            tag_change = (tags - had, had - tags) if tags is not None else (frozenset(), frozenset())
            items.append((resident, number, values, tag_change))
        return items, errors

    def write_batch(self, items):
        outcomes, new, changed = [], [], []
        Through = Resident.care_tags.through
        added, removed = [], []
        for resident, number, values, (add, remove) in items:
            if resident is None:
                resident = Resident(**values)
                resident.set_id_number(number)
                new.append(resident)
                outcomes.append(CREATED)
            elif _changed(resident, values):
                changed.append(resident)
                outcomes.append(UPDATED)
            elif add or remove:
                outcomes.append(UPDATED)
            else:
                outcomes.append(UNCHANGED)
            added += [(resident, tag_id) for tag_id in add]
            removed += [(resident.pk, tag_id) for tag_id in remove]
        self.save_new(new, Resident)  # gives the new residents their ids (RETURNING)
        self.save_changed(changed, Resident, self.FIELDS)
        # Care tags are not in the history (grids.models.Resident): written as links, a
        # batch at a time.
        by_tag: dict[int, list[int]] = {}
        for resident_id, tag_id in removed:
            by_tag.setdefault(tag_id, []).append(resident_id)
        for tag_id, resident_ids in by_tag.items():  # a query per tag, not per row
            Through.objects.filter(caretag_id=tag_id, resident_id__in=resident_ids).delete()
        if added:
            Through.objects.bulk_create(
                [Through(resident_id=r.pk, caretag_id=tag_id) for r, tag_id in added], batch_size=500
            )
        return outcomes


# --- team members and their accounts -----------------------------------------------------

# The role column's cell texts: the Chinese names the portal shows.
ROLES = (
    ("网格员", User.Role.GRID_WORKER),
    ("社区民警", User.Role.COMMUNITY_POLICE),
    ("辅警", User.Role.AUXILIARY_POLICE),
    ("村综治专干", User.Role.VILLAGE_CLERK),
    ("乡镇综治中心工作人员", User.Role.TOWNSHIP_STAFF),
    ("区综治中心工作人员", User.Role.DISTRICT_STAFF),
    ("派出所工作人员", User.Role.STATION_STAFF),
)
GRID_DUTY_LIMITS = {GridMembership.Duty.COMMUNITY_POLICE: 1, GridMembership.Duty.AUXILIARY_POLICE: 2}
POLICE_ROLES = (User.Role.COMMUNITY_POLICE, User.Role.AUXILIARY_POLICE, User.Role.STATION_STAFF)


def initial_password() -> str:
    """10 characters without look-alikes (0/O, 1/l/I): read off an SMS or a printed sheet."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


@register
class TeamImporter(GridAppImporter):
    """Team members and their accounts. A person is matched by login name (if the row gives
    one) or mobile number; a new account gets the row's mobile number as its login, an
    initial password that must be changed at the first login (sent by SMS, and by e-mail
    where the row has an address, once the whole file is saved), its role, its home area
    or police station, and its grid memberships. Existing accounts keep their password;
    a grid they already serve stays as it is."""

    key = "team"
    title = gettext_lazy("Team members and accounts")
    matched_by = gettext_lazy("the login name, or else the mobile number")
    batch_size = 200
    columns = (
        Column("full_name", "姓名", gettext_lazy("full name"), required=True, example="陈网格"),
        Column("phone", "手机号码", gettext_lazy("mobile phone"), required=True, example="13700001111"),
        Column("role", "角色", gettext_lazy("role"), required=True, choices=ROLES, example="网格员"),
        Column(
            "area",
            "所属区划代码",
            gettext_lazy("home area"),
            example="330102001001",
            help=gettext_lazy(
                "The division code of the centre this person works for (village, township or district); "
                "for grid workers, the village of their first grid when left empty."
            ),
        ),
        Column("station", "派出所", gettext_lazy("police station"), example="", help=gettext_lazy("For police only.")),
        Column(
            "grids",
            "网格编码",
            gettext_lazy("grids"),
            example="330102001001003",
            help=gettext_lazy("The grids this person serves, separated by commas (grid workers and police)."),
        ),
        Column("email", "电子邮箱", gettext_lazy("e-mail"), example=""),
        Column(
            "username", "登录名", gettext_lazy("login name"), help=gettext_lazy("The mobile number when left empty.")
        ),
    )

    @classmethod
    def allowed(cls, user) -> bool:
        return _admin_or_cli(user) or _district_staff(user)

    def start_pass(self) -> None:
        super().start_pass()
        # Grid id -> duty -> people the file adds, for the team limits.
        self.added: dict[int, dict[str, int]] = {}
        self.new_accounts: list[tuple[User, str]] = []

    def _account_in_district(self, account: User) -> bool:
        """Whether district staff may change this existing account: it works in their district
        (an account of nowhere yet, too). Administrators may change any."""
        if _admin_or_cli(self.user):
            return True
        home = (
            account.area
            or (account.police_station.district if account.police_station_id else None)
            or (account.department.district if account.department_id else None)
        )
        return home is None or self._district_ok(home.code)

    def _district_ok(self, code: str) -> bool:
        return _admin_or_cli(self.user) or code[:6] == self.user.area.code[:6]

    def check_batch(self, rows):
        errors: list[RowError] = []
        items = []
        grid_codes = {c for r in rows for c in SEPARATORS.split(r["grids"]) if c}
        grids = self.grids_by_code(grid_codes)
        areas = {a.code: a for a in Area.objects.filter(code__in={r["area"] for r in rows} - {""})}
        stations = PoliceStation.objects.filter(name__in={r["station"] for r in rows} - {""}).select_related("district")
        if not _admin_or_cli(self.user):
            stations = stations.filter(district__code__startswith=self.user.area.code[:6])
        stations_by_name: dict[str, list[PoliceStation]] = {}
        for s in stations:
            stations_by_name.setdefault(s.name, []).append(s)
        phones = set()
        for r in rows:
            try:
                phones.add(pii.validate_mobile(r["phone"]))
            except ValidationError:
                pass
        usernames = {r["username"] for r in rows} - {""}
        accounts = list(
            User.objects.filter(Q(username__in=usernames | phones) | Q(phone__in=phones)).select_related(
                "area", "police_station__district", "department__district"
            )
        )
        by_username = {u.username: u for u in accounts}
        by_phone = {u.phone: u for u in accounts if u.phone}
        active = {}
        for m in GridMembership.objects.filter(grid__in=[g.pk for g in grids.values()], ended_on__isnull=True):
            active.setdefault(m.grid_id, []).append(m)
        for row in rows:
            row_errors = self.required_errors(row)
            role = self.choice(row, "role", row_errors)
            phone = row["phone"]
            if phone:
                try:
                    phone = pii.validate_mobile(phone)
                except ValidationError as e:
                    row_errors.append(self.error(row, "phone", " ".join(e.messages)))
                else:
                    self.duplicate(row, "phone", "phone:" + phone, row_errors)
            username = row["username"] or phone
            if row["username"]:
                self.duplicate(row, "username", "user:" + row["username"], row_errors)
                self.too_long(row, "username", 150, row_errors)
            if row["email"]:
                try:
                    from django.core.validators import validate_email

                    validate_email(row["email"])
                except ValidationError:
                    row_errors.append(self.error(row, "email", _("This is not an e-mail address.")))
            self.too_long(row, "full_name", 50, row_errors)
            account = by_username.get(username) if username else None
            if account is None and phone:
                account = by_phone.get(phone)
            if account is not None and (account.is_superuser or account.role == User.Role.ADMINISTRATOR):
                row_errors.append(self.error(row, "phone", _("This is an administrator's account.")))
            elif account is not None and not self._account_in_district(account):
                row_errors.append(self.error(row, "phone", _("This account belongs to another district.")))
            elif account is not None and row["username"] and phone and by_phone.get(phone) not in (None, account):
                row_errors.append(
                    self.error(
                        row,
                        "phone",
                        _("This mobile number belongs to another account (%(login)s).")
                        % {"login": by_phone[phone].username},
                    )
                )
            # Home area and police station.
            area = station = None
            if row["area"]:
                area = areas.get(row["area"])
                if area is None:
                    row_errors.append(self.error(row, "area", _("No area has this division code.")))
                elif not self._district_ok(area.code):
                    row_errors.append(self.error(row, "area", _("This area is outside your district.")))
            if row["station"]:
                found = stations_by_name.get(row["station"], [])
                if len(found) != 1:
                    row_errors.append(
                        self.error(
                            row,
                            "station",
                            _("No police station of your district has this name.")
                            if not found
                            else _("Several police stations have this name."),
                        )
                    )
                else:
                    station = found[0]
            # Grids and the team limits.
            row_grids = []
            for code in SEPARATORS.split(row["grids"]):
                if not code:
                    continue
                grid = grids.get(code)
                if grid is None:
                    row_errors.append(self.error(row, "grids", _("No grid has the code %(code)s.") % {"code": code}))
                elif not self.covers(grid.village_id):
                    row_errors.append(
                        self.error(row, "grids", _("Grid %(code)s is outside your jurisdiction.") % {"code": code})
                    )
                else:
                    row_grids.append(grid)
            duty = DUTY_FOR_ROLE.get(role) if role else None
            if role and row_grids and duty is None:
                row_errors.append(
                    self.error(row, "grids", _("Only grid workers and police officers serve in grid teams."))
                )
            if role and not row_errors:
                if role == User.Role.GRID_WORKER and area is None and row_grids:
                    area = row_grids[0].village
                level = User.AREA_LEVEL_OF_ROLE.get(role, Area.Level.VILLAGE if role == User.Role.GRID_WORKER else None)
                if level and (area is None or area.level != level):
                    row_errors.append(
                        self.error(
                            row,
                            "area",
                            _("A %(role)s needs a home area of level %(level)s.")
                            % {"role": User.Role(role).label, "level": Area.Level(level).label},
                        )
                    )
                if role in POLICE_ROLES and station is None:
                    row_errors.append(self.error(row, "station", _("Police need a police station.")))
            new_memberships = []
            if duty and not row_errors:
                for grid in row_grids:
                    serving = active.get(grid.pk, [])
                    if account is not None and any(m.user_id == account.pk for m in serving):
                        continue  # already in this team
                    limit = GRID_DUTY_LIMITS.get(duty)
                    taken = sum(1 for m in serving if m.duty == duty) + self.added.get(grid.pk, {}).get(duty, 0)
                    if limit is not None and taken >= limit:
                        row_errors.append(
                            self.error(
                                row,
                                "grids",
                                (
                                    _("Grid %(code)s already has a community police officer.")
                                    if duty == GridMembership.Duty.COMMUNITY_POLICE
                                    else _("Grid %(code)s already has two auxiliary police officers.")
                                )
                                % {"code": grid.code},
                            )
                        )
                        continue
                    new_memberships.append(grid)
                if not row_errors:
                    for grid in new_memberships:
                        per_duty = self.added.setdefault(grid.pk, {})
                        per_duty[duty] = per_duty.get(duty, 0) + 1
            errors += row_errors
            if not row_errors:
                items.append((row, account, username, phone, role, area, station, duty, new_memberships))
        return items, errors

    def write_batch(self, items):
        outcomes = []
        today = timezone.localdate()
        for row, account, username, phone, role, area, station, duty, new_memberships in items:
            values = {
                "full_name": row["full_name"],
                "phone": phone,
                "role": role,
                "area_id": area.pk if area else None,
                "police_station_id": station.pk if station else None,
            }
            if row["email"]:
                values["email"] = row["email"]
            if account is None:
                account = User(username=username, must_change_password=True, notify_by_sms=True, **values)
                password = initial_password()
                account.set_password(password)
                account.save()
                self.new_accounts.append((account, password))
                outcome = CREATED
            elif _changed(account, values):
                account.save()
                outcome = UPDATED
            else:
                outcome = UNCHANGED
            for grid in new_memberships:
                try:
                    membership_add(grid=grid, user=account, duty=duty, started_on=today, note=self.reason)
                except TeamError as e:
                    raise RowProblem(self.error(row, "grids", str(e))) from e
                if outcome == UNCHANGED:
                    outcome = UPDATED
            outcomes.append(outcome)
        return outcomes

    def after_commit(self) -> None:
        """Send each new account its login and initial password: SMS, and e-mail where given."""
        from govcenter.channels import LoggingSmsBackend, sms_backend

        backend = sms_backend()
        # The default backend writes each SMS to the log: no password goes there. Without an
        # SMS provider the importer hands out the printable sheet (govcenter.import_views).
        by_sms = not isinstance(backend, LoggingSmsBackend)
        site = settings.SITE_URL
        for account, password in self.new_accounts:
            text = _(
                "Your account of the governance portal %(site)s: login %(login)s, initial password %(password)s. "
                "You will choose your own password at the first login."
            ) % {"site": site, "login": account.username, "password": password}
            try:
                if by_sms:
                    backend.send(phone=account.phone, text=text)
            except Exception:  # one failed SMS must not stop the others
                import logging

                logging.getLogger(__name__).exception("SMS with the initial password of %s failed", account.username)
            if account.email:
                try:
                    send_mail(_("Your portal account"), text, settings.DEFAULT_FROM_EMAIL, [account.email])
                except Exception:
                    import logging

                    logging.getLogger(__name__).exception("E-mail to %s failed", account.username)
