"""Dates in programme texts: event dates, deadlines and publication dates.

Hand-written patterns instead of ``dateparser.search``: dateparser is slow
(tens of ms per paragraph) and happily reads version numbers, phone numbers
and bare years as dates. Here every mention needs a day, a month and a
four-digit year in one of the forms the programme's German, English, French
and Arabic documents use; day ranges ("25.–27. November 2025", "du 12 au 14
mai 2025", "May 12-14, 2025") are one mention with a start and an end, and
impossible dates (31.02.) are dropped.

Month-only mentions ("Februar 2026") are found only on request
(``include_months=True``) and flagged ``precision="month"``; their ``start``
is the first of the month, which is not a day anyone wrote, so the
deadline/event helpers never use them.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

from core.language import fold

logger = logging.getLogger(__name__)

__all__ = [
    "DateAnalysis",
    "DateMention",
    "analyse_dates",
    "event_dates",
    "extract_deadlines",
    "extract_publication_date",
    "find_dates",
    "parse_date_value",
]

#: Longest span a range may have; longer "ranges" are two unrelated dates.
MAX_RANGE_DAYS = 400


@dataclass(frozen=True)
class DateMention:
    """A date or date range as written: ``text[pos:end_pos] == surface``."""

    start: date
    end: date | None
    surface: str
    pos: int
    end_pos: int
    precision: Literal["day", "month"] = "day"

    @property
    def last(self) -> date:
        """The last day the mention covers (``end`` of a range, else ``start``)."""
        return self.end or self.start


# --------------------------------------------------------------------------- month names

_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("januar", "jänner", "january", "janvier", "enero", "janeiro", "gennaio", "jan", "janv", "ene",
        "يناير", "جانفي", "كانون الثاني", "كانون ثاني"),
    2: ("februar", "feber", "february", "février", "fevrier", "febrero", "fevereiro", "febbraio", "feb", "febr", "févr",
        "fev", "fév",
        "فبراير", "فيفري", "شباط"),
    3: ("märz", "maerz", "marz", "march", "mars", "marzo", "março", "marco", "mär", "mrz", "mar",
        "مارس", "آذار"),
    4: ("april", "avril", "abril", "aprile", "apr", "avr", "abr",
        "أبريل", "إبريل", "أفريل", "نيسان"),
    5: ("mai", "may", "mayo", "maio", "maggio",
        "مايو", "ماي", "أيار"),
    6: ("juni", "june", "juin", "junio", "junho", "giugno", "jun",
        "يونيو", "يونيه", "جوان", "حزيران"),
    7: ("juli", "july", "juillet", "julio", "julho", "luglio", "jul", "juil",
        "يوليو", "يوليه", "يوليوز", "جويلية", "تموز"),
    8: ("august", "août", "aout", "agosto", "aug", "ago",
        "أغسطس", "غشت", "أوت", "آب"),
    9: ("september", "septembre", "septiembre", "setembro", "settembre", "sep", "sept", "set",
        "سبتمبر", "شتنبر", "أيلول"),
    10: ("oktober", "october", "octobre", "octubre", "outubro", "ottobre", "okt", "oct", "out",
         "أكتوبر", "اكتوبر", "تشرين الأول", "تشرين أول"),
    11: ("november", "novembre", "noviembre", "novembro", "nov",
         "نوفمبر", "نونبر", "تشرين الثاني", "تشرين ثاني"),
    12: ("dezember", "december", "décembre", "decembre", "diciembre", "dezembro", "dicembre", "dez", "dec", "déc",
         "dic",
         "ديسمبر", "دجنبر", "كانون الأول", "كانون أول"),
}

# Abbreviations that are also words ("mar" sea, "out" out, "set" set): only with a trailing dot.
_DOT_ONLY = frozenset({"out", "set", "ago", "ene", "dic", "abr", "fev"})

_ALEF = "[اأإآ]"
_ARABIC_CLASSES = {"ا": _ALEF, "أ": _ALEF, "إ": _ALEF, "آ": _ALEF, "ة": "[ةه]", "ه": "[ةه]", "ي": "[يى]", "ى": "[يى]"}


def _month_regex_piece(name: str) -> str:
    """Regex for one month name: Arabic alef/ta-marbuta/ya variants, flexible spaces."""
    out = []
    for ch in name:
        if ch in _ARABIC_CLASSES:
            out.append(_ARABIC_CLASSES[ch])
        elif ch == " ":
            out.append(r"\s+")
        else:
            out.append(re.escape(ch))
    piece = "".join(out)
    return piece + r"\." if name in _DOT_ONLY else piece


@lru_cache(maxsize=1)
def _month_lookup() -> dict[str, int]:
    table: dict[str, int] = {}
    for num, names in _MONTHS.items():
        for n in names:
            table[_month_key(n)] = num
    return table


def _month_key(s: str) -> str:
    return re.sub(r"\s+", " ", fold(s).rstrip(".")).strip()


@lru_cache(maxsize=1024)
def _month_num(s: str) -> int | None:
    return _month_lookup().get(_month_key(s))


_MONTH_ALT = "|".join(
    _month_regex_piece(n) for n in sorted({n for names in _MONTHS.values() for n in names}, key=len, reverse=True)
)
# A month name, not the start of a longer word ("Mai" but not "Mainz"), optional abbreviation dot,
# optional second spelling in parentheses or after a slash ("شباط (فبراير)", "Feb./Februar").
_M = rf"(?:{_MONTH_ALT})(?!\w)\.?(?:\s*[(/]\s*(?:{_MONTH_ALT})(?!\w)\.?\s*\)?)?"


def _mg(name: str) -> str:
    return rf"(?P<{name}>{_M})"


_D = r"(?:3[01]|[12]\d|0?[1-9])"
_ORD = r"(?:\.|er|re|st|nd|rd|th|º|°)?"
_EN_ORD = r"(?:st|nd|rd|th)?"
_Y = r"(?:19|20)\d{2}"
_MM = r"(?:1[0-2]|0?[1-9])"
_DASH = r"[-‐‑–—−]"
_DE = r"(?:de\s+|del\s+|of\s+)?"
_YEAR_END = r"(?!\d)(?:\s*م(?!\w))?"  # Arabic "2026م"
_COMMA = r"(?:\s*[,،])?"
# Between the two ends of a day range.
_RANGE_SEP = (
    rf"(?:\s*(?:{_DASH}|/)\s*|\s+(?:bis(?:\s+zum)?|to|until|till|through|thru|au|à|al|a|y|und|and|et|hasta|até"
    rf"|jusqu'au|jusqu’au|إلى|الى|حتى|و)\s+)"
)
# Between two complete dates.
_JOIN_SEP = re.compile(
    rf"\s*(?:{_DASH}|bis(?:\s+(?:zum|einschließlich))?|to|until|till|through|thru|au|jusqu'au|jusqu’au|al|hasta|até"
    rf"|إلى|الى|حتى)\s*",
    re.IGNORECASE,
)
_START = r"(?<![\w.,/-])"

_FLAGS = re.IGNORECASE | re.UNICODE

# Each pattern yields groups among y, m, d / d1, d2, m1, m2 (m* may be a name or a number).
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # day first, month name: 7. Februar 2026 / 7 février 2026 / 1er mars 2026 / 7th February 2026 / 7 فبراير 2026 /
    # 25.–27. November 2025 / 25. bis 27. November 2025 / 12–14 May 2025 / du 12 au 14 mai 2025 /
    # 30. November – 2. Dezember 2025 / du 30 novembre au 2 décembre 2025
    ("dm", re.compile(
        rf"{_START}(?P<d1>{_D}){_ORD}(?:\s*{_DE}{_mg('m1')})?(?:{_RANGE_SEP}(?P<d2>{_D}){_ORD})?"
        rf"\s*{_DE}{_mg('m')}{_COMMA}\s*{_DE}(?P<y>{_Y}){_YEAR_END}",
        _FLAGS)),
    # month name first: February 7, 2026 / May 12-14, 2025 / November 30 – December 2, 2025
    ("md", re.compile(
        rf"{_START}{_mg('m1')}\s*(?P<d1>{_D}){_EN_ORD}(?:{_RANGE_SEP}(?:{_mg('m2')}\s*)?(?P<d2>{_D}){_EN_ORD})?"
        rf"{_COMMA}\s+(?P<y>{_Y})(?!\d)",
        _FLAGS)),
    # 30.11.–02.12.2025
    ("num_two", re.compile(
        rf"{_START}(?P<d1>{_D})\.(?P<m1>{_MM})\.?\s*(?:{_DASH}|bis)\s*"
        rf"(?P<d2>{_D})\.(?P<m2>{_MM})\.(?P<y>{_Y})(?![\d]|\.\d)",
        _FLAGS)),
    # 12.–14.05.2025 / 12. bis 14.05.2025
    ("num_days", re.compile(
        rf"{_START}(?P<d1>{_D})\.?\s*(?:{_DASH}|/|bis|und)\s*(?P<d2>{_D})\.(?P<m>{_MM})\.(?P<y>{_Y})(?![\d]|\.\d)",
        _FLAGS)),
    # 07.02.2026 / 7.2.2026
    ("num", re.compile(rf"{_START}(?P<d>{_D})\.(?P<m>{_MM})\.(?P<y>{_Y})(?![\d]|\.\d)", _FLAGS)),
    # 07/02/2026 (day first unless impossible; month first for en when unambiguous)
    ("slash", re.compile(rf"{_START}(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})/(?P<y>{_Y})(?![\d/])", _FLAGS)),
    # 2026-02-07 / 2026/02/07
    ("iso", re.compile(
        rf"{_START}(?P<y>{_Y})(?P<sep>[-/])(?P<m>1[0-2]|0[1-9])(?P=sep)(?P<d>3[01]|[12]\d|0[1-9])(?!\d)", _FLAGS)),
]
_MONTH_ONLY = re.compile(rf"{_START}{_mg('m')}{_COMMA}\s*{_DE}(?P<y>{_Y})(?!\d)", _FLAGS)

_VERSION_BEFORE = re.compile(r"(?:version|release|ver\.|v\.|build|nr\.|no\.|art\.|§|iso|din)\s*$", re.IGNORECASE)
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_HAS_DIGIT = re.compile(r"\d")
_NON_ASCII_DIGIT = re.compile(r"[\u0660-\u0669\u06f0-\u06f9]")
# Every date has a four-digit year: patterns only run in windows around one.
_YEAR_ANCHOR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_WINDOW_BEFORE = 90  # longest "30 novembre au 2 décembre de " prefix of a year, with margin
_WINDOW_AFTER = 8  # "2026-02-07" (ISO starts with its year), "2026م"


def _windows(spans: list[tuple[int, int]], before: int, after: int, limit: int) -> list[tuple[int, int]]:
    """Merged ``[start - before, end + after]`` windows around sorted spans, clipped to ``[0, limit]``."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        lo, hi = max(0, s - before), min(limit, e + after)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


