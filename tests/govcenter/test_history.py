"""The audit history (govcenter/history.py, govcenter/admin_history.py): who changed a
resident, household, grid or team membership, from which address, with old and new
values; administrators' edits of disputes, logs and campaigns; the admin's History page,
for administrators only, never showing a clear ID number or its ciphertext."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes import services as dispute_services
from disputes.models import Dispute, Party
from govcenter.history import WORKFLOW_STATE
from govcenter.models import PersonalDataAccess
from grids.models import Grid, GridMembership, Household, Resident
from publicity.models import Campaign
from sentiment.models import Log
from tests.conftest import pass_second_factor
from tests.factories import make_id_number, make_resident, make_user

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)
PROXY = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.7, 10.0.0.2"}


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    pass_second_factor(client, world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def history_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])


def latest(obj):
    return type(obj).history.filter(id=obj.pk).order_by("-history_date", "-history_id").first()


def edit_resident_id(client, resident: Resident, new_number: str, **extra):
    return client.post(
        reverse("grids:resident_edit", args=[resident.pk]),
        {"grid": resident.grid_id, "name": resident.name, "id_number": new_number, "gender": "", "birth_date": ""},
        **extra,
    )


# --- Registers: every save, with who and from where -----------------------------------------


def test_id_number_replaced_in_the_portal_keeps_user_address_and_masked_values(world, login, behind_proxy):
    r = world.resident1
    old_number, old_masked = r.reveal_id_number(), r.id_number_masked
    new_number = make_id_number(datetime.date(1980, 5, 17), region="330103")
    response = edit_resident_id(login(world.village1_user), r, new_number, **PROXY)
    assert response.status_code == 302
    record = latest(r)
    assert record.history_type == "~"
    assert record.history_user == world.village1_user
    assert record.ip_address == "203.0.113.7"  # the client behind the trusted proxy, not the proxy
    assert record.id_number_masked == "*" * 14 + new_number[-4:]
    assert record.prev_record.id_number_masked == old_masked
    assert record.id_number_hash != record.prev_record.id_number_hash
    # What the history table holds: hash and masked form, never the ciphertext or the number.
    assert "id_number_encrypted" not in {f.name for f in Resident.history.model._meta.fields}
    for row in Resident.history.filter(id=r.pk).values():
        assert old_number not in str(row) and new_number not in str(row)


def test_a_forwarded_for_from_an_untrusted_peer_is_not_believed(world, login, settings):
    settings.TRUSTED_PROXIES = []
    spoofed = {"REMOTE_ADDR": "198.51.100.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    edit_resident_id(login(world.village1_user), world.resident1, make_id_number(), **spoofed)
    assert latest(world.resident1).ip_address == "198.51.100.9"


def test_household_grid_and_team_changes_in_the_portal_are_recorded(world, login, behind_proxy):
    client = login(world.village1_user)
    household = world.household1
    response = client.post(
        reverse("grids:household_edit", args=[household.pk]),
        {"number": household.number, "head_name": "王小明", "address": household.address, "phone": ""},
        **PROXY,
    )
    assert response.status_code == 302
    record = latest(household)
    assert (record.head_name, record.prev_record.head_name) == ("王小明", "王大明")
    assert (record.history_user, record.ip_address) == (world.village1_user, "203.0.113.7")

    response = client.post(
        reverse("grids:grid_edit", args=[world.grid1.pk]),
        {"code": world.grid1.code, "name": "东山新网格", "description": ""},
        **PROXY,
    )
    assert response.status_code == 302
    record = latest(world.grid1)
    assert (record.name, record.history_user, record.ip_address) == ("东山新网格", world.village1_user, "203.0.113.7")

    worker = make_user("grid1c", "grid_worker", area=world.village1)
    response = client.post(
        reverse("grids:membership_add", args=[world.grid1b.pk]),
        {"duty": "grid_worker", "user": worker.pk, "started_on": "2026-01-10"},
        **PROXY,
    )
    assert response.status_code == 302
    added = GridMembership.objects.get(grid=world.grid1b, user=worker)
    assert (latest(added).history_type, latest(added).history_user) == ("+", world.village1_user)

    # Ending a membership is a conditional UPDATE (no save signal): the service records it.
    membership = GridMembership.objects.get(grid=world.grid1, user=world.aux1)
    response = client.post(reverse("grids:membership_end", args=[membership.pk]), {"ended_on": "2026-02-01"}, **PROXY)
    assert response.status_code == 302
    record = latest(membership)
    assert record.ended_on == datetime.date(2026, 2, 1) and record.prev_record.ended_on is None
    assert (record.history_user, record.ip_address) == (world.village1_user, "203.0.113.7")


def test_a_reveal_behind_the_proxy_records_the_client_address(world, login, behind_proxy):
    response = login(world.village1_user).post(reverse("grids:resident_reveal_id", args=[world.resident1.pk]), **PROXY)
    assert response.status_code == 200
    access = PersonalDataAccess.objects.get(user=world.village1_user, object_id=world.resident1.pk)
    assert access.ip_address == "203.0.113.7"


def test_writes_outside_a_request_are_kept_without_user_or_address(world):
    # seed_demo, import commands and Celery tasks: no request, no user.
    resident = make_resident(world.grid1, "陈新")
    record = latest(resident)
    assert (record.history_type, record.history_user, record.ip_address) == ("+", None, None)
    assert Household.history.filter(id=world.household1.pk).exists()
    assert Grid.history.filter(id=world.grid1.pk).exists()


# --- Cases: administrators' edits only ----------------------------------------------------------


@pytest.fixture
def case(world):
    return dispute_services.dispute_register(
        actor=world.grid1_user, at=T0, grid=world.grid1, source=Dispute.Source.GRID_INSPECTION,
        category=Dispute.Category.NEIGHBOURHOOD, summary="因宅基地滴水檐问题发生争执",
        description="王某与邻居因滴水檐排水问题多次争吵。", occurred_on=T0.date(),
        parties=[dispute_services.PartyData(role=Party.Role.APPLICANT, name="王大明")],
    )  # fmt: skip


def post_dispute_admin(client, d: Dispute, **changes):
    url = reverse("admin:disputes_dispute_change", args=[d.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data["occurred_on"] = d.occurred_on.isoformat()
    data.update(changes)
    for formset in client.get(url).context["inline_admin_formsets"]:
        mgmt = formset.formset.management_form
        data.update({mgmt.add_prefix(k): v for k, v in mgmt.initial.items()})
    return client.post(url, data, **PROXY)


def test_workflow_steps_write_no_history_but_an_admin_edit_keeps_the_old_text(world, case, admin_client, behind_proxy):
    dispute_services.dispute_accept(dispute=case, actor=world.village1_user, at=T0 + datetime.timedelta(hours=2))
    assert not Dispute.history.exists()  # the timeline records the steps
    old_text = case.description
    response = post_dispute_admin(admin_client, case, description="更正：王某与邻居因排水沟问题争吵。")
    assert response.status_code == 302
    before, edit = Dispute.history.filter(id=case.pk).order_by("history_date", "history_id")
    # The state the workflow left, kept just before the edit, then the administrator's edit.
    assert (before.description, before.history_user, before.history_change_reason) == (old_text, None, WORKFLOW_STATE)
    assert before.status == Dispute.Status.ACCEPTED
    assert (edit.description, edit.history_user, edit.ip_address) == (
        "更正：王某与邻居因排水沟问题争吵。",
        world.admin,
        "203.0.113.7",
    )

    html = admin_client.get(history_url(case)).content.decode()
    assert old_text in html and "更正：王某与邻居因排水沟问题争吵。" in html
    assert "203.0.113.7" in html and world.admin.username in html
    assert "Revert" not in html

    # A second edit with no workflow step in between: no second snapshot.
    post_dispute_admin(admin_client, case, location="东山村3组")
    assert Dispute.history.filter(id=case.pk).count() == 3
    # A step, then an edit: the step's result is kept as the workflow's, not the admin's.
    dispute_services.dispute_record_mediation(
        dispute=case, actor=world.village1_user, at=T0 + datetime.timedelta(days=1),
        held_on=(T0 + datetime.timedelta(days=1)).date(), method="on_site", mediator_kinds=["peoples_mediator"],
        mediators="李调解", outcome="continuing",
    )  # fmt: skip
    case.refresh_from_db()
    post_dispute_admin(admin_client, case, location="东山村4组")
    reasons = list(
        Dispute.history.filter(id=case.pk).order_by("history_date").values_list("history_change_reason", flat=True)
    )
    assert reasons[-2] == WORKFLOW_STATE and reasons[-1] != WORKFLOW_STATE


def test_an_admin_edit_of_a_log_is_kept_and_its_filing_is_not(world, rf):
    from tests.sentiment.helpers import file_log

    log = file_log(world)
    assert not Log.history.exists()
    request = rf.post("/")
    request.user = world.admin
    log.matter = "更正后的事项"
    admin.site._registry[Log].save_model(request, log, form=None, change=True)
    before, edit = Log.history.filter(id=log.pk).order_by("history_date", "history_id")
    assert (before.matter, edit.matter, edit.history_user) == ("询问低保年审材料", "更正后的事项", world.admin)


def test_an_admin_edit_of_a_campaign_is_kept(world, admin_client, settings, tmp_path):
    from tests.publicity.helpers import handed_out, pdf

    settings.MEDIA_ROOT = tmp_path
    handed_out(world, leaflet=pdf())
    c = Campaign.objects.get()

    def edit(title):
        return admin_client.post(
            reverse("admin:publicity_campaign_change", args=[c.pk]),
            {
                "title": title, "topic": c.topic, "content": c.content, "audiences": c.audiences,
                "allowed_forms": c.allowed_forms, "starts_on": c.starts_on.isoformat(),
                "ends_on": c.ends_on.isoformat(), "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
            },
        )  # fmt: skip

    assert edit("改过的标题").status_code == 302
    assert edit("再改的标题").status_code == 302
    # The workflow's state once (nothing moved between the two edits), then each edit.
    assert list(Campaign.history.filter(id=c.pk).order_by("history_date").values_list("title", flat=True)) == [
        "反电诈宣传月",
        "改过的标题",
        "再改的标题",
    ]
    html = admin_client.get(history_url(c)).content.decode()
    assert "反电诈宣传月" in html and "改过的标题" in html


# --- The History page -----------------------------------------------------------------------------


def test_history_page_shows_the_id_number_change_masked_and_never_the_number(world, login, admin_client):
    r = world.resident1
    old_number, old_masked, old_cipher = r.reveal_id_number(), r.id_number_masked, r.id_number_encrypted
    new_number = make_id_number(datetime.date(1980, 5, 17), region="330103")
    edit_resident_id(login(world.village1_user), r, new_number)
    login(world.admin)
    r.refresh_from_db()
    response = admin_client.get(history_url(r))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<strong>ID number:</strong> {old_masked}&nbsp;&rarr;&nbsp;{r.id_number_masked}" in html
    assert world.village1_user.username in html
    for secret in (old_number, new_number, old_cipher, r.id_number_encrypted, r.id_number_hash):
        assert secret not in html
    # Each version's own page: the masked number only, too.
    for record in Resident.history.filter(id=r.pk):
        url = reverse("admin:grids_resident_simple_history", args=[r.pk, record.pk])
        page = admin_client.get(url).content.decode()
        assert record.id_number_masked in page
        for secret in (old_number, new_number, old_cipher, r.id_number_encrypted):
            assert secret not in page


def test_choices_read_as_labels_in_the_changes(case, admin_client):
    post_dispute_admin(admin_client, case, category=Dispute.Category.LAND_BOUNDARY)
    html = admin_client.get(history_url(case)).content.decode()
    assert "<strong>Category:</strong> Neighbourhood&nbsp;&rarr;&nbsp;Land and boundary" in html


def test_history_page_is_for_administrators_only(world, client):
    url = history_url(world.resident1)
    # A member of staff with every permission on residents, but not an administrator.
    clerk = make_user("staffclerk", "village_clerk", area=world.village1, is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(content_type__app_label="grids"))
    client.force_login(clerk)
    pass_second_factor(client, clerk)
    assert client.get(url).status_code == 403
    record = latest(world.resident1)
    assert (
        client.get(reverse("admin:grids_resident_simple_history", args=[world.resident1.pk, record.pk])).status_code
        == 403
    )
    # A portal user (not staff) and an anonymous visitor go to the admin's login page.
    client.force_login(world.village1_user)
    assert client.get(url)["Location"].startswith(reverse("admin:login"))
    client.logout()
    assert client.get(url)["Location"].startswith(reverse("admin:login"))


def test_an_old_version_is_shown_never_put_back(world, login, admin_client):
    r = world.resident1
    login(world.village1_user).post(
        reverse("grids:resident_edit", args=[r.pk]),
        {"grid": r.grid_id, "name": "王大明改", "gender": "M", "birth_date": "1980-05-17", "id_number": ""},
    )
    first = Resident.history.filter(id=r.pk).order_by("history_date").first()
    url = reverse("admin:grids_resident_simple_history", args=[r.pk, first.pk])
    login(world.admin)
    page = admin_client.get(url)
    assert page.status_code == 200 and "Revert" not in page.content.decode()
    data = {"grid": r.grid_id, "name": "王大明", "gender": "M", "relation": "", "ethnicity": "汉族"}
    assert admin_client.post(url, data).status_code == 403
    r.refresh_from_db()
    assert r.name == "王大明改"


def test_history_page_queries_do_not_grow_with_the_versions(world, admin_client):
    household = world.household1
    url = history_url(household)
    for i in range(2):
        household.head_name = f"户主{i}"
        household.save()
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for i in range(10):
        household.head_name = f"户主{i + 2}"
        household.grid = world.grid1b if i % 2 else world.grid1
        household.save()
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert "户主11" in response.content.decode()
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_every_audited_model_has_a_history_page_and_version_pages(world, case, admin_client, rf, settings, tmp_path):
    from tests.publicity.helpers import handed_out
    from tests.sentiment.helpers import file_log

    settings.MEDIA_ROOT = tmp_path
    handed_out(world)
    request = rf.post("/")
    request.user = world.admin
    for obj in (case, file_log(world), Campaign.objects.get()):
        admin.site._registry[type(obj)].save_model(request, obj, form=None, change=True)
    membership = GridMembership.objects.filter(grid=world.grid1).first()
    objects = [
        world.grid1,
        membership,
        world.household1,
        world.resident1,
        case,
        Log.objects.get(),
        Campaign.objects.get(),
    ]
    for obj in objects:
        response = admin_client.get(history_url(obj))
        assert response.status_code == 200, type(obj)
        records = type(obj).history.filter(id=obj.pk)
        assert records.exists(), type(obj)
        for record in records:
            url = reverse(
                f"admin:{obj._meta.app_label}_{obj._meta.model_name}_simple_history", args=[obj.pk, record.pk]
            )
            assert admin_client.get(url).status_code == 200, type(obj)


def test_a_cleared_foreign_key_reads_as_empty_not_as_deleted(world, login, admin_client):
    r = world.resident1
    response = login(world.village1_user).post(
        reverse("grids:resident_edit", args=[r.pk]),
        {"grid": world.grid1b.pk, "household": "", "name": r.name, "gender": "M", "birth_date": "1980-05-17"},
    )
    assert response.status_code == 302
    login(world.admin)
    html = admin_client.get(history_url(r)).content.decode()
    assert f"<strong>Household:</strong> {world.household1}&nbsp;&rarr;&nbsp;—" in html
    assert f"<strong>Grid:</strong> {world.grid1}&nbsp;&rarr;&nbsp;{world.grid1b}" in html
    assert "Deleted" not in html
