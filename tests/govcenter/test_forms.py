"""The pieces every form is made of (``govcenter.forms``, ``govcenter.text``,
``govcenter.limits``): typed text cleaned in one place, free text limited by meaning,
dates of records between the portal's first records and today."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django import forms
from django.apps import apps
from django.db import models
from django.utils import timezone

from govcenter import limits
from govcenter.forms import CleanTextMixin, Form, ModelForm, PlausibleDateField, check_plausible_date
from govcenter.text import clean_text

PROJECT_APPS = ("govcenter", "grids", "disputes", "sentiment", "publicity")
RLO, LRI, PDI, ZWSP, ZWJ, BOM = "\u202e", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff"


def _project_form_classes() -> list[type]:
    """Every form class defined in the apps' forms and admin modules."""
    for app in PROJECT_APPS:
        for module in ("forms", "admin"):
            importlib.import_module(f"{app}.{module}")
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_APPS and not cls.__name__.startswith("_"):
            found.append(cls)
    return found


def test_every_form_of_the_portal_cleans_typed_text():
    classes = _project_form_classes()
    assert len(classes) > 25  # the walk found the forms
    assert [c.__qualname__ for c in classes if not issubclass(c, CleanTextMixin)] == []


def test_every_text_area_and_text_column_has_a_length_limit():
    missing = []
    for cls in _project_form_classes():
        for name, field in cls.base_fields.items():
            if isinstance(field.widget, forms.Textarea) and not getattr(field, "max_length", None):
                missing.append(f"{cls.__qualname__}.{name}")
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.TextField) and field.editable and not field.max_length:
                missing.append(f"{model.__name__}.{field.name}")
    assert missing == []


def test_limits_read_by_meaning():
    assert limits.NOTE < limits.REASON < limits.NARRATIVE


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (f"王{RLO}大明", "王大明"),
        (f"{LRI}13812345678{PDI}", "13812345678"),
        ("\u202a\u202b\u202c\u202d\u200e\u200f\u061c\u2067\u2068x", "x"),
        (f"东山{ZWSP}村{BOM}", "东山村"),
        (f"👨{ZWJ}👩{ZWJ}👧", f"👨{ZWJ}👩{ZWJ}👧"),  # a joiner is kept: it joins the emoji
        ("第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行"),
    ],
)
def test_clean_text_drops_invisible_controls_and_normalises_line_breaks(typed, kept):
    assert clean_text(typed) == kept


class _NoteForm(Form):
    name = forms.CharField(max_length=5)
    note = forms.CharField(max_length=10, required=False, widget=forms.Textarea)
    count = forms.IntegerField(required=False)


def test_a_form_field_stores_text_without_direction_controls_and_counts_a_line_break_once():
    form = _NoteForm({"name": f" {RLO}王大明 ", "note": "12345\r\n7890"})
    assert form.is_valid(), form.errors
    # Ten characters as the browser counted them ("\r\n" is one line break there).
    assert form.cleaned_data == {"name": "王大明", "note": "12345\n7890", "count": None}


def test_a_field_of_only_controls_counts_as_empty():
    form = _NoteForm({"name": f"{RLO}{ZWSP}"})
    assert not form.is_valid()
    assert form.errors["name"] == ["This field is required."]


def test_a_nul_character_gets_a_message_that_names_it():
    form = _NoteForm({"name": "王\x00明", "note": "ok"})
    assert not form.is_valid()
    assert form.errors["name"] == [
        "This text contains an invisible NUL character (often from a copied document); remove it and try again."
    ]
    assert "Null characters" not in str(form.errors)


def test_passwords_are_taken_as_typed():
    class PasswordForm(Form):
        password = forms.CharField(widget=forms.PasswordInput)

    form = PasswordForm({"password": f"a{RLO}b\r\n"})
    assert form.is_valid()
    assert form.cleaned_data["password"] == f"a{RLO}b"  # only Django's own strip


def test_model_forms_clean_text_too():
    from govcenter.models import Department

    class DepartmentForm(ModelForm):
        class Meta:
            model = Department
            fields = ["name"]

    form = DepartmentForm({"name": f"司法{RLO}局"})
    assert form.is_valid()
    assert form.cleaned_data["name"] == "司法局"


# --- plausible dates -------------------------------------------------------------------------


class _DateForm(Form):
    held_on = PlausibleDateField(future_message="The visit date cannot be in the future.")
    due_on = PlausibleDateField(allow_future=True, required=False)


def test_a_date_before_the_records_begin_is_refused(settings):
    settings.RECORDS_BEGIN = datetime.date(2000, 1, 1)
    form = _DateForm({"held_on": "0001-01-01", "due_on": "1999-12-31"})
    assert not form.is_valid()
    message = "Enter a date from 2000-01-01 on: the portal's records begin then."
    assert form.errors == {"held_on": [message], "due_on": [message]}
    assert _DateForm({"held_on": "2000-01-01"}).is_valid()


def test_records_begin_is_a_setting(settings):
    settings.RECORDS_BEGIN = datetime.date(1995, 6, 1)
    assert _DateForm({"held_on": "1998-03-04"}).is_valid()
    assert _DateForm({"held_on": "1995-05-31"}).errors["held_on"] == [
        "Enter a date from 1995-06-01 on: the portal's records begin then."
    ]


def test_a_date_of_something_that_happened_cannot_be_in_the_future_but_a_due_date_can():
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    form = _DateForm({"held_on": tomorrow, "due_on": tomorrow})
    assert form.errors == {"held_on": ["The visit date cannot be in the future."]}
    assert _DateForm({"held_on": timezone.localdate().isoformat(), "due_on": tomorrow}).is_valid()


def test_the_date_picker_is_bounded_the_same_way(settings):
    settings.RECORDS_BEGIN = datetime.date(2000, 1, 1)
    form = _DateForm()
    assert form.fields["held_on"].widget.attrs["min"] == "2000-01-01"
    assert form.fields["held_on"].widget.attrs["max"] == timezone.localdate().isoformat()
    assert "max" not in form.fields["due_on"].widget.attrs


def test_check_plausible_date_default_message():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="The date cannot be in the future."):
        check_plausible_date(timezone.localdate() + datetime.timedelta(days=1))
    assert check_plausible_date(None) is None


# --- beyond the portal's own forms -------------------------------------------------------------


@pytest.mark.parametrize(
    ("list_url", "param"),
    [("disputes:list", "q"), ("grids:resident_list", "q"), ("sentiment:list", "q")],
)
def test_a_nul_in_a_search_box_is_named_not_a_500(world, login, list_url, param):
    from django.urls import reverse

    response = login(world.village1_user).get(reverse(list_url), {param: "王\x00"})
    assert response.status_code == 200
    assert "invisible NUL character" in response.content.decode()


def test_the_user_admin_cleans_a_full_name(world, login):
    from django.urls import reverse

    from govcenter.models import User

    response = login(world.admin).post(
        reverse("admin:govcenter_user_add"),
        {
            "username": "village9",
            "usable_password": "true",
            "password1": "Qingxi-2026-pass",
            "password2": "Qingxi-2026-pass",
            "role": User.Role.VILLAGE_CLERK,
            "full_name": f"钱{RLO}小梅",
            "area": world.village2.pk,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="village9").full_name == "钱小梅"
