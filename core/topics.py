"""The programme's fixed topic vocabulary and a keyword tagger for it.

A closed list (slugs) rather than free keywords so topics can be a Qdrant
keyword facet and a planner filter that mean the same in every language:
"Klimaanpassung", "climate adaptation", "adaptation au changement
climatique" and "التكيف مع تغير المناخ" are all ``climate-adaptation``.

Keywords are lowercase stems matched at word starts on folded text (case,
accents, umlauts and Arabic spelling variants ignored), so "Abfallwirtschaft"
hits ``abfall`` and "déchets" hits ``dechet``. A keyword ending in ``$`` must
be a whole word ("ki$" is AI, not "Kinder"). Arabic keywords also match with
the clitics و/ف/ب/ل/ك and the article ال in front ("والمياه" hits ``مياه``).
All keywords go into one compiled regex: one pass per text, whatever the
number of topics.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from core.language import fold

logger = logging.getLogger(__name__)

__all__ = ["TOPICS", "Topic", "find_topics", "query_topics", "topic_counts", "topic_from_label", "topic_label"]


@dataclass(frozen=True)
class Topic:
    """One topic: its slug, a label per language and its keyword stems per language."""

    slug: str
    labels: dict[str, str]
    keywords: dict[str, list[str]] = field(default_factory=dict)
    #: Other names users type for the topic (any language), for :func:`topic_from_label`.
    synonyms: tuple[str, ...] = ()


_T = Topic

TOPICS: dict[str, Topic] = {t.slug: t for t in [
    _T("climate-adaptation",
       {"de": "Klimaanpassung", "en": "Climate adaptation", "fr": "Adaptation au changement climatique",
        "ar": "التكيف مع تغير المناخ"},
       {"de": ["klimaanpassung", "klimafolgenanpassung", "klimawandelanpassung", "anpassung an den klimawandel",
               "anpassung an die folgen des klimawandels",
               "klimaresilien", "klimafolgen", "klimawandel", "klimarisik", "hitzeschutz", "hitzeaktionsplan",
               "hitzewelle", "hitzeinsel", "hitzevorsorge",
               "starkregen", "dürre", "trockenheit", "schwammstadt", "überflutungsvorsorge", "hochwasserschutz",
               "hochwasservorsorge", "klimaangepasst"],
        "en": ["climate adaptation", "climate change adaptation", "adaptation to climate change", "climate resilien",
               "climate change", "climate risk",
               "heat wave", "heatwave", "heat action plan", "heat island", "urban heat", "extreme heat", "heavy rain",
               "drought", "sponge cit",
               "flood protection", "adaptation plan", "adaptation strateg"],
        "fr": ["adaptation au changement climatique", "adaptation aux changements climatiques", "adaptation climatique",
               "resilience climatique",
               "changement climatique", "changements climatiques", "vague de chaleur", "vagues de chaleur", "canicule",
               "ilot de chaleur", "ilots de chaleur",
               "secheresse", "fortes pluies", "ville eponge", "plan d'adaptation"],
        "ar": ["تكيف مع تغير المناخ", "تكيف المناخي", "تغير المناخ", "تغير المناخي", "تغيرات المناخيه", "موجات الحر",
               "موجه حر", "حراره$",
               "اجهاد الحراري", "جفاف", "صمود المناخي"]},
       ("Klimawandelanpassung", "adaptation", "Anpassung an den Klimawandel", "climate resilience")),
    _T("urban-green",
       {"de": "Stadtgrün", "en": "Urban green", "fr": "Espaces verts urbains", "ar": "المساحات الخضراء الحضرية"},
       {"de": ["stadtgrün", "grünfläche", "grünflächen", "grünzug", "grünzüge", "grüne infrastruktur", "grünkorridor",
               "grüne korridore", "grüner korridor",
               "grünverbindung", "grünanlage", "grünraum", "grünräume", "park$", "parks$", "parkanlage", "stadtpark",
               "stadtbaum", "stadtbäume", "straßenbaum",
               "straßenbäume", "baumpflanz", "bäume$", "baumbestand", "urban gardening", "gemeinschaftsgarten",
               "gemeinschaftsgärten", "stadtgarten",
               "dachbegrünung", "fassadenbegrünung", "begrünung", "entsiegelung", "stadtnatur", "stadtwald",
               "grüne stadt", "grünes band"],
        "en": ["urban green", "green space", "green spaces", "green corridor", "green infrastructure", "park$",
               "parks$",
               "urban forest", "street tree",
               "tree planting", "trees$", "urban garden", "community garden", "greening", "green roof", "green belt",
               "public green"],
        "fr": ["espace vert", "espaces verts", "corridor vert", "corridors verts", "trame verte", "ceinture verte",
               "parc$", "parcs$", "arbres$",
               "plantation d'arbres", "vegetalisation", "verdissement", "jardin urbain", "jardins urbains",
               "jardin communautaire", "foret urbaine",
               "nature en ville"],
        "ar": ["مساحات الخضراء", "مساحات خضراء", "مساحه خضراء", "حدائق", "حديقه", "تشجير", "اشجار", "ممرات الخضراء",
               "ممرات خضراء", "بنيه التحتيه الخضراء",
               "بنيه تحتيه خضراء", "تخضير"]},
       ("green spaces", "Grünflächen", "green corridors", "Grüne Korridore", "parks", "trees", "Stadtbäume",
        "espaces verts")),
    _T("nature-based-solutions",
       {"de": "Naturbasierte Lösungen", "en": "Nature-based solutions", "fr": "Solutions fondées sur la nature",
        "ar": "الحلول القائمة على الطبيعة"},
       {"de": ["naturbasiert", "naturnah", "renaturierung", "ökosystembasiert", "ökosystemleistung", "blau-grün",
               "blaugrün", "biodiversität",
               "artenvielfalt", "feuchtgebiet", "auenrenaturierung", "schwammstadt", "NbS$", "NBS$"],
        "en": ["nature-based", "nature based", "ecosystem-based", "ecosystem based", "ecosystem service",
               "biodiversity",
               "wetland",
               "river restoration", "mangrove", "blue-green", "blue green", "sponge cit", "rewilding"],
        "fr": ["solutions fondees sur la nature", "solutions basees sur la nature", "solution fondee sur la nature",
               "SfN$", "biodiversite",
               "zones humides", "zone humide", "renaturation", "restauration ecologique", "services ecosystemiques",
               "infrastructure verte et bleue",
               "trame verte et bleue"],
        "ar": ["حلول القائمه علي الطبيعه", "قائمه علي الطبيعه", "تنوع البيولوجي", "اراضي الرطبه", "نظم البيئيه",
               "نظم الايكولوجيه"]},
       ("NbS", "nature based solutions", "naturbasierte Lösungen", "SfN")),
    _T("waste-management",
       {"de": "Abfallwirtschaft", "en": "Waste management", "fr": "Gestion des déchets", "ar": "إدارة النفايات"},
       {"de": ["abfall", "abfälle", "siedlungsabfall", "bioabfall", "müll$", "müllabfuhr", "müllentsorgung",
               "müllverbrennung", "müllsammlung",
               "mülltrennung", "müllvermeidung", "mülldeponie", "restmüll", "sperrmüll", "plastikmüll",
               "kreislaufwirtschaft", "recycling", "wertstoff",
               "deponie", "entsorgung", "wiederverwert", "mehrweg", "kompost", "zero waste", "stadtreinigung"],
        "en": ["waste$", "wastes$", "e-waste", "recycl", "circular economy", "landfill", "garbage", "litter", "compost",
               "dumpsite", "dump site",
               "plastic waste", "solid waste", "zero waste", "sanitary landfill"],
        "fr": ["dechet", "recyclage", "economie circulaire", "decharge", "ordures", "compost", "tri selectif",
               "tri des dechets", "valorisation des dechets",
               "collecte des dechets", "gestion des dechets"],
        "ar": ["نفايات", "اداره النفايات", "تدوير", "اقتصاد الدائري", "مكب$", "مكبات", "قمامه", "فرز النفايات",
               "مخلفات"]},
       ("waste", "Abfall", "Müll", "recycling", "circular economy", "Kreislaufwirtschaft", "déchets",
        "économie circulaire")),
    _T("water",
       {"de": "Wasser und Abwasser", "en": "Water and sanitation", "fr": "Eau et assainissement",
        "ar": "المياه والصرف الصحي"},
       {"de": ["wasser$", "wassers$", "wasserversorg", "wasserwirtschaft", "wassermanagement", "wasserqualität",
               "wasserverbrauch", "wasserverlust",
               "wasserressourc", "wasserknappheit", "wassersicherheit", "wasserwerk", "wasserbetrieb", "wassernetz",
               "wasserspeicher", "siedlungswasser",
               "abwasser", "trinkwasser", "grundwasser", "regenwasser", "niederschlagswasser", "brauchwasser",
               "kläranlage", "klärwerk", "sanitär",
               "kanalisation", "WASH$"],
        "en": ["water$", "water supply", "water management", "water utilit", "water resource", "water scarcity",
               "water security", "water quality",
               "drinking water", "wastewater", "waste water", "groundwater", "stormwater", "rainwater", "sanitation",
               "sewage", "sewer",
               "non-revenue water", "desalination", "treatment plant"],
        "fr": ["eau$", "eaux$", "assainissement", "eaux usees", "eau potable", "station d'epuration", "epuration",
               "approvisionnement en eau",
               "dessalement"],
        "ar": ["مياه", "ماء$", "مياه الشرب", "صرف الصحي", "صرف صحي", "محطه معالجه", "معالجه المياه", "تحليه",
               "شبكه المياه"]},
       ("water supply", "Wasserversorgung", "wastewater", "Abwasser", "sanitation", "eau", "WASH")),
    _T("disaster-risk",
       {"de": "Katastrophenschutz und Feuerwehr", "en": "Disaster risk management",
        "fr": "Gestion des risques de catastrophes", "ar": "إدارة مخاطر الكوارث"},
       {"de": ["feuerwehr", "brandschutz", "katastrophen", "bevölkerungsschutz", "zivilschutz", "rettungsdienst",
               "rettungskräfte", "einsatzkräfte",
               "notfall", "krisenmanagement", "krisenstab", "hochwasser", "hochwasserschutz", "frühwarn",
               "überschwemmung", "erdbeben", "waldbrand", "evakuierung", "THW$",
               "gefahrenabwehr", "löschfahrzeug", "feuerwehrfahrzeug", "katastrophenvorsorge"],
        "en": ["fire brigade", "fire department", "firefight", "fire fight", "fire service", "fire station",
               "fire engine", "disaster", "civil protection",
               "civil defence", "civil defense", "emergency", "early warning", "flood", "earthquake", "evacuation",
               "DRR$", "risk reduction", "rescue",
               "first responder", "wildfire"],
        "fr": ["pompier", "sapeurs-pompiers", "sapeurs pompiers", "protection civile", "catastrophe",
               "gestion des risques", "reduction des risques",
               "inondation", "alerte precoce", "seisme", "incendie", "secours", "urgence"],
        "ar": ["دفاع المدني", "حمايه المدنيه", "اطفاء", "اطفائيه", "كوارث", "فيضان", "فيضانات", "سيول", "انذار المبكر",
               "حرائق", "طوارئ", "زلزال",
               "مخاطر الكوارث", "اسعاف"]},
       ("fire brigades", "Feuerwehr", "civil protection", "Katastrophenschutz", "disaster risk", "DRR",
        "flood response",
        "pompiers", "protection civile")),
    _T("digitalisation",
       {"de": "Digitalisierung", "en": "Digitalisation", "fr": "Numérique", "ar": "التحول الرقمي"},
       {"de": ["digital", "verwaltungsdigitalisierung", "e-government", "egovernment", "e-akte", "KI$",
               "künstliche intelligenz", "open data",
               "offene daten", "smart city", "smart cities", "onlinezugang", "OZG$", "datenplattform", "datenstrategie",
               "dateninfrastruktur",
               "urbane daten", "geodaten", "GIS$", "cyber", "software", "breitband", "app$", "apps$", "online-dienst",
               "onlinedienst", "it-sicherheit"],
        "en": ["digital", "e-government", "egovernment", "AI$", "artificial intelligence", "open data", "smart city",
               "smart cities", "data platform",
               "urban data", "GIS$", "cyber", "software", "online service", "ICT$", "e-service", "chatbot",
               "machine learning"],
        "fr": ["numerique", "numerisation", "digital", "intelligence artificielle", "IA$", "TIC$", "donnees ouvertes",
               "open data", "ville intelligente",
               "villes intelligentes", "e-administration", "administration electronique", "dematerialisation",
               "smart city", "cybersecurite"],
        "ar": ["رقمي", "رقميه", "رقمنه", "تحول الرقمي", "ذكاء الاصطناعي", "حكومه الالكترونيه", "خدمات الالكترونيه",
               "بيانات المفتوحه", "بيانات مفتوحه",
               "مدن الذكيه", "مدينه الذكيه", "مدينه ذكيه"]},
       ("digitalization", "KI", "AI", "e-government", "open data", "smart city", "numérique", "IA")),
    _T("housing",
       {"de": "Wohnen", "en": "Housing", "fr": "Logement", "ar": "الإسكان"},
       {"de": ["wohnung", "wohnungsbau", "wohnraum", "wohnen$", "wohnbau", "mietwohn", "sozialwohn",
               "bezahlbarer wohnraum", "informelle siedlung",
               "obdachlos", "wohnungslos", "slum", "wohnquartier", "wohnungsmarkt", "mieten$"],
        "en": ["housing", "affordable home", "informal settlement", "slum", "dwelling", "homeless", "tenant",
               "rental housing", "social housing"],
        "fr": ["logement", "habitat informel", "habitat social", "amelioration de l'habitat", "bidonville",
               "quartiers informels", "quartier informel", "sans-abri", "sans abri"],
        "ar": ["سكن", "اسكان", "مساكن", "عشوائيات", "احياء العشوائيه", "مناطق العشوائيه", "سكن اللائق"]},
       ("Wohnungsbau", "affordable housing", "logement", "informal settlements")),
    _T("green-hydrogen",
       {"de": "Grüner Wasserstoff", "en": "Green hydrogen", "fr": "Hydrogène vert", "ar": "الهيدروجين الأخضر"},
       {"de": ["wasserstoff", "elektrolys", "power-to-x", "PtX$", "PTX$", "H2$", "brennstoffzell"],
        "en": ["hydrogen", "electrolys", "fuel cell"],
        "fr": ["hydrogene", "electrolys", "pile a combustible", "piles a combustible", "power-to-x"],
        "ar": ["هيدروجين", "تحليل الكهربائي"]},
       ("hydrogen", "Wasserstoff", "H2", "PtX", "hydrogène")),
    _T("local-economy",
       {"de": "Lokale Wirtschaftsentwicklung", "en": "Local economic development",
        "fr": "Développement économique local", "ar": "التنمية الاقتصادية المحلية"},
       {"de": ["lokale wirtschaft", "wirtschaftsförderung", "wirtschaftsentwicklung", "lokale ökonomie", "KMU$",
               "mittelstand", "kleinunternehm",
               "kleine und mittlere unternehmen", "existenzgründ", "gründerzentr", "start-up", "startup",
               "beschäftigung", "arbeitsplätze", "handwerk",
               "einzelhandel", "wochenmarkt", "informeller sektor", "informelle wirtschaft", "unternehmer", "tourismus",
               "wertschöpfung", "berufsbildung"],
        "en": ["local economic development", "local economy", "economic development", "SMEs$", "SME$", "MSMEs$",
               "small and medium", "micro-enterprise",
               "entrepreneur", "start-up", "startup", "employment", "job creation", "jobs$", "informal economy",
               "informal sector", "value chain",
               "tourism", "livelihood", "vocational training", "business development"],
        "fr": ["developpement economique local", "developpement economique", "economie locale", "PME$", "TPE$",
               "entrepreneur", "emploi", "secteur informel",
               "economie sociale et solidaire", "tourisme", "chaine de valeur", "chaines de valeur",
               "formation professionnelle"],
        "ar": ["تنميه الاقتصاديه المحليه", "تنميه الاقتصاديه", "اقتصاد المحلي", "مؤسسات الصغيره", "مشاريع الصغيره",
               "مشروعات الصغيره", "رياده الاعمال",
               "فرص العمل", "تشغيل الشباب", "سياحه", "قطاع غير الرسمي"]},
       ("LED", "local economic development", "Wirtschaftsförderung", "SMEs", "KMU", "développement économique local")),
    _T("mobility",
       {"de": "Mobilität", "en": "Mobility", "fr": "Mobilité", "ar": "التنقل"},
       {"de": ["mobilität", "verkehr", "elektromobilität", "e-mobilität", "öpnv", "nahverkehr", "radverkehr", "fahrrad",
               "radweg", "lastenrad",
               "bus$", "busse$", "buslinie", "straßenbahn", "stadtbahn", "fußverkehr", "fußgänger", "parkraum",
               "carsharing", "verkehrswende",
               "ladeinfrastruktur"],
        "en": ["mobility", "transport", "public transit", "cycling", "bicycle", "bike", "bus rapid transit", "BRT$",
               "bus$", "buses$", "traffic$",
               "traffic safety", "traffic management",
               "pedestrian", "walkab", "e-mobility", "electric vehicle", "commut", "tram$", "trams$"],
        "fr": ["mobilite", "transport", "velo", "pieton", "circulation routiere", "bus$", "tramway", "covoiturage",
               "transport en commun"],
        "ar": ["تنقل", "نقل العام", "نقل الحضري", "وسائل النقل", "مواصلات", "حافلات", "حافله", "دراجات", "دراجه",
               "حركه المرور"]},
       ("transport", "Verkehr", "ÖPNV", "public transport", "transport public")),
    _T("energy",
       {"de": "Energie", "en": "Energy", "fr": "Énergie", "ar": "الطاقة"},
       {"de": ["energie", "energet", "erneuerbar", "solar", "photovoltaik", "pv-anlage", "PV$", "windkraft",
               "windenergie", "windrad", "strom$",
               "stromnetz", "stromversorg", "stromverbrauch", "stromerzeug", "wärmewende", "wärmeplanung", "wärmenetz",
               "fernwärme", "biogas",
               "kraftwerk", "heizung", "wärmepumpe", "energieeffizienz"],
        "en": ["energy", "energies", "renewable", "solar", "photovolta", "wind power", "wind energy", "wind farm",
               "electricity", "power grid",
               "power plant", "mini-grid", "mini grid", "off-grid", "biogas", "heat pump", "district heating"],
        "fr": ["energie", "energet", "renouvelable", "solaire", "photovolta", "eolien", "electricite",
               "reseau electrique", "biogaz"],
        "ar": ["طاقه", "طاقات المتجدده", "شمسيه", "كهرباء", "الواح الشمسيه", "طاقه الرياح"]},
       ("Energiewende", "renewable energy", "erneuerbare Energien", "énergie", "solar")),
    _T("sdg",
       {"de": "Agenda 2030 und SDGs", "en": "Agenda 2030 and SDGs", "fr": "Agenda 2030 et ODD",
        "ar": "أجندة 2030 وأهداف التنمية المستدامة"},
       {"de": ["agenda 2030", "2030-agenda", "nachhaltigkeitsziel", "ziele für nachhaltige entwicklung",
               "nachhaltige entwicklungsziele", "sdg",
               "voluntary local review", "VLR$", "nachhaltigkeitsbericht", "musterresolution",
               "global nachhaltige kommune", "17 ziele"],
        "en": ["sustainable development goal", "sdg", "agenda 2030", "2030 agenda", "voluntary local review",
               "leave no one behind",
               "localising the sdgs", "localizing the sdgs"],
        "fr": ["objectifs de developpement durable", "objectif de developpement durable", "agenda 2030",
               "programme 2030", "ODD$"],
        "ar": ["اهداف التنميه المستدامه", "خطه 2030", "اجنده 2030", "خطه التنميه المستدامه"]},
       ("SDGs", "Agenda 2030", "2030 Agenda", "Nachhaltigkeitsziele", "ODD", "sustainable development goals")),
    _T("migration",
       {"de": "Migration", "en": "Migration", "fr": "Migration", "ar": "الهجرة"},
       {"de": ["migration", "migrant", "geflüchtet", "flüchtling", "fluchtursach", "fluchtmigration", "flucht$",
               "diaspora", "integrationsrat",
               "integrationsbeirat", "integration$", "zuwanderung", "einwanderung", "asyl", "aufnahmegesellschaft"],
        "en": ["migration", "migrant", "refugee", "displaced", "diaspora", "asylum", "host communit", "IDP$", "IDPs$",
               "remittance"],
        "fr": ["migration", "migrant", "refugie", "deplaces", "diaspora", "asile", "communautes d'accueil"],
        "ar": ["هجره", "مهاجر", "لاجي", "نازح", "مغترب", "مجتمعات المضيفه"]},
       ("migration", "refugees", "Flucht", "Geflüchtete", "diaspora")),
]}

_ARABIC_PREFIX = r"(?:[وف]?(?:[بلك]?ال|لل|[بلك])?)"
_SEP = "<sep>"
_END = "<end>"
_ATOM_RX = {_SEP: r"[\s\-]*", _END: r"(?!\w)"}


def _atoms(keyword: str) -> tuple[str, ...]:
    """A folded keyword as trie atoms: characters, word separators, a word end for ``$``."""
    whole = keyword.endswith("$")
    body = fold(keyword.rstrip("$"))
    atoms: list[str] = []
    for part in re.split(r"[\s\-]+", body):
        if not part:
            continue
        if atoms:
            atoms.append(_SEP)
        atoms.extend(part)
    if whole:
        atoms.append(_END)
    return tuple(atoms)


def _trie_regex(sequences: list[tuple[str, ...]]) -> str:
    """One regex for many literal sequences, branching once per shared prefix.

    Plain ``a|b|c`` alternation tries every keyword at every word start; the trie
    tries one character at a time, which keeps a 10,000-word text at a few ms.
    Longer keywords win (children are tried before the optional end).
    """
    trie: dict = {}
    for seq in sequences:
        node = trie
        for atom in seq:
            node = node.setdefault(atom, {})
        node[""] = {}

    def emit(node: dict) -> str:
        # a word end is the shortest way to finish: try it after every longer continuation
        items = sorted((a, c) for a, c in node.items() if a != "")
        items.sort(key=lambda ac: ac[0] == _END)
        branches = [(_ATOM_RX.get(a) or re.escape(a)) + emit(child) for a, child in items]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return "(?:" + body + ")?"
        return body

    return emit(trie)


def _is_acronym(keyword: str) -> bool:
    """Keywords written with capitals ("KI$", "ODD$", "WASH$") match case-sensitively on the raw text.

    Folded, "KI" would hit "ki" in "Kinder"-free texts fine but "AI"/"IA" would hit
    French "j'ai" and "ODD" English "odd"; the capitals are what mark the acronym.
    """
    return any(c.isupper() for c in keyword)


def _key(matched: str) -> str:
    return re.sub(r"[\s\-]+", "", matched)


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern[str], re.Pattern[str] | None, dict[str, list[tuple[str, float]]]]:
    """The folded-keyword trie regex, the acronym regex, and matched key → [(slug, weight)].

    A keyword shared by two topics (e.g. "schwammstadt") counts for both.
    Multi-word and long keywords weigh more: "climate adaptation" says more
    than "drought".
    """
    table: dict[str, list[tuple[str, float]]] = {}
    words: set[tuple[str, ...]] = set()
    acronyms: set[str] = set()
    for topic in TOPICS.values():
        for kws in topic.keywords.values():
            for kw in kws:
                weight = 1.5 if (" " in kw.strip("$") or len(kw) >= 12) else 1.0
                if _is_acronym(kw):
                    acronyms.add(kw)
                    key = kw.rstrip("$")
                else:
                    atoms = _atoms(kw)
                    words.add(atoms)
                    key = "".join(a for a in atoms if a not in _ATOM_RX)
                entry = table.setdefault(key, [])
                if all(slug != topic.slug for slug, _ in entry):
                    entry.append((topic.slug, weight))
    pattern = re.compile(rf"(?<!\w){_ARABIC_PREFIX}(?P<kw>{_trie_regex(sorted(words))})")
    acro = None
    if acronyms:
        ordered = sorted(acronyms, key=len, reverse=True)
        alts = "|".join(re.escape(a.rstrip("$")) + (r"(?!\w)" if a.endswith("$") else "") for a in ordered)
        acro = re.compile(rf"(?<!\w)(?P<kw>{alts})")
    return pattern, acro, table


def topic_counts(text: str) -> dict[str, tuple[int, float]]:
    """Per topic slug: (hits, weighted score) in the text."""
    if not text:
        return {}
    pattern, acro, table = _matcher()
    out: dict[str, list[float]] = {}

    def count(key: str) -> None:
        for slug, weight in table.get(key, ()):
            acc = out.setdefault(slug, [0, 0.0])
            acc[0] += 1
            acc[1] += weight

    for m in pattern.finditer(fold(text)):
        count(_key(m.group("kw")))
    if acro is not None:
        for m in acro.finditer(text):
            count(m.group("kw"))
    return {slug: (int(v[0]), v[1]) for slug, v in out.items()}


def find_topics(text: str, min_hits: int = 2, *, max_topics: int | None = None) -> list[str]:
    """Topic slugs of a text, best first (weighted hits; distinct keywords break ties).

    The threshold scales with length: texts under 40 words need one hit (a query
    or a title), long documents need more than a passing mention (one hit per
    2,000 words, at least ``min_hits``).
    """
    counts = topic_counts(text)
    if not counts:
        return []
    words = len(text.split())
    need = 1 if words < 40 else max(min_hits, math.ceil(words / 2000))
    ranked = sorted((s for s, (hits, _) in counts.items() if hits >= need), key=lambda s: (-counts[s][1], s))
    return ranked[:max_topics] if max_topics else ranked


def query_topics(text: str) -> list[str]:
    """Topics of a user query or a one-line title: a single keyword hit is enough."""
    return find_topics(text, min_hits=1) if len(text.split()) >= 40 else find_topics(text)


def topic_label(slug: str, lang: str = "en") -> str:
    """Display label of a topic in a language (English when missing; the slug if unknown)."""
    topic = TOPICS.get(slug)
    if topic is None:
        return slug
    return topic.labels.get(lang) or topic.labels["en"]


@lru_cache(maxsize=1)
def _label_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for topic in TOPICS.values():
        for name in (topic.slug, topic.slug.replace("-", " "), *topic.labels.values(), *topic.synonyms):
            index.setdefault(_label_key(name), topic.slug)
    return index


def _label_key(s: str) -> str:
    return re.sub(r"[\s\-_]+", " ", fold(s)).strip()


def topic_from_label(text: str) -> str | None:
    """Slug for a slug, label or synonym in any language ("Klimaanpassung" → "climate-adaptation").

    Falls back to keyword matching for longer phrases ("Wasserversorgung in
    Kenia" → "water"); ``None`` when nothing matches.
    """
    if not text or not text.strip():
        return None
    key = _label_key(text)
    hit = _label_index().get(key)
    if hit:
        return hit
    found = query_topics(text.replace("_", " "))  # "water_wastewater" style ids
    return found[0] if found else None
