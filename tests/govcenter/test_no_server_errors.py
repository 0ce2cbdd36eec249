"""No page answers 500, whatever a user types into its address bar.

A property-based test (hypothesis): every list, detail, export and print page of the
project (found through the URL resolver, so a new page is covered without editing this
file) is asked for with random and extreme path ids and query parameters (every field of
every list filter, plus page, sort, q, month, grid, assignment, ...) by users of every role,
and must answer below 500: a page, a 404, a redirect, or a form with a message.

It runs once on the configured database: ``SqliteNoServerErrors`` on SQLite (the default)
and ``PostgresNoServerErrors`` (marker ``postgres``) when DATABASE_URL names PostgreSQL,
whose integer columns are narrower (participant counts: 32 bits) and whose text rejects NUL.
"""

from __future__ import annotations

import datetime
import importlib
import re

import django_filters
import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from disputes.models import Dispute
from govcenter.models import Notification
from grids.models import Resident
from publicity.models import Activity, Assignment, Campaign
from sentiment.models import AgencyMatter, Log
from tests.factories import build_world, make_resident

# Not pages of the portal: Django's admin, the language switch and the sign-in pages.
SKIPPED_PREFIXES = ("admin/", "i18n/", "accounts/")


def portal_routes() -> list[str]:
    """Every URL pattern of the portal as a route string, e.g. ``disputes/<int:pk>/print/``."""
    routes: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                routes.append(route)

    walk(get_resolver().url_patterns, "")
    return sorted(routes)


def filter_field_names() -> set[str]:
    """The fields of every list filter (django-filter FilterSet) of the project's apps."""
    for app in ("grids", "sentiment", "disputes", "publicity"):
        importlib.import_module(f"{app}.filters")
    names: set[str] = set()
    todo = [django_filters.FilterSet]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ("grids", "sentiment", "disputes", "publicity", "govcenter"):
            names |= set(cls.base_filters)
    return names


PARAMETERS = sorted(
    filter_field_names()
    # and what views read straight from the query string
    | {"page", "sort", "q", "month", "grid", "assignment", "row", "resident_q", "resident", "field", "duty"}
    | {"tab", "level", "unread", "download", "next"}
)
ROUTES = portal_routes()
ROLES = (
    "grid1_user",
    "police1",
    "village1_user",
    "township1_user",
    "district1",
    "station1",
    "dept1",
    "unit1_user",
    "admin",
)

EXTREME_INTS = [0, -1, 1, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, -(2**63) - 1, 10**20, 10**40]
ODD_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",  # bidi override
    "\u200f\u200e",
    "²",
    "١٢٣",  # Arabic-Indic digits: isdigit() but not ASCII
    "１２",  # full-width digits
    "1e20",
    "NaN",
    "-0",
    " 7 ",
    "0x10",
    "1.5",
    "MD-",
    "%",
    "_",
    "'",
    '"><script>alert(1)</script>',
    "张" * 3,
    "x" * 5000,
    "0001-01-01",
    "9999-12-31",
    "9999-12",
    "0000-00",
    "2026-02-30",
    "10000-01",
    "-2026-01",
    "parties-0",
    "parties-99",
]


def day(d: datetime.date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def month(d: datetime.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def values(ids: list[int]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(EXTREME_INTS + ids).map(str),
        st.integers().map(str),
        st.sampled_from(ODD_TEXT),
        st.text(max_size=30),
        st.dates().map(day),
        st.dates().map(month),
        st.sampled_from(["open", "overdue", "done", "yes", "no", "registered", "village", "-registered_at", "x"]),
    )


def path_ids(ids: list[int]) -> st.SearchStrategy[int]:
    # <int:...> matches [0-9]+ only, so no negative ids reach a view.
    return st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**20, *ids])


def draw_request(data, ids: list[int]) -> tuple[str, str, dict]:
    """A role, a path with its ids filled in, and query parameters (several values each)."""
    route = data.draw(st.sampled_from(ROUTES), label="route")
    path = "/" + re.sub(r"<(?:int|path|str|slug):\w+>", lambda _m: str(data.draw(path_ids(ids), label="id")), route)
    query = data.draw(
        st.dictionaries(st.sampled_from(PARAMETERS), st.lists(values(ids), min_size=1, max_size=3), max_size=5),
        label="query",
    )
    role = data.draw(st.sampled_from(ROLES), label="role")
    return role, path, query


