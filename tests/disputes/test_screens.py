"""The ledger and the dispute pages as a clerk uses them on a phone and at a desk (issue 16):
quick filters over DisputeFilter's own parameters, the ledger's merged status column and
unbroken names, toggle buttons in the step forms, the resident picker first in a party row,
print and export left off phones."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.filters import DisputeFilter
from disputes.models import Dispute
from disputes.selectors import disputes_visible_to
from govcenter.levels import level_of

from .ledger_helpers import register, url

pytestmark = pytest.mark.usefixtures("world_for_the_module")

QUICK = {"criminal", "registered", "my_level", "overdue"}


@pytest.fixture
def ledger(world):
    """Disputes in every state a quick filter tells apart: registered or accepted, at the
    village or the township, at risk of turning criminal or not, overdue or not, open or
    resolved."""
    w = world
    now = timezone.now()
    made = {}
    made["new_risky"] = register(w.grid1_user, grid=w.grid1, summary="新登记民转刑", risk_criminal=True)
    made["new_plain"] = register(w.grid2_user, grid=w.grid2, summary="新登记一般")
    accepted = register(w.grid1_user, grid=w.grid1, summary="已受理")
    services.dispute_accept(dispute=accepted, actor=w.village1_user, at=now)
    made["accepted"] = accepted
    up = register(w.grid1_user, grid=w.grid1, summary="上报乡镇民转刑", risk_criminal=True)
    services.dispute_escalate(dispute=up, actor=w.village1_user, reason="需乡镇协调", at=now)
    made["at_township"] = up
    late = register(w.village3_user, village=w.village3, summary="南湖村超期")
    Dispute.objects.filter(pk=late.pk).update(due_at=now - timezone.timedelta(days=2))
    made["overdue"] = late
    closed = register(w.grid1_user, grid=w.grid1, summary="已化解民转刑", risk_criminal=True)
    Dispute.objects.filter(pk=closed.pk).update(status=Dispute.Status.RESOLVED, due_at=now - timezone.timedelta(days=2))
    made["resolved"] = closed
    return made


def expected_rows(user, key: str) -> set[int]:
    """The rows a quick filter should give, recomputed in plain Python over the user's rows."""
    now = timezone.now()
    rows = list(disputes_visible_to(user))
    is_open = {d.pk: d.status in Dispute.OPEN_STATUSES for d in rows}
    keep = {
        "criminal": lambda d: is_open[d.pk] and d.risk_criminal,
        "registered": lambda d: d.status == Dispute.Status.REGISTERED,
        "my_level": lambda d: is_open[d.pk] and d.level == level_of(user),
        "overdue": lambda d: is_open[d.pk] and d.due_at is not None and d.due_at < now,
    }[key]
    return {d.pk for d in rows if keep(d)}


def ledger_rows(client, query: str) -> set[int]:
    response = client.get(url("list") + query)
    assert response.status_code == 200
    return {d.pk for d in response.context["page"].object_list}


def quick_links(response) -> dict[str, dict]:
    return {q["key"]: q for q in response.context["quick_filters"]}


@pytest.mark.parametrize("who", ["village1_user", "township1_user", "district1", "station1", "police1", "dept1"])
def test_each_quick_filter_gives_the_rows_of_the_full_filter(world, login, ledger, who):
    user = getattr(world, who)
    client = login(user)
    page = client.get(url("list"))
    quick = quick_links(page)
    assert set(quick) == (QUICK if level_of(user) else QUICK - {"my_level"})
    for key, link in quick.items():
        assert not link["active"]
        params = dict(parse_qsl(urlsplit(link["url"]).query))
        assert params == link["params"]
        shown = ledger_rows(client, link["url"])
        # The same parameters through the full filter, and the rows recomputed by hand.
        full = DisputeFilter(params, queryset=disputes_visible_to(user), request=page.wsgi_request)
        assert shown == {d.pk for d in full.qs}, (who, key)
        assert shown == expected_rows(user, key), (who, key)


def test_the_quick_filters_tell_the_ledger_apart(world, login, ledger):
    """The fixture gives each quick filter rows of its own (else the test above proves little)."""
    client = login(world.district1)
    assert ledger_rows(client, "?status=open&flag=risk_criminal") == {ledger["new_risky"].pk, ledger["at_township"].pk}
    # Passed up to the township, a dispute waits there to be accepted again.
    assert ledger_rows(client, "?status=registered") == {
        ledger["new_risky"].pk,
        ledger["new_plain"].pk,
        ledger["at_township"].pk,
        ledger["overdue"].pk,
    }
    assert ledger_rows(client, "?overdue=yes") == {ledger["overdue"].pk}
    assert ledger_rows(login(world.township1_user), "?status=open&level=township") == {ledger["at_township"].pk}


