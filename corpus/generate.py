#!/usr/bin/env python3
"""Rebuild the ccassist sample corpus.

Every document lives as a text template in ``corpus/_src/*.txt``: a YAML header with the
ground truth (file name, language, type, visibility, dates, cities, countries, topics) and a
body in a tiny markup:

    # Title                 (first line, exactly one)
    ## Section              (Heading 1 in DOCX, bold line in PDF, <h2> in HTML)
    ### Subsection          (Heading 2 in DOCX, bold line in PDF, <h3> in HTML)
    - bullet                (list item)
    blank line              (paragraph break; single newlines inside a block are kept)

This script renders each template into the format its file name asks for (PDF via fpdf2 with
DejaVu Sans, DOCX via python-docx, HTML with site boilerplate, Markdown with front matter,
TXT in the declared encoding), writes a ``<file>.meta.yaml`` sidecar with ``visibility`` for
every non-Markdown file, and writes ``MANIFEST.json``, ``README.md`` and ``.ccassistignore``.

Output is deterministic: running it twice gives byte-identical files.

    python corpus/generate.py            # rebuild
    python corpus/generate.py --check    # rebuild and print consistency warnings
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import json
import re
import sys
import textwrap
import zipfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SRC = HERE / "_src"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

TODAY = dt.date(2026, 11, 25)  # the corpus' "today": calls before it are expired

# --------------------------------------------------------------------------------------
# Programme cast: cities (canonical English name -> country, aliases as written in texts)
# --------------------------------------------------------------------------------------
CITIES: dict[str, tuple[str, list[str]]] = {
    "Bonn": ("Germany", ["Bonn", "بون"]),
    "Hamburg": ("Germany", ["Hamburg", "Hambourg", "هامبورغ"]),
    "Kiel": ("Germany", ["Kiel", "كيل"]),
    "Dortmund": ("Germany", ["Dortmund", "دورتموند"]),
    "Freiburg": ("Germany", ["Freiburg", "Fribourg-en-Brisgau", "فرايبورغ"]),
    "Leipzig": ("Germany", ["Leipzig", "لايبزيغ"]),
    "Mannheim": ("Germany", ["Mannheim", "مانهايم"]),
    "Jena": ("Germany", ["Jena", "يينا"]),
    "Cologne": ("Germany", ["Köln", "Cologne", "كولونيا"]),
    "Munich": ("Germany", ["München", "Munich", "ميونخ"]),
    "Kisumu": ("Kenya", ["Kisumu", "كيسومو"]),
    "Mombasa": ("Kenya", ["Mombasa", "مومباسا"]),
    "Kampala": ("Uganda", ["Kampala", "كمبالا"]),
    "Accra": ("Ghana", ["Accra", "أكرا"]),
    "Windhoek": ("Namibia", ["Windhoek", "ويندهوك"]),
    "Tunis": ("Tunisia", ["Tunis", "مدينة تونس"]),
    "Sfax": ("Tunisia", ["Sfax", "صفاقس"]),
    "Agadir": ("Morocco", ["Agadir", "أكادير"]),
    "Saint-Louis": ("Senegal", ["Saint-Louis", "سان لويس"]),
    "Amman": ("Jordan", ["Amman", "عمّان"]),
    "Irbid": ("Jordan", ["Irbid", "إربد"]),
    "Da Nang": ("Vietnam", ["Da Nang", "دا نانغ"]),
    "Pune": ("India", ["Pune", "بونه"]),
    "Cebu": ("Philippines", ["Cebu", "سيبو"]),
    "Belo Horizonte": ("Brazil", ["Belo Horizonte", "بيلو هوريزونتي"]),
    "Curitiba": ("Brazil", ["Curitiba", "كوريتيبا"]),
    "Querétaro": ("Mexico", ["Querétaro", "Queretaro", "كيريتارو"]),
    "Cuenca": ("Ecuador", ["Cuenca", "كوينكا"]),
}

COUNTRIES: dict[str, list[str]] = {
    "Germany": ["Deutschland", "Germany", "Allemagne", "ألمانيا"],
    "Kenya": ["Kenia", "Kenya", "كينيا"],
    "Uganda": ["Uganda", "Ouganda", "أوغندا"],
    "Ghana": ["Ghana", "غانا"],
    "Namibia": ["Namibia", "Namibie", "ناميبيا"],
    "Tunisia": ["Tunesien", "Tunisia", "Tunisie", "تونس"],
    "Morocco": ["Marokko", "Morocco", "Maroc", "المغرب"],
    "Senegal": ["Senegal", "Sénégal", "السنغال"],
    "Jordan": ["Jordanien", "Jordan", "Jordanie", "الأردن"],
    "Vietnam": ["Vietnam", "Viêt Nam", "فيتنام"],
    "India": ["Indien", "India", "Inde", "الهند"],
    "Philippines": ["Philippinen", "Philippines", "الفلبين"],
    "Brazil": ["Brasilien", "Brazil", "Brésil", "البرازيل"],
    "Mexico": ["Mexiko", "Mexico", "Mexique", "المكسيك"],
    "Ecuador": ["Ecuador", "Équateur", "الإكوادور"],
}

TOPICS = {
    "climate_adaptation": "Klimaanpassung (Starkregen, Hochwasser, Hitze, Küste)",
    "urban_green": "Stadtgrün und grüne Korridore",
    "nature_based_solutions": "Naturbasierte Lösungen",
    "waste_circular_economy": "Abfallwirtschaft und Kreislaufwirtschaft",
    "water_wastewater": "Wasserversorgung und Abwasser",
    "fire_disaster_risk": "Feuerwehr und Katastrophenrisikomanagement",
    "digitalisation_ai": "Digitalisierung und KI in der Verwaltung",
    "housing": "Wohnen",
    "green_hydrogen": "Grüner Wasserstoff",
    "local_economic_development": "Lokale Wirtschaftsentwicklung",
}
DOC_TYPES = ["call", "invitation", "report", "news", "strategy", "memo"]
VISIBILITIES = ["public", "members", "internal"]
LANGS = ["de", "en", "fr", "ar"]


# --------------------------------------------------------------------------------------
# Source parsing
# --------------------------------------------------------------------------------------
class Doc:
    def __init__(self, path: Path):
        raw = path.read_text(encoding="utf-8")
        if not raw.startswith("---\n"):
            raise ValueError(f"{path}: missing header")
        head, body = raw[4:].split("\n---\n", 1)
        self.src = path
        self.meta: dict = yaml.safe_load(head)
        self.body = body.strip("\n")
        lines = self.body.split("\n")
        if not lines[0].startswith("# "):
            raise ValueError(f"{path}: first body line must be '# Title'")
        self.title = lines[0][2:].strip()
        self.blocks = parse_blocks("\n".join(lines[1:]))

    @property
    def file(self) -> str:
        return self.meta["file"]

    @property
    def ext(self) -> str:
        return self.file.rsplit(".", 1)[1]

    def plain_text(self) -> str:
        """The document text without markup (for checks and word counts)."""
        out = [self.title]
        for kind, text in self.blocks:
            out.append(text)
        return "\n".join(out)


def parse_blocks(text: str) -> list[tuple[str, str]]:
    """-> list of (kind, text) with kind in h2, h3, bullet, para."""
    blocks: list[tuple[str, str]] = []
    para: list[str] = []

    def flush():
        if para:
            blocks.append(("para", "\n".join(para)))
            para.clear()

    for line in text.split("\n"):
        s = line.rstrip()
        if not s.strip():
            flush()
        elif s.startswith("### "):
            flush()
            blocks.append(("h3", s[4:].strip()))
        elif s.startswith("## "):
            flush()
            blocks.append(("h2", s[3:].strip()))
        elif s.startswith("- "):
            flush()
            blocks.append(("bullet", s[2:].strip()))
        else:
            para.append(s.strip())
    flush()
    return blocks


# --------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------
def render_pdf(doc: Doc) -> bytes:
    from fpdf import FPDF

    header_text = doc.meta.get("pdf_header", "Städtepartnerschaftsprogramm „Städte lernen von Städten“")
    footer_word = {"de": "Seite", "en": "Page", "fr": "Page"}.get(doc.meta["language"], "Page")
    footer_of = {"de": "von", "en": "of", "fr": "sur"}.get(doc.meta["language"], "of")

    class PDF(FPDF):
        def header(self):
            self.set_font("DejaVu", "", 8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 6, header_text, new_x="LMARGIN", new_y="NEXT", align="L")
            self.set_draw_color(180, 180, 180)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(4)
            self.set_text_color(0, 0, 0)

        def footer(self):
            self.set_y(-14)
            self.set_font("DejaVu", "", 8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 8, f"{footer_word} {self.page_no()} {footer_of} {{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pub = dt.date.fromisoformat(str(doc.meta["published"]))
    pdf = PDF(format="A4")
    pdf.set_creation_date(dt.datetime(pub.year, pub.month, pub.day, 9, 0, 0, tzinfo=dt.UTC))
    pdf.set_title(doc.title)
    pdf.set_author(doc.meta.get("author", "Servicestelle Städtepartnerschaftsprogramm"))
    pdf.set_lang(doc.meta["language"])
    pdf.set_creator("ccassist corpus generator")
    pdf.set_producer("fpdf2")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.alias_nb_pages()
    pdf.set_margins(22, 18, 22)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    pdf.set_font("DejaVu", "B", 17)
    pdf.multi_cell(0, 8.5, doc.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    body_size = 10.5
    for kind, text in doc.blocks:
        if kind == "h2":
            pdf.ln(3)
            if pdf.get_y() > pdf.h - 45:
                pdf.add_page()
            pdf.set_font("DejaVu", "B", 13)
            pdf.multi_cell(0, 7, text, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "h3":
            pdf.ln(1.5)
            if pdf.get_y() > pdf.h - 40:
                pdf.add_page()
            pdf.set_font("DejaVu", "B", 11)
            pdf.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.5)
        elif kind == "bullet":
            pdf.set_font("DejaVu", "", body_size)
            x0 = pdf.l_margin
            pdf.set_x(x0 + 3)
            pdf.cell(5, 5.6, "•")
            pdf.multi_cell(0, 5.6, text, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.6)
        else:
            pdf.set_font("DejaVu", "", body_size)
            pdf.multi_cell(0, 5.6, text, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.4)
    return bytes(pdf.output())


# --------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------
def render_docx(doc: Doc) -> bytes:
    import docx
    from docx.shared import Pt

    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    pub = dt.date.fromisoformat(str(doc.meta["published"]))
    stamp = dt.datetime(pub.year, pub.month, pub.day, 9, 0, 0)
    cp = d.core_properties
    cp.title = doc.title
    cp.author = doc.meta.get("author", "Servicestelle Städtepartnerschaftsprogramm")
    cp.last_modified_by = cp.author
    cp.language = doc.meta["language"]
    cp.created = stamp
    cp.modified = stamp
    cp.last_printed = stamp
    cp.revision = 1
    cp.subject = ""
    cp.keywords = ""
    cp.comments = ""
    cp.category = ""

    rtl = doc.meta["language"] == "ar"

    def set_rtl(paragraph):
        if not rtl:
            return
        from docx.oxml import OxmlElement

        ppr = paragraph._p.get_or_add_pPr()
        bidi = OxmlElement("w:bidi")
        ppr.insert(0, bidi)
        for run in paragraph.runs:
            rpr = run._r.get_or_add_rPr()
            rpr.append(OxmlElement("w:rtl"))

    set_rtl(d.add_heading(doc.title, level=0))
    for kind, text in doc.blocks:
        if kind == "h2":
            p = d.add_heading(text, level=1)
        elif kind == "h3":
            p = d.add_heading(text, level=2)
        elif kind == "bullet":
            p = d.add_paragraph(text, style="List Bullet")
        else:
            p = d.add_paragraph()
            lines = text.split("\n")
            for i, line in enumerate(lines):
                run = p.add_run(line)
                if i < len(lines) - 1:
                    run.add_break()
        set_rtl(p)
    buf = io.BytesIO()
    d.save(buf)
    return normalise_zip(buf.getvalue(), (pub.year, pub.month, pub.day, 9, 0, 0))


def normalise_zip(data: bytes, date_time: tuple) -> bytes:
    """Rewrite a zip with fixed timestamps so output is byte-identical across runs."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------
