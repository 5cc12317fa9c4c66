"""The UI's pure helpers: escaping, right-to-left detection, snippets, citations, dates, labels."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from ui.i18n import LABELS, label_value, t
from ui.models import FactSheet
from ui.render import (
    cited_html,
    deadline_state,
    esc,
    format_date,
    is_rtl,
    passage_html,
    snippet_html,
    split_citations,
)
from ui.views.factsheets import apply_decisions, parse_lines

UI = Path(__file__).resolve().parents[2] / "ui"


def test_esc_neutralises_html_and_markdown() -> None:
    out = esc('<script>alert("x")</script> $5 **bold** _i_ [l](u) `c` # h\nnext')
    assert "<script>" not in out and "&lt;script&gt;" in out
    for raw in ("$", "**", "_i_", "[l]", "`", "# h"):
        assert raw not in out
    assert "<br>" in out and "\n" not in out


def test_esc_keeps_umlauts_and_arabic() -> None:
    assert esc("Größe Übergabe") == "Größe Übergabe"
    assert esc("إربد") == "إربد"


def test_rtl_detection() -> None:
    assert is_rtl("تقرير ورشة العمل الإقليمية في إربد 2024")
    assert not is_rtl("Workshop in Irbid (إربد), Jordanien, Oktober 2024")
    assert is_rtl("anything", "ar")
    html = passage_html("ورشة عمل <b>")
    assert 'dir="rtl"' in html and "&lt;b&gt;" in html
    assert 'dir="auto"' in passage_html("Bericht aus Köln")


def test_snippet_marks_terms_and_escapes_the_rest() -> None:
    html = snippet_html("Das **Frühwarnsystem** <i>in</i> Kiel **Saint-Louis**")
    assert html.count("<mark>") == 2 and "<mark>Frühwarnsystem</mark>" in html
    assert "<i>" not in html and "&lt;i&gt;" in html


def test_citations_split_and_render() -> None:
    assert split_citations("A [1]. B [2][3] und C [4, 5].") == [("A", [1]), (". B", [2, 3]), (" und C", [4, 5]),
                                                              (".", [])]
    html = cited_html("Ja [1][9].", known={1})
    assert '<sup class="cc-cite">1</sup>' in html and ">9<" not in html
    listed = cited_html("Zwei Städte:\n- Kiel [1]\n- Agadir [2]\nEnde.")
    assert listed.count("<li>") == 2 and listed.count("<p>") == 2 and "<ul>" in listed


def test_dates_and_deadlines() -> None:
    assert format_date("2026-02-07", "de") == "7. Feb. 2026"
    assert format_date(date(2026, 3, 1), "en") == "1 Mar 2026"
    today = date(2026, 11, 25)
    assert deadline_state("2026-12-01", today=today) == (6, "red")
    assert deadline_state("2026-12-20", today=today) == (25, "orange")
    assert deadline_state("2027-02-28", today=today)[1] == "green"
    assert deadline_state("2026-05-15", today=today) == (-194, "grey")
    assert deadline_state(None, today=today) == (None, "grey")


def test_every_label_has_both_languages_and_every_used_key_exists() -> None:
    for key, (de, en) in LABELS.items():
        assert de and en, key
        assert set(re.findall(r"{(\w+)}", de)) == set(re.findall(r"{(\w+)}", en)), key
    used = set()
    for path in UI.rglob("*.py"):
        used |= set(re.findall(r"""\btr\(\s*["']([\w.]+)["']""", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in LABELS)
    assert not missing, missing
    assert t("nav.search", "en") == "Search" and t("nav.search", "de") == "Suche"
    assert label_value("type", "report", "de") == "Bericht" and label_value("type", "memo", "de") == "memo"


def test_fact_sheet_edit_round_trip() -> None:
    lines = "- Kiel plant einen Elektrolyseur [1][2].\n\nAgadir prüft den Export [3].\nOhne Beleg."
    sentences = parse_lines(lines)
    assert [(s.text, s.citations) for s in sentences] == [
        ("Kiel plant einen Elektrolyseur.", [1, 2]),
        ("Agadir prüft den Export.", [3]),
        ("Ohne Beleg.", []),
    ]
    sheet = FactSheet.model_validate({
        "topic": "Wasserstoff",
        "sections": [{"heading": "Zusammenfassung", "key": "summary", "sentences": []},
                     {"heading": "Fakten", "key": "facts", "sentences": []}],
        "unsupported": [{"text": "A.", "citations": [1], "reason": "r", "section": "facts"},
                        {"text": "B.", "citations": [2], "reason": "r"},
                        {"text": "C.", "citations": [], "reason": "r"}],
    })
    out = apply_decisions(sheet, {0: "accept", 1: "reject"})
    assert [s.text for s in out.sections[1].sentences] == ["A."]
    assert [u.text for u in out.unsupported] == ["C."]


def test_calls_order_and_filter() -> None:
    from ui.client import _with_days
    from ui.models import Call
    from ui.views.calls import matches, order_calls

    today = date(2026, 11, 25)
    calls = [_with_days(Call(doc_id=i, title=t, deadline=d, cities=c), today) for i, t, d, c in (
        ("late", "Später Aufruf", date(2027, 3, 1), ["Kiel"]),
        ("soon", "Baldiger Aufruf", date(2026, 12, 1), ["Köln"]),
        ("old", "Alter Aufruf", date(2026, 1, 1), []),
        ("older", "Ältester Aufruf", date(2025, 1, 1), []),
        ("none", "Ohne Frist", None, []),
    )]
    assert [c.doc_id for c in order_calls(calls)] == ["soon", "late", "none", "old", "older"]
    assert [c.doc_id for c in calls if matches(c, "köln")] == ["soon"]


def test_city_rows_from_exchanges() -> None:
    from ui.models import ExchangeResponse
    from ui.views.exchanges import city_rows

    response = ExchangeResponse.model_validate({"exchanges": [
        {"cities": ["Jena", "Irbid"], "participants": [{"name": "Irbid", "country": "Jordan"}],
         "host": "Jena", "host_country": "Germany", "topics": ["water"], "start": "2024-10-21"},
        {"cities": ["Irbid", "Amman"], "topics": ["urban-green"], "start": "2025-07-01"},
    ]})
    rows = {r.city: r for r in city_rows(response)}
    assert rows["Irbid"].exchanges == 2 and rows["Irbid"].country == "Jordan"
    assert rows["Irbid"].topics == ["urban-green", "water"] and rows["Irbid"].last == date(2025, 7, 1)
    assert rows["Jena"].country == "Germany" and rows["Amman"].country is None
