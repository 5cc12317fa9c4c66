"""Deterministic generator of programme-like documents for the ingest and search benchmarks.

The sample corpus (``corpus/``, ~35 documents) is far too small to measure throughput at 1k-50k chunks,
and real programme material cannot be shipped. This module writes documents that *look* like the
programme's: German, English and French calls for proposals, workshop reports, invitations, news items
and strategy notes between German and partner cities, with datelines, event dates, deadlines ("7. Februar
2026", "07.02.2026", "7 February 2026", "7 février 2026"), topics, budgets and contacts, in the formats
ingest meets in practice (Markdown with front matter, plain text, HTML with site boilerplate, DOCX with
headings, PDF with headers/footers), some with a ``.meta.yaml`` sidecar. What matters for the benchmarks
is that parsing, metadata extraction, chunking and the encoder see realistic sizes and languages, so
the per-stage split and the encoder's share of the time resemble real ingest.

Everything is drawn from ``random.Random(seed)``: the same seed and size give the same texts (PDF and
DOCX carry fixed timestamps), so document ids and chunk ids are stable between runs.

    python bench/corpus_gen.py /tmp/gen-10k --chunks 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import math
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FORMATS", "GenDoc", "chunk_texts", "estimate_chunks", "generate_docs", "write_corpus"]

FORMATS = ("md", "txt", "html", "docx", "pdf")
_FORMAT_WEIGHTS = (0.25, 0.15, 0.25, 0.20, 0.15)
_LANG_WEIGHTS = {"de": 0.5, "en": 0.3, "fr": 0.2}
_TYPE_WEIGHTS = {"call": 0.2, "report": 0.3, "invitation": 0.2, "news": 0.2, "strategy": 0.1}
# Characters of body text per chunk at chunk_size=320 tokens (calibrated on generated text with the
# product chunker: ~1,150 chars per chunk in German, ~1,300 in English/French, overlap included).
_CHARS_PER_CHUNK = {"de": 1150, "en": 1300, "fr": 1250}

GERMAN_CITIES = ["Bonn", "Hamburg", "Kiel", "Dortmund", "Freiburg", "Leipzig", "Mannheim", "Jena", "Köln",
                 "München", "Nürnberg", "Dresden", "Potsdam", "Münster", "Bremen", "Hannover", "Karlsruhe",
                 "Erfurt", "Würzburg", "Ludwigsburg"]
PARTNERS = {  # city -> (country de, country en, country fr)
    "Kisumu": ("Kenia", "Kenya", "Kenya"), "Mombasa": ("Kenia", "Kenya", "Kenya"),
    "Kampala": ("Uganda", "Uganda", "Ouganda"), "Accra": ("Ghana", "Ghana", "Ghana"),
    "Windhoek": ("Namibia", "Namibia", "Namibie"), "Tunis": ("Tunesien", "Tunisia", "Tunisie"),
    "Sfax": ("Tunesien", "Tunisia", "Tunisie"), "Agadir": ("Marokko", "Morocco", "Maroc"),
    "Saint-Louis": ("Senegal", "Senegal", "Sénégal"), "Amman": ("Jordanien", "Jordan", "Jordanie"),
    "Irbid": ("Jordanien", "Jordan", "Jordanie"), "Da Nang": ("Vietnam", "Vietnam", "Viêt Nam"),
    "Pune": ("Indien", "India", "Inde"), "Cebu": ("Philippinen", "Philippines", "Philippines"),
    "Belo Horizonte": ("Brasilien", "Brazil", "Brésil"), "Curitiba": ("Brasilien", "Brazil", "Brésil"),
    "Querétaro": ("Mexiko", "Mexico", "Mexique"), "Cuenca": ("Ecuador", "Ecuador", "Équateur"),
    "Dakar": ("Senegal", "Senegal", "Sénégal"), "Moshi": ("Tansania", "Tanzania", "Tanzanie"),
}
TOPICS = {  # key -> (de, en, fr)
    "climate_adaptation": ("Klimaanpassung", "climate adaptation", "l'adaptation au climat"),
    "urban_green": ("Stadtgrün", "urban green space", "les espaces verts urbains"),
    "nature_based_solutions": ("naturbasierte Lösungen", "nature-based solutions", "les solutions fondées sur la nature"),
    "waste_circular_economy": ("Kreislaufwirtschaft", "the circular economy", "l'économie circulaire"),
    "water_wastewater": ("Wasserversorgung und Abwasser", "water supply and wastewater", "l'eau et l'assainissement"),
    "fire_disaster_risk": ("Katastrophenschutz", "disaster risk management", "la gestion des risques de catastrophe"),
    "digitalisation_ai": ("Digitalisierung der Verwaltung", "digital administration", "la numérisation de l'administration"),
    "housing": ("bezahlbares Wohnen", "affordable housing", "le logement abordable"),
    "green_hydrogen": ("grüner Wasserstoff", "green hydrogen", "l'hydrogène vert"),
    "local_economic_development": ("lokale Wirtschaftsförderung", "local economic development", "le développement économique local"),
}
PEOPLE = ["Dr. Lena Brandt", "Jonas Weber", "Amina Odhiambo", "Samuel Mensah", "Claire Dubois", "Youssef Haddad",
          "Nguyen Thi Mai", "Priya Deshpande", "Ana Souza", "Miguel Ortega", "Fatou Diop", "Katrin Vogel",
          "Moritz Schuster", "Grace Nakato", "Rania Khoury", "Thomas Keller"]
MONTHS = {
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
}

# Sentence templates per language. Slots: {g} German city, {p} partner city, {c} partner country,
# {t} topic, {t2} second topic, {d} a date, {n} a small number, {m} an amount, {y} a year, {who} a person.
SENTENCES = {
    "de": [
        "Die Partnerschaft zwischen {g} und {p} ({c}) arbeitet seit {y} am Thema {t}.",
        "Im Mittelpunkt stand die Frage, wie Kommunen {t} mit knappen Mitteln voranbringen können.",
        "Vertreterinnen und Vertreter aus {n} Städten tauschten Erfahrungen zu {t} und {t2} aus.",
        "Die Delegation aus {p} besuchte dabei Pilotprojekte in {g} und sprach mit der Stadtverwaltung.",
        "Für das Vorhaben stehen insgesamt {m} Euro zur Verfügung, die Eigenleistung beträgt zehn Prozent.",
        "Ein zentrales Ergebnis ist ein gemeinsamer Aktionsplan, der bis {d} abgestimmt werden soll.",
        "Die Fachleute aus {g} berichteten von Erfahrungen mit Beteiligungsverfahren und Förderanträgen.",
        "In {p} wurden {n} Maßnahmen identifiziert, die kurzfristig umgesetzt werden können.",
        "Die Teilnehmenden betonten, dass {t} nur gelingt, wenn Verwaltung, Politik und Zivilgesellschaft zusammenarbeiten.",
        "Besonders gelobt wurde der offene Austausch zwischen den Fachämtern beider Städte.",
        "Als nächster Schritt ist ein Gegenbesuch in {g} im Herbst {y} geplant.",
        "Die Ergebnisse werden in einer Handreichung für andere Partnerschaften zusammengefasst.",
        "Die Stadt {p} hat im vergangenen Jahr einen eigenen Haushaltsposten für {t} eingerichtet.",
        "Bei einer Exkursion wurden Beispiele aus der Praxis vorgestellt, etwa Regenrückhaltebecken und begrünte Dächer.",
        "Die Servicestelle unterstützt die Kommunen bei der Antragstellung und der Abrechnung.",
        "Rückfragen beantwortet {who} per E-Mail unter {mail}.",
        "Die Veranstaltung fand am {d} im Rathaus von {g} statt.",
        "Insgesamt nahmen {n} Personen aus Verwaltung, Wissenschaft und Zivilgesellschaft teil.",
        "Die Partnerstädte vereinbarten, Daten zu {t2} künftig regelmäßig auszutauschen.",
        "Ein Mitarbeiter der Stadtwerke {g} erläuterte, wie die Investitionen priorisiert wurden.",
    ],
    "en": [
        "The partnership between {g} and {p} ({c}) has worked on {t} since {y}.",
        "The central question was how municipalities can advance {t} with limited budgets.",
        "Representatives of {n} cities exchanged experience on {t} and {t2}.",
        "The delegation from {p} visited pilot projects in {g} and met the city administration.",
        "A total of {m} euros is available for the project; the municipal contribution is ten per cent.",
        "A key result is a joint action plan to be agreed by {d}.",
        "Experts from {g} reported on participation processes and funding applications.",
        "In {p}, {n} measures were identified that can be implemented in the short term.",
        "Participants stressed that {t} only succeeds when administration, politics and civil society work together.",
        "The open exchange between the technical departments of both cities was particularly appreciated.",
        "As a next step, a return visit to {g} is planned for autumn {y}.",
        "The results will be summarised in a guide for other partnerships.",
        "Last year the city of {p} created its own budget line for {t}.",
        "A field visit showed practical examples such as retention basins and green roofs.",
        "The programme office supports municipalities with applications and financial reporting.",
        "Questions can be sent to {who} at {mail}.",
        "The event took place on {d} at the town hall of {g}.",
        "In total, {n} people from administration, research and civil society took part.",
        "The partner cities agreed to share data on {t2} on a regular basis.",
        "An engineer from the {g} public utility explained how investments were prioritised.",
    ],
    "fr": [
        "Le partenariat entre {g} et {p} ({c}) travaille depuis {y} sur {t}.",
        "La question centrale était de savoir comment les communes peuvent faire avancer {t} avec des moyens limités.",
        "Des représentants de {n} villes ont échangé leurs expériences sur {t} et {t2}.",
        "La délégation de {p} a visité des projets pilotes à {g} et rencontré l'administration municipale.",
        "Un montant total de {m} euros est disponible pour le projet ; la contribution propre est de dix pour cent.",
        "Un résultat clé est un plan d'action commun qui doit être validé d'ici le {d}.",
        "Les experts de {g} ont présenté leurs expériences de participation citoyenne et de demandes de financement.",
        "À {p}, {n} mesures ont été identifiées qui peuvent être mises en œuvre à court terme.",
        "Les participants ont souligné que {t} ne réussit que si l'administration, les élus et la société civile coopèrent.",
        "L'échange ouvert entre les services techniques des deux villes a été particulièrement apprécié.",
        "Une visite retour à {g} est prévue à l'automne {y}.",
        "Les résultats seront résumés dans un guide destiné aux autres partenariats.",
        "L'année dernière, la ville de {p} a créé une ligne budgétaire propre pour {t}.",
        "Une visite de terrain a montré des exemples concrets comme des bassins de rétention et des toitures végétalisées.",
        "Le secrétariat du programme accompagne les communes dans leur candidature et leur rapport financier.",
        "Les questions peuvent être adressées à {who} à l'adresse {mail}.",
        "L'événement a eu lieu le {d} à l'hôtel de ville de {g}.",
        "Au total, {n} personnes issues de l'administration, de la recherche et de la société civile ont participé.",
        "Les villes partenaires ont convenu d'échanger régulièrement des données sur {t2}.",
        "Un ingénieur de la régie municipale de {g} a expliqué comment les investissements ont été priorisés.",
    ],
}
# Type-specific sentences (deadline, event date, registration).
SPECIAL = {
    "de": {
        "call": "Die Bewerbungsfrist endet am {deadline}. Anträge können nur über das Online-Portal eingereicht werden.",
        "invitation": "Das Treffen findet vom {start} bis {end} in {g} statt. Bitte melden Sie sich bis {deadline} an.",
        "report": "Der Workshop fand vom {start} bis {end} in {p} statt.",
        "news": "Wie die Stadt {p} am {start} mitteilte, wurde das Projekt erfolgreich abgeschlossen.",
        "strategy": "Die Strategie gilt für den Zeitraum {y} bis {y2} und wird jährlich überprüft.",
    },
    "en": {
        "call": "The application deadline is {deadline}. Applications can only be submitted through the online portal.",
        "invitation": "The meeting takes place from {start} to {end} in {g}. Please register by {deadline}.",
        "report": "The workshop took place from {start} to {end} in {p}.",
        "news": "As the city of {p} announced on {start}, the project has been completed successfully.",
        "strategy": "The strategy covers the period {y} to {y2} and is reviewed every year.",
    },
    "fr": {
        "call": "La date limite de candidature est fixée au {deadline}. Les dossiers sont déposés uniquement via le portail en ligne.",
        "invitation": "La rencontre aura lieu du {start} au {end} à {g}. Merci de vous inscrire avant le {deadline}.",
        "report": "L'atelier s'est tenu du {start} au {end} à {p}.",
        "news": "Comme l'a annoncé la ville de {p} le {start}, le projet a été mené à bien.",
        "strategy": "La stratégie couvre la période {y} à {y2} et fait l'objet d'une révision annuelle.",
    },
}
TITLES = {
    "de": {
        "call": ["Aufruf: Partnerschaften für {t}", "Ausschreibung: Pilotprojekte {t}", "Förderaufruf {y}: {t} in Partnerstädten"],
        "report": ["Bericht: Workshop {t} in {p}", "Dokumentation: Fachaustausch {g} – {p}", "Bericht zur Delegationsreise nach {p}"],
        "invitation": ["Einladung: Netzwerktreffen {t} in {g}", "Einladung zum Fachaustausch {t}", "Einladung: Werkstatt {t} {y}"],
        "news": ["Meldung: {g} und {p} starten Projekt zu {t}", "{p} setzt Pilotprojekt zu {t} um", "Neues aus der Partnerschaft {g}–{p}"],
        "strategy": ["Strategiepapier {t} {y}–{y2}", "Programmstrategie: Schwerpunkt {t}"],
    },
    "en": {
        "call": ["Call for proposals: partnerships on {t}", "Call {y}: pilot projects on {t}", "Funding call: {t} in partner cities"],
        "report": ["Report: workshop on {t} in {p}", "Documentation: expert exchange {g} – {p}", "Report on the delegation visit to {p}"],
        "invitation": ["Invitation: network meeting on {t} in {g}", "Invitation to the expert exchange on {t}", "Invitation: {t} lab {y}"],
        "news": ["News: {g} and {p} launch project on {t}", "{p} implements pilot on {t}", "Partnership news {g}–{p}"],
        "strategy": ["Strategy paper on {t} {y}–{y2}", "Programme strategy: focus on {t}"],
    },
    "fr": {
        "call": ["Appel à candidatures : partenariats pour {t}", "Appel {y} : projets pilotes sur {t}", "Appel à projets : {t} dans les villes partenaires"],
        "report": ["Rapport : atelier sur {t} à {p}", "Documentation : échange d'experts {g} – {p}", "Rapport du voyage d'études à {p}"],
        "invitation": ["Invitation : rencontre du réseau sur {t} à {g}", "Invitation à l'échange d'experts sur {t}", "Invitation : atelier {t} {y}"],
        "news": ["Actualité : {g} et {p} lancent un projet sur {t}", "{p} met en œuvre un projet pilote sur {t}", "Nouvelles du partenariat {g}–{p}"],
        "strategy": ["Document de stratégie {t} {y}–{y2}", "Stratégie du programme : priorité à {t}"],
    },
}
HEADINGS = {
    "de": ["Hintergrund", "Ziele", "Ablauf", "Ergebnisse", "Nächste Schritte", "Förderbedingungen", "Teilnahme",
           "Programm", "Ausgangslage", "Finanzierung", "Ansprechpersonen", "Erfahrungen der Partnerstädte"],
    "en": ["Background", "Objectives", "Programme", "Results", "Next steps", "Eligibility", "Participation",
           "Agenda", "Context", "Funding", "Contacts", "Lessons from the partner cities"],
    "fr": ["Contexte", "Objectifs", "Déroulement", "Résultats", "Prochaines étapes", "Conditions", "Participation",
           "Programme", "Situation de départ", "Financement", "Contacts", "Enseignements des villes partenaires"],
}
_HTML_CHROME = {
    "de": ("Städtepartnerschaftsprogramm", ["Startseite", "Das Programm", "Partnerschaften", "Themen", "Termine"],
           "Wir verwenden Cookies, um unsere Website für Sie optimal zu gestalten. Mit einem Klick auf „Alle akzeptieren“ stimmen Sie zu.",
           "© 2026 Servicestelle des Städtepartnerschaftsprogramms. Impressum · Datenschutz · Barrierefreiheit"),
    "en": ("City Partnership Programme", ["Home", "The programme", "Partnerships", "Topics", "Events"],
           "We use cookies to give you the best possible experience. By clicking “Accept all” you agree.",
           "© 2026 City Partnership Programme Office. Imprint · Privacy · Accessibility"),
    "fr": ("Programme de partenariats entre villes", ["Accueil", "Le programme", "Partenariats", "Thèmes", "Agenda"],
           "Nous utilisons des cookies pour améliorer votre expérience. En cliquant sur « Tout accepter », vous consentez.",
           "© 2026 Secrétariat du programme. Mentions légales · Confidentialité · Accessibilité"),
}


@dataclass(slots=True)
class GenDoc:
    """One generated document before rendering: title, dated sections, declared metadata."""

    name: str
    fmt: str
    lang: str
    doc_type: str
    title: str
    published: dt.date
    sections: list[tuple[str, list[str]]] = field(default_factory=list)  # (heading, paragraphs)
    visibility: str = "public"
    sidecar: bool = False

    def body_chars(self) -> int:
        return sum(len(h) + sum(len(p) for p in ps) for h, ps in self.sections)

    def plain_text(self) -> str:
        parts = [self.title]
        for heading, paras in self.sections:
            parts.append(heading)
            parts.extend(paras)
        return "\n\n".join(parts)


def _fmt_date(d: dt.date, lang: str, rng: random.Random) -> str:
    """The date styles real programme texts use, so dateparser and the metadata step get real work."""
    month = MONTHS[lang][d.month - 1]
    if lang == "de":
        return f"{d.day}. {month} {d.year}" if rng.random() < 0.7 else f"{d.day:02d}.{d.month:02d}.{d.year}"
    if lang == "fr":
        return f"{'1er' if d.day == 1 else d.day} {month} {d.year}"
    return f"{d.day} {month} {d.year}" if rng.random() < 0.6 else f"{month} {d.day}, {d.year}"


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _slots(rng: random.Random, lang: str, published: dt.date) -> dict[str, str]:
    li = {"de": 0, "en": 1, "fr": 2}[lang]
    partner = rng.choice(list(PARTNERS))
    t1, t2 = rng.sample(list(TOPICS), 2)
    who = rng.choice(PEOPLE)
    mail = who.lower().replace("dr. ", "").replace(" ", ".") + "@staedtepartner.example"
    start = published + dt.timedelta(days=rng.randint(20, 120))
    end = start + dt.timedelta(days=rng.randint(1, 3))
    deadline = published + dt.timedelta(days=rng.randint(30, 150))
    return {
        "g": rng.choice(GERMAN_CITIES), "p": partner, "c": PARTNERS[partner][li],
        "t": TOPICS[t1][li], "t2": TOPICS[t2][li], "topic_key": t1,
        "y": str(published.year), "y2": str(published.year + rng.choice((2, 3, 4))),
        "n": str(rng.randint(3, 40)), "m": f"{rng.randint(2, 60) * 5_000:,}".replace(",", "." if lang == "de" else ","),
        "who": who, "mail": mail,
        "d": _fmt_date(published + dt.timedelta(days=rng.randint(10, 200)), lang, rng),
        "start": _fmt_date(start, lang, rng), "end": _fmt_date(end, lang, rng),
        "deadline": _fmt_date(deadline, lang, rng),
    }


def _paragraph(rng: random.Random, lang: str, slots: dict[str, str], n_sent: int) -> str:
    sentences = []
    for _ in range(n_sent):
        local = dict(slots)
        if rng.random() < 0.3:  # other cities and topics turn up in passing
            partner = rng.choice(list(PARTNERS))
            local.update(p=partner, c=PARTNERS[partner][{"de": 0, "en": 1, "fr": 2}[lang]],
                         t2=TOPICS[rng.choice(list(TOPICS))][{"de": 0, "en": 1, "fr": 2}[lang]],
                         n=str(rng.randint(3, 40)))
        sentences.append(rng.choice(SENTENCES[lang]).format(**local))
    return " ".join(sentences)


def _make_doc(i: int, rng: random.Random) -> GenDoc:
    lang = _pick(rng, _LANG_WEIGHTS)
    doc_type = _pick(rng, _TYPE_WEIGHTS)
    fmt = rng.choices(FORMATS, weights=_FORMAT_WEIGHTS)[0]
    published = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 6 * 365))
    slots = _slots(rng, lang, published)
    title = rng.choice(TITLES[lang][doc_type]).format(**slots)
    title = title[0].upper() + title[1:]
    # Length: mostly 2-12 chunks per document, with a long tail of long reports and strategies.
    n_sections = rng.randint(2, 6) if doc_type in ("news", "invitation") else rng.randint(3, 10)
    if rng.random() < 0.05:
        n_sections *= 3
    headings = rng.sample(HEADINGS[lang], min(n_sections, len(HEADINGS[lang])))
    while len(headings) < n_sections:
        headings.append(f"{rng.choice(HEADINGS[lang])} {len(headings) + 1}")
    dateline = f"{slots['g']}, {_fmt_date(published, lang, rng)}"
    sections: list[tuple[str, list[str]]] = []
    for s, heading in enumerate(headings):
        paras = [_paragraph(rng, lang, slots, rng.randint(3, 7)) for _ in range(rng.randint(1, 4))]
        if s == 0:
            paras.insert(0, dateline)
            paras.insert(1, SPECIAL[lang][doc_type].format(**slots))
        if rng.random() < 0.2:
            paras.append("- " + SPECIAL[lang]["report"].format(**slots))
            paras.append("- " + rng.choice(SENTENCES[lang]).format(**slots))
        sections.append((heading, paras))
    slug = "-".join(w for w in title.lower().replace(":", "").split()[:5] if w.isalnum())[:40] or "dokument"
    name = f"{published:%Y-%m}_{doc_type}_{lang}_{i:05d}_{slug}.{fmt}"
    visibility = rng.choices(("public", "members", "internal"), weights=(0.6, 0.3, 0.1))[0]
    return GenDoc(name=name, fmt=fmt, lang=lang, doc_type=doc_type, title=title, published=published,
                  sections=sections, visibility=visibility, sidecar=fmt != "md" and rng.random() < 0.5)


def estimate_chunks(doc: GenDoc) -> int:
    """Chunks the product chunker will make (each section is split on its own; see ingest/chunking.py)."""
    per = _CHARS_PER_CHUNK[doc.lang]
    return sum(max(1, math.ceil(sum(len(p) + 2 for p in paras) / per)) for _, paras in doc.sections)


def generate_docs(target_chunks: int, *, seed: int = 42) -> Iterator[GenDoc]:
    """Documents until their estimated chunk count reaches ``target_chunks`` (deterministic per seed)."""
    rng = random.Random(seed)
    total = 0
    i = 0
    while total < target_chunks:
        doc = _make_doc(i, rng)
        total += estimate_chunks(doc)
        i += 1
        yield doc


def chunk_texts(target_chunks: int, *, seed: int = 42) -> list[str]:
    """Passage-sized texts without files (for encoder-only and engine benchmarks): one per estimated chunk."""
    out: list[str] = []
    for doc in generate_docs(target_chunks, seed=seed):
        per = _CHARS_PER_CHUNK[doc.lang]
        for heading, paras in doc.sections:
            text = "\n\n".join(paras)
            for k in range(max(1, math.ceil(len(text) / per))):
                out.append(f"{doc.title} — {heading}\n{text[k * per:(k + 1) * per]}")
    return out[:target_chunks]


# ------------------------------------------------------------------------------------------ rendering


def _render_md(doc: GenDoc) -> bytes:
    lines = ["---", f"visibility: {doc.visibility}", f"language: {doc.lang}", "---", "", f"# {doc.title}", ""]
    for heading, paras in doc.sections:
        lines += [f"## {heading}", ""]
        for p in paras:
            lines += [p, ""]
    return "\n".join(lines).encode("utf-8")


def _render_txt(doc: GenDoc) -> bytes:
    lines = [doc.title, "=" * len(doc.title), ""]
    for heading, paras in doc.sections:
        lines += [heading, "-" * len(heading), ""]
        for p in paras:
            lines += [p, ""]
    return "\n".join(lines).encode("utf-8")


def _render_html(doc: GenDoc) -> bytes:
    brand, nav, cookie, footer = _HTML_CHROME[doc.lang]
    e = html.escape
    body = [f"<h1>{e(doc.title)}</h1>"]
    for heading, paras in doc.sections:
        body.append(f"<h2>{e(heading)}</h2>")
        bullets = [p[2:] for p in paras if p.startswith("- ")]
        body += [f"<p>{e(p)}</p>" for p in paras if not p.startswith("- ")]
        if bullets:
            body.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in bullets) + "</ul>")
    page = f"""<!DOCTYPE html>