def test_a_quick_filter_in_use_shows_as_active_and_tapping_it_again_clears_it(world, login, ledger):
    client = login(world.village1_user)
    response = client.get(url("list") + "?level=village&status=open&page=1&sort=due_at")
    quick = quick_links(response)
    assert quick["my_level"]["active"] and not quick["criminal"]["active"]
    assert quick["my_level"]["url"] == url("list")  # tap again: the whole ledger
    # Another quick filter keeps the order the clerk chose.
    assert dict(parse_qsl(urlsplit(quick["overdue"]["url"]).query)) == {"overdue": "yes", "sort": "due_at"}
    html = response.content.decode()
    active = re.search(
        r'<a class="btn btn-sm btn-primary" href="[^"]*" data-quick="my_level" aria-current="true">', html
    )
    assert active, "the active quick filter is drawn as pressed"
    assert html.count('aria-current="true"') == 1
    # A filter beyond a quick one's own conditions: none is active.
    quick = quick_links(client.get(url("list") + "?level=village&status=open&category=neighbourhood"))
    assert not any(q["active"] for q in quick.values())


def test_the_ledger_asks_anonymous_users_to_log_in(client):
    response = client.get(url("list") + "?status=registered")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_ledger_merges_status_and_level_and_keeps_names_whole(world, login, ledger):
    html = login(world.village1_user).get(url("list")).content.decode()
    head = re.search(r"<thead.*?</thead>", html, re.S).group(0)
    assert len(re.findall(r"<th[ >]", head)) == 8
    assert "Status · Level" in head
    assert 'class="ledger-status' in html and 'class="ledger-handler' in html
    # A person's name (up to four characters) never breaks.
    assert '<span class="text-nowrap">王大明</span>' in html


def test_print_and_export_are_left_off_phones(world, login, ledger):
    client = login(world.village1_user)
    html = client.get(url("list")).content.decode()
    assert 'class="btn-group d-none d-md-inline-flex"' in html
    detail = client.get(url("detail", ledger["accepted"].pk)).content.decode()
    assert re.search(
        r'class="btn [^"]*d-none d-md-inline-flex[^"]*" href="{}"'.format(url("print", ledger["accepted"].pk)), detail
    )


def test_the_mediation_step_draws_its_choices_as_toggle_buttons(world, login, ledger):
    d = ledger["accepted"]
    response = login(world.village1_user).get(url("detail", d.pk))
    assert response.status_code == 200
    html = response.content.decode()
    panel = re.search(r'<div id="action-mediation".*?</form>', html, re.S).group(0)
    radios = re.findall(r'<input type="(?:radio|checkbox)"[^>]*>', panel)
    assert radios, "the mediation form has its choices"
    assert all('class="btn-check"' in r for r in radios), radios
    for choice in re.findall(r'id="(id_mediation-(?:method|outcome|mediator_kinds)_\d+)"', panel):
        assert re.search(rf'<label class="btn btn-outline-primary" for="{choice}">', panel), choice


def test_a_failed_mediation_step_keeps_what_was_typed_and_marks_the_choice(world, login, ledger):
    d = ledger["accepted"]
    response = login(world.village1_user).post(
        url("mediation", d.pk), {"held_on": timezone.localdate().isoformat(), "mediators": "李调解员"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "btn-choice-group d-flex flex-wrap gap-2 is-invalid" in html  # method and outcome missing
    assert 'value="李调解员"' in html
    # The page loads the script that jumps to the first marked field.
    assert "/static/js/portal.js" in html


def test_a_party_row_offers_the_grid_residents_first(world, login):
    html = login(world.grid1_user).get(url("register")).content.decode()
    row = re.search(r'<div class="card mb-2 party-row".*?</details>.*?name="parties-0-name"', html, re.S)
    assert row, "the resident picker comes before the party's name"
    assert html.index("resident-picker") < html.index('name="parties-0-role"')


def test_the_grid_worker_register_form_says_choose_not_dashes(world, login):
    from grids.models import Grid

    Grid.objects.create(village=world.village1, code=f"{world.village1.code}009", name="东山村第9网格")
    html = login(world.grid1_user).get(url("register")).content.decode()
    assert "---------" not in html
