"""Whatever is in the ledger's query string, the quick filters above it and the page
answer without a server error (issue 16, item 16). Its own module: the hypothesis test
builds its world once per class, not the module's shared one."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from tests.factories import build_world
from tests.govcenter.test_no_server_errors import ODD_TEXT

from .ledger_helpers import url


class QuickFilterInput(TestCase):
    """Whatever is in the ledger's query string, the quick filters and the page answer
    without a server error."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()

    @hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        params=st.dictionaries(
            st.sampled_from(["status", "level", "flag", "overdue", "sort", "page", "category", "q"]),
            st.one_of(
                st.sampled_from(["open", "registered", "village", "risk_criminal", "yes", "due_at"]),
                st.sampled_from(ODD_TEXT),
                st.text(max_size=12),
            ),
            max_size=5,
        )
    )
    def test_any_query_is_a_page(self, params):
        self.client.force_login(self.world.village1_user)
        response = self.client.get(url("list"), params)
        assert response.status_code == 200
        quick = response.context["quick_filters"]
        assert sum(q["active"] for q in quick) <= 1
