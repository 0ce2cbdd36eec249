"""Bad input in every form of the ledger: the page comes back (200) with a message on the
field, nothing is changed, and nothing the user typed is lost. Never a server error."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from disputes import services
from disputes.files import UPLOAD_MAX_BYTES, validate_upload
from disputes.models import Attachment, Dispute, MediationRecord
from tests.factories import make_id_number

from .ledger_helpers import FAKE_PDF_BYTES, JPEG_BYTES, PDF_BYTES, PNG_BYTES, days_ago, register, url

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

UPLOAD_MESSAGE = "Only PDF, JPG or PNG files up to 10 MB."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _errors(response) -> str:
    """Every error message on the page, for assertions that do not care which form holds it."""
    return response.content.decode()


# --- registration ------------------------------------------------------------------------------


def _registration(world, **overrides) -> dict:
    data = {
        "source": "walk_in",
        "category": "labour_wages",
        "risk_level": "general",
        "summary": "工资拖欠三个月",
        "description": "施工队拖欠村民工资。",
        "occurred_on": days_ago(3).isoformat(),
        "location": "村口工地",
        "grid": world.grid1.pk,
        "source_reference": "",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "王大明",
        "parties-0-id_number": "",
        "parties-0-phone": "",
        "parties-0-address": "",
        "parties-1-role": "respondent",
        "parties-1-kind": "organisation",
        "parties-1-name": "某某建筑劳务公司",
        "parties-1-id_number": "",
        "parties-1-phone": "",
        "parties-1-address": "",
    }
    data.update(overrides)
    return data


def _post_registration(login, world, **overrides):
    response = login(world.grid1_user).post(url("register"), _registration(world, **overrides))
    assert response.status_code == 200, "bad input must re-render the form"
    assert not Dispute.objects.exists()
    html = response.content.decode()
    # What was typed is still there.
    assert "工资拖欠三个月" in html and "施工队拖欠村民工资。" in html and "某某建筑劳务公司" in html
    return response


def test_registration_without_an_applicant_says_so(world, login):
    response = _post_registration(login, world, **{"parties-0-role": "respondent"})
    assert "A dispute needs at least one applicant." in response.content.decode()


def test_registration_without_any_party_says_so(world, login):
    response = _post_registration(
        login, world, **{"parties-0-name": "", "parties-1-role": "respondent", "parties-1-kind": "person"}
    )
    # The second row still carries the organisation's name, so check the message only.
    assert "A dispute needs at least one applicant." in response.content.decode()


def test_applicant_with_only_whitespace_as_name_is_no_applicant(world, login):
    response = _post_registration(login, world, **{"parties-0-name": "   ", "parties-0-phone": "13812345678"})
    assert "parties" in response.context and response.context["parties"].forms[0].errors["name"]


def test_registration_in_the_future_is_refused(world, login):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = _post_registration(login, world, occurred_on=tomorrow)
    assert "The date the dispute arose cannot be in the future." in response.content.decode()
    assert response.context["form"]["occurred_on"].value() == tomorrow


def test_registration_with_a_wrong_id_number_is_refused(world, login):
    good = make_id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = _post_registration(login, world, **{"parties-0-id_number": bad})
    assert "does not match the others" in response.content.decode()
    assert bad in response.content.decode()  # kept, so the clerk can correct one character


def test_registration_with_a_short_id_number_is_refused(world, login):
    response = _post_registration(login, world, **{"parties-0-id_number": "33010219800517"})
    assert "An ID number has 18 characters" in response.content.decode()


def test_an_organisation_has_no_id_number(world, login):
    response = _post_registration(login, world, **{"parties-1-id_number": make_id_number()})
    assert "An organisation has no ID number" in response.content.decode()


def test_registration_with_a_bad_phone_is_refused(world, login):
    response = _post_registration(login, world, **{"parties-0-phone": "12345"})
    assert "11-digit mainland mobile number" in response.content.decode()
    assert 'value="12345"' in response.content.decode()


def test_a_landline_is_a_valid_phone(world, login):
    login(world.grid1_user).post(url("register"), _registration(world, **{"parties-0-phone": "0571-88881234"}))
    assert Dispute.objects.get().parties.get(role="applicant").phone == "0571-88881234"


def test_registration_without_category_or_summary_is_refused(world, login):
    response = login(world.grid1_user).post(url("register"), _registration(world, category="", summary=" "))
    assert response.status_code == 200 and not Dispute.objects.exists()
    errors = response.context["form"].errors
    assert "category" in errors and "summary" in errors


def test_an_unknown_category_is_refused(world, login):
    response = login(world.grid1_user).post(url("register"), _registration(world, category="witchcraft"))
    assert response.status_code == 200 and "category" in response.context["form"].errors


def test_a_grid_the_worker_does_not_serve_is_refused(world, login):
    response = login(world.grid1_user).post(url("register"), _registration(world, grid=world.grid2.pk))
    assert response.status_code == 200 and "grid" in response.context["form"].errors
    assert not Dispute.objects.exists()


def test_a_refusal_of_the_service_is_shown_on_the_form(world, login):
    # An administrator must say where the dispute is; the service refuses, the form shows why.
    response = login(world.admin).post(url("register"), _registration(world, grid=""))
    assert response.status_code == 200 and not Dispute.objects.exists()
    assert "Choose where the dispute is" in response.content.decode()
    assert "工资拖欠三个月" in response.content.decode()


def test_a_broken_management_form_is_a_form_error_not_a_crash(world, login):
    data = _registration(world)
    del data["parties-TOTAL_FORMS"]
    response = login(world.grid1_user).post(url("register"), data)
    assert response.status_code == 200 and not Dispute.objects.exists()


# --- steps ----------------------------------------------------------------------------------------


@pytest.fixture
def accepted(world):
    d = register(world.grid1_user, grid=world.grid1, occurred_on=days_ago(10))
    services.dispute_accept(dispute=d, actor=world.village1_user, at=timezone.now())
    d.refresh_from_db()
    return d


def _snapshot(d: Dispute):
    d.refresh_from_db()
    return (d.status, d.level, d.result, d.department_id, d.events.count(), d.mediations.count(), d.attachments.count())


def _post_step(client, d, name, data, *args):
    """POST a bad step: 200, the detail page with that step's form open and bound."""
    before = _snapshot(d)
    response = client.post(url(name, d.pk, *args), data)
    assert response.status_code == 200, name
    assert response.templates[0].name == "disputes/detail.html"
    assert _snapshot(d) == before, "a refused step changes nothing"
    open_actions = [a for a in response.context["actions"] if a.expanded]
    assert len(open_actions) == 1 and open_actions[0].form.is_bound
    return response, open_actions[0].form