# --------------------------------------------------------------------------- find_dates


def _mk(y: int, m: int | None, d: int) -> date | None:
    if m is None:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _month(value: str) -> int | None:
    return int(value) if value.isdigit() else _month_num(_first_month(value))


_FIRST_MONTH = re.compile(_MONTH_ALT, re.IGNORECASE)


def _first_month(value: str) -> str:
    """"شباط (فبراير)" → "شباط": the first of two spellings decides."""
    m = _FIRST_MONTH.match(value.strip())
    return m.group(0) if m else value


def _range(start: date | None, end: date | None) -> tuple[date, date | None] | None:
    if start is None or end is None or not (start < end <= date.fromordinal(start.toordinal() + MAX_RANGE_DAYS)):
        return None
    return start, end


def _interpret(kind: str, g: dict[str, str | None], lang: str | None) -> tuple[date, date | None] | None:
    """Dates of one pattern match, or None if impossible (31.02.) or not a sane range."""
    y = int(g["y"])  # type: ignore[arg-type]
    if kind == "dm":
        m = _month(g["m"])  # type: ignore[arg-type]
        d1 = int(g["d1"])  # type: ignore[arg-type]
        if g["d2"] is None:
            if g["m1"] is not None:
                return None
            d = _mk(y, m, d1)
            return (d, None) if d else None
        d2 = int(g["d2"])
        if g["m1"] is None:
            return _range(_mk(y, m, d1), _mk(y, m, d2))
        m1 = _month(g["m1"])
        y1 = y - 1 if m1 and m and m1 > m else y  # "30. Dezember – 2. Januar 2026"
        return _range(_mk(y1, m1, d1), _mk(y, m, d2))
    if kind == "md":
        m1 = _month(g["m1"])  # type: ignore[arg-type]
        d1 = int(g["d1"])  # type: ignore[arg-type]
        if g["d2"] is None:
            d = _mk(y, m1, d1)
            return (d, None) if d else None
        m2 = _month(g["m2"]) if g["m2"] else m1
        y1 = y - 1 if m1 and m2 and m1 > m2 else y
        return _range(_mk(y1, m1, d1), _mk(y, m2, int(g["d2"])))
    if kind in ("num", "iso"):
        d = _mk(y, int(g["m"]), int(g["d"]))  # type: ignore[arg-type]
        return (d, None) if d else None
    if kind == "slash":
        a, b = int(g["a"]), int(g["b"])  # type: ignore[arg-type]
        first, second = (b, a) if lang == "en" and a <= 12 < b else (a, b)
        d = _mk(y, second, first) or _mk(y, first, second)
        return (d, None) if d else None
    if kind == "num_days":
        m = int(g["m"])  # type: ignore[arg-type]
        return _range(_mk(y, m, int(g["d1"])), _mk(y, m, int(g["d2"])))  # type: ignore[arg-type]
    m1, m2 = int(g["m1"]), int(g["m2"])  # type: ignore[arg-type]
    y1 = y - 1 if m1 > m2 else y
    return _range(_mk(y1, m1, int(g["d1"])), _mk(y, m2, int(g["d2"])))  # type: ignore[arg-type]