class _NoServerErrors(TestCase):
    """The world of tests.factories plus one object of each kind, so that detail pages have
    something to show; each example runs in a transaction rolled back after it."""

    __test__ = False
    vendor = ""

    @classmethod
    def setUpClass(cls):
        if connection.vendor != cls.vendor:
            raise pytest.skip.Exception(f"runs on {cls.vendor} only (the other class covers {connection.vendor})")
        super().setUpClass()

    @classmethod
    def setUpTestData(cls):
        from tests.disputes.helpers import register
        from tests.publicity.helpers import activity, handed_out
        from tests.sentiment.helpers import at_department, at_unit, file_log

        w = cls.world = build_world()
        w.homeless = make_resident(w.grid1, "王无户", household=None)  # no household (a 500 once)
        dispute = register(w.grid1_user, grid=w.grid1)
        file_log(w, kind=Log.Kind.PUBLICITY, participants=40, households_reached=12)
        at_department(w)
        at_unit(w)  # a log at township1's 司法所, for unit1
        campaign = handed_out(w)
        activity(w, campaign.assignments.filter(grid=w.grid1).get())
        cls.ids = sorted(
            {
                dispute.pk,
                *Log.objects.values_list("pk", flat=True),
                *AgencyMatter.objects.values_list("pk", flat=True),
                *Campaign.objects.values_list("pk", flat=True),
                *Assignment.objects.values_list("pk", flat=True),
                *Activity.objects.values_list("pk", flat=True),
                *Resident.objects.values_list("pk", flat=True),
                *Notification.objects.values_list("pk", flat=True)[:3],
                w.grid1.pk,
                w.household1.pk,
            }
        )
        assert Dispute.objects.exists() and Activity.objects.exists()

    def get(self, role: str, path: str, query: dict) -> int:
        client = Client()
        client.force_login(getattr(self.world, role))
        response = client.get(path, query)  # an exception in the view fails the test here
        assert response.status_code < 500, (role, path, query, response.status_code)
        return response.status_code

    def test_every_page_with_the_largest_values_in_every_parameter(self):
        """Each page once, with every parameter at once set to numbers the database cannot
        hold, as a role that sees much (district) and one that sees little (department)."""
        query = {name: ["99999999999999999999", "9223372036854775808"] for name in PARAMETERS}
        query.update(month="9999-12", date_from="0001-01-01", date_to="9999-12-31", page="9223372036854775807")
        for i, route in enumerate(ROUTES):
            path = "/" + re.sub(r"<(?:int|path|str|slug):\w+>", str(10**20), route)
            self.get(("district1", "dept1", "admin", "grid1_user")[i % 4], path, query)

    def test_the_cases_of_issue_9(self):
        w = self.world
        cases = [
            ("village1_user", "/disputes/new/residents/", {"row": "parties-0", "resident_q": "王无户"}),
            ("grid1_user", "/disputes/new/residents/", {"row": "parties-0", "resident_q": "王", "grid": w.grid1.pk}),
            ("dept1", "/logs/all/", {"q": "低保"}),
            ("dept1", "/logs/all/", {"grid": w.grid1.pk, "worker": w.grid1_user.pk}),
            ("dept1", "/logs/all/export.xlsx", {"q": "低保"}),
            ("district1", "/logs/all/", {"page": "9223372036854775807"}),
            ("district1", "/disputes/", {"page": "9" * 20}),
            ("township1_user", "/grids/residents/", {"page": "9" * 20}),
            ("district1", "/publicity/activities/", {"page": "9223372036854775807"}),
            ("district1", "/logs/monthly/", {"month": "9999-12"}),
            ("district1", "/logs/monthly/", {"month": "0001-01"}),
            ("district1", "/logs/all/", {"grid": "9" * 20}),
            ("district1", "/publicity/activities/", {"assignment": "9" * 20}),
            ("district1", "/publicity/activities/", {"assignment": str(2**31)}),
            ("district1", "/publicity/assignments/", {"grid": "9" * 20}),
            ("district1", "/logs/all/", {"date_from": "0001-01-01", "date_to": "9999-12-31"}),
            ("district1", "/disputes/", {"registered_from": "0001-01-01", "registered_to": "9999-12-31"}),
        ]
        for role, path, query in cases:
            with self.subTest(role=role, path=path, query=query):
                assert self.get(role, path, query) == 200
        found = Client()
        found.force_login(w.village1_user)
        html = found.get("/disputes/new/residents/", {"row": "parties-0", "resident_q": "王无户"}).content.decode()
        assert f'data-resident="{w.homeless.pk}"' in html and 'data-address=""' in html


class SqliteNoServerErrors(_NoServerErrors):
    __test__ = True
    vendor = "sqlite"

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_random_and_extreme_requests(self, data):
        self.get(*draw_request(data, self.ids))


@pytest.mark.postgres
class PostgresNoServerErrors(_NoServerErrors):
    __test__ = True
    vendor = "postgresql"

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_random_and_extreme_requests(self, data):
        self.get(*draw_request(data, self.ids))
