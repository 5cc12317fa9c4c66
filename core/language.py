"""Language identification and the text folding every matcher shares.

Language id runs on every document and chunk at ingest and on every query, so
it samples long texts instead of classifying them whole, restricts py3langid to
the languages the programme actually produces (a 97-language model happily
calls a short German query Luxembourgish), and decides Arabic by script.

``fold`` lives here because gazetteer, topics and dates all need the same
idea of "the same word": case-insensitive, accent- and umlaut-tolerant, and
with Arabic spelling variants (hamza seats, ta marbuta, alif maqsura, tashkeel)
collapsed.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

#: Languages the classifier may answer with. Everything else is noise here.
CANDIDATE_LANGUAGES: tuple[str, ...] = ("de", "en", "fr", "ar", "es", "pt", "it", "nl", "tr")

#: ISO 639-1 → Snowball stemmer name (PyStemmer, Qdrant Edge ``Bm25Config``).
SNOWBALL_LANGUAGE: dict[str, str] = {
    "de": "german",
    "en": "english",
    "fr": "french",
    "ar": "arabic",
    "es": "spanish",
    "pt": "portuguese",
    "it": "italian",
    "nl": "dutch",
    "tr": "turkish",
}

UNDETERMINED = "und"
#: Texts with fewer letters than this are not classified.
MIN_LETTERS = 3
#: Characters classified from a long text (spread over beginning, middle, end).
SAMPLE_CHARS = 2000
#: Below this many letters a text counts as short and gets the programme prior.
SHORT_TEXT_LETTERS = 100
#: Prior weight of each candidate on short texts: the programme writes German,
#: English, French and Arabic; Dutch or Italian for "green hydrogen" is noise.
SHORT_TEXT_PRIOR: dict[str, float] = {
    "de": 1.0,
    "en": 1.0,
    "fr": 1.0,
    "ar": 1.0,
    "es": 0.5,
    "pt": 0.3,
    "it": 0.2,
    "nl": 0.2,
    "tr": 0.2,
}

_URL_OR_MAIL = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u0671-\u06d3\ufb50-\ufdff\ufe70-\ufefc]")
_LETTER = re.compile(r"[^\W\d_]")

# --------------------------------------------------------------------------- folding

# After NFKD: Latin combining diacritics (ä → a + ¨), Arabic tashkeel, the hamza/madda NFKD splits
# off alef/waw/ya (أ → ا + ٔ), Quranic marks and tatweel carry no identity for matching.
_MARKS = re.compile("[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]+")
# Letters NFKD leaves alone but spellings vary on (str.translate over a whole document is ~10x slower
# than a regex that finds the few characters concerned).
_SPECIAL_MAP: dict[str, str] = {
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "’": "'",
    "‘": "'",
    "`": "'",
    "´": "'",
    "ß": "ss",
    "ẞ": "ss",
    "æ": "ae",
    "Æ": "ae",
    "œ": "oe",
    "Œ": "oe",
    "ø": "o",
    "Ø": "o",
    "ł": "l",
    "Ł": "l",
    "đ": "d",
    "Đ": "d",
    "ı": "i",
}
_SPECIAL = re.compile("[" + "".join(_SPECIAL_MAP) + "]")


def fold(text: str) -> str:
    """Casefold and strip accents, umlauts and Arabic diacritics; length may change.

    ``fold("Köln") == "koln"``, ``fold("Égypte") == "egypte"``,
    ``fold("عمّان") == "عمان"``, ``fold("القاهرة") == "القاهره"``.
    Umlaut transliterations (``Koeln``) are handled by :func:`umlaut_variants`
    at table-building time, not here, so folding stays a pure per-char map.
    """
    if text.isascii():
        return text.lower()
    s = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    if _SPECIAL.search(s):
        s = _SPECIAL.sub(lambda m: _SPECIAL_MAP[m.group()], s)
    return s.casefold()


@lru_cache(maxsize=131072)
def fold_token(token: str) -> str:
    """:func:`fold` for single words, cached: documents repeat their words a lot."""
    return fold(token)


_UMLAUT_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def umlaut_variants(name: str) -> set[str]:
    """The name plus its ae/oe/ue spelling, so ``Koeln`` finds ``Köln``."""
    out = {name}
    if any(c in name for c in "äöüÄÖÜ"):
        out.add(name.translate(_UMLAUT_TRANSLIT))
    return out


def is_arabic(text: str) -> bool:
    """True if the text contains Arabic letters."""
    return _ARABIC_LETTER.search(text) is not None


# --------------------------------------------------------------------------- language id


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """The py3langid model restricted to the candidate set, loaded once (≈0.3 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(CANDIDATE_LANGUAGES))
    return ident


def _sample(text: str, size: int = SAMPLE_CHARS) -> str:
    """Up to ``size`` characters from the beginning, middle and end of a long text.

    Three windows instead of the first 2000 characters so a German report with
    an English abstract is still German, at a cost independent of text length.
    """
    if len(text) <= size:
        return text
    part = size // 3
    mid = len(text) // 2
    return " ".join((text[:part], text[mid - part // 2 : mid + part // 2], text[-part:]))


def rank_languages(text: str) -> list[tuple[str, float]]:
    """Candidate languages with normalised probabilities, best first (empty if too short)."""
    sample = _URL_OR_MAIL.sub(" ", _sample(text))
    if len(_LETTER.findall(sample[:200])) < MIN_LETTERS and len(_LETTER.findall(sample)) < MIN_LETTERS:
        return []
    return [(lang, float(p)) for lang, p in _identifier().rank(sample)]


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's main language, ``'und'`` when empty or too short.

    Arabic is decided by script (more than a third of the letters), which is
    both faster and more reliable on short Arabic strings than n-gram scores.
    """
    if not text:
        return UNDETERMINED
    sample = _URL_OR_MAIL.sub(" ", _sample(text))
    letters = _LETTER.findall(sample)
    if len(letters) < MIN_LETTERS:
        return UNDETERMINED
    arabic = len(_ARABIC_LETTER.findall(sample))
    if arabic * 3 > len(letters):
        return "ar"
    if len(letters) >= SHORT_TEXT_LETTERS:
        lang, _conf = _identifier().classify(sample)
        return str(lang)
    ranked = _identifier().rank(sample)
    best = max(ranked, key=lambda lp: lp[1] * SHORT_TEXT_PRIOR.get(lp[0], 0.2))
    return str(best[0])


def snowball_language(lang: str | None, default: str = "english") -> str:
    """Snowball stemmer name for an ISO code, ``default`` when unknown or ``'und'``."""
    return SNOWBALL_LANGUAGE.get((lang or "").lower(), default)
