"""Builders for publicity tests: campaigns driven through the services, at fixed times."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from publicity import services as s
from publicity.demo import leaflet_pdf
from publicity.models import Campaign
from publicity.services import CampaignData
from tests import images

TZ = ZoneInfo("Asia/Shanghai")
# A Monday in the middle of the campaign period below.
T0 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=TZ)
START = datetime.date(2026, 6, 1)
END = datetime.date(2026, 6, 30)

PDF = leaflet_pdf(["Anti-fraud: call 96110"])
PNG = images.PNG_BYTES  # real pictures: the portal decodes every uploaded image
JPEG = images.JPEG_BYTES


def at(days: float = 0, hours: float = 0) -> datetime.datetime:
    return T0 + datetime.timedelta(days=days, hours=hours)


def data(**overrides) -> CampaignData:
    values = dict(
        title="反电诈宣传月",
        topic="anti_fraud",
        content="守住钱袋子，护好幸福家。",
        starts_on=START,
        ends_on=END,
        audiences=["all_residents", "elderly"],
        allowed_forms=["door_to_door", "centralised"],
    )
    values.update(overrides)
    return CampaignData(**values)


def pdf(name: str = "传单.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def draft(author, **overrides) -> Campaign:
    leaflet = overrides.pop("leaflet", None)
    return s.campaign_create(actor=author, at=at(-10), data=data(**overrides), leaflet=leaflet)


def submitted(w, author=None, **overrides) -> Campaign:
    c = draft(author or w.township1_user, **overrides)
    return s.campaign_submit(campaign=c, actor=author or w.township1_user, at=at(-9))


def approved(w, **overrides) -> Campaign:
    c = submitted(w, **overrides)
    return s.campaign_approve(campaign=c, actor=w.district1, at=at(-8))


def distributed(w, areas=None, **overrides) -> Campaign:
    c = approved(w, **overrides)
    s.campaign_distribute(campaign=c, actor=w.district1, at=at(-7), areas=areas or [w.township1])
    c.refresh_from_db()
    return c


def handed_out(w, grids=None, due_on=datetime.date(2026, 6, 20), **overrides):
    """A campaign distributed to township 1 and handed by village 1 to its grids."""
    c = distributed(w, **overrides)
    d = c.distributions.get(village=w.village1)
    s.assignments_hand_out(
        distribution=d, actor=w.village1_user, at=at(-6), grids=grids or [w.grid1, w.grid1b], due_on=due_on
    )
    return c


def activity(w, assignment, *, form="door_to_door", participants=12, households=5, days=0, worker=None, **kw):
    return s.activity_record(
        assignment=assignment,
        actor=worker or w.grid1_user,
        at=at(days, 2),
        form=form,
        held_at=at(days),
        place=kw.pop("place", "东山村文化礼堂"),
        participants=participants,
        households=households,
        **kw,
    )
