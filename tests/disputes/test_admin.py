"""The ledger's Django admin: every page opens, the state is read-only, the timeline is
never edited, and a party's ID number is shown masked only."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes import services as s
from disputes.admin import DisputeAdmin, DisputeEventInline
from disputes.models import Dispute, DisputeEvent, FollowUp, MediationRecord, Party
from tests.factories import make_id_number

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)
DISPUTE_MODELS = [m for m in admin.site._registry if m._meta.app_label == "disputes"]


def at(days: float) -> datetime.datetime:
    return T0 + datetime.timedelta(days=days)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def clear_id():
    return make_id_number(datetime.date(1968, 3, 9))


@pytest.fixture
def case(world, clear_id):
    """A dispute that went through every kind of row the admin shows: parties (one with an
    ID number), mediation with an agreement, a police opinion, resolution and a follow-up."""
    w = world
    d = s.dispute_register(
        actor=w.grid1_user, at=T0, grid=w.grid1, source=Dispute.Source.GRID_INSPECTION,
        category=Dispute.Category.NEIGHBOURHOOD, summary="因宅基地滴水檐问题发生争执",
        description="王某与邻居因滴水檐排水问题多次争吵。", occurred_on=T0.date(),
        parties=[
            s.PartyData(role=Party.Role.APPLICANT, name="王大明", id_number=clear_id, phone="13812345678"),
            s.PartyData(role=Party.Role.RESPONDENT, name="某建筑公司", kind=Party.Kind.ORGANISATION),
        ],
    )  # fmt: skip
    s.dispute_accept(dispute=d, actor=w.village1_user, at=at(0.1))
    s.dispute_record_mediation(
        dispute=d, actor=w.village1_user, at=at(1), held_on=at(1).date(), method=MediationRecord.Method.ON_SITE,
        mediator_kinds=["peoples_mediator", "rural_sage"], mediators="李调解、周乡贤",
        outcome=MediationRecord.Outcome.AGREEMENT,
        agreement=SimpleUploadedFile("协议.pdf", b"%PDF-1.4 demo", content_type="application/pdf"),
    )  # fmt: skip
    s.dispute_add_police_review(
        dispute=d, actor=w.station1, at=at(1.5), verdict="no_police_matter", opinion="无治安隐患。"
    )
    s.dispute_resolve(dispute=d, actor=w.village1_user, at=at(2), result="双方达成调解协议。")
    return d


def test_every_disputes_admin_page_opens_for_a_superuser(world, case, admin_client):
    assert {m.__name__ for m in DISPUTE_MODELS} >= {
        "Dispute", "DisputeEvent", "DeadlinePolicy", "FollowUpRule", "LedgerCounter"}  # fmt: skip
    objects = {
        Dispute: case,
        DisputeEvent: case.events.first(),
        **{m: m.objects.first() for m in DISPUTE_MODELS if m not in (Dispute, DisputeEvent)},
    }
    for model in DISPUTE_MODELS:
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        assert admin_client.get(reverse(f"{base}_changelist")).status_code == 200, model
        add_allowed = admin.site._registry[model].has_add_permission(_request(world.admin))
        assert admin_client.get(reverse(f"{base}_add")).status_code == (200 if add_allowed else 403), model
        obj = objects[model]
        assert obj is not None, model
        assert admin_client.get(reverse(f"{base}_change", args=[obj.pk])).status_code == 200, model


def test_dispute_change_page_shows_every_inline(case, admin_client):
    response = admin_client.get(reverse("admin:disputes_dispute_change", args=[case.pk]))
    html = response.content.decode()
    assert case.number in html
    assert "李调解、周乡贤" in html  # mediation
    assert "无治安隐患。" in html  # police review
    assert "协议.pdf" in html  # attachment
    assert case.follow_ups.count() == 2 and str(case.follow_ups.first().due_on.year) in html
    assert html.count("双方达成调解协议。") >= 2  # result field and the timeline's note


def test_attachment_inline_links_to_the_download_view_not_to_media(case, admin_client):
    attachment = case.attachments.get()
    html = admin_client.get(reverse("admin:disputes_dispute_change", args=[case.pk])).content.decode()
    assert f'href="{attachment.get_absolute_url()}"' in html
    assert attachment.file.name not in html and "/media/" not in html


def test_party_inline_never_shows_the_clear_id_number(case, clear_id, admin_client):
    party = case.parties.get(role=Party.Role.APPLICANT)
    html = admin_client.get(reverse("admin:disputes_dispute_change", args=[case.pk])).content.decode()
    assert party.id_number_masked in html
    assert clear_id not in html
    assert party.id_number_encrypted not in html
    assert party.id_number_hash not in html


def test_a_full_id_number_finds_the_dispute_without_showing_the_number(case, clear_id, admin_client):
    response = admin_client.get(reverse("admin:disputes_dispute_changelist"), {"q": clear_id})
    assert list(response.context["cl"].result_list) == [case]


def test_timeline_has_no_add_change_or_delete(world, case, admin_client):
    request = _request(world.admin)
    inline = DisputeEventInline(Dispute, admin.site)
    assert not inline.has_add_permission(request, case)
    assert not inline.has_change_permission(request, case)
    assert not inline.has_delete_permission(request, case)
    event_admin = admin.site._registry[DisputeEvent]
    event = case.events.first()
    assert not event_admin.has_add_permission(request)
    assert not event_admin.has_change_permission(request, event)
    assert not event_admin.has_delete_permission(request, event)
    before = list(case.events.values_list("pk", "kind", "note"))
    url = reverse("admin:disputes_disputeevent_change", args=[event.pk])
    assert admin_client.post(url, {"kind": "archived", "note": "rewritten"}).status_code == 403
    assert (
        admin_client.post(reverse("admin:disputes_disputeevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert list(case.events.values_list("pk", "kind", "note")) == before
    # The dispute's page renders the timeline without any form inputs for it.
    html = admin_client.get(reverse("admin:disputes_dispute_change", args=[case.pk])).content.decode()
    assert "rewritten" not in html and event.note in html
    assert 'name="events-0-note"' not in html


def test_state_fields_cannot_be_changed_in_admin_but_the_description_can(case, admin_client):
    before = Dispute.objects.values("status", "level", "due_at", "number", "handler_id").get(pk=case.pk)
    url = reverse("admin:disputes_dispute_change", args=[case.pk])
    data = {
        "source": case.source, "source_reference": "", "category": case.category, "summary": "更正后的摘要",
        "description": case.description, "occurred_on": case.occurred_on.isoformat(), "location": "东山村3组",
        # Posted state is ignored: these fields are read-only.
        "status": Dispute.Status.ARCHIVED, "level": "department", "number": "MD-X", "due_at": "2030-01-01",
    }  # fmt: skip
    response = admin_client.post(url, {**data, **_inline_management_data(admin_client, url)})
    assert response.status_code == 302, response.context["errors"]
    case.refresh_from_db()
    assert case.summary == "更正后的摘要" and case.location == "东山村3组"
    assert Dispute.objects.values("status", "level", "due_at", "number", "handler_id").get(pk=case.pk) == before
    assert not DisputeAdmin(Dispute, admin.site).has_add_permission(None)
    assert admin_client.get(reverse("admin:disputes_dispute_delete", args=[case.pk])).status_code == 403


def test_occurred_on_after_registration_is_refused(case, admin_client):
    url = reverse("admin:disputes_dispute_change", args=[case.pk])
    data = {"source": case.source, "category": case.category, "summary": case.summary,
            "description": case.description, "occurred_on": "2026-12-31", "location": ""}  # fmt: skip
    response = admin_client.post(url, {**data, **_inline_management_data(admin_client, url)})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["occurred_on"]
    case.refresh_from_db()
    assert case.occurred_on == T0.date()


def test_occurred_on_before_the_records_begin_is_refused(case, admin_client):
    url = reverse("admin:disputes_dispute_change", args=[case.pk])
    data = {"source": case.source, "category": case.category, "summary": case.summary,
            "description": case.description, "occurred_on": "0001-01-01", "location": ""}  # fmt: skip
    response = admin_client.post(url, {**data, **_inline_management_data(admin_client, url)})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["occurred_on"] == [
        "Enter a date from 2000-01-01 on: the portal's records begin then."
    ]


def test_ledger_counter_is_read_only(case, admin_client):
    from disputes.models import LedgerCounter

    counter = LedgerCounter.objects.get()
    url = reverse("admin:disputes_ledgercounter_change", args=[counter.pk])
    assert admin_client.post(url, {"last": 0}).status_code == 403
    assert LedgerCounter.objects.get().last == 1


def test_follow_up_rows_are_shown_not_edited(case, admin_client):
    before = list(FollowUp.objects.values_list("pk", "due_on", "visited_on"))
    html = admin_client.get(reverse("admin:disputes_dispute_change", args=[case.pk])).content.decode()
    assert 'name="follow_ups-0-visited_on"' not in html
    assert list(FollowUp.objects.values_list("pk", "due_on", "visited_on")) == before


def test_filtered_changelist_counts_once_not_the_whole_table_again(case, admin_client):
    url = reverse("admin:disputes_dispute_changelist")
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client.get(url, {"status__exact": Dispute.Status.RESOLVED})
    assert response.status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"] and "disputes_dispute" in q["sql"]]
    assert len(counts) == 1, counts  # the filtered count; show_full_result_count=False drops the second
    assert "WHERE" in counts[0]


def test_change_page_queries_do_not_grow_with_the_timeline(world, case, admin_client):
    url = reverse("admin:disputes_dispute_change", args=[case.pk])
    admin_client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for i in range(8):
        s.dispute_add_police_review(
            dispute=case, actor=world.police1, at=at(3 + i / 10), verdict="joint_mediation", opinion=f"第{i}次意见"
        )
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert "第7次意见" in response.content.decode()
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_changelist_queries_do_not_grow_with_the_rows(world, case, admin_client):
    url = reverse("admin:disputes_dispute_changelist")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for i in range(10):
        village = world.village1 if i % 2 else world.village3
        clerk = world.village1_user if i % 2 else world.village3_user
        s.dispute_register(
            actor=clerk, at=at(i / 10), village=village, source=Dispute.Source.WALK_IN,
            category=Dispute.Category.OTHER, summary=f"纠纷{i}", description="…", occurred_on=T0.date(),
            parties=[s.PartyData(role=Party.Role.APPLICANT, name=f"申请人{i}")],
        )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert response.context["cl"].result_count == 11
    assert len(many) == len(few)


def test_changelist_filters_by_flag(world, case, admin_client):
    url = reverse("admin:disputes_dispute_changelist")
    assert list(admin_client.get(url, {"flag": "criminal"}).context["cl"].result_list) == []
    s.dispute_add_police_review(
        dispute=case,
        actor=world.station1,
        at=at(3),
        verdict="police_intervene",
        opinion="有激化风险。",
        flags_criminal_risk=True,
    )
    assert list(admin_client.get(url, {"flag": "criminal"}).context["cl"].result_list) == [case]


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _inline_management_data(client, url) -> dict[str, int]:
    """The inline management forms the change page sends back, as a browser would."""
    data = {}
    for inline in client.get(url).context["inline_admin_formsets"]:
        form = inline.formset.management_form
        data.update({f"{form.prefix}-{name}": form.initial.get(name, 0) for name in ("TOTAL_FORMS", "INITIAL_FORMS")})
    return data
