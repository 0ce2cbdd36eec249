"""Co-signed logs (会签): the officer named as accompanying a visit is notified once,
confirms with one tap or declines with a note, only he and only while the log awaits him;
the state shows on the page, the lists, the export and the printed sheet; and a community
police officer files logs in the grids he serves, not in others."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from govcenter.models import Notification
from sentiment import rules
from sentiment import services as s
from sentiment.exports import cosign_text
from sentiment.models import Log, LogEvent
from sentiment.selectors import logs_to_cosign
from tests.sentiment.helpers import an_hour_ago

from .helpers import at, file_log, reported
from .test_services import EVERYONE, notified, seen

pytestmark = pytest.mark.usefixtures("world_for_the_module")

Cosign = Log.Cosign


class _Undo(Exception):
    pass


def _accepted(service, **kwargs) -> bool:
    """Whether the service takes the step (rolled back either way)."""
    try:
        with transaction.atomic():
            service(**kwargs)
            raise _Undo
    except _Undo:
        return True
    except s.LogError:
        return False


def _states(world) -> dict[str, Log]:
    signed = file_log(world, accompanied_by=world.police1)
    s.log_cosign(log=signed, actor=world.police1, at=at(1))
    declined = file_log(world, accompanied_by=world.police1)
    s.log_decline_cosign(log=declined, actor=world.police1, at=at(1), note="当天在所值班")
    return {
        "not asked": file_log(world),
        "awaiting": file_log(world, accompanied_by=world.police1),
        "awaiting, reported up": reported(world, accompanied_by=world.police1),
        "signed": signed,
        "declined": declined,
    }


def test_only_the_named_officer_cosigns_or_declines_and_only_while_awaiting(world):
    for state, log in _states(world).items():
        for role in EVERYONE:
            actor = getattr(world, role)
            expected = role == "police1" and state.startswith("awaiting")
            assert bool(rules.can_cosign(actor, log)) == expected, (state, role)
            assert bool(rules.can_decline_cosign(actor, log)) == expected, (state, role)
            assert _accepted(s.log_cosign, log=Log.objects.get(pk=log.pk), actor=actor, at=at(2)) == expected
            assert (
                _accepted(s.log_decline_cosign, log=Log.objects.get(pk=log.pk), actor=actor, at=at(2), note="不在场")
                == expected
            ), (state, role)


def test_an_auxiliary_officer_named_on_the_log_cosigns_it(world):
    log = file_log(world, accompanied_by=world.aux1)
    assert rules.can_cosign(world.police1, log).reason == (
        "Only the police officer named as accompanying this visit can co-sign its log."
    )
    s.log_cosign(log=log, actor=world.aux1, at=at(1))
    assert (log.cosign, log.cosigned_at) == (Cosign.SIGNED, at(1))
    assert rules.can_cosign(world.aux1, log).reason == "This log is not awaiting your co-signature (Co-signed)."


def test_filing_with_an_officer_asks_his_cosignature_and_notifies_him_once(world):
    before = seen()
    log = file_log(world, accompanied_by=world.police1)
    assert log.cosign == Cosign.AWAITING and log.cosigned_at is None
    assert notified(before) == ["police1"]
    note = Notification.objects.exclude(pk__in=before).get()
    assert note.url == log.get_absolute_url() and "Please co-sign" in note.title
    # Co-signing notifies nobody more; the timeline has one entry for it.
    before = seen()
    s.log_cosign(log=log, actor=world.police1, at=at(1))
    assert notified(before) == []
    assert list(log.events.values_list("kind", flat=True)) == [LogEvent.Kind.FILED, LogEvent.Kind.COSIGNED]


def test_filing_without_an_officer_asks_nobody(world):
    before = seen()
    log = file_log(world)
    assert log.cosign == "" and notified(before) == []


def test_a_decline_tells_whoever_filed_the_log_once_and_keeps_the_note(world):
    log = file_log(world, accompanied_by=world.police1, next_step=Log.NextStep.REPORT)
    before = seen()
    s.log_decline_cosign(log=log, actor=world.police1, at=at(1), note="  当天在所值班  ")
    # The worker who filed it, once; not the village centre the log is reported to.
    assert notified(before) == ["grid1"]
    assert (log.cosign, log.cosign_note, log.cosigned_at) == (Cosign.DECLINED, "当天在所值班", None)
    assert log.events.filter(kind=LogEvent.Kind.COSIGN_DECLINED, note="当天在所值班").count() == 1
    with pytest.raises(s.LogError, match="not awaiting your co-signature"):
        s.log_decline_cosign(log=log, actor=world.police1, at=at(2), note="再次")
    assert notified(before) == ["grid1"]


def test_a_decline_needs_a_note(world):
    log = file_log(world, accompanied_by=world.police1)
    with pytest.raises(s.LogError, match="Say why") as e:
        s.log_decline_cosign(log=log, actor=world.police1, at=at(1), note="  ")
    assert e.value.field == "note"
    log.refresh_from_db()
    assert log.cosign == Cosign.AWAITING


def test_logs_to_cosign_holds_the_officers_awaiting_logs_once_each(world):
    mine = [file_log(world, accompanied_by=world.police1) for _ in range(3)]
    file_log(world, accompanied_by=world.aux1)
    file_log(world)
    s.log_cosign(log=mine[0], actor=world.police1, at=at(1))
    s.log_decline_cosign(log=mine[1], actor=world.police1, at=at(1), note="不在场")
    assert list(logs_to_cosign(world.police1)) == [mine[2]]
    assert [log.accompanied_by_id for log in logs_to_cosign(world.aux1)] == [world.aux1.pk]
    assert list(logs_to_cosign(world.grid1_user)) == []
    s.log_cosign(log=mine[2], actor=world.police1, at=at(1))
    assert not logs_to_cosign(world.police1).exists()


# --- pages ------------------------------------------------------------------------------------


def _url(step: str, log: Log) -> str:
    return reverse(f"sentiment:{step}", args=[log.pk])


def test_the_named_officer_cosigns_with_one_tap_on_the_page(world, login):
    log = file_log(world, accompanied_by=world.police1)
    client = login(world.police1)
    page = client.get(log.get_absolute_url()).content.decode()
    assert f'action="{_url("cosign", log)}"' in page and f'action="{_url("decline_cosign", log)}"' in page
    assert 'id="action-cosign" class="accordion-collapse collapse show"' in page  # unfolded: one tap
    response = client.post(_url("cosign", log), {})
    assert response.status_code == 302 and response["Location"] == log.get_absolute_url()
    log.refresh_from_db()
    assert log.cosign == Cosign.SIGNED
    # A second tap changes nothing and says why.
    response = client.post(_url("cosign", log), {}, follow=True)
    assert "not awaiting your co-signature" in response.content.decode()
    assert log.events.filter(kind=LogEvent.Kind.COSIGNED).count() == 1
    assert f'action="{_url("cosign", log)}"' not in response.content.decode()


@pytest.mark.parametrize("name", ["aux1", "grid1_user", "village1_user", "station1", "admin"])
def test_others_who_see_the_log_are_refused_and_not_offered_the_steps(world, login, name):
    log = file_log(world, accompanied_by=world.police1)
    client = login(getattr(world, name))
    assert f'action="{_url("cosign", log)}"' not in client.get(log.get_absolute_url()).content.decode()
    assert client.post(_url("cosign", log), {}).status_code == 302
    assert client.post(_url("decline_cosign", log), {"decline-note": "不在场"}).status_code == 302
    log.refresh_from_db()
    assert log.cosign == Cosign.AWAITING


@pytest.mark.parametrize("name", ["police3", "grid2_user", "village2_user", "station2_user", "dept1"])
def test_outside_the_jurisdiction_the_cosign_steps_are_404(world, login, name):
    log = file_log(world, accompanied_by=world.police1)
    client = login(getattr(world, name))
    assert client.post(_url("cosign", log), {}).status_code == 404
    assert client.post(_url("decline_cosign", log), {"decline-note": "x"}).status_code == 404
    log.refresh_from_db()
    assert log.cosign == Cosign.AWAITING


def test_anonymous_goes_to_login(world, client):
    log = file_log(world, accompanied_by=world.police1)
    for url in (_url("cosign", log), _url("decline_cosign", log)):
        response = client.post(url, {})
        assert response.status_code == 302 and "/login" in response["Location"]
    response = client.get(reverse("sentiment:to_cosign"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_declining_without_a_note_shows_the_form_again(world, login):
    log = file_log(world, accompanied_by=world.police1)
    client = login(world.police1)
    response = client.post(_url("decline_cosign", log), {"decline-note": ""})
    assert response.status_code == 200
    assert "Say why you cannot co-sign this log." in response.content.decode()
    response = client.post(_url("decline_cosign", log), {"decline-note": "当天在所值班"})
    assert response.status_code == 302
    log.refresh_from_db()
    assert (log.cosign, log.cosign_note) == (Cosign.DECLINED, "当天在所值班")


def test_the_officers_page_lists_what_awaits_him_with_a_button_each(world, login):
    awaiting = [file_log(world, accompanied_by=world.police1, matter=f"走访事项{i}") for i in range(2)]
    signed = file_log(world, accompanied_by=world.police1, matter="已会签事项")
    s.log_cosign(log=signed, actor=world.police1, at=at(1))
    file_log(world, accompanied_by=world.aux1, matter="辅警事项")
    client = login(world.police1)
    assert client.get(reverse("sentiment:home"))["Location"] == reverse("sentiment:to_cosign")
    page = client.get(reverse("sentiment:to_cosign")).content.decode()
    assert "走访事项0" in page and "走访事项1" in page
    assert "已会签事项" not in page and "辅警事项" not in page
    assert page.count('<button type="submit" class="btn btn-success w-100">') == len(awaiting)
    for log in awaiting:
        assert f'action="{_url("cosign", log)}"' in page
    # The nav's badge counts the same logs.
    assert re.search(r"To co-sign <span class=\"badge text-bg-warning\">2</span>", page)


@pytest.mark.parametrize("name", ["grid1_user", "village1_user", "station1", "dept1"])
def test_the_officers_page_is_for_police_officers_of_grid_teams(world, login, name):
    assert login(getattr(world, name)).get(reverse("sentiment:to_cosign")).status_code == 403


def test_police3_does_not_find_a_log_outside_his_area_even_if_named(world, login):
    # A log of grid1 naming police1 stays out of police3's page; grid3's officer is police3.
    file_log(world, accompanied_by=world.police1, matter="东山村走访")
    page = login(world.police3).get(reverse("sentiment:to_cosign")).content.decode()
    assert "东山村走访" not in page


# --- where the state shows ---------------------------------------------------------------------


def _three(world) -> dict[str, Log]:
    awaiting = file_log(world, accompanied_by=world.police1, matter="待会签事项", when=timezone.now())
    signed = file_log(world, accompanied_by=world.police1, matter="已会签事项", when=timezone.now())
    s.log_cosign(log=signed, actor=world.police1, at=timezone.now())
    declined = file_log(world, accompanied_by=world.aux1, matter="拒签事项", when=timezone.now())
    s.log_decline_cosign(log=declined, actor=world.aux1, at=timezone.now(), note="未随同走访")
    return {"awaiting": awaiting, "signed": signed, "declined": declined}


def test_the_state_shows_on_the_detail_page(world, login):
    logs = _three(world)
    client = login(world.village1_user)
    for state, log in logs.items():
        page = client.get(log.get_absolute_url()).content.decode()
        assert f'data-cosign="{state}"' in page, state
    signed = client.get(logs["signed"].get_absolute_url()).content.decode()
    assert timezone.localtime(logs["signed"].cosigned_at).strftime("%Y-%m-%d %H:%M") in signed
    assert "未随同走访" in client.get(logs["declined"].get_absolute_url()).content.decode()


def test_the_state_shows_in_the_list_and_filters_it(world, login):
    logs = _three(world)
    file_log(world, matter="无人随同")
    client = login(world.village1_user)
    page = client.get(reverse("sentiment:list")).content.decode()
    for state in logs:
        assert page.count(f'data-cosign="{state}"') == 1, state
    only = client.get(reverse("sentiment:list"), {"cosign": "awaiting"}).content.decode()
    assert "待会签事项" in only and "已会签事项" not in only and "无人随同" not in only


def test_the_state_shows_in_the_export(world, login):
    logs = _three(world)
    file_log(world, matter="无人随同", when=timezone.now())
    response = login(world.village1_user).get(reverse("sentiment:export_xlsx"))
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    header = rows[0]
    column, matter = header.index("Co-signature"), header.index("Matter")
    got = {r[matter]: r[column] for r in rows[1:]}
    signed_at = timezone.localtime(logs["signed"].cosigned_at).strftime("%Y-%m-%d %H:%M")
    assert got == {
        "待会签事项": "Awaiting co-signature",
        "已会签事项": f"Co-signed {signed_at}",
        "拒签事项": "Co-signature declined: 未随同走访",
        "无人随同": None,  # an empty cell
    }
    assert cosign_text(logs["signed"]) == f"Co-signed {signed_at}"


def test_the_printed_log_has_the_officers_signature_line(world, login):
    logs = _three(world)
    client = login(world.village1_user)
    signed = client.get(reverse("sentiment:print", args=[logs["signed"].pk])).content.decode()
    line = signed[signed.index('class="cosign-line"') :]
    line = line[: line.index("</tr>")]
    assert world.police1.display_name in line and "Co-signed" in line
    assert timezone.localtime(logs["signed"].cosigned_at).strftime("%Y-%m-%d %H:%M") in line
    awaiting = client.get(reverse("sentiment:print", args=[logs["awaiting"].pk])).content.decode()
    assert 'class="cosign-line"' in awaiting and "Awaiting co-signature" in awaiting
    nobody = client.get(reverse("sentiment:print", args=[file_log(world).pk])).content.decode()
    assert 'class="cosign-line"' not in nobody


# --- a community police officer files logs ------------------------------------------------------


def _post(client, grid, **overrides):
    data = {
        "grid": grid.pk,
        "kind": "inspection",
        "category": "security_hazard",
        "matter": "巡查发现废弃厂房电线裸露",
        "next_step": "answered",
        **an_hour_ago(),
        "client_token": "",
    }
    data.update(overrides)
    return client.post(reverse("sentiment:file"), data)


def test_a_community_police_officer_files_a_log_in_his_grid(world, login):
    client = login(world.police1)
    form = client.get(reverse("sentiment:file")).context["form"]
    assert list(form.fields["grid"].queryset) == [world.grid1]
    assert list(form.fields["accompanied_by"].queryset) == [world.aux1]  # not himself
    before = seen()
    response = _post(client, world.grid1, accompanied_by=world.aux1.pk)
    log = Log.objects.get(matter="巡查发现废弃厂房电线裸露")
    assert response.status_code == 302 and response["Location"] == f"{log.get_absolute_url()}?filed=1"
    assert (log.recorded_by, log.grid, log.accompanied_by, log.cosign) == (
        world.police1,
        world.grid1,
        world.aux1,
        Cosign.AWAITING,
    )
    assert notified(before) == ["aux1", "station1"]  # to co-sign; the hazard awaits the police review
    assert client.get(reverse("sentiment:mine")).status_code == 200


def test_a_community_police_officer_cannot_file_in_another_grid(world, login):
    client = login(world.police1)
    response = _post(client, world.grid3)
    assert response.status_code == 200 and "Choose one of your grids." in response.content.decode()
    assert client.get(reverse("sentiment:resident_search"), {"grid": world.grid3.pk}).status_code == 404
    # grid2 lies in his station's villages, which he sees, but he serves no team there.
    assert _post(client, world.grid2).status_code == 200
    assert not Log.objects.filter(matter="巡查发现废弃厂房电线裸露").exists()
    with pytest.raises(s.LogError, match="only in the grids you serve") as e:
        file_log(world, actor=world.police1, grid=world.grid2, resident=None)
    assert e.value.field == "grid"


def test_an_officer_filing_cannot_name_himself_as_accompanying(world):
    with pytest.raises(s.LogError, match="name the officer who went with you") as e:
        file_log(world, actor=world.police1, accompanied_by=world.police1)
    assert e.value.field == "accompanied_by"


def test_station_staff_and_auxiliaries_do_not_file(world):
    for actor in (world.station1, world.aux1):
        with pytest.raises(s.LogError, match="Only the grid team"):
            file_log(world, actor=actor)


def test_admin_shows_the_cosignature_read_only(world, login):
    log = file_log(world, accompanied_by=world.police1)
    page = login(world.admin).get(reverse("admin:sentiment_log_change", args=[log.pk])).content.decode()
    assert 'name="accompanied_by"' not in page and 'name="cosign"' not in page
    assert "Awaiting co-signature" in page and world.police1.display_name in page


def _awaiting_copies(log: Log, n: int) -> None:
    """``n`` more logs like ``log`` awaiting the same officer (bulk: the page's cost is measured)."""
    fields = {f.attname: getattr(log, f.attname) for f in Log._meta.concrete_fields if f.attname != "id"}
    Log.objects.bulk_create([Log(**{**fields, "client_token": ""}) for _ in range(n)])


def test_the_officers_page_runs_the_same_queries_for_few_and_many_logs(world, login):
    log = file_log(world, accompanied_by=world.police1, when=timezone.now())
    client = login(world.police1)
    client.get(reverse("sentiment:to_cosign"))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("sentiment:to_cosign")).status_code == 200
    _awaiting_copies(log, 40)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("sentiment:to_cosign")).context["page"]
    assert len(page) == 25 and page.has_next()
    assert len(many) == len(few), [q["sql"][:120] for q in many]