<html lang="{doc.lang}"><head><meta charset="utf-8"><title>{e(doc.title)} | {e(brand)}</title>
<meta name="date" content="{doc.published.isoformat()}"></head>
<body><div class="cookie-banner"><p>{e(cookie)}</p><button>OK</button></div>
<header><a href="/">{e(brand)}</a><nav><ul>{''.join(f'<li><a href="#">{e(n)}</a></li>' for n in nav)}</ul></nav></header>
<main><article>{''.join(body)}</article></main>
<aside><h3>Links</h3><ul>{''.join(f'<li><a href="#">{e(n)}</a></li>' for n in nav[1:])}</ul></aside>
<footer><p>{e(footer)}</p></footer></body></html>"""
    return page.encode("utf-8")


def _fixed_zip(data: bytes, stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """Rewrite a zip with fixed timestamps so the bytes (and nothing else) repeat across runs."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def _render_docx(doc: GenDoc) -> bytes:
    import docx

    d = docx.Document()
    stamp = dt.datetime(doc.published.year, doc.published.month, doc.published.day, 9, 0, 0)
    cp = d.core_properties
    cp.title, cp.author, cp.language = doc.title, "Servicestelle", doc.lang
    cp.created = cp.modified = cp.last_printed = stamp
    cp.revision = 1
    d.add_heading(doc.title, level=0)
    for heading, paras in doc.sections:
        d.add_heading(heading, level=1)
        for p in paras:
            if p.startswith("- "):
                d.add_paragraph(p[2:], style="List Bullet")
            else:
                d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue(), (stamp.year, stamp.month, stamp.day, 9, 0, 0))


