"""Words and the admin (issue 16, items 17-19): a place's name is not a person's, the user
page asks for one name and the home each role works from, selects say "Choose…", and the
portal has an icon."""

from __future__ import annotations

from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from disputes.models import LedgerCounter, Party
from govcenter.forms import CHOOSE_LABEL, Form, ModelForm
from govcenter.models import Area, CalendarDay, Department, PoliceStation, User
from grids.models import CareTag, Grid, Resident

pytestmark = pytest.mark.usefixtures("world_for_the_module")


def context_of(lazy) -> tuple:
    """The (context, message) a pgettext_lazy string was made with."""
    return tuple(lazy._args)


# --- 17: words ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Grid, CareTag, Area, PoliceStation, Department, CalendarDay])
def test_the_name_of_a_place_or_body_is_not_a_persons_name(model):
    assert context_of(model._meta.get_field("name").verbose_name) == ("not a person", "name")


@pytest.mark.parametrize("model", [Resident, Party])
def test_a_persons_name_stays_a_persons_name(model):
    assert context_of(model._meta.get_field("name").verbose_name) == ("name",)


def test_open_closed_and_person_carry_their_context():
    from sentiment.models import AgencyMatter

    assert context_of(Party.Kind.PERSON.label) == ("party kind", "Person")
    assert context_of(AgencyMatter.Status.OPEN.label) == ("to-do status", "Open")
    templates = Path(settings.BASE_DIR) / "templates"
    assert '{% translate "Closed" context "date closed" %}' in (templates / "disputes/detail.html").read_text()
    assert '{% translate "Open" context "verb" %}' in (templates / "publicity/distribution_list.html").read_text()


# --- 18: admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(login, world):
    client = login(world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


NEW_USER = {
    "username": "newbie",
    "usable_password": "true",
    "password1": "Qingxi-2026-pass",
    "password2": "Qingxi-2026-pass",
    "full_name": "钱新人",
}


def add_user(client, **data):
    return client.post(reverse("admin:govcenter_user_add"), {**NEW_USER, **data})


def test_ledger_counters_have_a_translatable_name():
    assert str(LedgerCounter._meta.verbose_name_plural) == "ledger counters"
    assert context_of(LedgerCounter._meta.verbose_name_plural) == ("ledger counters",)


def test_the_add_user_note_django_leaves_untranslated_is_marked_for_the_catalogue():
    from django.contrib import admin as admin_app

    from govcenter.third_party_strings import DJANGO

    template = Path(admin_app.__file__).parent / "templates/admin/auth/user/add_form.html"
    for msgid in DJANGO:
        assert f'{{% translate "{msgid}" %}}' in template.read_text()


@pytest.mark.parametrize(
    "role, field",
    [
        (User.Role.GRID_WORKER, "area"),
        (User.Role.VILLAGE_CLERK, "area"),
        (User.Role.TOWNSHIP_STAFF, "area"),
        (User.Role.COMMUNITY_POLICE, "police_station"),
        (User.Role.AUXILIARY_POLICE, "police_station"),
        (User.Role.STATION_STAFF, "police_station"),
        (User.Role.DEPARTMENT_STAFF, "department"),
        (User.Role.UNIT_STAFF, "department"),
    ],
)
def test_a_user_cannot_be_saved_without_the_home_their_role_needs(admin_client, role, field):
    response = add_user(admin_client, role=role)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert not User.objects.filter(username="newbie").exists()


def test_a_grid_workers_home_is_a_village(admin_client, world):
    response = add_user(admin_client, role=User.Role.GRID_WORKER, area=world.township1.pk)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["area"] == ["A grid worker's home area is a village."]
    response = add_user(admin_client, role=User.Role.GRID_WORKER, area=world.village1.pk)
    assert response.status_code == 302
    assert User.objects.get(username="newbie").area == world.village1


def test_police_are_saved_with_their_station(admin_client, world):
    assert add_user(admin_client, role=User.Role.COMMUNITY_POLICE, police_station=world.station.pk).status_code == 302


def test_notifications_by_email_need_an_address(admin_client, world):
    data = {"role": User.Role.VILLAGE_CLERK, "area": world.village1.pk, "notify_by_email": "on"}
    response = add_user(admin_client, **data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "Enter an e-mail address to receive notifications by e-mail."
    ]
    assert add_user(admin_client, **data, email="qian@example.org").status_code == 302
    # And on the change page: unticked, no address is needed.
    user = User.objects.get(username="newbie")
    change = reverse("admin:govcenter_user_change", args=[user.pk])
    assert admin_client.get(change).status_code == 200
    post = {"username": "newbie", "role": User.Role.VILLAGE_CLERK, "full_name": "钱新人", "area": world.village1.pk,
            "email": "", "notify_by_email": "on", "is_active": "on"}  # fmt: skip
    refused = admin_client.post(change, post)
    assert refused.status_code == 200 and "email" in refused.context["adminform"].form.errors
    post.pop("notify_by_email")
    assert admin_client.post(change, post).status_code == 302


def test_the_user_page_asks_for_one_name(admin_client, world):
    html = admin_client.get(reverse("admin:govcenter_user_change", args=[world.village1_user.pk])).content.decode()
    assert 'name="full_name"' in html
    assert 'name="first_name"' not in html and 'name="last_name"' not in html


def test_the_user_admin_sends_anonymous_users_to_log_in(client):
    response = client.get(reverse("admin:govcenter_user_add"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- 19: the select placeholder and the icon -------------------------------------------------------


class Sample(Form):
    station = forms.ModelChoiceField(queryset=PoliceStation.objects.all(), required=False)
    kind = forms.ChoiceField(choices=[("", "---------"), ("a", "A")], required=False)
    fixed = forms.ModelChoiceField(queryset=PoliceStation.objects.all(), empty_label=None)
    own = forms.ModelChoiceField(queryset=PoliceStation.objects.all(), empty_label="Nobody", required=False)


class SampleModelForm(ModelForm):
    class Meta:
        model = Department
        fields = ["district", "township", "kind"]


def test_a_select_says_choose_instead_of_dashes():
    html = str(Sample())
    assert "---------" not in html
    assert html.count(">Choose…</option>") == 2
    assert ">Nobody</option>" in html  # a label of its own is kept
    assert str(Sample().fields["station"].empty_label) == str(CHOOSE_LABEL)
    assert "---------" not in str(SampleModelForm())


def test_the_list_filters_keep_their_own_empty_choices(world, login):
    html = login(world.district1).get(reverse("disputes:list")).content.decode()
    assert "---------" not in html
    assert ">Any status</option>" in html


def test_every_page_links_the_icon_and_favicon_ico_finds_it(client, world, login):
    assert finders.find("favicon.ico") and finders.find("favicon.svg")
    html = login(world.village1_user).get(reverse("home")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]
