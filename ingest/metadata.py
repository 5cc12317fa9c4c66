"""Document-level metadata: what a filter, a facet or the planner needs to know about a file.

Declared metadata (front matter or a sidecar) always wins; everything else is
read from the text with the shared extractors in :mod:`core` (language,
dates, gazetteer, topics), so ingest and the agents agree on what "Tunesien",
"Bewerbungsfrist" or "Klimaanpassung" mean. Nothing is invented: a field the
text does not support stays empty.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from core.contacts import ARABIC_PHONE_LABELS, PHONE_LABELS
from core.dates import analyse_dates, parse_date_value
from core.gazetteer import extract_places, lookup
from core.language import detect_language
from core.models import DOC_TYPES, Contact, DocMetadata, ParsedDocument
from core.settings import VISIBILITIES, Visibility
from core.topics import find_topics, topic_from_label

logger = logging.getLogger(__name__)

__all__ = [
    "classify_doc_type",
    "extract_contacts",
    "extract_metadata",
    "normalize_doc_type",
    "normalize_visibility",
]

MAX_TITLE_CHARS = 200
#: How much of the body the doc-type cues look at: the opening says what a text is.
DOC_TYPE_WINDOW = 1500

# --------------------------------------------------------------------------- title

_MD_PREFIX = re.compile(r"^\s*(?:#{1,6}\s+|[-*>]\s+|\*\*|__)")
_MD_INLINE = re.compile(r"\*\*|__|`|\[([^\]]*)\]\([^)]*\)")
_UNDERLINE = re.compile(r"^\s*[=\-~_*#]{3,}\s*$")
_TITLE_LABEL = re.compile(r"^\s*(?:title|titel|titre|betreff|subject|objet|الموضوع|العنوان)\s*:\s*", re.IGNORECASE)


def _clean_title(raw: str | None) -> str | None:
    """One line, no Markdown decoration, at most 200 characters (cut at a word)."""
    if not raw:
        return None
    line = " ".join(str(raw).split())
    line = _TITLE_LABEL.sub("", _MD_PREFIX.sub("", line))
    line = _MD_INLINE.sub(lambda m: m.group(1) or "", line).strip(" \"'„“”«»#*_")
    if not line or _UNDERLINE.match(line) or not any(c.isalpha() for c in line):
        return None
    if len(line) > MAX_TITLE_CHARS:
        cut = line[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0]
        line = cut.rstrip(" ,;:-–") + "…"
    return line


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip() and not _UNDERLINE.match(line):
            return line
    return None


def _title(doc: ParsedDocument) -> str:
    """Front matter title > parser title > first heading > first line > file name."""
    candidates: list[str | None] = [_str(doc.front_matter.get("title")), doc.title]
    candidates += [s.heading for s in doc.sections if s.heading][:1]
    candidates += [_first_line(s.text) for s in doc.sections[:1]]
    for cand in candidates:
        cleaned = _clean_title(cand)
        if cleaned:
            return cleaned
    stem = doc.source.replace("\\", "/").rsplit("/", 1)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem or "untitled"


def _str(value: Any) -> str | None:
    return str(value) if value is not None and str(value).strip() else None


# --------------------------------------------------------------------------- doc type

_DOC_TYPE_CUES: dict[str, re.Pattern[str]] = {
    "call": re.compile(
        r"""\b(?:aufruf|förderaufruf|projektaufruf|ausschreibung|\w+ausschreibung|wettbewerbsaufruf
        |interessenbekundungsverfahren
        |call\s+for\s+(?:applications?|proposals?|participation|projects?|expressions?\s+of\s+interest|partners?)
        |open\s+call|calls?\s+for\s+\w+
        |appel\s+(?:à|a)\s+(?:candidatures?|projets?|propositions?|manifestations?\s+d['’]intérêt|participation)
        |convocatoria)\b
        |دعوة\s+(?:لل|إلى\s+ال|الى\s+ال)?(?:مشاركة|تقديم|ترشح|ترشيح)|إعلان\s+عن\s+(?:منح|مسابقة)|طلب\s+(?:عروض
        |مقترحات)""",
        re.IGNORECASE | re.VERBOSE),
    "invitation": re.compile(
        r"""\b(?:einladung|einladungen|laden\s+(?:sie|euch|dich)\s+(?:\w+\s+){0,3}?ein|save\s+the\s+date|invitation
        |invitations
        |(?:we\s+)?(?:cordially\s+)?invite\s+you|vous\s+invit(?:e|ons)|invitación)\b
        |دعوة\s+(?:ل|إلى\s+|الى\s+)?(?:حضور|ال?ورشة|ال?اجتماع|ال?ملتقى|ال?لقاء|ال?مؤتمر|ال?ندوة)|ندعوكم
        |يسرنا\s+دعوتكم""",
        re.IGNORECASE | re.VERBOSE),
    "report": re.compile(
        r"""\b(?:bericht|\w+bericht|dokumentation|\w+dokumentation|ergebnisprotokoll|protokoll|evaluierung|auswertung
        |studie
        |report|reports|documentation|proceedings|minutes|evaluation|study|rapport|compte[\s-]rendu|bilan)\b
        |(?<!\w)(?:[وبل]?ال|[وبل])?(?:تقرير|توثيق|محضر)(?!\w)""",
        re.IGNORECASE | re.VERBOSE),
    "strategy": re.compile(
        r"""\b(?:strategie|\w+strategie|strategiepapier|aktionsplan|handlungskonzept|masterplan|leitbild|leitlinien
        |roadmap|fahrplan
        |strategy|strategies|action\s+plan|stratégie|strategie|plan\s+d['’]action|feuille\s+de\s+route)\b
        |[اإ]ستراتيجي[ةه]|خط[ةه]\s+عمل""",
        re.IGNORECASE | re.VERBOSE),
    "news": re.compile(
        r"""\b(?:meldung|pressemitteilung|presseinformation|nachrichten|neuigkeiten|aktuelles|news|newsletter
        |press\s+release
        |actualités?|communiqué(?:\s+de\s+presse)?|breve|brève)\b
        |(?<!\w)(?:ال)?[أا]خبار(?!\w)|(?<!\w)(?:ال)?خبر(?!\w)|بيان\s+صحفي""",
        re.IGNORECASE | re.VERBOSE),
}
# Internal notes are "other", and a title saying so overrides cue words in it ("Vermerk: Aufruf 2026").
_MEMO_CUES = re.compile(
    r"\b(?:vermerk|aktenvermerk|notiz|aktennotiz|gesprächsnotiz|memo|memorandum|note\s+interne|note\s+de\s+service|"
    r"ergebnisvermerk|sitzungsvermerk|internal\s+note|note\s+to\s+file|briefing\s+note)\b|مذكرة",
    re.IGNORECASE,
)
# A dated byline at the top ("Veröffentlicht am 14. Juni 2023", "Published: 18 March 2025") is how news items open.
_NEWS_BYLINE = re.compile(
    r"^\s*(?:veröffentlicht\s+am|published(?:\s+on)?\s*:?|publié\s+le|نُ?شر\s+(?:في|بتاريخ))\s*\S",
    re.IGNORECASE | re.MULTILINE,
)
# "München, 15. September 2025" opening the text: a dated dispatch (news) unless other cues say otherwise.
_DATELINE = re.compile(r"^\s*[A-ZÄÖÜ][\w.\- ]{1,40}?,\s*(?:den\s+|le\s+)?\d{1,2}(?:\.|er)?\s", re.MULTILINE)
# On equal body scores, the more specific type wins: a call's text mentions reports, not vice versa.
_TYPE_PRIORITY = ("other", "call", "invitation", "strategy", "report", "news")
_DOC_TYPE_SYNONYMS: dict[str, str] = {
    "call": "call", "aufruf": "call", "ausschreibung": "call", "appel": "call", "appel à candidatures": "call",
    "call for applications": "call", "call for proposals": "call", "funding call": "call", "دعوة للمشاركة": "call",
    "invitation": "invitation", "einladung": "invitation", "event": "invitation", "save the date": "invitation",
    "دعوة": "invitation",
    "report": "report", "bericht": "report", "dokumentation": "report", "documentation": "report", "rapport": "report",
    "protokoll": "report", "minutes": "report", "تقرير": "report",
    "news": "news", "meldung": "news", "pressemitteilung": "news", "press release": "news", "actualité": "news",
    "actualites": "news", "actualités": "news", "أخبار": "news", "خبر": "news",
    "strategy": "strategy", "strategie": "strategy", "stratégie": "strategy", "استراتيجية": "strategy",
    "other": "other", "sonstiges": "other", "memo": "other",
}


def normalize_doc_type(value: Any) -> str | None:
    """A declared doc type in any language → one of DOC_TYPES, else None."""
    if value is None:
        return None
    key = " ".join(str(value).strip().lower().split())
    if key in DOC_TYPES:
        return key
    return _DOC_TYPE_SYNONYMS.get(key)


def _title_type(title: str) -> str | None:
    """The type whose cue comes first in the title ("Einladung zur Vorstellung des Berichts" → invitation)."""
    best: tuple[int, int, str] | None = None
    memo = _MEMO_CUES.search(title)
    if memo:
        best = (memo.start(), 0, "other")
    for kind, rx in _DOC_TYPE_CUES.items():
        m = rx.search(title)
        if m:
            cand = (m.start(), _TYPE_PRIORITY.index(kind), kind)
            best = cand if best is None or cand < best else best
    return best[2] if best else None


def _body_type(text: str) -> str | None:
    """Most cue weight in the opening; cues in the first 300 characters count triple."""
    window = text[:DOC_TYPE_WINDOW]
    scores: dict[str, float] = {}
    for kind, rx in _DOC_TYPE_CUES.items():
        for m in rx.finditer(window):
            scores[kind] = scores.get(kind, 0.0) + (3.0 if m.start() < 300 else 1.0)
    for _m in _MEMO_CUES.finditer(window[:300]):
        scores["other"] = scores.get("other", 0.0) + 3.0
    if _NEWS_BYLINE.search(window[:300]):
        scores["news"] = scores.get("news", 0.0) + 4.0
    elif _DATELINE.search(window[:200]):
        scores["news"] = scores.get("news", 0.0) + 2.0
    if not scores:
        return None
    return max(scores, key=lambda k: (scores[k], -_TYPE_PRIORITY.index(k)))


def classify_doc_type(title: str, text: str) -> str:
    """call, invitation, report, news, strategy or other: title cues first, then the opening of the body."""
    return _title_type(title) or _body_type(text) or "other"


# --------------------------------------------------------------------------- visibility

_VISIBILITY_SYNONYMS: dict[str, Visibility] = {
    "public": "public", "öffentlich": "public", "oeffentlich": "public", "offentlich": "public", "public ": "public",
    "publique": "public", "open": "public", "offen": "public", "عام": "public",
    "members": "members", "member": "members", "mitglieder": "members", "mitglied": "members",
    "nur mitglieder": "members",
    "membres": "members", "network": "members", "netzwerk": "members", "أعضاء": "members",
    "internal": "internal", "intern": "internal", "interne": "internal", "vertraulich": "internal",
    "confidential": "internal",
    "restricted": "internal", "داخلي": "internal",
}


def normalize_visibility(value: Any) -> Visibility | None:
    """public / members / internal from a declared value in English, German or French; None if unknown."""
    if value is None:
        return None
    key = " ".join(str(value).strip().lower().split())
    if key in VISIBILITIES:
        return key  # type: ignore[return-value]
    return _VISIBILITY_SYNONYMS.get(key)


def _visibility(front_matter: dict[str, Any], default: str) -> Visibility:
    declared = front_matter.get("visibility", front_matter.get("sichtbarkeit"))
    vis = normalize_visibility(declared)
    if declared is not None and vis is None:
        logger.warning("unknown visibility %r; using %r", declared, default)
    if vis is not None:
        return vis
    fallback = normalize_visibility(default)
    return fallback or "internal"


# --------------------------------------------------------------------------- contacts

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+(?:@|\s?[\[(]at[\])]\s?)[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?![\w-])")
_PHONE_CUED = re.compile(
    rf"(?:\b(?:{PHONE_LABELS})\.?|{ARABIC_PHONE_LABELS})\s*:?\s*"
    r"(?P<num>\+?\(?\d[\d\s()./-]{5,}\d)",
    re.IGNORECASE,
)
_PHONE_INTL = re.compile(r"(?<![\w+])(?P<num>\+\d{1,3}[\s./-]?\(?\d[\d\s()./-]{5,}\d)")
# Only lines with one of these can hold an address or a phone number as matched below.
_CONTACT_HINT = re.compile(
    rf"@|\((?:at)\)|\[at\]|\+\d|\b(?:{PHONE_LABELS})\b|{ARABIC_PHONE_LABELS}",
    re.IGNORECASE
)
_BLOCK_SPLIT = re.compile(r"\n\s*\n")
_NAME_TITLE = r"(?:Dr\.|Prof\.|Dipl\.-\w+\.?|Frau|Herr|Mr\.?|Mrs\.?|Ms\.?|Mme|M\.|Mlle|Eng\.|Ing\.)"
_PERSON = re.compile(
    rf"(?:{_NAME_TITLE}\s+)*[A-ZÄÖÜÉ][\w'’.-]+"
    rf"(?:\s+(?:de|da|van|von|der|el|al|ben|bin|du|dos|le|la)?\s*[A-ZÄÖÜÉ][\w'’-]+){{1,3}}"
)
_ORG_WORDS = re.compile(
    r"\b(?:stadt|landeshauptstadt|gemeinde|kommune|kreis|amt|referat|büro|dezernat|fachbereich|abteilung|servicestelle|"
    r"ministerium|universität|hochschule|gmbh|e\.\s?v\.|ag|stiftung|verband|agentur|feuerwehr|stadtwerke|rathaus|"
    r"city|municipality|council|county|ministry|university|agency|office|department|secretariat|foundation|association|"
    r"network|programme|program|utility|company|ltd|authority|corporation|brigade|institute|institut|centre|center|"
    r"prefeitura|ayuntamiento|municipio|municipalidad|alcaldía|gobierno|secretaría|"
    r"ville|commune|municipalité|mairie|ministère|université|agence|bureau|direction|office|"
    r"giz|engagement\s+global|skew|iclei|uclg|connective\s+cities)\b|بلدية|وزارة|جامعة|مديرية|دائرة|مكتب|أمانة",
    re.IGNORECASE,
)
_SEGMENT_SPLIT = re.compile(r"\s*(?:[,;|•·–—،؛]|\s-\s|:\s|\(|\))\s*")
# A job title is neither a name nor an organisation ("chargée de programme Afrique francophone").
_ROLE = re.compile(
    r"^(?:chargée?|responsable|coordinat(?:eur|rice|or|orin)|koordinator(?:in)?|leiter(?:in)?|referent(?:in)?|"
    r"sachbearbeiter(?:in)?|projektleiter(?:in)?|manager(?:in)?|officer|director|directrice|directeur|head\s+of|"
    r"advisor|adviser|berater(?:in)?|programme\s+manager|project\s+manager|"
    r"مدير|مديرة|منسق|منسقة|رئيس|رئيسة|مسؤول|مسؤولة)\b",
    re.IGNORECASE,
)
_ARABIC_WORD = re.compile(r"^[\u0600-\u06ff]+$")
_CONTACT_LABEL = re.compile(
    r"^(?:kontakt|ansprechpartner(?:in)?|contact|contacts|e-?mail|mail|tel\.?|telefon|phone|fax|web|www|"
    r"für\s+rückfragen|rückfragen|contact\s+person|personne\s+de\s+contact|renseignements|"
    r"للتواصل|للاستفسار|البريد الإلكتروني)\b",
    re.IGNORECASE,
)


def _clean_phone(raw: str) -> str | None:
    num = raw.strip(" .-/()")
    digits = sum(c.isdigit() for c in num)
    return num if 6 <= digits <= 16 else None


def _line_segments(line: str, spans: Iterable[tuple[int, int]]) -> list[str]:
    """The line without e-mails and phone numbers, cut into separator-delimited pieces."""
    keep = []
    last = 0
    for s, e in sorted(spans):
        keep.append(line[last:s])
        keep.append(" | ")
        last = e
    keep.append(line[last:])
    text = "".join(keep)
    return [seg.strip() for seg in _SEGMENT_SPLIT.split(text) if seg and seg.strip()]


def _name_and_org(segments: list[str]) -> tuple[str | None, str | None]:
    name = org = None
    for seg in segments:
        seg = _CONTACT_LABEL.sub("", seg).strip(" :.-")
        if not seg or not any(c.isalpha() for c in seg):
            continue
        if _ROLE.match(seg):
            continue
        if org is None and _ORG_WORDS.search(seg):
            org = seg[:150]
            continue
        if name is None:
            words = seg.split()
            if (_PERSON.fullmatch(seg) and len(words) <= 6) or (
                2 <= len(words) <= 4 and all(_ARABIC_WORD.match(w) for w in words)
            ):
                name = seg
    return name, org


def _line_contacts(line: str) -> tuple[list[str], list[str], str | None, str | None]:
    """(e-mails, phones, name, organisation) published on one line."""
    emails = list(_EMAIL.finditer(line))
    email_spans = [m.span() for m in emails]
    phones = list(_PHONE_CUED.finditer(line))
    phone_spans = [m.span() for m in phones]
    for m in _PHONE_INTL.finditer(line):
        if not any(s <= m.start() < e for s, e in [*phone_spans, *email_spans]):
            phones.append(m)
            phone_spans.append(m.span())
    phone_values = [p for p in (_clean_phone(m.group("num")) for m in phones) if p]
    email_values = [re.sub(r"\s?[\[(]at[\])]\s?", "@", m.group(0), flags=re.IGNORECASE) for m in emails]
    name, org = _name_and_org(_line_segments(line, [*email_spans, *phone_spans]))
    return email_values, phone_values, name, org


def extract_contacts(text: str) -> list[Contact]:
    """E-mail addresses and phone numbers as published, with the name/organisation next to them.

    The name and organisation come from the same line; when that line holds
    only the address ("Kontakt" blocks: name line, e-mail line, phone line),
    from the line right above it in the same block. A phone line right after
    an e-mail line belongs to the same contact. Nothing is looked up or guessed.
    """
    contacts: list[Contact] = []
    seen: set[str] = set()
    for block in _BLOCK_SPLIT.split(text):
        if not _CONTACT_HINT.search(block):
            continue
        above: list[str] = []  # lines without contact data right above the current one
        last: Contact | None = None  # contact of the previous line, may take the phone of this one
        for line in block.splitlines():
            if not line.strip():
                continue
            emails, phones, name, org = _line_contacts(line) if _CONTACT_HINT.search(line) else ([], [], None, None)
            if not emails and not phones:
                above.append(line)
                last = None
                continue
            if name is None or org is None:
                # closest lines first: "Name, Rolle" / "Organisation" / "e-mail" blocks
                segs = [seg for ln in reversed(above[-2:]) for seg in _line_segments(ln, [])]
                a_name, a_org = _name_and_org(segs) if segs else (None, None)
                name, org = name or a_name, org or a_org
            above = []
            if not emails and last is not None and last.phone is None and phones:
                updated = last.model_copy(update={"phone": phones[0]})
                contacts[contacts.index(last)] = updated
                last = None
                continue
            created: Contact | None = None
            for i, email in enumerate(emails):
                if email.lower() in seen:
                    continue
                seen.add(email.lower())
                phone = phones[i] if i < len(phones) else None
                created = Contact(name=name, email=email, phone=phone, organisation=org)
                contacts.append(created)
            if not emails:
                for phone in phones:
                    if phone in seen:
                        continue
                    seen.add(phone)
                    created = Contact(name=name, phone=phone, organisation=org)
                    contacts.append(created)
            last = created if created is not None and created.email is not None else None
    return contacts


# --------------------------------------------------------------------------- front matter lists


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[,;]", value) if v.strip()]
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value)]


def _merge(first: Iterable[str], second: Iterable[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))


def _declared_places(front_matter: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Cities/countries declared in front matter, canonicalised through the gazetteer when known."""
    cities: list[str] = []
    countries: list[str] = []
    regions: list[str] = []
    declared = [name for key in ("cities", "countries", "places") for name in _as_list(front_matter.get(key))]
    for name in declared:
        place = lookup(name)
        if place is None:
            # declared but unknown to the gazetteer: keep as written, in the field it was declared in
            if name in _as_list(front_matter.get("countries")):
                countries.append(name)
            else:
                cities.append(name)
            continue
        if place.kind == "city":
            cities.append(place.name)
        countries.append(place.country)
        regions.append(place.region)
    return cities, countries, regions


def _declared_topics(front_matter: dict[str, Any]) -> list[str]:
    out = []
    for label in _as_list(front_matter.get("topics", front_matter.get("themen"))):
        slug = topic_from_label(label.replace("_", " "))
        if slug:
            out.append(slug)
        else:
            logger.debug("declared topic %r is not in the vocabulary", label)
    return out


# --------------------------------------------------------------------------- entry point


def _full_text(doc: ParsedDocument) -> str:
    """Section texts with their headings: "TOP 7: Partnerschaft Hamburg – Mombasa" names places too."""
    parts: list[str] = []
    heading: str | None = None
    for section in doc.sections:
        if section.heading and section.heading != heading and section.heading not in section.text[:200]:
            parts.append(section.heading)
        heading = section.heading
        if section.text.strip():
            parts.append(section.text)
    return "\n\n".join(parts)


def extract_metadata(doc: ParsedDocument, *, doc_id: str, content_hash: str, default_visibility: str) -> DocMetadata:
    """All document-level metadata of a parsed document (declared values win over extracted ones)."""
    fm = doc.front_matter or {}
    title = _title(doc)
    text = _full_text(doc)
    body_and_title = f"{title}\n\n{text}" if not text.startswith(title) else text

    doc_type = normalize_doc_type(fm.get("doc_type", fm.get("type", fm.get("typ")))) or classify_doc_type(title, text)
    language = str(fm.get("language") or fm.get("lang") or "").strip().lower()[:3] or detect_language(body_and_title)

    dates = analyse_dates(text, language, fm)
    deadlines = list(dates.deadlines)
    declared_deadline = parse_date_value(fm.get("deadline", fm.get("frist")))
    if declared_deadline is not None and declared_deadline not in deadlines:
        deadlines = sorted([*deadlines, declared_deadline])
    deadline = declared_deadline
    if deadline is None and doc_type in ("call", "invitation") and deadlines:
        deadline = deadlines[0]

    cities, countries, regions = extract_places(body_and_title)
    d_cities, d_countries, d_regions = _declared_places(fm)
    topics = _merge(_declared_topics(fm), find_topics(body_and_title))

    return DocMetadata(
        doc_id=doc_id,
        source=doc.source,
        title=title,
        doc_type=doc_type,
        language=language,
        published=dates.published,
        deadline=deadline,
        deadlines=deadlines,
        event_dates=[d for d in dates.events if d not in set(deadlines)],
        cities=_merge(d_cities, cities),
        countries=_merge(d_countries, countries),
        regions=_merge(d_regions, regions),
        topics=topics,
        visibility=_visibility(fm, default_visibility),
        contacts=extract_contacts(doc.text),
        format=doc.format,
        content_hash=content_hash,
    )
