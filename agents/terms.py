"""Content terms of questions and passages, for coverage and sentence scoring without a model.

A term is a crude prefix stem of a folded content word (the same idea as
retrieval's snippet highlighter), which works well enough across German,
English and French inflection. On top of that:

- function words and question verbs of de/en/fr/ar are dropped ("für",
  "fand … statt", "take place", "combien", "هل"), they never decide whether a
  passage answers;
- Arabic words lose their article and clitics ("الظل" → "ظل", "والمياه" →
  "مياه"), otherwise no Arabic word ever matches its other forms;
- words every programme document uses ("Stadt", "Programm", "partnership")
  weigh less than specific ones ("Straßenbau", "governor");
- a long German compound also half-matches its head ("Städtepartnerschafts-
  programms" ↔ "Programm").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from core.language import fold, is_arabic

__all__ = ["Term", "content_terms", "coverage", "normalise_word", "term_coverage", "weighted_terms", "word_set"]

_WORD = re.compile(r"\w+", re.UNICODE)
GENERIC_WEIGHT = 0.3

_STOP = """
der die das den dem des ein eine einen einem einer eines und oder aber mit fur von vom zu zum zur auf aus bei nach
uber unter vor hinter neben zwischen durch gegen ohne um am im in an ist sind war waren wurde wurden werden wird
worden sein seine seinen seiner ihr ihre ihren ihrem ihrer haben hat hatte hatten habe soll sollen sollte sollten
muss mussen musste mussten kann konnen konnte konnten darf durfen mochte will wollen man ich mich mir wir uns sie
er es du dich dir wie was wer wem wen wessen wo wann warum welche welcher welches welchen welchem viel viele vielen
hoch hohe hoher gibt gab geben noch schon auch nur sehr mehr bis seit pro dort hier diese dieser dieses diesen
diesem jetzt nicht kein keine keinen bisher dabei davon damit dafur daran fand finden findet statt stattfinden
stattgefunden lauft laufen galt gilt gelten bekommen erhalten erhielt nahmen nahm teil teilgenommen genau etwa
insgesamt bitte sowie als denn doch so ob wenn dass weil erste ersten erster erstes zweite zweiten neue neuen neuer
nachste nachsten nachstes letzte letzten heute aktuell hochstens mindestens sinken senken steigen steigern erhohen
reduzieren verringern erreichen
reduce reduced increase increased decrease lower raise fall rise reach
the a an and or but with for from of to in on at by as is are was were be been being has have had do does did
will would shall should can could may might must what which who whom whose when where why how much many there
their they them its it this that these those into about also only still yet than then take took taken place
places happen happened get got give given any some all each other another first second new next last current
currently actually really just please e mail her his him she he we us our you your i me my
le la les un une des du de d l et ou mais avec pour par sur sous dans en au aux a est sont etait etaient sera
seront ete etre avoir a ont avait aura auront fait faire qui que quoi quel quelle quels quelles ou quand comment
combien pourquoi ce cet cette ces son sa ses leur leurs il elle ils elles on nous vous je se s y lieu eu
compte compter premier premiere nouveau nouvelle prochain prochaine dernier derniere actuel actuelle
baisser augmenter reduire diminuer atteindre
ما ماذا من متى أين اين كيف كم هل هو هي هم في على الى إلى عن مع التي الذي الذين هذا هذه ذلك تلك او أو ثم قد لقد
كان كانت يكون تكون بين حول عند لدى كل اي أي
"""
_GENERIC = """
stadt stadte stadten kommune kommunen gemeinde programm programms programme program partnerschaft partnerschaften
partner partnerin partnern projekt projekte projekten thema themen jahr jahre jahren bereich
city cities municipality municipalities town project projects programme partnership partnerships topic year years
ville villes commune communes municipalite projet projets programme partenariat partenariats annee annees
مدينه مدن برنامج شراكه مشروع بلديه
"""
_ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ف", "ل")


def normalise_word(word: str) -> str:
    """Folded word; Arabic without its article or a leading clitic (if a 3-letter stem remains)."""
    folded = fold(word)
    if is_arabic(folded):
        for clitic in _ARABIC_CLITICS:
            if folded.startswith(clitic) and len(folded) - len(clitic) >= 3:
                return folded[len(clitic):]
    return folded


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    return frozenset(normalise_word(w) for w in _STOP.split()) | frozenset(fold(w) for w in _STOP.split())


@lru_cache(maxsize=1)
def _generic() -> frozenset[str]:
    return frozenset(normalise_word(w) for w in _GENERIC.split())


def _stem(word: str) -> str:
    return word[: max(4, len(word) - 3)] if len(word) > 5 else word


@dataclass(frozen=True, slots=True)
class Term:
    stem: str
    weight: float
    word: str


def weighted_terms(text: str, *, exclude: Iterable[str] = ()) -> list[Term]:
    """Content terms of ``text`` with weights (1.0, or :data:`GENERIC_WEIGHT` for programme boilerplate).

    ``exclude`` drops words by their normalised form (e.g. place names, checked separately).
    """
    skip = {normalise_word(w) for x in exclude for w in _WORD.findall(x)}
    out: dict[str, Term] = {}
    for raw in _WORD.findall(text):
        word = normalise_word(raw)
        if len(word) < 3 or word in _stop() or word in skip or word.isdigit():
            continue
        stem = _stem(word)
        weight = GENERIC_WEIGHT if word in _generic() else 1.0
        if stem not in out or out[stem].weight < weight:
            out[stem] = Term(stem, weight, word)
    return list(out.values())


def content_terms(text: str) -> list[str]:
    """The stems of :func:`weighted_terms` (for scoring sentences)."""
    return [t.stem for t in weighted_terms(text)]


def word_set(text: str) -> set[str]:
    """Normalised words of ``text``, matched by prefix against term stems."""
    return {normalise_word(w) for w in _WORD.findall(text)}


def _match(stem: str, words: set[str]) -> float:
    if any(w.startswith(stem) for w in words):
        return 1.0
    if len(stem) >= 10:  # German compound: its head noun alone is a half match
        tail = stem[len(stem) // 3 :]
        if any(len(w) >= 6 and w[:5] in tail for w in words):
            return 0.5
    return 0.0


def coverage(terms: list[Term], words: set[str]) -> float:
    """Weighted share of ``terms`` found in ``words`` (1.0 when there are no terms)."""
    total = sum(t.weight for t in terms)
    if not total:
        return 1.0
    return sum(t.weight * _match(t.stem, words) for t in terms) / total


def term_coverage(stems: Iterable[str], words: set[str]) -> float:
    """Unweighted share of ``stems`` found in ``words``."""
    stems = list(stems)
    if not stems:
        return 1.0
    return sum(_match(s, words) for s in stems) / len(stems)
