"""Pure text → HTML helpers of the UI (no Streamlit calls here, so they are easy to test).

Everything that reaches ``st.markdown(..., unsafe_allow_html=True)`` goes through
:func:`esc` first: HTML-escaped, and the characters Markdown or Streamlit's math
support would interpret (``$ * _ [ ] ` ~ | #``) turned into numeric entities, so a
passage is shown exactly as written. Arabic passages are wrapped in
``<div dir="rtl">``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

__all__ = [
    "CSS",
    "cited_html",
    "deadline_state",
    "esc",
    "format_date",
    "is_rtl",
    "parse_date",
    "passage_html",
    "snippet_html",
    "split_citations",
    "text_dir",
]

_ARABIC = re.compile(r"[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_ESCAPES = {c: f"&#{ord(c)};" for c in "$*_[]`~|#\\{}'\""} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_CITE = re.compile(r"\s*((?:\[\d+(?:\s*[,;]\s*\d+)*\])+)")
_CITE_NUMS = re.compile(r"\d+")

CSS = """
<style>
.cc-passage {border-left: 3px solid #c9d3e0; padding: .2rem 0 .2rem .75rem; margin: .25rem 0 .5rem 0;
  line-height: 1.55; white-space: normal; overflow-wrap: anywhere;}
.cc-passage[dir="rtl"] {border-left: none; border-right: 3px solid #c9d3e0; padding: .2rem .75rem .2rem 0;
  text-align: right;}
[dir="rtl"] {font-family: "Noto Naskh Arabic", "Noto Sans Arabic", "DejaVu Sans", "Arial", sans-serif;
  unicode-bidi: isolate; text-align: right;}
input, textarea {unicode-bidi: plaintext;}
ul[dir="rtl"], ol[dir="rtl"] {margin-left: 0 !important; margin-right: 1.2rem !important; padding-left: 0 !important;
  padding-right: .4rem !important;}
