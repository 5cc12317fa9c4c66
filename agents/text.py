"""Term extraction and list handling shared by the researcher, synthesizer and grounding check.

Sentence splitting lives in :mod:`core.sentences` (ingest embeds the same sentences the agents quote);
it is re-exported here. Term matching lives in :mod:`agents.terms`.
"""

from __future__ import annotations

import re

from core.language import fold
from core.sentences import BULLET, logical_lines, split_sentences

__all__ = ["CITATION_RE", "cited_numbers", "list_blocks", "list_edges", "logical_lines", "names_of", "split_sentences", "strip_citations"]

CITATION_RE = re.compile(r"\s*\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
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


def list_blocks(text: str, *, max_items: int = 8, max_chars: int = 600) -> list[str]:
    """Bullet lists as one line each, with their lead-in: "Die Jury hat … ausgewählt: A; B; C".

    A list often *is* the answer ("which partner cities …"), but split into items no single sentence
    carries it; the joined block keeps the document's words and order.
    """
    blocks: list[str] = []
    lines = logical_lines(text)
    i = 0
    while i < len(lines):
        if not BULLET.match(lines[i]):
            i += 1
            continue
        start = i
        while i < len(lines) and BULLET.match(lines[i]):
            i += 1
        items = [BULLET.sub("", ln).strip().rstrip(";,") for ln in lines[start:i]]
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
    head = any(BULLET.match(line) for line in lines[:2])
    tail = bool(BULLET.match(lines[-1])) or lines[-1].rstrip().endswith(":")
    return head, tail


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
