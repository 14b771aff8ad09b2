"""The leaf encoder refuses exactly the characters of Unicode categories Cc and Cs, naming the
first one found (its check is a regular expression, not a per-character category lookup)."""

from __future__ import annotations

import re
import unicodedata

import pytest

from evidence.tlog.leaf import LeafError, _check_value, encode_leaf


def test_refuses_exactly_control_characters_and_surrogates():
    wrong = []
    for code in range(0x110000):
        ch = chr(code)
        forbidden = unicodedata.category(ch) in ("Cc", "Cs")
        try:
            _check_value("甲" + ch, "title")
        except LeafError:
            refused = True
        else:
            refused = False
        if refused != forbidden:
            wrong.append(code)
    assert wrong == []


@pytest.mark.parametrize(
    ("value", "message"),
    [("a\x07b\ud800", "control character U+0007"),
     ("a\udc00b\x00", "lone surrogate U+DC00"),
     ("网页\x85截图", "control character U+0085")],
)  # fmt: skip
def test_names_the_first_forbidden_character(value, message):
    with pytest.raises(LeafError, match=re.escape(message)):
        encode_leaf("type evidence", [("title", value)])


def test_ordinary_text_passes():
    assert b"title \xe6\xbc\xb3\xe5\xb7\x9e" in encode_leaf("type evidence", [("title", "漳州")])
