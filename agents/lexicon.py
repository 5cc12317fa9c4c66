"""Multilingual words the agents react to or write: cue words, time phrases, refusals, headings.

Kept as data in one module so the planner (reading cues), the researcher
(adding document-language key terms) and the synthesizer/grounding (writing
refusals and notes) agree on the same vocabulary, and a new language is one
edit. Cue phrases are matched on :func:`core.language.fold`-ed text with word
boundaries, so ``Städte`` / ``stadte`` and ``délai`` / ``delai`` are the same.
"""

from __future__ import annotations

import re
from functools import lru_cache

from core.language import fold, is_arabic

__all__ = [
    "COUNTED",
    "CUES",
    "EXPANSIONS",
    "EXPIRED_NOTE",
    "FACTSHEET_QUERIES",
    "LANGUAGE_NAMES",
    "LIST_LEAD",
    "NO_OPEN_CALLS",
    "QUESTION_GROUPS",
    "REFUSAL",
    "SECTION_HEADINGS",
    "TIME_PHRASES",
    "cue_groups",
    "has_cue",
    "strip_cues",
    "text_for",
]

# Cue groups → phrases in de / en / fr / ar (any language matches any question: people mix).
CUES: dict[str, list[str]] = {
    "deadline": [
        "frist", "fristen", "bewerbungsfrist", "einreichungsfrist", "antragsfrist", "einsendeschluss",
        "anmeldeschluss", "bewerbungsschluss", "stichtag", "bis wann", "bewerben", "bewerbung", "einreichen",
        "antrag stellen", "ablauf der frist", "endet", "enden", "lauft ab", "schliesst",
        "deadline", "deadlines", "apply", "application", "applications", "due date", "submit", "submission",
        "closing date", "register by", "by when", "close", "closes", "closing",
        "date limite", "delai", "delais", "candidature", "candidatures", "candidater", "postuler", "soumettre",
        "jusqu'a quand", "echeance", "cloture", "se termine",
        "الموعد النهائي", "آخر موعد", "اخر موعد", "موعد تقديم", "تقديم", "تقديم الطلبات", "مهلة",
    ],
    "call": [
        "ausschreibung", "ausschreibungen", "aufruf", "aufrufe", "forderaufruf", "wettbewerb", "forderprogramm",
        "call", "calls", "call for", "funding call", "tender",
        "appel", "appels", "appel a projets", "appel a candidatures",
        "دعوة لتقديم", "دعوات", "دعوات لتقديم", "منحة", "مسابقة",
    ],
    "event": [
        "einladung", "veranstaltung", "veranstaltungen", "workshop", "workshops", "konferenz", "tagung",
        "netzwerktreffen", "anmeldung", "anmelden", "seminar", "webinar",
        "invitation", "event", "events", "conference", "meeting", "registration", "register",
        "atelier", "conference", "rencontre", "inscription", "s'inscrire",
        "دعوة", "ورشة", "ورشة عمل", "مؤتمر", "فعالية", "التسجيل",
    ],
    "open": [
        "offen", "offene", "offenen", "noch", "laufend", "laufende", "aktuell", "aktuelle", "derzeit", "zurzeit",
        "momentan", "nicht abgelaufen",
        "open", "still", "currently", "current", "upcoming", "ongoing", "not expired",
        "ouvert", "ouverte", "ouverts", "ouvertes", "encore", "en cours", "actuellement", "actuels", "actuelles",
        "مفتوح", "مفتوحة", "لا يزال", "لا تزال", "حاليا", "الحالية", "الحالي",
    ],
    "places": [
        "welche stadte", "welche kommunen", "welche partnerstadte", "welche partnerkommunen", "welche lander",
        "welche orte", "in welchen stadten", "in welchen kommunen", "in welchen landern", "welche deutschen stadte",
        "welchen stadten", "welche stadte und",
        "which cities", "what cities", "which municipalities", "which towns", "which partner cities",
        "which countries", "in which cities", "in which countries", "which german cities", "list the cities",
        "quelles villes", "quelles communes", "quels pays", "dans quelles villes", "quelles collectivites",
        "ما هي المدن", "أي المدن", "اي المدن", "ما المدن", "أي مدن", "اي مدن", "أي الدول", "اي الدول",
        "ما هي الدول", "ما هي البلدان",
    ],
    "list": [
        "liste", "auflisten", "alle", "welche ausschreibungen", "welche aufrufe", "welche veranstaltungen",
        "welche projekte", "list", "list all", "which calls", "what calls", "which events", "which projects",
        "quels appels", "quels projets", "quels evenements", "lister", "قائمة", "ما هي الدعوات", "ما هي المشاريع",
    ],
    "factsheet": [
        "steckbrief", "faktenblatt", "fact sheet", "factsheet", "fiche", "fiche d'information", "ورقة حقائق", "نبذة",
    ],
    "contact": [
        "kontakt", "kontaktperson", "ansprechpartner", "ansprechpartnerin", "ansprechperson", "e-mail", "email",
        "telefon", "an wen", "wen kann", "zustandig", "zustandige",
        "contact", "contact person", "who can i", "whom", "phone", "responsible",
        "a qui", "courriel", "responsable", "interlocuteur", "interlocutrice", "adresse", "address",
        "جهة الاتصال", "الاتصال", "تواصل", "البريد الإلكتروني", "المسؤول",
    ],
    "howmuch": [
        "wie viel", "wie viele", "wie vielen", "wie hoch", "wie gross", "wie lang", "anzahl", "geld", "welchen wert",
        "auf welchen wert", "what value", "what level", "quelle valeur", "how much", "how many",
        "how large", "how long", "number of", "money", "combien", "quel montant", "argent", "كم", "عدد",
    ],
    "figures": [
        "budget", "betrag", "prozent", "euro", "fordersumme", "amount", "funding", "percent", "montant",
        "pourcentage", "ميزانية", "مبلغ",
    ],
    "activity": [
        "besuch", "besuche", "delegation", "austausch", "reise", "hospitation", "kooperation", "zusammenarbeit",
        "visit", "visits", "exchange", "exchanges", "cooperation", "study tour",
        "visite", "visites", "echange", "echanges", "cooperation",
        "زيارة", "تبادل", "تعاون", "وفد",
    ],
    "report": [
        "bericht", "berichte", "dokumentation", "protokoll", "report", "reports", "documentation", "minutes",
        "rapport", "rapports", "compte rendu", "تقرير", "تقارير",
    ],
    "when": ["wann", "when", "quand", "متى", "an welchem tag", "what date", "quelle date"],
    "published": ["veroffentlicht", "erschienen", "published", "publie", "publiee", "نشر", "نشرت"],
}

