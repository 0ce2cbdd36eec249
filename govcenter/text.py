"""Typed text as the portal keeps and exports it (used by ``govcenter.forms`` on every
form and by ``govcenter.exports`` on every cell)."""

from __future__ import annotations

import re

# Characters that change how text is shown or matched without being seen:
# - bidirectional controls, U+202A-U+202E (embeddings and overrides), U+2066-U+2069
#   (isolates), U+200E/U+200F (LRM/RLM) and U+061C (ALM): a right-to-left override turns
#   a name or a number around on screen and in every export ("Trojan source" spoofing);
# - U+200B ZERO WIDTH SPACE, U+2060 WORD JOINER and U+FEFF (a byte-order mark inside
#   text): they carry no meaning, arrive with text copied from web pages and documents,
#   and make two equal names or numbers differ for search and duplicate checks.
# U+200C/U+200D (zero-width non-joiner and joiner) are kept: they shape Arabic-script
# writing (Uyghur, Kazakh) and join emoji sequences, so removing them changes what was
# written, and they cannot reorder text.
INVISIBLE_CONTROLS_RE = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def clean_text(value: str) -> str:
    """Typed text as the portal keeps it: line breaks as ``\n`` (a browser sends ``\r\n``,
    which would count twice against a length limit the page counted once) and the
    invisible controls above removed."""
    return INVISIBLE_CONTROLS_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def strip_invisible_controls(value: str) -> str:
    """``value`` without the invisible controls above (for text stored before forms removed them)."""
    return INVISIBLE_CONTROLS_RE.sub("", value)
