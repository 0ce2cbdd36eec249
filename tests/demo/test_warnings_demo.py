"""The demo's warnings (预警, issue 15 item 7): the nightly sweep over the seeded ledger fires
on 清溪宏达建筑工程有限公司 (repeat respondent, wage arrears) and 青山绿源竹木制品厂; district1
is disposing of the 宏达 warning (joint mediation) and closed the 青山绿源 one; a second seed
raises nothing again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analysis.models import Warning, WarningEvent, WarningRule
from analysis.warning_services import warnings_sweep
from govcenter.models import User

K = WarningRule.Kind


@pytest.fixture
def seeded(seeded_demo, db):
    return seeded_demo


def test_the_hongda_and_qingshan_warnings_fire(seeded):
    hongda = Warning.objects.get(rule__kind=K.REPEAT_RESPONDENT, subject_label="清溪宏达建筑工程有限公司")
    assert hongda.status == Warning.Status.DISPOSING and hongda.disposal == Warning.Disposal.JOINT_MEDIATION
    assert hongda.cases.count() >= 3
    kinds = list(hongda.events.values_list("kind", flat=True))
    assert kinds == [
        WarningEvent.Kind.RAISED,
        WarningEvent.Kind.ACKNOWLEDGED,
        WarningEvent.Kind.DISPOSED,
        WarningEvent.Kind.CASES_LINKED,
    ]
    # Its cases are handled together: one group of linked cases holds every one of them that
    # can still be linked (an archived case takes no more steps).
    from disputes.models import Dispute

    live = hongda.disputes.exclude(status=Dispute.Status.ARCHIVED)
    groups = set(live.values_list("link_group", flat=True))
    assert live.count() >= 3 and len(groups) == 1 and None not in groups
    qingshan = Warning.objects.get(rule__kind=K.REPEAT_RESPONDENT, subject_label="青山绿源竹木制品厂")
    assert qingshan.status == Warning.Status.CLOSED
    wages = Warning.objects.filter(rule__kind=K.WAGE_ARREARS)
    assert wages.filter(subject_label__contains="宏达").exists()
    assert all(w.urgent_at is not None for w in wages)


def test_a_second_sweep_raises_nothing(seeded):
    assert warnings_sweep(at=seeded.at)["raised"] == 0


def test_district1_finds_them_in_the_inbox(seeded, client):
    client.force_login(User.objects.get(username="district1"))
    html = client.get(reverse("analysis:warnings")).content.decode()
    assert "清溪宏达建筑工程有限公司" in html
    hongda = Warning.objects.get(rule__kind=K.REPEAT_RESPONDENT, subject_label="清溪宏达建筑工程有限公司")
    page = client.get(hongda.get_absolute_url()).content.decode()
    assert "against 清溪宏达建筑工程有限公司" in page