_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _render_pdf(doc: GenDoc) -> bytes:
    from fpdf import FPDF

    unicode_font = _FONT.exists() and _FONT_BOLD.exists()

    def clean(text: str) -> str:  # the core fonts only know latin-1
        if unicode_font:
            return text
        text = text.replace("–", "-").replace("—", "-").replace("„", '"').replace("“", '"').replace("’", "'")
        return text.encode("latin-1", "replace").decode("latin-1")

    pdf = FPDF(format="A4")
    pdf.set_creation_date(dt.datetime(doc.published.year, doc.published.month, doc.published.day, 9,
                                      tzinfo=dt.UTC))
    pdf.set_title(clean(doc.title))
    pdf.set_lang(doc.lang)
    family = "Helvetica"
    if unicode_font:
        pdf.add_font("DejaVu", "", str(_FONT))
        pdf.add_font("DejaVu", "B", str(_FONT_BOLD))
        family = "DejaVu"
    pdf.set_margins(22, 18, 22)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 8, clean(doc.title), new_x="LMARGIN", new_y="NEXT")
    for heading, paras in doc.sections:
        pdf.ln(2)
        pdf.set_font(family, "B", 12)
        pdf.multi_cell(0, 7, clean(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 10.5)
        for p in paras:
            pdf.multi_cell(0, 5.4, clean(p), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    return bytes(pdf.output())


_RENDER = {"md": _render_md, "txt": _render_txt, "html": _render_html, "docx": _render_docx, "pdf": _render_pdf}


def write_corpus(out_dir: Path, target_chunks: int, *, seed: int = 42) -> dict[str, int]:
    """Write documents worth ``target_chunks`` estimated chunks to ``out_dir``; returns counts per format.

    An existing directory with a matching ``.gen-manifest`` is reused as is (generating 50k chunks of
    PDFs and DOCX takes minutes and the output is deterministic anyway).
    """
    out_dir = Path(out_dir)
    marker = out_dir / ".gen-manifest"
    key = f"seed={seed} chunks={target_chunks} v=1"
    if marker.exists() and marker.read_text().splitlines()[0] == key:
        counts: dict[str, int] = {}
        for line in marker.read_text().splitlines()[1:]:
            fmt, n = line.split("=")
            counts[fmt] = int(n)
        return counts
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {f: 0 for f in FORMATS}
    counts["docs"] = counts["est_chunks"] = 0
    for doc in generate_docs(target_chunks, seed=seed):
        sub = out_dir / str(doc.published.year)
        sub.mkdir(exist_ok=True)
        (sub / doc.name).write_bytes(_RENDER[doc.fmt](doc))
        if doc.sidecar:
            (sub / f"{doc.name}.meta.yaml").write_text(f"visibility: {doc.visibility}\n", encoding="utf-8")
        counts[doc.fmt] += 1
        counts["docs"] += 1
        counts["est_chunks"] += estimate_chunks(doc)
    marker.write_text(key + "\n" + "\n".join(f"{k}={v}" for k, v in counts.items()) + "\n")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--chunks", type=int, default=1000, help="target number of chunks")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    counts = write_corpus(args.out, args.chunks, seed=args.seed)
    print(counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
