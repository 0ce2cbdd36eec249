"""The Jinja2 fragments' ``date`` filter (``govcenter.jinja2.date``): numeric formats are
formatted directly, and must give exactly what Django's ``date`` filter gives."""

from __future__ import annotations

import datetime
import zoneinfo

from django.template import defaultfilters
from django.utils.timezone import template_localtime
from hypothesis import given, settings
from hypothesis import strategies as st

from govcenter.jinja2 import date

FORMATS = ["Y-m-d", "Y-m-d H:i", "H:i", "d/m/Y", "Y.m.d", "N j, Y", "Y年m月d日", "D", "Y-m-d H:i:s", ""]
ZONES = ["UTC", "Asia/Shanghai", "America/St_Johns", "Pacific/Kiritimati", "Asia/Kathmandu"]


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)),
    zone=st.sampled_from(ZONES),
    fmt=st.sampled_from(FORMATS),
)
def test_the_date_filter_gives_what_djangos_gives(moment, zone, fmt):
    aware = moment.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    for value in (aware, moment, moment.date()):
        assert _outcome(date, value, fmt) == _outcome(_djangos, value, fmt)


def _djangos(value, fmt):
    return defaultfilters.date(template_localtime(value), fmt)


def _outcome(fn, value, fmt):
    """The text, or the type of error (a time format on a date)."""
    try:
        return fn(value, fmt)
    except TypeError as error:
        return type(error)


def test_the_date_filter_shows_the_local_day():
    late_utc = datetime.datetime(2026, 11, 30, 17, 30, tzinfo=datetime.UTC)  # 01:30 on 1 December in Shanghai
    assert date(late_utc, "Y-m-d H:i") == "2026-12-01 01:30"
    assert date(None, "Y-m-d") == ""
