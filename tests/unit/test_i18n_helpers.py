"""Reading translated content with fallbacks, and folding names for forgiving matching."""
from __future__ import annotations

import pytest

from lga.accounts.reference import MUNICIPALITIES, fold
from lga.i18n import localized, normalise_language

ALL = {"sq": "Moduli", "en": "Module", "sr": "Modul"}


@pytest.mark.parametrize("language", ["sq", "en", "sr"])
def test_localized_picks_the_readers_language(language):
    assert localized(ALL, language) == ALL[language]


@pytest.mark.parametrize("texts, language, expected", [
    ({"sq": "Moduli", "en": "Module"}, "sr", "Module"),       # Serbian readers: English next
    ({"sq": "Moduli"}, "sr", "Moduli"),                         # ... then Albanian
    ({"sq": "Moduli", "sr": "Modul"}, "en", "Moduli"),          # English readers: Albanian next
    ({"en": "Module", "sr": "Modul"}, "sq", "Module"),          # Albanian readers: English next
    ({"sr": "Modul"}, "sq", "Modul"),                           # anything rather than nothing
    ({"sr": "Modul"}, "en", "Modul"),
    ({"sq": "", "en": "Module"}, "sq", "Module"),               # empty text counts as missing
    ({"sq": None, "en": "", "sr": "Modul"}, "sq", "Modul"),
    ({"sq": "Moduli", "en": "Module"}, "de", "Moduli"),         # unknown language: first text
])
def test_localized_falls_back(texts, language, expected):
    assert localized(texts, language) == expected


@pytest.mark.parametrize("texts", [None, {}, {"sq": "", "en": ""}])
def test_localized_of_nothing_is_empty(texts):
    assert localized(texts, "sq") == ""


@pytest.mark.parametrize("code, expected", [
    ("sq", "sq"), ("EN", "en"), ("sr-Latn", "sr"), ("sr_Latn_RS", "sr"), (" en-GB ", "en"),
    ("de", None), ("", None), (None, None),
])
def test_normalise_language(code, expected):
    assert normalise_language(code) == expected


@pytest.mark.parametrize("text, expected", [
    ("ë", "e"), ("Ë", "e"), ("ç", "c"), ("Ç", "c"), ("š", "s"), ("Š", "s"), ("č", "c"), ("Č", "c"),
    ("ć", "c"), ("Ć", "c"), ("đ", "dj"), ("Đ", "dj"), ("ž", "z"), ("Ž", "z"),
    ("Fushë Kosovë", "fushe kosove"),
    ("Graçanicë", "gracanice"),
    ("Đakovica", "djakovica"),
    ("Uroševac", "urosevac"),
    ("Leposavić", "leposavic"),
    ("Zvečan", "zvecan"),
    ("  Južna Mitrovica ", "juzna mitrovica"),
    ("PRISHTINË", "prishtine"),
])
def test_fold(text, expected):
    assert fold(text) == expected


def test_fold_lets_plain_typing_find_every_municipality():
    """Someone typing without diacritics finds each municipality by either name."""
    for _code, name_sq, name_sr in MUNICIPALITIES:
        for name in (name_sq, name_sr):
            folded = fold(name)
            assert folded.isascii(), name
            assert fold(folded) == folded
