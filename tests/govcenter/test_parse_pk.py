"""``govcenter.forms.parse_pk``, which every app uses for ids in query strings and
posted choices: an integer id, or None for anything else."""

from __future__ import annotations

import pytest

from govcenter.forms import parse_pk


@pytest.mark.parametrize(
    ("raw", "pk"),
    [("12", 12), (" 7 ", 7), (3, 3), ("0", 0), (None, None), ("", None), ("-1", None), ("1.0", None), ("x", None)],
)
def test_parse_pk(raw, pk):
    assert parse_pk(raw) == pk
