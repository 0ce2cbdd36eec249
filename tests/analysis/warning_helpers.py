"""Builders for the early-warning tests: disputes with a given respondent / applicant, the
rule rows, and the raise path."""

from __future__ import annotations

import datetime

from analysis.models import WarningRule
from analysis.warning_services import warning_raise, warnings_check_dispute, warnings_sweep
from analysis.warnings import FOR_DISPUTE
from disputes.models import Party
from disputes.services import PartyData
from tests.disputes.helpers import T0, at, register
from tests.seeded import ensure_seeded_defaults

__all__ = ["T0", "at", "register", "rule", "case", "ORG", "fires", "warnings_check_dispute", "warnings_sweep"]

ORG = "清溪宏达建筑工程有限公司"


def rule(kind: str, **changes) -> WarningRule:
    ensure_seeded_defaults()
    r = WarningRule.objects.get(kind=kind)
    for name, value in changes.items():
        setattr(r, name, value)
    r.save()
    return r


def case(world, *, when=None, respondent: str = ORG, applicant: str = "张三", village=None, **kwargs):
    """A dispute registered by village1's clerk (in village1 unless ``village``) against the
    organisation ``respondent``."""
    parties = [
        PartyData(role=Party.Role.APPLICANT, name=applicant),
        PartyData(role=Party.Role.RESPONDENT, name=respondent, kind=Party.Kind.ORGANISATION),
    ]
    village = village or world.village1
    actor = {world.village1.pk: world.village1_user, world.village2.pk: world.village2_user}.get(
        village.pk, world.district1
    )
    return register(actor, village=village, when=when or T0, parties=parties, **kwargs)


def fires(kind: str, dispute, when: datetime.datetime) -> list:
    """What the rule of ``kind`` finds for ``dispute`` at ``when``."""
    ensure_seeded_defaults()
    return FOR_DISPUTE[kind](WarningRule.objects.get(kind=kind), dispute, when)


def raise_all(findings, when):
    return [warning_raise(finding=f, at=when) for f in findings]
