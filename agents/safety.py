"""Prompt-injection detection for retrieved passages.

Documents come from many partners and web pages, so a passage may contain text
aimed at the model ("ignore previous instructions", fake citations). We never
execute such text: passages only ever enter a prompt as quoted, numbered data.
Flagging them in the trace lets a reviewer see that an answer drew on a
suspicious document; the passage's *facts* may still be cited.
"""

from __future__ import annotations

import re

from core.language import fold

__all__ = ["injection_patterns", "neutralise"]

_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "ignore-instructions": r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instruction|prompt|rule|direction)s?\b"
        r"|\bignorier\w*\b.{0,40}\b(?:anweisung|anleitung|vorgabe|regel)\w*"
        r"|\bignore[rz]?\b.{0,40}\b(?:instruction|consigne|regle)s?\b"
        r"|تجاهل.{0,40}(?:التعليمات|الأوامر|التعليمات السابقة)",
        "system-prompt": r"\bsystem\s?-?prompt\b|\bsystemanweisung\w*\b|\binvite systeme\b|\bmessage systeme\b"
        r"|موجه النظام|تعليمات النظام",
        "reveal": r"\b(?:reveal|disclose|print|output|leak)\b.{0,40}\b(?:prompt|instructions?|secret|password|key|"
        r"context)\b|\b(?:offenbare|verrate|gib\w*)\b.{0,40}\b(?:prompt|anweisung\w*|geheim\w*|passwort)\b"
        r"|\brevele[rz]?\b|اكشف",
        "role-play": r"\byou are now\b|\bact as\b|\bdu bist (?:jetzt|nun)\b|\btu es maintenant\b|\bnew instructions?\b"
        r"|\bneue anweisung\w*\b|\bnouvelles? instructions?\b",
        "chat-markup": r"<\|im_start\|>|<\|system\|>|\[/?INST\]|###\s*(?:instruction|system)|^\s*(?:system|assistant)\s*:",
        "fake-citation": r"\[\d{1,3}\](?:\s*\[\d{1,3}\])*",
        "answer-override": r"\b(?:answer|antworte|reponds?)\b.{0,30}\b(?:only|always|nur|immer|uniquement|toujours)\b",
    }.items()
}


def injection_patterns(text: str) -> list[str]:
    """Names of the injection patterns found in ``text`` (empty for ordinary passages)."""
    folded = fold(text)
    found = []
    for name, pattern in _PATTERNS.items():
        if pattern.search(folded) or pattern.search(text):
            found.append(name)
    return found


def neutralise(text: str) -> str:
    """The passage as prompt data: fake citation markers and chat markup defused, so the model cannot
    confuse them with our own ``[n]`` numbering or turn boundaries."""
    text = re.sub(r"\[(\d{1,3})\]", r"(\1)", text)
    return re.sub(r"<\|[^|>]{1,20}\|>", " ", text)
