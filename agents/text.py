"""Sentence splitting and term matching shared by the researcher, synthesizer and grounding check.

German ordinal dates ("am 7. Februar 2026") and abbreviations ("z. B.",
"Dr.") end in a full stop without ending the sentence; a naive splitter cuts
exactly the sentences that carry deadlines, so this one knows about them.
Term matching lives in :mod:`agents.terms`.
"""

from __future__ import annotations

import re

from core.contacts import continues_contact, ends_with_contact
from core.language import fold

__all__ = ["CITATION_RE", "cited_numbers", "list_blocks", "list_edges", "logical_lines", "names_of", "split_sentences", "strip_citations"]

_ABBREVIATIONS = {
    "z", "b", "dr", "prof", "nr", "ca", "bzw", "vgl", "u", "a", "st", "e", "v", "mio", "mrd", "tel", "abs", "s",
    "ggf", "inkl", "evtl", "usw", "etc", "hr", "fr", "mr", "mrs", "ms", "m", "mme", "no", "vs", "jan", "feb",
    "febr", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "oct", "nov", "dez", "dec", "str", "d", "h",
    "i", "bspw", "max", "min", "gem", "lt", "zzgl", "rd",
}
_BOUNDARY = re.compile(r"[.!?؟…]+[\"'»“”)\]]*\s+")
_BULLET = re.compile(r"^\s*(?:[-•*–·]|\d{1,2}[.)])\s+")
_WORD = re.compile(r"\w+", re.UNICODE)
CITATION_RE = re.compile(r"\s*\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_MIN_WORDS = 3
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,}(?:-[A-Z0-9]+)*\b")
_CAP_SEQ = re.compile(r"\b[A-ZÄÖÜÉÈ][\w'’-]*(?:\s+(?:de|da|do|dos|van|von|al|el|bin|ben|la|le)?\s*[A-ZÄÖÜÉÈ][\w'’-]*)+")
_CAP_WORD = re.compile(r"\b[A-ZÄÖÜÉÈÀÇ][\w'’-]{2,}")
_STOP_CAPS = {
    "the", "this", "that", "these", "those", "there", "they", "it", "its", "in", "on", "at", "for", "from", "with",
    "and", "but", "by", "as", "an", "a", "of", "to", "i", "we", "our", "you", "he", "she", "his", "her", "their",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "le", "la", "les", "un", "une", "des", "du", "de", "en", "au", "aux", "il", "elle", "ils", "elles", "ce", "cette",
    "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre",
    "decembre", "day", "programme", "program", "city", "cities", "workshop", "dr", "mr", "mrs", "ms", "prof",
    "jour", "ville", "villes", "mme", "m",
}


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
    if not previous or not body or _BULLET.match(line) or body.startswith("#"):
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


def list_blocks(text: str, *, max_items: int = 8, max_chars: int = 600) -> list[str]:
    """Bullet lists as one line each, with their lead-in: "Die Jury hat … ausgewählt: A; B; C".

    A list often *is* the answer ("which partner cities …"), but split into items no single sentence
    carries it; the joined block keeps the document's words and order.
    """
    blocks: list[str] = []
    lines = logical_lines(text)
    i = 0
    while i < len(lines):
        if not _BULLET.match(lines[i]):
            i += 1
            continue
        start = i
        while i < len(lines) and _BULLET.match(lines[i]):
            i += 1
        items = [_BULLET.sub("", ln).strip().rstrip(";,") for ln in lines[start:i]]
        if len(items) < 2 or len(items) > max_items:
            continue
        lead = lines[start - 1].strip() if start > 0 and lines[start - 1].rstrip().endswith(":") else ""
        block = (f"{lead} " if lead else "") + "; ".join(item.rstrip(".") for item in items) + "."
        if len(block) <= max_chars:
            blocks.append(block)
    return blocks


def list_edges(text: str) -> tuple[bool, bool]:
    """(starts inside a bullet list, ends inside one or on its lead-in "… ausgewählt:").

    The chunker cuts long sections by size, often in the middle of an item, so a list can start in one
    chunk and go on in the next: the next chunk then opens with the rest of the cut item (or an overlap
    line) and a bullet, the previous one ends with a bullet or the lead-in.
    """
    lines = logical_lines(text)
    if not lines:
        return False, False
    head = any(_BULLET.match(line) for line in lines[:2])
    tail = bool(_BULLET.match(lines[-1])) or lines[-1].rstrip().endswith(":")
    return head, tail


def split_sentences(text: str, *, min_words: int = _MIN_WORDS) -> list[str]:
    """Sentences of a passage; bullets and short "Key: value" lines count as sentences.

    Lines without a verb-sized body (headings, "Kontakt") are dropped unless
    they carry a digit or a colon, which is where deadlines and contacts live.
    """
    sentences: list[str] = []
    for raw in logical_lines(text):
        line = _BULLET.sub("", raw).strip().lstrip("#").strip()
        if not line:
            continue
        for sentence in _split_line(line):
            words = _WORD.findall(sentence)
            if len(words) >= min_words or (len(words) >= 2 and (":" in sentence or any(c.isdigit() for c in sentence))):
                sentences.append(sentence)
    return sentences


def cited_numbers(marker: re.Match[str]) -> list[int]:
    """The numbers of one :data:`CITATION_RE` match: ``" [1, 3]"`` → ``[1, 3]``."""
    return [int(n) for n in re.split(r"\s*[,;]\s*", marker.group(1))]


def strip_citations(sentence: str) -> tuple[str, list[int]]:
    """``"Frist ist der 7. Mai [1][3]."`` → ``("Frist ist der 7. Mai.", [1, 3])``."""
    numbers: list[int] = []
    for match in CITATION_RE.finditer(sentence):
        numbers.extend(cited_numbers(match))
    text = CITATION_RE.sub("", sentence).strip()
    text = re.sub(r"\s+([.!?؟,;:])", r"\1", text)
    return text, list(dict.fromkeys(numbers))


def names_of(sentence: str, lang: str) -> list[str]:
    """Name-like tokens the cited passage must contain (not places: those are checked by the gazetteer)."""
    names: list[str] = []
    names += _ACRONYM.findall(sentence)
    for match in _CAP_SEQ.finditer(sentence):
        words = [w for w in match.group().split() if w[:1].isupper()]
        if match.start() == 0:
            words = words[1:]  # the sentence's first word is capitalised anyway
        if len(words) >= 2 or (words and match.start() > 0 and lang in ("en", "fr")):
            names += words
    if lang in ("en", "fr"):
        for match in _CAP_WORD.finditer(sentence):
            before = sentence[: match.start()].rstrip()
            if match.start() == 0 or before.endswith((".", ":", "!", "?", "(", "\"", "„", "«", "–", "-")):
                continue
            names.append(match.group())
    seen: dict[str, None] = {}
    for name in names:
        folded = fold(name.strip("'’-"))
        if len(folded) > 1 and folded not in _STOP_CAPS:
            seen.setdefault(name.strip("'’-"))
    return list(seen)
