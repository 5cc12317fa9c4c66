"""Sentence splitting that knows German dates and abbreviations.

German ordinal dates ("am 7. Februar 2026") and abbreviations ("z. B.",
"Dr.") end in a full stop without ending the sentence; a naive splitter cuts
exactly the sentences that carry deadlines, so this one knows about them.
Ingest embeds these sentences (sentence vectors) and the agents quote them, so
both sides cut a passage the same way.
"""

from __future__ import annotations

import re

from core.contacts import continues_contact, ends_with_contact

__all__ = ["BULLET", "logical_lines", "split_sentences"]

_ABBREVIATIONS = {
    "z", "b", "dr", "prof", "nr", "ca", "bzw", "vgl", "u", "a", "st", "e", "v", "mio", "mrd", "tel", "abs", "s",
    "ggf", "inkl", "evtl", "usw", "etc", "hr", "fr", "mr", "mrs", "ms", "m", "mme", "no", "vs", "jan", "feb",
    "febr", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "oct", "nov", "dez", "dec", "str", "d", "h",
    "i", "bspw", "max", "min", "gem", "lt", "zzgl", "rd",
}
_BOUNDARY = re.compile(r"[.!?؟…]+[\"'»“”)\]]*\s+")
BULLET = re.compile(r"^\s*(?:[-•*–·]|\d{1,2}[.)])\s+")
_WORD = re.compile(r"\w+", re.UNICODE)
_MIN_WORDS = 3


def _is_false_boundary(before: str, after: str) -> bool:
    """A full stop after an ordinal number or abbreviation, or before a lowercase word, ends no sentence."""
    token = before.rsplit(None, 1)[-1] if before.strip() else ""
    bare = token.rstrip(".").lower()
    if not after or not (after[0].isupper() or after[0].isdigit() or not after[0].isascii()):
        return True
    if bare.isdigit() and len(bare) <= 2:
        return True  # "7. Februar", "1. Quartal"
    if bare in _ABBREVIATIONS or (len(bare) == 1 and bare.isalpha()):
        return True
    return bool(re.fullmatch(r"(?:\w\.)+\w?", bare))  # "z.b", "u.a", "e.v"


# "Bewerbungsfrist: 15. Mai 2026 Bitte senden Sie …": a label line the PDF text layer ran into the next sentence.
# Also "Bonn, den 18. August 2025 Sehr geehrte Damen und Herren": a letter's place-and-date line.
_LABEL_DATE = re.compile(
    r"^([^\W\d][\w ./-]{1,40}?(?::|,)\s*(?:den\s+|le\s+)?(?:\d{1,2}\.?\s*[^\W\d]+\.?\s+\d{4}|"
    r"\d{1,2}\.\d{1,2}\.\d{4}|[^\W\d]+\s+\d{1,2},?\s+\d{4}))\s+(?=[A-ZÄÖÜ])"
)


def _split_line(line: str) -> list[str]:
    label = _LABEL_DATE.match(line)
    if label:
        return [label.group(1), *_split_line(line[label.end() :])]
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        end = match.end()
        before, after = line[start : match.start() + 1], line[end:]
        if match.group().startswith(".") and _is_false_boundary(before, after):
            continue
        piece = line[start:end].strip()
        if piece:
            out.append(piece)
        start = end
    tail = line[start:].strip()
    if tail:
        out.append(tail)
    return out


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` continues ``previous`` (a hard-wrapped text line), rather than starting a new block."""
    body = line.strip()
    if not previous or not body or BULLET.match(line) or body.startswith("#"):
        return False
    if body[0].islower():
        return True
    if ends_with_contact(previous):  # "… jonas.brenner@bonn.example" / "Telefon +49 …" is one entry
        return continues_contact(line)
    if previous.rstrip().endswith((".", "!", "?", ":", ";", "؟")):
        return False  # a sentence ends here
    if line[:1] in (" ", "\t"):  # indented continuation of a bullet
        return True
    if previous.count("(") > previous.count(")") or previous.rstrip().endswith((",", "-", "„")):
        return True
    return len(previous) >= 45  # a long line without a full stop was wrapped; short ones are headings


def logical_lines(text: str) -> list[str]:
    """Lines of a passage with hard wraps undone (TXT files and PDF text layers wrap at ~70 characters)."""
    lines: list[str] = []
    for raw in text.split("\n"):
        if lines and _continues(lines[-1], raw):
            lines[-1] = f"{lines[-1].rstrip()} {raw.strip()}"
        else:
            lines.append(raw.rstrip())
    return [ln for ln in lines if ln.strip()]


def split_sentences(text: str, *, min_words: int = _MIN_WORDS) -> list[str]:
    """Sentences of a passage; bullets and short "Key: value" lines count as sentences.

    Lines without a verb-sized body (headings, "Kontakt") are dropped unless
    they carry a digit or a colon, which is where deadlines and contacts live.
    """
    sentences: list[str] = []
    for raw in logical_lines(text):
        line = BULLET.sub("", raw).strip().lstrip("#").strip()
        if not line:
            continue
        for sentence in _split_line(line):
            words = _WORD.findall(sentence)
            if len(words) >= min_words or (len(words) >= 2 and (":" in sentence or any(c.isdigit() for c in sentence))):
                sentences.append(sentence)
    return sentences