SITES = {
    # programme portal, one boilerplate per language
    "programme": {
        "de": {
            "brand": "Städtepartnerschaftsprogramm", "tagline": "Städte lernen von Städten",
            "home": "https://www.staedtepartner-programm.example/",
            "nav": ["Startseite", "Das Programm", "Partnerschaften", "Themen", "Termine", "Ausschreibungen", "Mediathek", "Kontakt"],
            "cookie": "Wir verwenden Cookies, um unsere Website für Sie optimal zu gestalten und fortlaufend zu verbessern. Mit einem Klick auf „Alle akzeptieren“ stimmen Sie der Verwendung zu. Weitere Informationen finden Sie in unserer Datenschutzerklärung.",
            "cookie_buttons": ["Alle akzeptieren", "Nur notwendige Cookies", "Einstellungen"],
            "crumbs": "Sie sind hier:", "search": "Suche", "skip": "Zum Inhalt springen",
            "aside_title": "Das könnte Sie auch interessieren",
            "aside": ["Alle Ausschreibungen im Überblick", "Veranstaltungskalender", "Newsletter abonnieren", "Häufige Fragen zur Antragstellung"],
            "footer_cols": [("Programm", ["Über uns", "Team", "Lenkungsgruppe", "Jahresberichte"]),
                         ("Service", ["Newsletter", "Presse", "Downloads", "Barrierefreiheit"]),
                         ("Rechtliches", ["Impressum", "Datenschutz", "Cookie-Einstellungen", "Leichte Sprache"])],
            "copyright": "© 2026 Servicestelle des Städtepartnerschaftsprogramms. Alle Rechte vorbehalten.",
            "share": "Seite teilen:", "print_": "Seite drucken", "top": "Nach oben"},
        "en": {
            "brand": "City Partnership Programme", "tagline": "Cities learning from cities",
            "home": "https://www.staedtepartner-programm.example/en/",
            "nav": ["Home", "The programme", "Partnerships", "Topics", "Events", "Calls", "Media library", "Contact"],
            "cookie": "We use cookies to give you the best possible experience on our website. By clicking “Accept all” you agree to the use of cookies. You can change your settings at any time; see our privacy policy for details.",
            "cookie_buttons": ["Accept all", "Necessary cookies only", "Settings"],
            "crumbs": "You are here:", "search": "Search", "skip": "Skip to content",
            "aside_title": "Related content",
            "aside": ["All calls at a glance", "Event calendar", "Subscribe to our newsletter", "FAQ on applications"],
            "footer_cols": [("Programme", ["About us", "Team", "Steering group", "Annual reports"]),
                         ("Service", ["Newsletter", "Press", "Downloads", "Accessibility"]),
                         ("Legal", ["Imprint", "Privacy policy", "Cookie settings", "Terms of use"])],
            "copyright": "© 2026 City Partnership Programme Office. All rights reserved.",
            "share": "Share this page:", "print_": "Print page", "top": "Back to top"},
        "fr": {
            "brand": "Programme de partenariats entre villes", "tagline": "Les villes apprennent des villes",
            "home": "https://www.staedtepartner-programm.example/fr/",
            "nav": ["Accueil", "Le programme", "Partenariats", "Thèmes", "Agenda", "Appels", "Médiathèque", "Contact"],
            "cookie": "Nous utilisons des cookies pour améliorer votre expérience sur notre site. En cliquant sur « Tout accepter », vous consentez à leur utilisation. Pour en savoir plus, consultez notre politique de confidentialité.",
            "cookie_buttons": ["Tout accepter", "Cookies nécessaires uniquement", "Paramètres"],
            "crumbs": "Vous êtes ici :", "search": "Rechercher", "skip": "Aller au contenu",
            "aside_title": "À lire aussi",
            "aside": ["Tous les appels en cours", "Agenda des événements", "S'abonner à la lettre d'information", "Questions fréquentes"],
            "footer_cols": [("Programme", ["Qui sommes-nous", "Équipe", "Groupe de pilotage", "Rapports annuels"]),
                         ("Services", ["Lettre d'information", "Presse", "Téléchargements", "Accessibilité"]),
                         ("Mentions", ["Mentions légales", "Protection des données", "Gestion des cookies", "Conditions d'utilisation"])],
            "copyright": "© 2026 Secrétariat du programme de partenariats entre villes. Tous droits réservés.",
            "share": "Partager :", "print_": "Imprimer", "top": "Haut de page"},
        "ar": {
            "brand": "برنامج الشراكات بين المدن", "tagline": "مدن تتعلم من مدن",
            "home": "https://www.staedtepartner-programm.example/ar/",
            "nav": ["الرئيسية", "عن البرنامج", "الشراكات", "المواضيع", "الفعاليات", "الدعوات", "المكتبة", "اتصل بنا"],
            "cookie": "نستخدم ملفات تعريف الارتباط (الكوكيز) لتحسين تجربتك على موقعنا. بالنقر على «قبول الكل» فإنك توافق على استخدامها. لمزيد من المعلومات يرجى الاطلاع على سياسة الخصوصية.",
            "cookie_buttons": ["قبول الكل", "الضرورية فقط", "الإعدادات"],
            "crumbs": "أنت هنا:", "search": "بحث", "skip": "الانتقال إلى المحتوى",
            "aside_title": "مواضيع ذات صلة",
            "aside": ["جميع الدعوات المفتوحة", "تقويم الفعاليات", "الاشتراك في النشرة الإخبارية", "الأسئلة الشائعة"],
            "footer_cols": [("البرنامج", ["من نحن", "الفريق", "مجموعة التوجيه", "التقارير السنوية"]),
                         ("خدمات", ["النشرة الإخبارية", "الصحافة", "التنزيلات", "إمكانية الوصول"]),
                         ("معلومات قانونية", ["بيانات الناشر", "حماية البيانات", "إعدادات الكوكيز", "شروط الاستخدام"])],
            "copyright": "© 2026 مكتب برنامج الشراكات بين المدن. جميع الحقوق محفوظة.",
            "share": "شارك الصفحة:", "print_": "طباعة", "top": "إلى الأعلى"},
    },
    # a city portal (Kiel) – German
    "kiel": {
        "de": {
            "brand": "Landeshauptstadt Kiel", "tagline": "kiel-stadt.example – Das Serviceportal",
            "home": "https://www.kiel-stadt.example/",
            "nav": ["Bürgerservice", "Rathaus & Politik", "Wirtschaft & Hafen", "Umwelt & Klima", "Kultur & Freizeit", "Presse"],
            "cookie": "Diese Website nutzt Cookies und eine datenschutzfreundliche Reichweitenmessung. Sie entscheiden, welche Dienste Sie zulassen. Ihre Auswahl können Sie jederzeit im Footer ändern.",
            "cookie_buttons": ["Zustimmen", "Ablehnen", "Auswahl anpassen"],
            "crumbs": "Sie befinden sich hier:", "search": "Suchbegriff eingeben", "skip": "Direkt zum Inhalt",
            "aside_title": "Weitere Meldungen",
            "aside": ["Hafenentwicklung Ostufer: Bürgerdialog", "Förderprogramm Lastenrad", "Baustellenübersicht", "Online-Terminvergabe Bürgerbüro"],
            "footer_cols": [("Rathaus", ["Ämter von A–Z", "Stellenangebote", "Ortsbeiräte", "Bürgerbeteiligung"]),
                         ("Service", ["Newsletter", "Pressestelle", "Notfallnummern", "Barrierefreiheit"]),
                         ("Rechtliches", ["Impressum", "Datenschutz", "Cookie-Einstellungen", "Erklärung zur Barrierefreiheit"])],
            "copyright": "© 2026 Landeshauptstadt Kiel – Referat für Kommunikation",
            "share": "Teilen:", "print_": "Drucken", "top": "Nach oben"},
    },
    # a city portal (Munich) – German
    "muenchen": {
        "de": {
            "brand": "Landeshauptstadt München", "tagline": "muenchen-stadt.example – Rathaus Umschau",
            "home": "https://www.muenchen-stadt.example/",
            "nav": ["Leben in München", "Rathaus", "Wirtschaft", "Digitales", "Presse", "Service"],
            "cookie": "Wir setzen technisch notwendige Cookies ein. Mit Ihrer Einwilligung verwenden wir zusätzlich Cookies zur Analyse der Nutzung. Ihre Einwilligung können Sie jederzeit widerrufen.",
            "cookie_buttons": ["Einverstanden", "Nur notwendige", "Details anzeigen"],
            "crumbs": "Navigation:", "search": "Suche auf muenchen-stadt.example", "skip": "Zum Hauptinhalt",
            "aside_title": "Mehr aus dem Rathaus",
            "aside": ["Digitalstrategie der Stadt", "Open-Data-Portal", "Stellenangebote IT-Referat", "Pressemitteilungen 2025"],
            "footer_cols": [("Stadtverwaltung", ["Referate", "Stadtrat", "Bezirksausschüsse", "Karriere"]),
                         ("Service", ["Rathaus Umschau abonnieren", "Kontaktformular", "Presse", "Barrierefreiheit"]),
                         ("Rechtliches", ["Impressum", "Datenschutz", "Cookie-Einstellungen", "Nutzungsbedingungen"])],
            "copyright": "© 2026 Landeshauptstadt München",
            "share": "Artikel teilen:", "print_": "Drucken", "top": "Nach oben"},
    },
}


