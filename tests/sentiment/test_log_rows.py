"""The logs' lists draw their table in Jinja2 (jinja2/sentiment/log_rows.html) and a log's
status badge is one function (sentiment/templatetags/log_badges.py) on the lists, the log's
page and a resident's matters: what users typed is escaped, labels follow the language, and
each state has its badge."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from sentiment.models import Log
from sentiment.templatetags.log_badges import log_status_badge

from .helpers import at_township, file_log, reported

pytestmark = pytest.mark.usefixtures("world_for_the_module")


def _row_of(html: str, text: str) -> str:
    start = html.index(text)
    return html[html.rindex("<tr>", 0, start) : html.index("</tr>", start)]


def test_what_users_typed_is_escaped_in_the_list(world, login):
    file_log(world, matter='<script>alert("事")</script>', resident=None, visitor_name="<b>王</b>")
    html = login(world.district1).get(reverse("sentiment:list")).content.decode()
    row = _row_of(html, "alert(")
    assert "<script>" not in row and "<b>王" not in row
    assert "&lt;script&gt;alert(&#34;事&#34;)&lt;/script&gt;" in row and "&lt;b&gt;王&lt;/b&gt;" in row


def test_the_list_speaks_the_users_language(world, login):
    reported(world, matter="语言测试的日志")
    client = login(world.district1)
    with override_settings(LANGUAGE_CODE="zh-hans"):
        chinese = client.get(reverse("sentiment:list")).content.decode()
        new = str(Log.Status.NEW.label)
    assert "<th>网格员</th>" in chinese and new in _row_of(chinese, "语言测试的日志")
    english = client.get(reverse("sentiment:list")).content.decode()
    assert "<th>Grid worker</th>" in english and "New, awaiting screening" in _row_of(english, "语言测试的日志")


def test_each_state_has_its_badge(world):
    with translation.override("en"):
        filed = log_status_badge(file_log(world))
        new = log_status_badge(reported(world))
        up = log_status_badge(at_township(world))
        log = Log(status=Log.Status.IN_HAND, level="district", cosign=Log.Cosign.DECLINED)
        in_hand = log_status_badge(log)
        fed_back = log_status_badge(Log(status=Log.Status.FED_BACK, cosign=Log.Cosign.SIGNED, satisfaction="satisfied"))
    assert filed.startswith('<span class="badge text-bg-light border">')
    assert new.startswith('<span class="badge text-bg-danger">New, awaiting screening</span>')
    assert up.startswith('<span class="badge text-bg-warning">Reported up: Township</span>')
    assert in_hand.startswith('<span class="badge text-bg-primary">In hand: District</span>')
    assert '<span class="badge text-bg-danger" data-cosign="declined">Co-signature declined</span>' in in_hand
    assert '<span class="badge text-bg-success">Result fed back</span>' in fed_back
    assert (
        'data-cosign="signed"' in fed_back and '<span class="badge text-bg-light border">Satisfied</span>' in fed_back
    )