# Key terms added to a reformulated query, in the documents' language, per cue group.
EXPANSIONS: dict[str, dict[str, str]] = {
    "deadline": {"de": "Frist Bewerbungsfrist", "en": "deadline application", "fr": "date limite candidature",
                 "ar": "الموعد النهائي"},
    "call": {"de": "Ausschreibung Aufruf", "en": "call for applications", "fr": "appel à candidatures",
             "ar": "دعوة لتقديم"},
    "event": {"de": "Veranstaltung Anmeldung", "en": "event registration", "fr": "événement inscription",
              "ar": "فعالية التسجيل"},
    "places": {"de": "Städte Kommunen Partnerstadt", "en": "cities municipalities partner city",
               "fr": "villes communes", "ar": "المدن"},
    "contact": {"de": "Kontakt Ansprechpartnerin", "en": "contact", "fr": "contact", "ar": "الاتصال"},
    "figures": {"de": "Budget Euro", "en": "budget euro", "fr": "budget euros", "ar": "ميزانية"},
    "activity": {"de": "Besuch Delegation Austausch", "en": "visit delegation exchange",
                 "fr": "visite délégation échange", "ar": "زيارة وفد تبادل"},
}

# What a "how many" question counts → folded word prefixes in de / en / fr: "How many participants …?" is
# answered by "32 Teilnehmende …" in a German report, which shares no other word with the question.
COUNTED: dict[str, tuple[str, ...]] = {
    "people": ("teilnehm", "participant", "personen", "people", "persons", "personnes", "menschen", "besucher",
               "visitors", "visiteurs"),
    "households": ("haushalt", "household", "menage"),
    "volunteers": ("freiwillig", "ehrenamtlich", "volunteer", "benevole"),
    "trees": ("baum", "tree", "arbre"),
    "apprentices": ("auszubildend", "apprentice", "apprenti"),
    "homes": ("wohnung", "apartment", "logement"),
}