def find_dates(text: str, lang: str | None = None, *, include_months: bool = False) -> list[DateMention]:
    """Every date and date range in the text, in order, without overlaps.

    ``lang`` only decides ambiguous slash dates (``en``: 02/07/2026 is
    February 7 when 07 cannot be a month … and otherwise day first, as in most
    of the world). Arabic-Indic digits are read as digits.
    """
    if not text or not _HAS_DIGIT.search(text):
        return []
    # Arabic-Indic digits → ASCII, same length so positions stay valid (translate is slow: only when needed)
    norm = text.translate(_ARABIC_DIGITS) if _NON_ASCII_DIGIT.search(text) else text
    years = [m.span() for m in _YEAR_ANCHOR.finditer(norm)]
    if not years:
        return []
    windows = _windows(years, _WINDOW_BEFORE, _WINDOW_AFTER, len(norm))
    found: list[DateMention] = []
    for lo, hi in windows:
        for kind, pattern in _PATTERNS:
            for m in pattern.finditer(norm, lo, hi):
                if _VERSION_BEFORE.search(norm, max(0, m.start() - 12), m.start()):
                    continue
                span = _interpret(kind, m.groupdict(), lang)
                if span is None:
                    continue
                found.append(DateMention(span[0], span[1], text[m.start() : m.end()], m.start(), m.end()))
        if include_months:
            for m in _MONTH_ONLY.finditer(norm, lo, hi):
                month = _month(m.group("m"))
                if month:
                    found.append(DateMention(date(int(m.group("y")), month, 1), None, text[m.start() : m.end()],
                                             m.start(), m.end(), precision="month"))
    mentions = _without_overlaps(found)
    return _join_ranges(text, mentions)