def slug(s: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    if len(out) < 3:  # non-Latin labels (Arabic): stable short id instead of a transliteration
        import hashlib

        out = "p-" + hashlib.md5(s.encode("utf-8")).hexdigest()[:8]
    return out


def inline_html(text: str) -> str:
    text = html.escape(text)
    text = re.sub(r"([\w.+-]+@[\w-]+(?:\.[\w-]+)*\.example)", r'<a href="mailto:\1">\1</a>', text)
    return text.replace("\n", "<br>\n")


def render_html(doc: Doc) -> bytes:
    lang = doc.meta["language"]
    site = SITES[doc.meta.get("site", "programme")][lang]
    section = doc.meta.get("section", site["nav"][4])
    rtl = lang == "ar"
    home = site["home"]
    nav = "\n".join(
        f'        <li><a href="{home}{slug(n)}/">{html.escape(n)}</a></li>' for n in site["nav"]
    )
    art = []
    for kind, text in doc.blocks:
        if kind == "h2":
            art.append(f"      <h2>{html.escape(text)}</h2>")
        elif kind == "h3":
            art.append(f"      <h3>{html.escape(text)}</h3>")
        elif kind == "bullet":
            art.append(f"      <li>{inline_html(text)}</li>")
        else:
            art.append(f"      <p>{inline_html(text)}</p>")
    # wrap consecutive <li> in <ul>
    merged: list[str] = []
    in_list = False
    for line in art:
        is_li = line.lstrip().startswith("<li>")
        if is_li and not in_list:
            merged.append("      <ul>")
            in_list = True
        if not is_li and in_list:
            merged.append("      </ul>")
            in_list = False
        merged.append(("  " + line) if is_li else line)
    if in_list:
        merged.append("      </ul>")
    article = "\n".join(merged)
    aside = "\n".join(f'        <li><a href="{home}{slug(a)}/">{html.escape(a)}</a></li>' for a in site["aside"])
    cols = []
    for head, links in site["footer_cols"]:
        lis = "\n".join(f'          <li><a href="{home}{slug(l)}/">{html.escape(l)}</a></li>' for l in links)
        cols.append(f'      <div class="footer-col">\n        <h4>{html.escape(head)}</h4>\n        <ul>\n{lis}\n        </ul>\n      </div>')
    footer_cols = "\n".join(cols)
    buttons = "\n".join(f'      <button type="button" class="btn">{html.escape(b)}</button>' for b in site["cookie_buttons"])
    page = f"""<!DOCTYPE html>
<html lang="{lang}"{' dir="rtl"' if rtl else ''}>
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(doc.title)} | {html.escape(site['brand'])}</title>
  <link rel="stylesheet" href="{home}assets/css/main.min.css">
  <link rel="icon" href="{home}favicon.ico">
  <script src="{home}assets/js/consent.js" defer></script>
  <script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
</head>
<body class="page-article">
  <a class="skip-link" href="#main">{html.escape(site['skip'])}</a>
  <div id="cookie-banner" class="cookie-banner" role="dialog" aria-live="polite">
    <p>{html.escape(site['cookie'])}</p>
    <div class="cookie-actions">
{buttons}
    </div>
  </div>
  <header class="site-header">
    <div class="brand"><a href="{home}"><img src="{home}assets/img/logo.svg" alt="{html.escape(site['brand'])}"></a>
      <span class="tagline">{html.escape(site['tagline'])}</span></div>
    <form class="site-search" action="{home}suche/"><input type="search" name="q" placeholder="{html.escape(site['search'])}"></form>
    <nav class="main-nav" aria-label="{html.escape(site['nav'][0])}">
      <ul>
{nav}
      </ul>
    </nav>
  </header>
  <div class="breadcrumb">{html.escape(site['crumbs'])} <a href="{home}">{html.escape(site['nav'][0])}</a> › <a href="{home}{slug(section)}/">{html.escape(section)}</a> › <span>{html.escape(doc.title[:60])}</span></div>
  <main id="main">
    <article class="article">
      <h1>{html.escape(doc.title)}</h1>
{article}
    </article>
    <div class="article-tools"><span>{html.escape(site['share'])}</span> <a href="#">E-Mail</a> <a href="#">LinkedIn</a> <a href="#">Mastodon</a> | <a href="javascript:window.print()">{html.escape(site['print_'])}</a></div>
    <aside class="related">
      <h3>{html.escape(site['aside_title'])}</h3>
      <ul>
{aside}
      </ul>
    </aside>
  </main>
  <footer class="site-footer">
    <div class="footer-cols">
{footer_cols}
    </div>
    <p class="copyright">{html.escape(site['copyright'])}</p>
    <a class="to-top" href="#">{html.escape(site['top'])}</a>
  </footer>
</body>
</html>
"""
    return page.encode("utf-8")


# --------------------------------------------------------------------------------------
# Markdown / TXT
# --------------------------------------------------------------------------------------
def render_md(doc: Doc) -> bytes:
    out = [f"---\nvisibility: {doc.meta['visibility']}\n---\n", f"# {doc.title}\n"]
    prev = None
    for kind, text in doc.blocks:
        if kind == "h2":
            out.append(f"\n## {text}\n")
        elif kind == "h3":
            out.append(f"\n### {text}\n")
        elif kind == "bullet":
            if prev != "bullet":
                out.append("\n")
            out.append(f"- {text}\n")
        else:
            # keep explicit line breaks as Markdown hard breaks
            lines = text.split("\n")
            out.append("\n" + "  \n".join(lines) + "\n")
        prev = kind
    return "".join(out).encode("utf-8")


def render_txt(doc: Doc) -> bytes:
    wrap = doc.meta["language"] != "ar"
    width = 76
    out = [doc.title, "=" * min(len(doc.title), width), ""]
    prev = None
    for kind, text in doc.blocks:
        if kind in ("h2", "h3"):
            if out[-1] != "":
                out.append("")
            out.append(text)
            out.append(("-" if kind == "h2" else "~") * min(len(text), width))
            out.append("")
        elif kind == "bullet":
            if wrap:
                out.extend(textwrap.wrap(text, width, initial_indent="  - ", subsequent_indent="    "))
            else:
                out.append("  - " + text)
        else:
            if prev == "bullet":
                out.append("")
            for line in text.split("\n"):
                out.extend(textwrap.wrap(line, width) if wrap else [line])
            out.append("")
        prev = kind
    text = "\n".join(out).rstrip("\n") + "\n"
    enc = doc.meta.get("encoding", "utf-8")
    if doc.meta.get("newline") == "crlf":
        text = text.replace("\n", "\r\n")
    if enc == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(enc)


RENDERERS = {"pdf": render_pdf, "docx": render_docx, "html": render_html, "md": render_md, "txt": render_txt}


# --------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------
ARABIC = re.compile(r"[\u0600-\u06ff]")


def alias_pattern(alias: str, city: bool) -> str:
    if ARABIC.search(alias):
        # Arabic: whole word, optionally with a clitic prefix (و، ب، ل، ف)
        return r"(?:(?<!\w)|(?<=(?<!\w)[وبلف]))" + re.escape(alias) + r"(?!\w)"
    if city:
        # German adjectives (Kieler, Bonner) count as mentions; Tunis must not match Tunisia/Tunisie
        return r"(?<![\w-])" + re.escape(alias) + r"(?!i[ae])"
    return r"(?<!\w)" + re.escape(alias) + r"(?!\w)"


def find_cities(text: str) -> set[str]:
    found = set()
    for canon, (_country, aliases) in CITIES.items():
        for a in aliases:
            if re.search(alias_pattern(a, True), text):
                found.add(canon)
    return found


def find_countries(text: str) -> set[str]:
    found = set()
    for canon, aliases in COUNTRIES.items():
        for a in aliases:
            if re.search(alias_pattern(a, False), text):
                found.add(canon)
    return found


def check(docs: list[Doc]) -> list[str]:
    warnings = []
    files = [d.file for d in docs]
    if len(set(files)) != len(files):
        warnings.append("duplicate file names")
    for d in docs:
        m = d.meta
        text = d.plain_text()
        words = len(text.split())
        t = m["doc_type"]
        lo, hi = (600, 1500) if t in ("report", "strategy") else (250, 600) if t in ("call", "invitation", "news") else (200, 900)
        if not lo <= words <= hi + 60:
            warnings.append(f"{d.file}: {words} words (want {lo}-{hi} for {t})")
        for key, allowed in (("doc_type", DOC_TYPES), ("visibility", VISIBILITIES), ("language", LANGS)):
            if m[key] not in allowed:
                warnings.append(f"{d.file}: bad {key} {m[key]}")
        for tp in m["topics"]:
            if tp not in TOPICS:
                warnings.append(f"{d.file}: unknown topic {tp}")
        declared = set(m["cities"])
        found = find_cities(text)
        if declared != found:
            warnings.append(f"{d.file}: cities declared-not-found {sorted(declared - found)} found-not-declared {sorted(found - declared)}")
        want_countries = {CITIES[c][0] for c in declared} | find_countries(text)
        if set(m["countries"]) != want_countries:
            warnings.append(f"{d.file}: countries {sorted(m['countries'])} vs cities+named {sorted(want_countries)}")
        if t == "call" and not m.get("deadline"):
            warnings.append(f"{d.file}: call without deadline")
        if not re.fullmatch(r"[a-z0-9_.\-]+", d.file):
            warnings.append(f"{d.file}: file name not lowercase ascii")
    return warnings


# --------------------------------------------------------------------------------------
# README / manifest
# --------------------------------------------------------------------------------------
IGNORE = "README.md\ngenerate.py\n_src/\n*.py\nMANIFEST.json\n"

README_HEAD = """# ccassist sample corpus

A small, **entirely fictional** document collection of a city-to-city exchange programme
(„Städtepartnerschaftsprogramm – Städte lernen von Städten“ / City Partnership Programme /
Programme de partenariats entre villes / برنامج الشراكات بين المدن). Municipalities from Germany,
Sub-Saharan Africa, the Middle East and North Africa, Asia and Latin America learn from each other in
workshops, learning processes, study tours and network meetings.

Every document, person, partnership, project, figure, e-mail address and event in this folder is
invented. The city names are real, the partnerships between them are not. Domains end in `.example`,
phone numbers use the fictional `555` range.

## Rebuild

```
python corpus/generate.py            # renders _src/*.txt into PDF/DOCX/HTML/MD/TXT, sidecars, MANIFEST.json, this README
python corpus/generate.py --check    # same, and prints consistency warnings (word counts, cities, countries)
```

The texts live in `_src/*.txt` (YAML header with the ground truth + body in a tiny markup, see the
docstring of `generate.py`). Output is deterministic (fixed timestamps), so re-running the script does not
change any file and an idempotent ingest does nothing.

## Conventions

- **Visibility** (`public` / `members` / `internal`): Markdown files declare it in YAML front matter;
  every other file has a sidecar `<file name>.meta.yaml` next to it containing only `visibility: …`.
  All other metadata (title, language, type, dates, places, topics) must be extracted from the content.
- `.ccassistignore` lists what the ingester skips (this README, the generator, `_src/`, `MANIFEST.json`).
- `MANIFEST.json` is the author's ground truth per document: `file, title, language, doc_type, visibility,
  published, deadline, cities, countries, topics, events`. `cities` are the programme cities mentioned in
  the text (canonical English exonyms: Cologne for Köln, Munich for München); `countries` are the
  countries of those cities plus any programme country named in the text. `deadline` is the application
  or registration deadline (calls: application deadline; invitations: registration deadline). `events`
  lists the exchanges (workshop, learning process, network meeting, study tour, conference) a document
  announces or documents, with their dates and host city.
- **Today is 2026-11-25** for this corpus: calls with a deadline before that date are expired.
- Topics (keys used in MANIFEST and eval files):
"""


def write_readme(docs: list[Doc]) -> None:
    lines = [README_HEAD]
    for k, v in TOPICS.items():
        lines.append(f"  - `{k}` – {v}\n")
    lines.append("\n## Cast\n\nProgramme cities (country): ")
    lines.append(", ".join(f"{c} ({v[0]})" for c, v in CITIES.items()) + ".\n")
    lines.append(CAST)
    lines.append("\n## Documents\n\n| file | language | type | visibility | published | deadline |\n|---|---|---|---|---|---|\n")
    for d in sorted(docs, key=lambda d: d.file):
        m = d.meta
        dl = m.get("deadline") or ""
        mark = ""
        if m["doc_type"] == "call" and dl:
            mark = " (open)" if dt.date.fromisoformat(str(dl)) >= TODAY else " (expired)"
        lines.append(f"| `{d.file}` | {m['language']} | {m['doc_type']} | {m['visibility']} | {m['published']} | {dl}{mark} |\n")
    counts = summary(docs)
    lines.append("\n## Counts\n\n")
    for k, v in counts.items():
        lines.append(f"- {k}: " + ", ".join(f"{a} {b}" for a, b in v.items()) + "\n")
    lines.append(EVAL_NOTE)
    (HERE / "README.md").write_text("".join(lines), encoding="utf-8")


CAST = """
Partnerships (all fictional): Bonn–Kisumu (climate adaptation, flooding, nature-based solutions),
Hamburg–Mombasa (coastal and urban flooding, wastewater, disaster risk), Kiel–Agadir (green hydrogen, port),
Kiel–Saint-Louis (coastal protection, early warning), Dortmund–Accra and Dortmund–Sfax (waste and circular
economy), Freiburg–Curitiba (green corridors), Freiburg–Windhoek (solar energy, green hydrogen, skills),
Leipzig–Belo Horizonte (housing), Leipzig–Da Nang (heat and flooding), Mannheim–Amman (heat, water),
Mannheim–Querétaro (local economic development), Jena–Irbid (water losses, wastewater), Jena–Cuenca
(river restoration), Cologne–Kampala (fire brigades, disaster risk management), Munich–Pune (AI in
administration), Munich–Tunis (digital citizen services). Cebu takes part in learning processes without a
German partner (a Cologne–Cebu partnership is being explored).

People (all fictional): programme office in Bonn – Dr. Katharina Vogel (head of programme), Jonas Brenner
(climate adaptation, nature-based solutions), Leila Haddad (MENA), Miriam Osei-Lange (circular economy,
Sub-Saharan Africa), Tobias Reinhardt (digitalisation), Sophie Lambert (francophone Africa, Maghreb,
hydrogen), Carlos Mendes Ribeiro (Latin America, urban green, housing, local economic development);
in the cities – Stefan Hollmann (Bonn), Grace Achieng Otieno (Kisumu), Amani Mwakio (Mombasa),
Henrike Jansen (Kiel), Youssef El Amrani (Agadir), Kwame Asante Boateng (Accra), Fatma Ben Salah (Sfax),
Uwe Kestermann (Cologne fire brigade), Sarah Nakato (Kampala), Rana Al-Khatib (Amman), Ahmad Al-Zoubi
(Irbid), Dr. Martin Schäfer (Jena), Ananya Kulkarni (Pune), Lucas Ferreira (Curitiba), Ines Wagner (Leipzig),
Dr. Petra Lindner (Mannheim), Ndapewa Shikongo (Windhoek), Mamadou Sarr (Saint-Louis).

## What the documents exercise

- PDFs: 12 files, each with 2–3 pages; a running header line and a "Seite n von N" / "Page n of N"
  footer on every page (boilerplate to strip); headings are bold lines; umlauts and French accents extract
  cleanly with pypdf (DejaVu Sans, embedded with a ToUnicode map). No Arabic PDF.
- DOCX: Title style for the title, real Heading 1 / Heading 2 styles, `List Bullet` items,
  `core_properties.title` set; the Arabic DOCX has right-to-left paragraphs.
- HTML: full site boilerplate (skip link, cookie banner, header with search and navigation, breadcrumb,
  share/print tools, "related" aside, footer with link columns and a `© 2026` line) around
  `<main><article><h1>`; three site templates (programme portal in de/en/fr/ar, Kiel and Munich city portals);
  the Arabic page is `dir="rtl"`.
- Markdown: YAML front matter with `visibility` only, `# Title`, `##`/`###` sections.
- TXT: `2023-12_bericht_hitzeschutz-workshop-amman.txt` is **cp1252 with CRLF** (German umlauts, „“ quotes, en dashes),
  `2026-09_khabar_irbid-jena-faqid-al-miyah.txt` is **UTF-16 LE with BOM and CRLF** (Arabic); the other
  three are UTF-8.
- Dates in many forms: `25.–27. November 2025`, `Am 14. und 15. Mai 2024`, `15.01.2027`, `12–14 May 2025`,
  `from 21 to 23 September 2027`, `16–18 octobre 2024`, `les 3 et 4 février 2027`, `21–23 أكتوبر 2024`,
  `من 7 إلى 10 سبتمبر 2026`; publication lines `Stand: …`, `Bonn, den …`, `Published: …`, `Publié le …`,
  `تاريخ النشر: …`, `نُشر في …`. Dates without a year are avoided.
- Places in many forms: German adjectives (Kieler, Bonner, Jenaer), exonyms (Köln/Cologne, München/Munich,
  Hambourg, Fribourg-en-Brisgau), Arabic names with clitics (وعمّان، وإربد); in Arabic `تونس` is the country
  and `مدينة تونس` the city.
"""

EVAL_NOTE = """
## Evaluation sets

`tests/eval/*.jsonl` are written by hand against these documents (gold = corpus file basenames):
`questions.jsonl` (retrieval), `answers.jsonl` (answers with verbatim gold facts, incl. unanswerable
questions), `factsheets.jsonl` (facts a fact sheet per topic must mention), `exchanges.jsonl` (problem
descriptions → past exchanges that should be found), `extraction_labels.jsonl` (cities, countries, all
explicit calendar dates as ISO – ranges give start and end, dates without a year are not written in the
labelled documents – deadline and publication date). If you edit a text in `_src/`, update those files.
"""


def summary(docs: list[Doc]) -> dict:
    out: dict[str, dict] = {}
    for key in ("ext", "language", "doc_type", "visibility"):
        c: dict[str, int] = {}
        for d in docs:
            v = d.ext if key == "ext" else d.meta[key]
            c[v] = c.get(v, 0) + 1
        out[{"ext": "format"}.get(key, key)] = dict(sorted(c.items(), key=lambda kv: -kv[1]))
    years: dict[str, int] = {}
    for d in docs:
        y = str(d.meta["published"])[:4]
        years[y] = years.get(y, 0) + 1
    out["published year"] = dict(sorted(years.items()))
    return out


def manifest_entry(d: Doc) -> dict:
    m = d.meta
    return {
        "file": d.file,
        "title": d.title,
        "language": m["language"],
        "doc_type": m["doc_type"],
        "visibility": m["visibility"],
        "published": str(m["published"]),
        "deadline": str(m["deadline"]) if m.get("deadline") else None,
        "cities": sorted(m["cities"]),
        "countries": sorted(m["countries"]),
        "topics": m["topics"],
        "events": [
            {k: (str(v) if isinstance(v, dt.date) else v) for k, v in ev.items()} for ev in m.get("events", [])
        ],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="print consistency warnings")
    args = ap.parse_args(argv)

    docs = [Doc(p) for p in sorted(SRC.glob("*.txt"))]
    # remove previously generated documents and sidecars (only our output types, never other files)
    keep = {"README.md"}
    for p in HERE.iterdir():
        if p.is_file() and p.name not in keep and (p.suffix.lstrip(".") in RENDERERS or p.name.endswith(".meta.yaml")):
            p.unlink()
    for d in docs:
        data = RENDERERS[d.ext](d)
        (HERE / d.file).write_bytes(data)
        if d.ext != "md":
            (HERE / f"{d.file}.meta.yaml").write_text(f"visibility: {d.meta['visibility']}\n", encoding="utf-8")
    manifest = [manifest_entry(d) for d in sorted(docs, key=lambda d: d.file)]
    (HERE / "MANIFEST.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (HERE / ".ccassistignore").write_text(IGNORE, encoding="utf-8")
    write_readme(docs)
    print(f"wrote {len(docs)} documents to {HERE}")
    for k, v in summary(docs).items():
        print(f"  {k}: " + ", ".join(f"{a}={b}" for a, b in v.items()))
    if args.check:
        warns = check(docs)
        for w in warns:
            print("WARN", w)
        print(f"{len(warns)} warnings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
