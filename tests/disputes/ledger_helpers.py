"""Builders for the ledger's view, form and export tests. Disputes go through
``services.dispute_register`` so that numbers, deadlines and timeline events are real."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import Dispute
from disputes.services import PartyData
from tests.factories import make_id_number
from tests.images import JPEG_BYTES, PNG_BYTES  # noqa: F401 (the ledger tests import them from here)

# Real files of each type (images are decoded, so they must be whole pictures), and
# something that only pretends.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FAKE_PDF_BYTES = b"MZ\x90\x00 this is an executable renamed to .pdf"


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def register(
    actor, *, summary: str = "宅基地边界纠纷", applicant: str = "王大明", respondent: str = "李四", **kwargs
) -> Dispute:
    """A dispute registered by ``actor`` now, with an applicant (with ID number) and a respondent."""
    kwargs.setdefault("source", Dispute.Source.GRID_INSPECTION)
    kwargs.setdefault("category", Dispute.Category.LAND_BOUNDARY)
    kwargs.setdefault("description", "两户因院墙位置发生争执。")
    kwargs.setdefault("occurred_on", days_ago(10))
    parties = kwargs.pop("parties", None) or [
        PartyData(role="applicant", name=applicant, id_number=make_id_number(), phone="13812345678"),
        PartyData(role="respondent", name=respondent),
    ]
    return services.dispute_register(actor=actor, at=timezone.now(), summary=summary, parties=parties, **kwargs)


def url(name: str, *args) -> str:
    return reverse(f"disputes:{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