def test_mediation_before_the_dispute_arose_is_refused(world, login, accepted):
    before = (accepted.occurred_on - datetime.timedelta(days=1)).isoformat()
    response, form = _post_step(
        login(world.village1_user),
        accepted,
        "mediation",
        {
            "held_on": before,
            "method": "on_site",
            "mediators": "张调解员",
            "outcome": "failed",
            "notes": "记录内容",
        },
    )
    assert "The mediation date cannot be before the dispute arose" in form.errors["held_on"][0]
    html = response.content.decode()
    assert "张调解员" in html and "记录内容" in html


def test_mediation_in_the_future_or_without_mediators_is_refused(world, login, accepted):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    _response, form = _post_step(
        login(world.village1_user),
        accepted,
        "mediation",
        {"held_on": tomorrow, "method": "on_site", "outcome": "failed"},
    )
    assert "cannot be in the future" in form.errors["held_on"][0]
    assert "mediators" in form.errors


def test_police_cannot_record_another_method_than_linkage(world, login, accepted):
    _response, form = _post_step(
        login(world.police1),
        accepted,
        "mediation",
        {
            "held_on": timezone.localdate().isoformat(),
            "method": "committee",
            "mediators": "民警甲",
            "outcome": "partial",
        },
    )
    assert "method" in form.errors