# Time phrases (folded regex fragments); ``{y}`` stands for a four-digit year.
TIME_PHRASES: dict[str, list[str]] = {
    "between": [r"zwischen {y} und {y}", r"von {y} bis {y}", r"{y}\s*[-–]\s*{y}", r"between {y} and {y}",
                r"from {y} to {y}", r"from {y} until {y}", r"entre {y} et {y}", r"de {y} a {y}", r"بين {y} و\s*{y}"],
    "since": [r"seit {y}", r"ab {y}", r"nach {y}", r"since {y}", r"after {y}", r"from {y}", r"depuis {y}",
              r"a partir de {y}", r"apres {y}", r"منذ {y}", r"بعد {y}"],
    "until": [r"bis {y}", r"vor {y}", r"until {y}", r"before {y}", r"up to {y}", r"avant {y}", r"jusqu'en {y}",
              r"قبل {y}", r"حتى {y}"],
    "in_year": [r"(?:im|in) (?:jahr |jahre )?{y}", r"in (?:the year )?{y}", r"during {y}", r"en {y}",
                r"au cours de (?:l'annee )?{y}", r"pendant {y}", r"(?:في|عام|سنة) {y}"],
    "last_year": [r"letztes jahr", r"letzten jahr", r"vergangenen jahr", r"vorjahr", r"last year", r"past year",
                  r"previous year", r"l'annee derniere", r"l'an dernier", r"العام الماضي", r"السنة الماضية"],
    "this_year": [r"dieses jahr", r"diesem jahr", r"this year", r"cette annee", r"هذا العام", r"هذه السنة"],
    "next_year": [r"nachstes jahr", r"nachsten jahr", r"next year", r"l'annee prochaine", r"العام المقبل",
                  r"العام القادم"],
}

REFUSAL: dict[str, str] = {
    "de": "Dazu steht nichts in den vorliegenden Dokumenten.",
    "en": "The documents do not say.",
    "fr": "Les documents disponibles ne le disent pas.",
    "ar": "لا تذكر الوثائق المتاحة ذلك.",
}

NO_OPEN_CALLS: dict[str, str] = {
    "de": "In den vorliegenden Dokumenten ist keine noch offene Frist genannt.",
    "en": "The documents name no deadline that is still open.",
    "fr": "Les documents ne mentionnent aucune échéance encore ouverte.",
    "ar": "لا تذكر الوثائق أي موعد نهائي لا يزال مفتوحًا.",
}

EXPIRED_NOTE: dict[str, str] = {
    "de": "Frist abgelaufen",
    "en": "deadline passed",
    "fr": "délai expiré",
    "ar": "انتهى الموعد النهائي",
}

LIST_LEAD: dict[str, str] = {
    "de": "Genannt werden",
    "en": "The documents name",
    "fr": "Les documents citent",
    "ar": "تذكر الوثائق",
}

