"""Who a party is across disputes: the stored ``Party.match_key``.

Early warning counts "the disputes with this respondent" by equal match keys (the index
``party_match_key`` on (match_key, dispute) serves it):

- an organisation with a unified social credit code: ``c:<CODE>``;
- an organisation without: ``o:<district id>:<normalised name>`` (names match only within
  a district, ``govcenter.identity.normalise_org_name`` with the district's place names);
- a person with an ID number: ``p:<keyed hash of the number>``;
- a person without: ``""``, which matches nobody: people are never matched by name alone.

The key is set wherever a party is written (``services.dispute_register``); a change of
the district's area names or of the normalisation leaves old keys as they were until
``parties_rekey`` is run.
"""

from __future__ import annotations

from collections.abc import Iterable

from govcenter.identity import normalise_org_name
from govcenter.models import Area

from .models import Party

MATCH_KEY_LENGTH = 80


def district_place_names(district_id: int | None) -> list[str]:
    """The names of the district, its townships and villages: the place names a company
    name may start with (one query; the district is the root of the area tree)."""
    if district_id is None:
        return []
    district = Area.objects.filter(pk=district_id).values_list("code", flat=True).first()
    if district is None:
        return []
    return list(Area.objects.filter(code__startswith=district[:6]).values_list("name", flat=True))


def match_key(
    *, kind: str, credit_code: str, name: str, district_id: int | None, id_number_hash: str, place_names: Iterable[str]
) -> str:
    """The match key of a party given as plain values (the data migration calls this too)."""
    if kind == Party.Kind.ORGANISATION:
        if credit_code:
            return f"c:{credit_code}"
        normalised = normalise_org_name(name, place_names)
        if not normalised or district_id is None:
            return ""
        return f"o:{district_id}:{normalised}"[:MATCH_KEY_LENGTH]
    return f"p:{id_number_hash}" if id_number_hash else ""


def party_match_key(party: Party, *, place_names: Iterable[str] | None = None) -> str:
    """The match key of ``party`` (see the module). ``place_names`` are its district's
    (``district_place_names``); given by callers that key many parties of one district,
    read here otherwise."""
    district_id = party.dispute.district_id
    if place_names is None:
        place_names = district_place_names(district_id) if party.kind == Party.Kind.ORGANISATION else ()
    return match_key(
        kind=party.kind,
        credit_code=party.credit_code,
        name=party.name,
        district_id=district_id,
        id_number_hash=party.id_number_hash,
        place_names=place_names,
    )


def parties_rekey(*, district: Area) -> int:
    """Recompute the match keys of every party of ``district``'s disputes (after its
    areas were renamed or the normalisation changed); returns how many changed."""
    places = district_place_names(district.pk)
    changed = []
    for party in Party.objects.filter(dispute__district=district).select_related("dispute").iterator(2000):
        key = party_match_key(party, place_names=places)
        if key != party.match_key:
            party.match_key = key
            changed.append(party)
    Party.objects.bulk_update(changed, ["match_key"], batch_size=2000)
    return len(changed)