def test_escalation_without_a_reason_is_refused(world, login, accepted):
    response, form = _post_step(login(world.village1_user), accepted, "escalate", {"reason": "   "})
    assert form.errors["reason"] == ["Give the reason for escalating."]
    assert "Give the reason for escalating." in response.content.decode()


def test_district_escalation_without_a_department_is_refused(world, login):
    d = register(world.district1, source=Dispute.Source.HOTLINE_12345)
    response, form = _post_step(login(world.district1), d, "escalate", {"reason": "交职能部门"})
    assert form.errors["department"] == ["Choose the functional department that will handle it."]
    assert "交职能部门" in response.content.decode()


def test_escalation_to_an_inactive_or_foreign_department_is_refused(world, login):
    from govcenter.models import Department

    d = register(world.district1, source=Dispute.Source.HOTLINE_12345)
    closed = Department.objects.create(district=world.district, name="已撤销局", is_active=False)
    _response, form = _post_step(login(world.district1), d, "escalate", {"reason": "r", "department": closed.pk})
    assert "department" in form.errors


def test_resolving_without_a_result_is_refused(world, login, accepted):
    _response, form = _post_step(login(world.village1_user), accepted, "resolve", {"result": ""})
    assert form.errors["result"]


def test_closing_unresolved_needs_a_referral_and_a_reason(world, login, accepted):
    _response, form = _post_step(
        login(world.village1_user), accepted, "unresolved", {"referral": "exile", "result": ""}
    )
    assert "referral" in form.errors and "result" in form.errors


