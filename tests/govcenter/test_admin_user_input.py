"""Whatever the admin's add-user form is sent, the answer is a page or a redirect, and a user
saved always has the home their role needs (issue 16, item 18). Its own module: the
hypothesis test builds its world once per class, not the module's shared one."""

from __future__ import annotations

from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from govcenter.models import Area, User
from tests.factories import build_world

from .test_words_and_admin import NEW_USER


class AdminUserInput(TestCase):
    """Whatever the add-user form is sent, the answer is a page or a redirect, and a user
    saved always has the home their role needs."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()

    @hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_any_input_is_a_page_or_a_redirect(self, data):
        from tests.conftest import pass_second_factor

        w = self.world
        pick = lambda label, values: data.draw(  # noqa: E731
            st.one_of(st.sampled_from(values), st.text(max_size=8)), label=label
        )
        post = {
            **NEW_USER,
            "role": pick("role", list(User.Role.values)),
            "area": pick("area", ["", str(w.village1.pk), str(w.township1.pk), str(w.district.pk)]),
            "police_station": pick("station", ["", str(w.station.pk)]),
            "department": pick("department", ["", str(w.department.pk), str(w.unit1.pk)]),
            "email": pick("email", ["", "a@example.org"]),
        }
        if data.draw(st.booleans(), label="notify_by_email"):
            post["notify_by_email"] = "on"
        self.client.force_login(w.admin)
        pass_second_factor(self.client, w.admin)
        response = self.client.post(reverse("admin:govcenter_user_add"), post)
        assert response.status_code in (200, 302)
        user = User.objects.filter(username="newbie").first()
        if user is not None:
            user.clean()  # the model's own checks hold
            if user.role == User.Role.GRID_WORKER:
                assert user.area is not None and user.area.level == Area.Level.VILLAGE
            if user.role in (User.Role.COMMUNITY_POLICE, User.Role.AUXILIARY_POLICE):
                assert user.police_station is not None
            assert user.email or not user.notify_by_email
