"""The signed-in user of every request is read with the home it works from, in one query
(govcenter/backends.py), and the backend still refuses whom Django's would."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY, get_user
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govcenter.backends import HOME_RELATIONS, PortalBackend

pytestmark = pytest.mark.usefixtures("world_for_the_module")


@pytest.mark.parametrize(
    ("who", "home"),
    [("district1", "area"), ("grid1_user", "area"), ("station1", "police_station"), ("dept1", "department")],
)
def test_the_user_comes_with_its_home_in_one_query(world, who, home):
    user = getattr(world, who)
    with CaptureQueriesContext(connection) as ctx:
        loaded = PortalBackend().get_user(user.pk)
        name = getattr(loaded, home).name
    assert len(ctx.captured_queries) == 1
    assert loaded == user
    assert name == getattr(user, home).name
    # The homes a user has not are read as None, without a query either.
    with CaptureQueriesContext(connection) as ctx:
        others = [getattr(loaded, relation) for relation in HOME_RELATIONS if relation != home]
    assert others == [None, None] and not ctx.captured_queries


def test_an_unknown_or_inactive_user_is_nobody(world):
    assert PortalBackend().get_user(10**9) is None
    user = world.district1
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert PortalBackend().get_user(user.pk) is None


def test_a_request_reads_the_session_user_and_home_in_two_queries(world, client, rf):
    """What every page pays before its own work: the session and the user with its home."""
    client.force_login(world.district1)
    request = rf.get("/")
    request.session = SessionStore(client.session.session_key)  # not read yet
    with CaptureQueriesContext(connection) as ctx:
        user = get_user(request)
        assert user.area == world.district
    assert request.session[SESSION_KEY] == str(world.district1.pk)
    assert len(ctx.captured_queries) == 2  # the session, the user with its home


@pytest.mark.django_db
def test_a_login_through_the_form_uses_the_portal_backend(client, django_user_model):
    from django.contrib.auth import BACKEND_SESSION_KEY

    django_user_model.objects.create_user("clerk-x", password="a long demo password 1")
    response = client.post("/accounts/login/", {"username": "clerk-x", "password": "a long demo password 1"})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "govcenter.backends.PortalBackend"
