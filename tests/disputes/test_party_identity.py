"""Party identity for early warning (disputes.parties): the stored match key, the credit
code and the number of people involved, through the service, the form, the pages, the
export and the data migration that fills keys of existing parties."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as live_apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes.models import Dispute, Party
from disputes.parties import district_place_names, match_key, parties_rekey, party_match_key
from disputes.services import PartyData
from govcenter import pii
from tests.factories import make_id_number

from .ledger_helpers import days_ago, register, url

pytestmark = pytest.mark.usefixtures("world_for_the_module")

CODE = "91350100M000100Y43"


def _org(name: str, **kw) -> PartyData:
    return PartyData(role="respondent", name=name, kind="organisation", **kw)


def _applicant(**kw) -> PartyData:
    return PartyData(role="applicant", name="王大明", **kw)


def _respondent_key(d: Dispute) -> str:
    return d.parties.get(role="respondent").match_key


# --- the key ------------------------------------------------------------------------------


def test_organisation_with_a_credit_code_is_keyed_by_it(world):
    d = register(world.grid1_user, grid=world.grid1, parties=[_applicant(), _org("宏达建筑", credit_code=CODE)])
    assert _respondent_key(d) == f"c:{CODE}"
    assert d.parties.get(role="respondent").credit_code == CODE


def test_organisation_without_a_code_is_keyed_by_district_and_normalised_name(world):
    d = register(world.grid1_user, grid=world.grid1, parties=[_applicant(), _org("清溪宏达建筑工程有限公司")])
    assert _respondent_key(d) == f"o:{world.district.pk}:宏达"


def test_the_same_company_written_two_ways_in_one_district_has_one_key(world):
    a = register(world.grid1_user, grid=world.grid1, parties=[_applicant(), _org("清溪宏达建筑工程有限公司")])
    b = register(world.district1, village=world.village3, parties=[_applicant(), _org("宏达建筑")])
    c = register(world.grid1_user, grid=world.grid1, parties=[_applicant(), _org("宏远建筑")])
    assert _respondent_key(a) == _respondent_key(b) != _respondent_key(c)
    # "the disputes with this respondent", the query the index (match_key, dispute) serves
    ids = set(Party.objects.filter(match_key=_respondent_key(a)).values_list("dispute_id", flat=True))
    assert ids == {a.pk, b.pk}


def test_a_village_name_is_cut_from_the_front_of_a_company_name(world):
    a = register(world.grid1_user, grid=world.grid1, parties=[_applicant(), _org("东山绿源竹木制品厂")])
    b = register(world.grid1_user, grid=world.grid1, parties=[_applicant(), _org("绿源竹木制品")])
    assert _respondent_key(a) == _respondent_key(b) == f"o:{world.district.pk}:绿源竹木制品"


def test_people_are_keyed_by_their_id_number_hash_never_by_name(world):
    number = make_id_number()
    a = register(
        world.grid1_user, grid=world.grid1, parties=[_applicant(id_number=number), PartyData("respondent", "李四")]
    )
    b = register(
        world.grid1_user, grid=world.grid1, parties=[_applicant(id_number=number), PartyData("respondent", "李四")]
    )
    applicant = a.parties.get(role="applicant")
    assert applicant.match_key == f"p:{pii.keyed_hash(number)}" == b.parties.get(role="applicant").match_key
    assert _respondent_key(a) == _respondent_key(b) == ""  # 李四 twice, no ID number: no match


def test_a_credit_code_on_a_person_is_not_stored(world):
    d = register(world.grid1_user, grid=world.grid1, parties=[_applicant(credit_code=CODE)])
    party = d.parties.get()
    assert party.credit_code == "" and party.match_key == ""


def test_party_match_key_reads_the_place_names_itself(world, django_assert_num_queries):
    d = register(world.grid1_user, grid=world.grid1, parties=[_applicant(), _org("桃源鑫诚建设有限公司")])
    party = Party.objects.select_related("dispute").get(dispute=d, role="respondent")
    with django_assert_num_queries(2):  # the district's code, then its areas' names
        assert party_match_key(party) == party.match_key == f"o:{world.district.pk}:鑫诚"
    with django_assert_num_queries(0):
        assert party_match_key(party, place_names=["桃源镇"]) == party.match_key


def test_registration_reads_the_place_names_once_for_any_number_of_organisations(world):
    def count(n: int) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            register(
                world.grid1_user,
                grid=world.grid1,
                parties=[_applicant(), *(_org(f"宏达建筑{i}号") for i in range(n))],
            )
        return len(ctx)

    count(1)  # the first registration of the module sets up what later ones reuse
    # Every further party costs its own INSERT only, never a read of the areas.
    one, two, five = count(1), count(2), count(5)
    assert two - one == 1 and five - one == 4


def test_district_place_names_are_the_districts_areas(world):
    names = set(district_place_names(world.district.pk))
    assert {"清溪区", "桃源镇", "石门乡", "东山村", "西岭村", "南湖村"} <= names
    assert district_place_names(None) == [] and district_place_names(10**9) == []


def test_a_long_name_still_fits_the_key(world):
    d = register(world.grid1_user, grid=world.grid1, parties=[_applicant(), _org("甲" * 100)])
    key = _respondent_key(d)
    assert len(key) == 80 and key.startswith(f"o:{world.district.pk}:甲")


@pytest.mark.parametrize(
    ("kind", "code", "name", "hash_", "expected"),
    [
        ("organisation", CODE, "宏达建筑", "", f"c:{CODE}"),
        ("organisation", "", "清溪宏达建筑工程有限公司", "", "o:7:宏达"),
        ("organisation", "", "（）", "", ""),
        ("person", "", "王大明", "ab" * 32, "p:" + "ab" * 32),
        ("person", "", "王大明", "", ""),
    ],
)
def test_match_key_table(kind, code, name, hash_, expected):
    key = match_key(kind=kind, credit_code=code, name=name, district_id=7, id_number_hash=hash_, place_names=["清溪区"])
    assert key == expected


def test_rekey_follows_a_renamed_area(world):
    d = register(world.grid1_user, grid=world.grid1, parties=[_applicant(), _org("临江宏达建筑")])
    assert _respondent_key(d) == f"o:{world.district.pk}:临江宏达"
    world.village2.name = "临江村"
    world.village2.save()
    assert parties_rekey(district=world.district) == 1
    assert _respondent_key(d) == f"o:{world.district.pk}:宏达"
    assert parties_rekey(district=world.district) == 0


def test_the_data_migration_fills_keys_of_existing_parties(world):
    number = make_id_number()
    d = register(
        world.grid1_user,
        grid=world.grid1,
        parties=[_applicant(id_number=number), _org("清溪宏达建筑工程有限公司"), _org("宏远", credit_code=CODE)],
    )
    d.parties.get(name="宏远").__class__.objects.filter(dispute=d).update(match_key="")
    fill = importlib.import_module("disputes.migrations.0021_party_match_keys_fill").fill
    fill(live_apps, None)
    keys = dict(d.parties.values_list("name", "match_key"))
    assert keys == {
        "王大明": f"p:{pii.keyed_hash(number)}",
        "清溪宏达建筑工程有限公司": f"o:{world.district.pk}:宏达",
        "宏远": f"c:{CODE}",
    }


# --- form, pages, export ---------------------------------------------------------------


def _registration(world, **overrides) -> dict:
    data = {
        "source": "walk_in",
        "category": "labour_wages",
        "risk_level": "general",
        "summary": "12名农民工反映拖欠工资",
        "description": "施工队拖欠工资。",
        "occurred_on": days_ago(3).isoformat(),
        "location": "",
        "grid": world.grid1.pk,
        "source_reference": "",
        "people_involved": "12",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "王大明等12人",
        "parties-1-role": "respondent",
        "parties-1-kind": "organisation",
        "parties-1-name": "清溪宏达建筑工程有限公司",
        "parties-1-credit_code": "9135 0100 m000 100y43",
    }
    data.update(overrides)
    return data


def test_registering_with_a_credit_code_and_people_involved(world, login):
    response = login(world.grid1_user).post(url("register"), _registration(world))
    d = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == d.get_absolute_url()
    assert d.people_involved == 12
    respondent = d.parties.get(role="respondent")
    assert respondent.credit_code == CODE and respondent.match_key == f"c:{CODE}"


def test_the_register_page_offers_the_new_fields(world, login):
    html = login(world.grid1_user).get(url("register")).content.decode()
    assert 'name="people_involved"' in html and 'name="parties-0-credit_code"' in html
    assert "Unified social credit code" in html


def _refused(login, world, **overrides):
    response = login(world.grid1_user).post(url("register"), _registration(world, **overrides))
    assert response.status_code == 200 and not Dispute.objects.exists()
    html = response.content.decode()
    assert "12名农民工反映拖欠工资" in html and "清溪宏达建筑工程有限公司" in html  # nothing lost
    return html


def test_a_credit_code_with_a_wrong_check_char_is_refused_and_kept(world, login):
    html = _refused(login, world, **{"parties-1-credit_code": "91350100M000100Y44"})
    assert "does not match the others" in html and "91350100M000100Y44" in html


def test_a_credit_code_with_a_letter_outside_the_alphabet_is_refused(world, login):
    html = _refused(login, world, **{"parties-1-credit_code": "91350100M000100YO3"})
    assert "without I, O, S, V and Z" in html


def test_a_person_with_a_credit_code_is_refused(world, login):
    html = _refused(login, world, **{"parties-1-kind": "person"})
    assert "A person has no unified social credit code" in html


@pytest.mark.parametrize("value", ["0", "-3", "abc", "1.5", "100001"])
def test_bad_people_involved_is_refused(world, login, value):
    html = _refused(login, world, people_involved=value)
    assert 'name="people_involved"' in html


def test_people_involved_may_be_left_empty(world, login):
    login(world.grid1_user).post(url("register"), _registration(world, people_involved=""))
    assert Dispute.objects.get().people_involved is None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.text(max_size=30), people=st.text(max_size=8))
def test_any_credit_code_or_people_count_gives_no_server_error(world, login, code, people):
    client = login(world.grid1_user)
    response = client.post(
        url("register"), _registration(world, people_involved=people, **{"parties-1-credit_code": code})
    )
    assert response.status_code in (200, 302)
    Dispute.objects.all().delete()


def test_the_detail_page_shows_the_credit_code_and_people_involved(world, login):
    d = register(
        world.grid1_user,
        grid=world.grid1,
        people_involved=79,
        parties=[_applicant(), _org("清溪宏达建筑工程有限公司", credit_code=CODE)],
    )
    html = login(world.village1_user).get(url("detail", d.pk)).content.decode()
    assert CODE in html and 'id="people-involved">79<' in html


def test_the_detail_page_leaves_out_what_is_not_known(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    html = login(world.village1_user).get(url("detail", d.pk)).content.decode()
    assert "people-involved" not in html and "party-credit-code" not in html


def test_outside_the_village_the_detail_page_is_404(world, login):
    d = register(world.grid1_user, grid=world.grid1, parties=[_applicant(), _org("宏达", credit_code=CODE)])
    assert login(world.village2_user).get(url("detail", d.pk)).status_code == 404


def test_anonymous_register_post_goes_to_login_and_registers_nothing(client, world):
    response = client.post(url("register"), _registration(world))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Dispute.objects.exists()


def test_the_xlsx_export_has_people_involved(world, login):
    import io

    import openpyxl

    from disputes import exports

    counts = [79, None, 12]
    disputes = [register(world.grid1_user, grid=world.grid1, people_involved=n) for n in counts]
    response = login(world.village1_user).get(url("export_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    keys = [k for k, _t, _w in exports.columns()]
    got = {row[0]: row[keys.index("people_involved")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert got == {d.number: n for d, n in zip(disputes, counts, strict=True)}
    assert sum(v for v in got.values() if v) == 91
