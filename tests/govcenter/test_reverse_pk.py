"""``govcenter.reverse.reverse_pk``: the URL Django's ``reverse`` gives, for any key, under a
script prefix (the portal served below a path) and under another URLconf."""

from __future__ import annotations

import pytest
from django.urls import reverse, set_script_prefix, set_urlconf
from hypothesis import given, settings
from hypothesis import strategies as st

from disputes.models import Dispute
from govcenter.reverse import _PLACEHOLDER, reverse_pk
from sentiment.models import Log


@settings(max_examples=200, deadline=None)
@given(pk=st.integers(min_value=0, max_value=2**63 - 1))
def test_the_url_is_djangos_for_any_key(pk):
    for name in ("disputes:detail", "sentiment:detail", "disputes:party_reveal"):
        assert reverse_pk(name, pk) == reverse(name, args=[pk])


@pytest.mark.parametrize("prefix", ["/", "/zongzhi/", f"/{_PLACEHOLDER}/"])
def test_the_url_follows_the_script_prefix(prefix):
    try:
        set_script_prefix(prefix)
        assert reverse_pk("disputes:detail", 42) == reverse("disputes:detail", args=[42])
        assert reverse_pk("disputes:detail", 42).startswith(prefix)
    finally:
        set_script_prefix("/")


def test_the_url_follows_the_urlconf_in_force():
    try:
        set_urlconf("bench.urls")
        assert reverse_pk("disputes:detail", 7) == reverse("disputes:detail", args=[7])
    finally:
        set_urlconf(None)


def test_the_models_links_use_it():
    assert Dispute(pk=12).get_absolute_url() == reverse("disputes:detail", args=[12])
    assert Log(pk=12).get_absolute_url() == reverse("sentiment:detail", args=[12])
