"""What a clerk types into the dispute pages: free text within its limit (with a live
count), names stored and exported without invisible direction controls, a NUL named
plainly, dates between the portal's first records and today, and a repeated
"assign handler" that changes nothing."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from disputes.models import Dispute, DisputeEvent
from govcenter import limits
from govcenter.models import Notification

from .ledger_helpers import messages_of, register, url
from .test_views import _register_post

RLO = "\u202e"
NUL_MESSAGE = "This text contains an invisible NUL character (often from a copied document); remove it and try again."


def _errors(response, name: str) -> list[str]:
    return list(response.context["form"].errors.get(name, []))


def test_registration_text_areas_carry_their_limit_and_count_words(world, login):
    html = login(world.grid1_user).get(url("register")).content.decode()
    assert f'maxlength="{limits.NARRATIVE}"' in html
    assert 'data-counter="{count} of {max} characters"' in html
    assert "js/counter.js" in html


def test_a_description_over_the_limit_is_refused_with_the_rest_kept(world, login):
    response = login(world.grid1_user).post(
        url("register"), _register_post(world, description="字" * (limits.NARRATIVE + 1))
    )
    assert response.status_code == 200 and not Dispute.objects.exists()
    assert _errors(response, "description") == [
        f"Ensure this value has at most {limits.NARRATIVE} characters (it has {limits.NARRATIVE + 1})."
    ]
    assert response.context["form"]["summary"].value() == "邻里噪音纠纷"


def test_a_line_break_counts_once_against_the_limit(world, login):
    # The browser counts "\r\n" as one character against maxlength and sends two.
    text = "字" * (limits.NARRATIVE - 2) + "\r\n" + "字"  # NARRATIVE characters in the browser
    response = login(world.grid1_user).post(url("register"), _register_post(world, description=text))
    assert response.status_code == 302
    assert Dispute.objects.get().description == text.replace("\r\n", "\n")


def test_a_nul_character_is_named_and_what_was_typed_is_kept(world, login):
    response = login(world.grid1_user).post(
        url("register"), _register_post(world, description="楼上楼下\x00因噪音争吵。")
    )
    assert response.status_code == 200 and not Dispute.objects.exists()
    assert _errors(response, "description") == [NUL_MESSAGE]
    html = response.content.decode()
    assert NUL_MESSAGE in html and "Null characters are not allowed" not in html
    form = response.context["form"]
    assert form["summary"].value() == "邻里噪音纠纷" and form["location"].value() == "东山村3组"
    assert response.context["parties"].forms[0]["name"].value() == "王大明"


def test_a_nul_in_a_party_name_is_named_too(world, login):
    response = login(world.grid1_user).post(url("register"), _register_post(world, **{"parties-1-name": "赵\x00五"}))
    assert response.status_code == 200 and not Dispute.objects.exists()
    assert response.context["parties"].forms[1].errors["name"] == [NUL_MESSAGE]


def test_direction_controls_are_stripped_from_names_and_the_export(world, login):
    client = login(world.grid1_user)
    response = client.post(
        url("register"),
        _register_post(
            world,
            summary=f"邻里{RLO}噪音纠纷",
            **{"parties-0-name": f"王{RLO}大明\u2066", "parties-1-name": "赵\u200f五"},
        ),
    )
    assert response.status_code == 302
    d = Dispute.objects.get()
    assert d.summary == "邻里噪音纠纷"
    assert sorted(d.parties.values_list("name", flat=True)) == sorted(["王大明", "赵五"])
    village = login(world.village1_user)
    raw = b"".join(village.get(url("export_csv")).streaming_content).decode("utf-8-sig")
    assert "王大明" in raw and RLO not in raw and "\u2066" not in raw
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(village.get(url("export_xlsx")).streaming_content))).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert any("王大明" in v for v in values) and not any(RLO in v for v in values)


def test_a_name_stored_with_controls_before_the_fix_is_exported_clean(world, login):
    register(world.grid1_user, grid=world.grid1, applicant=f"王{RLO}大明")
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(login(world.village1_user).get(url("export_csv")).streaming_content).decode("utf-8-sig")
            )
        )
    )
    assert any("王大明" in cell for cell in rows[1]) and not any(RLO in cell for cell in rows[1])


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31"])
def test_a_dispute_dated_before_the_records_begin_is_refused(world, login, day):
    response = login(world.grid1_user).post(url("register"), _register_post(world, occurred_on=day))
    assert response.status_code == 200 and not Dispute.objects.exists()
    assert _errors(response, "occurred_on") == ["Enter a date from 2000-01-01 on: the portal's records begin then."]


def test_records_begin_follows_the_setting(world, login, settings):
    import datetime

    settings.RECORDS_BEGIN = datetime.date(1990, 1, 1)
    response = login(world.grid1_user).post(url("register"), _register_post(world, occurred_on="1999-12-31"))
    assert response.status_code == 302


def test_a_dispute_dated_in_the_future_is_refused(world, login):
    import datetime

    from django.utils import timezone

    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = login(world.grid1_user).post(url("register"), _register_post(world, occurred_on=tomorrow))
    assert _errors(response, "occurred_on") == ["The date the dispute arose cannot be in the future."]


def test_assigning_the_same_handler_again_says_so_and_changes_nothing(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    client = login(world.village1_user)
    client.post(url("assign", d.pk), {"handler": world.grid1_user.pk})
    events, notifications = d.events.count(), Notification.objects.count()
    response = client.post(url("assign", d.pk), {"handler": world.grid1_user.pk}, follow=True)
    assert response.status_code == 200
    assert "grid1 is already the handler of this dispute; nothing changed." in messages_of(response)
    assert d.events.count() == events and Notification.objects.count() == notifications
    assert d.events.filter(kind=DisputeEvent.Kind.HANDLER_ASSIGNED).count() == 1


def test_assign_is_404_outside_the_jurisdiction_and_login_for_anonymous(world, login, client):
    d = register(world.grid1_user, grid=world.grid1)
    assert client.post(url("assign", d.pk), {"handler": world.grid1_user.pk}).status_code == 302
    assert "login" in client.post(url("assign", d.pk), {"handler": world.grid1_user.pk})["Location"]
    assert login(world.village2_user).post(url("assign", d.pk), {"handler": world.grid1_user.pk}).status_code == 404