[dir="rtl"] li, [dir="rtl"] p {text-align: right;}
.cc-answer {line-height: 1.6; font-size: 1rem; overflow-wrap: anywhere;}
.cc-answer[dir="rtl"] {text-align: right;}
.cc-snippet {line-height: 1.5; overflow-wrap: anywhere; color: inherit;}
.cc-snippet[dir="rtl"] {text-align: right;}
.cc-snippet mark, .cc-passage mark {background: #fff1a8; color: inherit; padding: 0 .1em; border-radius: 2px;}
sup.cc-cite {font-size: .7em; font-weight: 600; color: #1d5fa8; background: #e8f0fb; border-radius: 4px;
  padding: 0 .25em; margin: 0 .05em; white-space: nowrap; unicode-bidi: isolate;}
.cc-meta {color: #5b6573; font-size: .85rem;}
.cc-expired {opacity: .5; filter: grayscale(1);}
.cc-expired .cc-title {text-decoration: line-through;}
.cc-unsupported {background: #fff4d6; border-left: 3px solid #e0a100; padding: .15rem .5rem; border-radius: 3px;}
.cc-notinmaterial {background: #f4f5f7; border: 1px dashed #aab2bd; border-radius: 6px; padding: .6rem .8rem;}
.cc-title {font-weight: 600; font-size: 1.02rem;}
.cc-chip {display: inline-block; background: #eef1f5; color: #374151; border-radius: 999px; padding: 0 .55em;
  margin: 0 .25em .2em 0; font-size: .8rem; white-space: nowrap;}
table.cc-meta-table {width: 100%; table-layout: fixed; border-collapse: collapse;}
table.cc-meta-table th {width: 34%; text-align: left; vertical-align: top; padding: .35rem .5rem;}
table.cc-meta-table td {overflow-wrap: anywhere; vertical-align: top; padding: .35rem .5rem;}
.cc-days {display: inline-block; border-radius: 999px; padding: 0 .6em; font-size: .82rem; font-weight: 600;}
.cc-days.green {background: #e3f5e8; color: #17683a;}
.cc-days.orange {background: #fff0d9; color: #8a4b00;}
.cc-days.red {background: #fde4e4; color: #a11a1a;}
.cc-days.grey {background: #eceef1; color: #4b5563;}
</style>
"""


def esc(text: Any) -> str:
    """``text`` safe inside HTML in ``st.markdown(unsafe_allow_html=True)``: escaped, no Markdown or math markup.

    Newlines become ``<br>`` so the surrounding HTML block never ends early.
    """
    s = "".join(_ESCAPES.get(c, c) for c in str(text))
    return re.sub(r"\r?\n", "<br>", s)


def is_rtl(text: str | None, language: str | None = None) -> bool:
    """Whether ``text`` is mainly Arabic/Hebrew script (or ``language`` says Arabic)."""
    if language and language.lower().split("-")[0] in ("ar", "fa", "ur", "he"):
        return True
    if not text:
        return False
    letters = _LETTER.findall(text)
    if not letters:
        return False
    rtl = sum(1 for c in letters if _ARABIC.match(c))
    return rtl / len(letters) >= 0.3


def text_dir(text: str | None, language: str | None = None) -> str:
    """``' dir="rtl" lang="ar"'`` for right-to-left text, else ``' dir="auto"'``."""
    if is_rtl(text, language):
        return ' dir="rtl" lang="ar"'
    return ' dir="auto"'


def passage_html(text: str, *, language: str | None = None, css_class: str = "cc-passage") -> str:
    """A quoted passage as one HTML block, right-to-left when it is Arabic."""
    return f'<div class="{css_class}"{text_dir(text, language)}>{esc(text)}</div>'


def snippet_html(snippet: str, *, language: str | None = None) -> str:
    """A search snippet whose ``**term**`` markers become ``<mark>`` highlights (everything else escaped)."""
    parts = re.split(r"\*\*(.+?)\*\*", snippet, flags=re.DOTALL)
    body = "".join(f"<mark>{esc(p)}</mark>" if i % 2 else esc(p) for i, p in enumerate(parts))
    plain = snippet.replace("**", "")
    return f'<div class="cc-snippet"{text_dir(plain, language)}>{body}</div>'


def split_citations(text: str) -> list[tuple[str, list[int]]]:
    """``"A [1]. B [2][3]."`` → ``[("A", [1]), (". B", [2, 3]), (".", [])]``: text runs and the markers after them."""
    out: list[tuple[str, list[int]]] = []
    pos = 0
    for m in _CITE.finditer(text):
        out.append((text[pos:m.start()], [int(n) for n in _CITE_NUMS.findall(m.group(1))]))
        pos = m.end()
    out.append((text[pos:], []))
    return out


def _cited_run(text: str, known: set[int] | None) -> str:
    pieces = []
    for run, nums in split_citations(text):
        pieces.append(esc(run))
        for n in nums:
            if known is None or n in known:
                pieces.append(f'<sup class="cc-cite">{n}</sup>')
    return "".join(pieces)


def cited_html(text: str, *, language: str | None = None, css_class: str = "cc-answer",
               known: set[int] | None = None) -> str:
    """Answer text with ``[n]`` markers shown as small citation badges; right-to-left when Arabic.

    Lines starting with ``-``, ``*`` or ``•`` become a bullet list, other lines paragraphs; markers not in
    ``known`` (when given) are dropped rather than shown dangling.
    """
    blocks: list[str] = []
    items: list[str] = []
    for line in text.strip().splitlines():
        bullet = re.match(r"^\s*(?:[-*•]|\d+[.)])\s+(.*)$", line)
        if bullet:
            items.append(f"<li>{_cited_run(bullet.group(1), known)}</li>")
            continue
        if items:
            blocks.append(f"<ul>{''.join(items)}</ul>")
            items = []
        if line.strip():
            blocks.append(f"<p>{_cited_run(line.strip(), known)}</p>")
    if items:
        blocks.append(f"<ul>{''.join(items)}</ul>")
    plain = _CITE.sub("", text)
    return f'<div class="{css_class}"{text_dir(plain, language)}>{"".join(blocks)}</div>'


def parse_date(value: Any) -> date | None:
    """A date from a date, datetime or ISO string (``None`` when it is none of those)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


_MONTHS_DE = ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."]
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_date(value: Any, lang: str = "de") -> str:
    """``7. Feb. 2026`` (de) or ``7 Feb 2026`` (en); non-dates are returned as text."""
    d = parse_date(value)
    if d is None:
        return "" if value is None else str(value)
    if lang == "en":
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    return f"{d.day}. {_MONTHS_DE[d.month - 1]} {d.year}"


def deadline_state(deadline: Any, *, today: date | None = None) -> tuple[int | None, str]:
    """``(days_left, colour)`` of a deadline: red ≤ 14 days, orange ≤ 30, green beyond, grey when expired."""
    d = parse_date(deadline)
    if d is None:
        return None, "grey"
    days = (d - (today or date.today())).days
    if days < 0:
        return days, "grey"
    if days <= 14:
        return days, "red"
    if days <= 30:
        return days, "orange"
    return days, "green"
