"""Finding a resident of a grid by a few keystrokes: Chinese characters of the name, or
pinyin typed on a Latin keyboard, full or as initials ("wdm", "wangdm", "wdaming" all
find 王大明; "dm" finds him by the given name).

The match runs in Python over the grid's residents (a grid has a few hundred): the
grids app keeps no pinyin column, and a name's syllables are cached per process.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, pinyin

_LATIN = re.compile(r"^[a-z]+$")
_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=50_000)
def syllables(name: str) -> tuple[tuple[str, ...], ...]:
    """Each character's possible pinyin syllables, without tones (heteronyms included:
    单 is shan or dan, 曾 zeng or ceng). Characters without pinyin keep themselves."""
    return tuple(
        tuple(dict.fromkeys(s.lower() for s in options if s)) or (ch.lower(),)
        for ch, options in zip(
            name, pinyin(name, style=Style.NORMAL, heteronym=True, errors=lambda x: [c for c in x]), strict=False
        )
    )


def _matches_from(chars: tuple[tuple[str, ...], ...], start: int, q: str) -> bool:
    """Whether ``q`` can be consumed by characters ``start``, ``start+1``, ... each giving a
    non-empty prefix of one of its syllables."""
    if not q:
        return True
    if start >= len(chars):
        return False
    for syllable in chars[start]:
        # Take 1..len(syllable) letters of this syllable, longest first.
        for n in range(min(len(syllable), len(q)), 0, -1):
            if syllable[:n] == q[:n] and _matches_from(chars, start + 1, q[n:]):
                return True
    return False


def name_matches(name: str, query: str) -> bool:
    """Whether a typed query finds this name (see the module docstring)."""
    query = query.strip().lower().replace(" ", "")
    if not query:
        return False
    if _CJK.search(query):
        return query in name
    if not _LATIN.match(query):
        return False
    chars = syllables(name)
    return any(_matches_from(chars, i, query) for i in range(len(chars)))


def rank(name: str, query: str) -> tuple[int, str]:
    """Sort key: matches from the surname first, then by name."""
    q = query.strip().lower()
    chars = syllables(name)
    from_start = name.startswith(q) if _CJK.search(q) else _matches_from(chars, 0, q)
    return (0 if from_start else 1, name)


def query_is_long_enough(query: str) -> bool:
    """One Chinese character, or two letters, before the list is worth showing."""
    query = query.strip()
    if _CJK.search(query):
        return True
    return len(query) >= 2
