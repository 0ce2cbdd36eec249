"""``govcenter.forms.parse_pk``, which every app uses for ids in query strings and
posted choices: an integer id, or None for anything else."""

from __future__ import annotations

import pytest

from govcenter.forms import parse_pk


@pytest.mark.parametrize(
    ("raw", "pk"),
    [
        ("12", 12),
        (" 7 ", 7),
        (3, 3),
        ("0", 0),
        (None, None),
        ("", None),
        ("-1", None),
        ("1.0", None),
        ("x", None),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),  # no database id is that large: SQLite and PostgreSQL ids are 64-bit
        ("9" * 20, None),
        ("9" * 5000, None),  # int() refuses more than 4,300 digits
    ],
)
def test_parse_pk(raw, pk):
    assert parse_pk(raw) == pk


def test_superscript_digits_are_not_ids():
    from govcenter.forms import parse_pk

    assert parse_pk("²") is None and parse_pk("3²") is None


def test_odd_page_numbers_fall_back_to_the_first_page(world, login):
    client = login(world.district1)
    for path in ("/disputes/", "/grids/", "/grids/residents/", "/logs/queue/", "/logs/all/", "/publicity/"):
        assert client.get(path, {"page": "²"}).status_code == 200, path
        assert client.get(path, {"grid": "²"}).status_code == 200, path