def _without_overlaps(found: list[DateMention]) -> list[DateMention]:
    """Earliest, then longest mention wins ("25.–27. November 2025" over "27. November 2025")."""
    found.sort(key=lambda x: (x.pos, -(x.end_pos - x.pos), x.precision != "day"))
    out: list[DateMention] = []
    last_end = -1
    for mention in found:
        if mention.pos >= last_end:
            out.append(mention)
            last_end = mention.end_pos
    return out


def _join_ranges(text: str, mentions: list[DateMention]) -> list[DateMention]:
    """Two full dates joined by a dash or "bis"/"to"/"au" → one range ("30.12.2025 – 02.01.2026")."""
    if len(mentions) < 2:
        return mentions
    out: list[DateMention] = []
    i = 0
    while i < len(mentions):
        a = mentions[i]
        if i + 1 < len(mentions):
            b = mentions[i + 1]
            if (
                a.end is None and b.end is None and a.precision == b.precision == "day"
                and a.start < b.start <= date.fromordinal(a.start.toordinal() + MAX_RANGE_DAYS)
                and _JOIN_SEP.fullmatch(text[a.end_pos : b.pos])
            ):
                out.append(DateMention(a.start, b.start, text[a.pos : b.end_pos], a.pos, b.end_pos))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


# --------------------------------------------------------------------------- deadlines