def test_returning_a_result_needs_the_result(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    now = timezone.now()
    services.dispute_escalate(dispute=d, actor=world.village1_user, reason="r", at=now)
    services.dispute_accept(dispute=d, actor=world.township1_user, at=now)
    _response, form = _post_step(login(world.township1_user), d, "feedback", {"result": " "})
    assert form.errors["result"]


def test_rejecting_a_returned_result_needs_a_reason(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    now = timezone.now()
    services.dispute_escalate(dispute=d, actor=world.village1_user, reason="r", at=now)
    services.dispute_accept(dispute=d, actor=world.township1_user, at=now)
    services.dispute_return_feedback(dispute=d, actor=world.township1_user, at=now, result="ok")
    _response, form = _post_step(login(world.village1_user), d, "reject", {"reason": ""})
    assert form.errors["reason"]


def test_police_opinion_must_say_something(world, login, accepted):
    _response, form = _post_step(login(world.station1), accepted, "police_review", {"opinion": ""})
    assert form.errors["opinion"]


def test_assigning_nobody_is_refused(world, login, accepted):
    _response, form = _post_step(login(world.village1_user), accepted, "assign", {"handler": "99999"})
    assert form.errors["handler"]


def test_divert_needs_a_township_and_a_village_of_it(world, login):
    d = register(world.district1, source=Dispute.Source.HOTLINE_12345)
    _response, form = _post_step(login(world.district1), d, "divert", {"township": ""})
    assert "township" in form.errors
    _response, form = _post_step(
        login(world.district1), d, "divert", {"township": world.township2.pk, "village": world.village1.pk}
    )
    assert "village" in form.errors


def test_follow_up_before_resolution_or_in_the_future_is_refused(world, login, accepted):
    services.dispute_resolve(dispute=accepted, actor=world.village1_user, at=timezone.now(), result="ok")
    fu = accepted.follow_ups.order_by("due_on").first()
    client = login(world.village1_user)
    response, form = _post_step(
        client,
        accepted,
        "followup",
        {"visited_on": days_ago(5).isoformat(), "finding": "stable", "notes": "走访记录"},
        fu.pk,
    )
    assert "before the dispute was resolved" in form.errors["visited_on"][0]
    assert "走访记录" in response.content.decode()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    _response, form = _post_step(client, accepted, "followup", {"visited_on": tomorrow, "finding": "stable"}, fu.pk)
    assert "cannot be in the future" in form.errors["visited_on"][0]
    fu.refresh_from_db()
    assert fu.is_pending


# --- uploads ----------------------------------------------------------------------------------------


def test_a_non_pdf_renamed_pdf_is_refused(world, login, accepted):
    upload = SimpleUploadedFile("协议.pdf", FAKE_PDF_BYTES, content_type="application/pdf")
    response, form = _post_step(login(world.village1_user), accepted, "attach", {"kind": "agreement", "file": upload})
    assert form.errors["file"] == [UPLOAD_MESSAGE]
    assert UPLOAD_MESSAGE in response.content.decode()


def test_an_oversized_file_is_refused(world, login, accepted):
    upload = SimpleUploadedFile("big.pdf", PDF_BYTES + b"\0" * (UPLOAD_MAX_BYTES + 1 - len(PDF_BYTES)))
    assert upload.size == UPLOAD_MAX_BYTES + 1
    _response, form = _post_step(login(world.village1_user), accepted, "attach", {"kind": "agreement", "file": upload})
    assert form.errors["file"] == [UPLOAD_MESSAGE]


def test_the_size_limit_comes_from_settings(world, login, accepted, settings):
    settings.DISPUTE_UPLOAD_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("photo.png", PNG_BYTES + b"\0" * (1024 * 1024))
    _response, form = _post_step(login(world.village1_user), accepted, "attach", {"kind": "photo", "file": upload})
    assert form.errors["file"] == ["Only PDF, JPG or PNG files up to 1 MB."]


def test_a_bad_agreement_with_a_mediation_keeps_the_record_typed(world, login, accepted):
    response, form = _post_step(
        login(world.village1_user),
        accepted,
        "mediation",
        {
            "held_on": timezone.localdate().isoformat(),
            "method": "committee",
            "mediators": "人民调解委员会",
            "outcome": "agreement",
            "agreement": SimpleUploadedFile("agreement.gif", b"GIF89a" + b"\0" * 10),
        },
    )
    assert form.errors["agreement"] == [UPLOAD_MESSAGE]
    assert "人民调解委员会" in response.content.decode()
    assert not MediationRecord.objects.exists() and not Attachment.objects.exists()


def test_a_bad_agreement_when_resolving_changes_nothing(world, login, accepted):
    _response, form = _post_step(
        login(world.village1_user),
        accepted,
        "resolve",
        {"result": "达成协议", "agreement": SimpleUploadedFile("a.png", JPEG_BYTES)},
    )
    assert form.errors["agreement"] == [UPLOAD_MESSAGE]


def test_an_attachment_is_stored_with_the_type_its_bytes_prove():
    # Which files pass is tested in tests/govcenter/test_uploads.py; here, the ledger's wording.
    upload = SimpleUploadedFile("A.JPEG", JPEG_BYTES, content_type="text/html")
    assert validate_upload(upload).content_type == "image/jpeg"
    assert upload.read() == JPEG_BYTES  # left at the start for saving


@pytest.mark.parametrize(("name", "content"), [("a.pdf", FAKE_PDF_BYTES), ("a.exe", PDF_BYTES), ("a.pdf", b"")])
def test_other_files_are_refused_with_the_ledgers_message(name, content):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Only PDF, JPG or PNG"):
        validate_upload(SimpleUploadedFile(name, content))


# --- the registration form on its own ----------------------------------------------------------------


def test_registration_form_offers_each_role_its_places(world):
    from disputes.forms import RegisterForm

    assert set(RegisterForm(user=world.grid1_user).fields) >= {"grid"}
    assert "village" not in RegisterForm(user=world.grid1_user).fields
    clerk = RegisterForm(user=world.village1_user)
    assert list(clerk.fields["grid"].queryset) == [world.grid1, world.grid1b]
    township = RegisterForm(user=world.township1_user)
    assert "township" not in township.fields
    assert set(township.fields["village"].queryset) == {world.village1, world.village2}
    district = RegisterForm(user=world.district1)
    assert set(district.fields["township"].queryset) == {world.township1, world.township2}
    assert district.fields["source"].initial == "hotline_12345"
    bound = RegisterForm({"township": world.township2.pk}, user=world.district1)
    assert list(bound.fields["village"].queryset) == [world.village3]