SECTION_HEADINGS: dict[str, dict[str, str]] = {
    "de": {"summary": "Zusammenfassung", "facts": "Wichtige Fakten und Zahlen",
           "activities": "Aktivitäten und Austausch", "calls": "Offene Ausschreibungen und Fristen",
           "contacts": "Kontakte", "sources": "Quellen", "title": "Faktenblatt"},
    "en": {"summary": "Summary", "facts": "Key facts and figures", "activities": "Activities and exchanges",
           "calls": "Open calls and deadlines", "contacts": "Contacts", "sources": "Sources", "title": "Fact sheet"},
    "fr": {"summary": "Résumé", "facts": "Faits et chiffres clés", "activities": "Activités et échanges",
           "calls": "Appels ouverts et échéances", "contacts": "Contacts", "sources": "Sources",
           "title": "Fiche d'information"},
    "ar": {"summary": "ملخص", "facts": "حقائق وأرقام رئيسية", "activities": "الأنشطة والتبادلات",
           "calls": "الدعوات المفتوحة والمواعيد النهائية", "contacts": "جهات الاتصال", "sources": "المصادر",
           "title": "ورقة حقائق"},
}

# Search phrasing per fact-sheet section (``{topic}`` is replaced), in the topic's language.
FACTSHEET_QUERIES: dict[str, dict[str, str]] = {
    "summary": {"de": "{topic}", "en": "{topic}", "fr": "{topic}", "ar": "{topic}"},
    "facts": {"de": "{topic} Zahlen Budget Euro Prozent Teilnehmende", "en": "{topic} figures budget euro percent",
              "fr": "{topic} chiffres budget euros", "ar": "{topic} أرقام ميزانية"},
    "activities": {"de": "{topic} Austausch Besuch Delegation Workshop Partnerstadt",
                   "en": "{topic} exchange visit delegation workshop partner city",
                   "fr": "{topic} échange visite délégation atelier", "ar": "{topic} تبادل زيارة وفد ورشة"},
    "calls": {"de": "{topic} Ausschreibung Bewerbungsfrist", "en": "{topic} call for applications deadline",
              "fr": "{topic} appel à candidatures date limite", "ar": "{topic} دعوة الموعد النهائي"},
    "contacts": {"de": "{topic} Kontakt Ansprechpartnerin E-Mail", "en": "{topic} contact email",
                 "fr": "{topic} contact courriel", "ar": "{topic} جهة الاتصال البريد"},
}

LANGUAGE_NAMES: dict[str, str] = {"de": "German", "en": "English", "fr": "French", "ar": "Arabic"}


def text_for(table: dict[str, str], lang: str) -> str:
    """The entry for ``lang``; English for languages without their own entry."""
    return table.get(lang) or table["en"]


_ARABIC_PREFIXES = ("", "ال", "و", "وال", "ب", "بال", "ل", "لل")


def _variants(phrase: str) -> set[str]:
    """The folded phrase; Arabic words also with the article and the clitics written onto them."""
    folded = fold(phrase)
    if not is_arabic(folded):
        return {folded}
    first, _, rest = folded.partition(" ")
    return {f"{prefix}{first} {rest}".strip() for prefix in _ARABIC_PREFIXES}


@lru_cache(maxsize=64)
def _pattern(group: str) -> re.Pattern[str]:
    phrases = sorted({v for p in CUES[group] for v in _variants(p)}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")


def has_cue(folded_text: str, group: str) -> bool:
    """Whether a cue phrase of ``group`` occurs in already folded text."""
    return _pattern(group).search(folded_text) is not None


def cue_groups(text: str) -> list[str]:
    """All cue groups found in ``text`` (folded here)."""
    folded = fold(text)
    return [group for group in CUES if has_cue(folded, group)]


# Cue groups that say what kind of answer is wanted, not what it is about: the judge checks them through
# filters and intent checks (a date, a number, an address), so they do not count as the question's subject.
QUESTION_GROUPS = ("deadline", "open", "places", "list", "when", "published", "contact", "howmuch")


def strip_cues(text: str, groups: tuple[str, ...] = QUESTION_GROUPS) -> str:
    """``text`` folded, with the cue phrases of ``groups`` blanked out: what is left is the question's subject."""
    folded = fold(text)
    for group in groups:
        folded = _pattern(group).sub(" ", folded)
    return folded