# One word-start check, then the alternatives (hoisting the boundary makes the scan ~5x faster).
_DEADLINE_CUES = re.compile(
    r"""
    frist(?:en)?\b
    | (?<![^\W\d_])(?:
      (?:anmelde|bewerbungs|einsende|einreichungs|einreich|annahme|abgabe|rückmelde|melde|teilnahme)schluss\b
    | deadlines?\b
    | bewerb(?:en|ung|ungen)\b(?:\s+\w+){0,4}?\s+bis\b
    | (?:an)?meld(?:en|ung|ungen)\b(?:\s+\w+){0,4}?\s+bis\b
    | (?:einreich(?:en|ung)|einzureichen|einsenden|einzusenden|rückmeldung|interessenbekundung(?:en)?|
         vorschläge|projektvorschläge|anträge|beiträge|unterlagen)\b(?:\s+\w+){0,4}?\s+bis\b
    | (?:bis\s+)?spätestens\b
    | apply\b(?:\s+\w+){0,3}?\s+(?:by|before|until)\b
    | applications?\b(?:\s+\w+){0,4}?\s+(?:close|closes|due|by|until|before)\b
    | submi(?:t|ts|tted|ssions?)\b(?:\s+\w+){0,4}?\s+(?:by|before|until)\b
    | registration\b(?:\s+\w+){0,3}?\s+(?:closes|close|deadline|by|until|before|ends)\b
    | register\b(?:\s+\w+){0,3}?\s+(?:by|before|until)\b
    | no\s+later\s+than\b | closing\s+date\b | due\s+(?:date|by|on)\b
    | date\s+limite\b | au\s+plus\s+tard\b | avant\s+le\b | jusqu['’]au\b
    | clôture\s+des\s+(?:candidatures|inscriptions|soumissions)\b | délai\s+de\s+(?:candidature|soumission|dépôt)\b
    | date\s+de\s+clôture\b
    | [آا]خر\s+موعد | الموعد\s+النهائي | [آا]خر\s+[أا]جل | موعد\s+[أا]قصاه | (?<!من\s)قبل(?!\w)
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
# What ends the scope of a cue: a sentence end (not an ordinal "7. Februar"), a semicolon, a blank line.
_SCOPE_BREAK = re.compile(r"(?<!\d)[.!?؟]\s+(?=\S)|;|\n\s*\n")
_CUE_AHEAD = 120  # characters after a cue in which its date may start
_CUE_BEHIND = 60  # characters before a cue in which its date may end ("7. Februar 2026 (Bewerbungsschluss)")


def _deadline_mentions(text: str, mentions: list[DateMention]) -> list[int]:
    """Indices of mentions governed by a deadline cue in the same sentence or line."""
    picked: list[int] = []
    if not mentions:
        return picked
    positions = [m.pos for m in mentions]
    windows = _windows([(m.pos, m.end_pos) for m in mentions], _CUE_AHEAD + 80, _CUE_BEHIND + 40, len(text))
    cues = [c for lo, hi in windows for c in _DEADLINE_CUES.finditer(text, lo, hi)]
    for cue in cues:
        chosen = None
        for k in range(bisect_left(positions, cue.end()), len(mentions)):
            m = mentions[k]
            if m.precision != "day":
                continue
            if cue.end() <= m.pos <= cue.end() + _CUE_AHEAD and not _SCOPE_BREAK.search(text, cue.end(), m.pos):
                chosen = k
                break
            if m.pos > cue.end() + _CUE_AHEAD:
                break
        if chosen is None:
            k = bisect_left(positions, cue.start()) - 1
            if k >= 0:
                m = mentions[k]
                if (
                    m.end_pos <= cue.start() and cue.start() - m.end_pos <= _CUE_BEHIND and m.precision == "day"
                    and not _SCOPE_BREAK.search(text, m.end_pos, cue.start())
                ):
                    chosen = k
        if chosen is not None and chosen not in picked:
            picked.append(chosen)
    return sorted(picked)


def extract_deadlines(text: str, lang: str | None = None) -> list[date]:
    """Deadline dates: those a cue ("Bewerbungsfrist", "apply by", "date limite", "آخر موعد") governs.

    A cue governs the first date after it in the same sentence (within 120
    characters), else the date right before it. Ranges count with their last day.
    """
    mentions = find_dates(text, lang)
    return sorted({mentions[k].last for k in _deadline_mentions(text, mentions)})


# --------------------------------------------------------------------------- publication date

_PUB_CUES = re.compile(
    r"""
    (?<![^\W\d_])(?:
      (?-i:Stand)(?:\s+vom)?\s*:? | (?:Version|Fassung)(?:\s+v?\d+(?:\.\d+)*)?\s*[,:–-]?\s*(?:vom|of|du|dated)?
    | (?:Entwurf|Draft|Projet)\s*(?:vom|of|dated|du|,|:)
    | veröffentlicht(?:\s+am)?\s*:? | Veröffentlichungsdatum\s*:? | Erscheinungsdatum\s*:?
    | Datum\s*: | Pressemitteilung\s+vom | aktualisiert(?:\s+am)?\s*:? | zuletzt\s+geändert(?:\s+am)?\s*:?
    | Published(?:\s+on)?\s*:? | Publication\s+date\s*:? | Date\s*: | (?:Last\s+)?updated(?:\s+on)?\s*:?
    | Publié\s+le | Date\s+de\s+publication\s*:? | Mis\s+à\s+jour\s+le
    | تاريخ\s+النشر\s*:? | نُ?شر\s+(?:في|بتاريخ)\s*:?
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
# "Date:" after these is not a publication date ("Closing date:", "Event date:").
_NOT_PUB_BEFORE = re.compile(
    r"(?:due|closing|event|start|end|application|submission|deadline|travel|arrival|departure|meeting|"
    r"veranstaltungs|termin|frist|abgabe|einsende)\s*$",
    re.IGNORECASE,
)
# "Bonn, den 3. Mai 2026" / "Tunis, le 3 mai 2026": a letter's dateline.
_DATELINE_DEN = re.compile(r"(?m)^[ \t>*_#]*[A-ZÄÖÜ][\w.\- ]{1,40}?,\s*(?:den|le|am|the)\s+(?=\d)")
_DATELINE_PLAIN = re.compile(r"(?m)^[ \t>*_#]*(?P<place>[A-ZÄÖÜ][\w.\- ]{1,40}?),\s*(?=\d)")
_DATELINE_WINDOW = 300
_PUB_AHEAD = 30

_FRONT_MATTER_PUB_KEYS = ("published", "publication_date", "date", "datum", "veröffentlicht", "stand", "created",
                          "pubdate")


def parse_date_value(value: Any) -> date | None:
    """A date from a front-matter value: ``date``, ``datetime``, ISO or any form :func:`find_dates` knows."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    if not s:
        return None
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        pass
    found = find_dates(s)
    return found[0].start if found else None


def _publication_index(text: str, mentions: list[DateMention]) -> int | None:
    if not mentions:
        return None
    positions = [m.pos for m in mentions]

    def first_after(pos: int, limit: int) -> int | None:
        k = bisect_left(positions, pos)
        if k < len(mentions) and mentions[k].pos - pos <= limit and mentions[k].precision == "day":
            return k
        return None

    windows = _windows([(m.pos, m.end_pos) for m in mentions], _PUB_AHEAD + 40, 0, len(text))
    cues = [c for lo, hi in windows for c in _PUB_CUES.finditer(text, lo, hi)]
    for cue in cues:
        if _NOT_PUB_BEFORE.search(text, max(0, cue.start() - 20), cue.start()):
            continue
        k = first_after(cue.end(), _PUB_AHEAD)
        if k is not None:
            return k
    for dl in _DATELINE_DEN.finditer(text):
        k = first_after(dl.end(), 2)
        if k is not None:
            return k
    for dl in _DATELINE_PLAIN.finditer(text, 0, _DATELINE_WINDOW):
        k = first_after(dl.end(), 2)
        if k is not None and _is_place(dl.group("place")):
            return k
    return None


_PLACE_LIST_SPLIT = re.compile(r"\s*(?:,|/|&|\bund\b|\band\b|\bet\b|و)\s*")


def _is_place(name: str) -> bool:
    """A dateline without "den"/"le" needs known places before the comma ("Tunis, 3 mai 2026",
    "Leipzig und Bonn, 16. September 2024")."""
    from core.gazetteer import lookup

    parts = [p for p in _PLACE_LIST_SPLIT.split(name.strip()) if p]
    return bool(parts) and all(lookup(p) is not None for p in parts)


def extract_publication_date(text: str, front_matter: dict[str, Any] | None = None) -> date | None:
    """The publication date: front matter, else a cued date ("Stand:", "Published", "Publié le",
    "تاريخ النشر", "Bonn, den 3. Mai 2026"), else ``None``.

    Deliberately not "the first date in the text": that is usually an event or a deadline.
    """
    fm = _front_matter_date(front_matter)
    if fm is not None:
        return fm
    mentions = find_dates(text)
    k = _publication_index(text, mentions)
    return mentions[k].start if k is not None else None


def _front_matter_date(front_matter: dict[str, Any] | None) -> date | None:
    if not front_matter:
        return None
    lowered = {str(k).lower(): v for k, v in front_matter.items()}
    for key in _FRONT_MATTER_PUB_KEYS:
        if key in lowered:
            d = parse_date_value(lowered[key])
            if d is not None:
                return d
    return None


# --------------------------------------------------------------------------- all at once


@dataclass
class DateAnalysis:
    """Every date role of one text, computed from a single :func:`find_dates` pass."""

    mentions: list[DateMention] = field(default_factory=list)
    published: date | None = None
    deadlines: list[date] = field(default_factory=list)
    events: list[date] = field(default_factory=list)


def analyse_dates(text: str, lang: str | None = None, front_matter: dict[str, Any] | None = None) -> DateAnalysis:
    """Publication date, deadlines and event dates in one pass (what ingest uses).

    Event dates are all other dates: both ends of ranges, deduplicated, sorted.
    """
    mentions = find_dates(text, lang)
    deadline_idx = set(_deadline_mentions(text, mentions))
    pub_idx = _publication_index(text, mentions)
    published = _front_matter_date(front_matter)
    if published is None and pub_idx is not None:
        published = mentions[pub_idx].start
    events: set[date] = set()
    for k, m in enumerate(mentions):
        if k in deadline_idx or k == pub_idx or m.precision != "day":
            continue
        events.add(m.start)
        if m.end:
            events.add(m.end)
    return DateAnalysis(
        mentions=mentions,
        published=published,
        deadlines=sorted({mentions[k].last for k in deadline_idx}),
        events=sorted(events),
    )


def event_dates(text: str, lang: str | None = None) -> list[date]:
    """All dates that are neither deadlines nor the publication date (range ends included), sorted."""
    return analyse_dates(text, lang).events
