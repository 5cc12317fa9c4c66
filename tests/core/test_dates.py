"""Dates: every form the programme writes, ranges, deadlines vs. events, publication dates, non-dates."""

from __future__ import annotations

import time
from datetime import date

import pytest

from core.dates import (
    analyse_dates,
    event_dates,
    extract_deadlines,
    extract_publication_date,
    find_dates,
    parse_date_value,
)

D = date


def spans(text: str, lang: str | None = None) -> list[tuple[date, date | None]]:
    return [(m.start, m.end) for m in find_dates(text, lang)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # German
        ("am 7. Februar 2026", [(D(2026, 2, 7), None)]),
        ("am 07.02.2026", [(D(2026, 2, 7), None)]),
        ("am 7.2.2026", [(D(2026, 2, 7), None)]),
        ("3. Okt. 2025", [(D(2025, 10, 3), None)]),
        ("vom 25.–27. November 2025", [(D(2025, 11, 25), D(2025, 11, 27))]),
        ("vom 25. bis 27. November 2025", [(D(2025, 11, 25), D(2025, 11, 27))]),
        ("30. November – 2. Dezember 2025", [(D(2025, 11, 30), D(2025, 12, 2))]),
        ("30. Dezember – 2. Januar 2026", [(D(2025, 12, 30), D(2026, 1, 2))]),
        ("12.–14.05.2025", [(D(2025, 5, 12), D(2025, 5, 14))]),
        ("30.11.–02.12.2025", [(D(2025, 11, 30), D(2025, 12, 2))]),
        ("30.12.2025 – 02.01.2026", [(D(2025, 12, 30), D(2026, 1, 2))]),
        ("am 10. und 11. September 2025", [(D(2025, 9, 10), D(2025, 9, 11))]),
        # English
        ("February 7, 2026", [(D(2026, 2, 7), None)]),
        ("7 February 2026", [(D(2026, 2, 7), None)]),
        ("7th February 2026", [(D(2026, 2, 7), None)]),
        ("Sept. 3, 2025", [(D(2025, 9, 3), None)]),
        ("12–14 May 2025", [(D(2025, 5, 12), D(2025, 5, 14))]),
        ("May 12-14, 2025", [(D(2025, 5, 12), D(2025, 5, 14))]),
        ("November 30 – December 2, 2025", [(D(2025, 11, 30), D(2025, 12, 2))]),
        # French
        ("le 7 février 2026", [(D(2026, 2, 7), None)]),
        ("le 1er mars 2026", [(D(2026, 3, 1), None)]),
        ("du 12 au 14 mai 2025", [(D(2025, 5, 12), D(2025, 5, 14))]),
        ("du 30 novembre au 2 décembre 2025", [(D(2025, 11, 30), D(2025, 12, 2))]),
        # ISO, Spanish
        ("2026-02-07", [(D(2026, 2, 7), None)]),
        ("7 de febrero de 2026", [(D(2026, 2, 7), None)]),
        # Arabic, incl. Arabic-Indic digits and Levantine / Maghreb month names
        ("7 فبراير 2026", [(D(2026, 2, 7), None)]),
        ("٧ فبراير ٢٠٢٦", [(D(2026, 2, 7), None)]),
        ("7 شباط 2026", [(D(2026, 2, 7), None)]),
        ("١٥ آذار ٢٠٢٦", [(D(2026, 3, 15), None)]),
        ("3 كانون الثاني 2026", [(D(2026, 1, 3), None)]),
        ("7 شباط (فبراير) 2026", [(D(2026, 2, 7), None)]),
        ("12 جوان 2025", [(D(2025, 6, 12), None)]),
        ("من 12 إلى 14 مايو 2025", [(D(2025, 5, 12), D(2025, 5, 14))]),
    ],
)
def test_date_forms(text: str, expected: list[tuple[date, date | None]]) -> None:
    assert spans(text) == expected


def test_surface_and_positions() -> None:
    text = "Die Konferenz findet vom 25.–27. November 2025 in Bonn statt."
    [m] = find_dates(text)
    assert m.surface == "25.–27. November 2025"
    assert text[m.pos : m.end_pos] == m.surface
    assert m.last == D(2025, 11, 27)
    arabic = "الموعد ٧ فبراير ٢٠٢٦"
    [a] = find_dates(arabic)
    assert a.surface == "٧ فبراير ٢٠٢٦" and arabic[a.pos : a.end_pos] == a.surface


@pytest.mark.parametrize(
    "text",
    [
        "31.02.2026",  # no 31 February
        "29.02.2025",  # not a leap year
        "31. April 2026",
        "30. Februar – 2. März 2026",
        "31.–33. Mai 2025",
        "2025-13-01",
        "Version 2.1.2023 der Software",
        "v1.2.2025",
        "Tel. +49 228 4460 1234",
        "Fax 0228/2025-2026",
        "Kosten: EUR 12.500,00 bzw. 1.250.000 Euro",
        "im Jahr 2025 und 2026",
        "Mainz 2026",
        "Seite 12 von 2026",
    ],
)
def test_non_dates_and_invalid_dates_are_rejected(text: str) -> None:
    assert find_dates(text) == []


def test_month_only_is_opt_in_and_flagged() -> None:
    assert find_dates("Februar 2026") == []
    [m] = find_dates("im Februar 2026", include_months=True)
    assert m.precision == "month" and (m.start.year, m.start.month) == (2026, 2)
    assert analyse_dates("Die Auswahl erfolgt im Dezember 2023.").events == []


def test_slash_dates_day_first_unless_impossible() -> None:
    assert spans("07/02/2026") == [(D(2026, 2, 7), None)]
    assert spans("12/31/2025") == [(D(2025, 12, 31), None)]
    assert spans("02/13/2026", "en") == [(D(2026, 2, 13), None)]


GERMAN_CALL = """Aufruf zur Teilnahme: Kommunale Klimapartnerschaften 2026
Stand: 15. Januar 2026

Die Netzwerkkonferenz findet vom 25.–27. November 2025 in Bonn statt.
Bewerbungsfrist ist der 7. Februar 2026. Die Auftaktveranstaltung ist am 12. März 2026.
Bewerbungen bis zum 28.02.2026 per E-Mail; die Auswahl erfolgt am 15.04.2026.
Projektskizzen sind bis spätestens 1. März 2026 einzureichen.
"""


def test_deadlines_vs_event_dates_in_a_german_call() -> None:
    analysis = analyse_dates(GERMAN_CALL)
    assert analysis.published == D(2026, 1, 15)
    assert analysis.deadlines == [D(2026, 2, 7), D(2026, 2, 28), D(2026, 3, 1)]
    assert analysis.events == [D(2025, 11, 25), D(2025, 11, 27), D(2026, 3, 12), D(2026, 4, 15)]
    assert extract_deadlines(GERMAN_CALL) == analysis.deadlines
    assert event_dates(GERMAN_CALL) == analysis.events
    assert extract_publication_date(GERMAN_CALL) == D(2026, 1, 15)


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("Bewerbungsschluss: 31.10.2023", D(2023, 10, 31)),
        ("Anmeldeschluss ist der 3. Mai 2026.", D(2026, 5, 3)),
        ("Bitte melden Sie sich bis zum 12. April 2024 an.", D(2024, 4, 12)),
        ("Anmeldung bis 1. Juni 2026 erbeten.", D(2026, 6, 1)),
        ("7. Februar 2026 (Bewerbungsschluss)", D(2026, 2, 7)),
        ("Deadline: February 7, 2026", D(2026, 2, 7)),
        ("Please apply by 7 February 2026.", D(2026, 2, 7)),
        ("Applications close on 1 March 2026.", D(2026, 3, 1)),
        ("Registration closes May 12, 2025.", D(2025, 5, 12)),
        ("to be submitted no later than 7 Feb. 2026", D(2026, 2, 7)),
        ("Date limite de dépôt : 7 février 2026", D(2026, 2, 7)),
        ("Inscriptions jusqu'au 1er mars 2026.", D(2026, 3, 1)),
        ("à envoyer au plus tard le 15 avril 2026", D(2026, 4, 15)),
        ("آخر موعد لتقديم الطلبات ٧ فبراير ٢٠٢٦", D(2026, 2, 7)),
        ("الموعد النهائي: 15 مارس 2026", D(2026, 3, 15)),
        ("يرجى التسجيل قبل 1 أبريل 2026", D(2026, 4, 1)),
    ],
)
def test_deadline_cues(text: str, deadline: date) -> None:
    assert extract_deadlines(text) == [deadline]


def test_deadline_scope_stops_at_sentence_end() -> None:
    text = "Die Bewerbungsfrist wird noch bekanntgegeben. Der Workshop findet am 12. März 2026 statt."
    assert extract_deadlines(text) == []
    assert event_dates(text) == [D(2026, 3, 12)]
    # "من قبل" means "by", not "before"
    assert extract_deadlines("تم إعداد التقرير من قبل البلدية في 5 مارس 2026") == []


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("Stand: 15. Januar 2026\n\nDer Workshop am 3. März 2026.", D(2026, 1, 15)),
        ("Veröffentlicht am 14. Juni 2023\n\nDelegation vom 5.–8. Juni 2023.", D(2023, 6, 14)),
        ("Published: 18 March 2025\n\nWork began on 3 March 2025.", D(2025, 3, 18)),
        ("Publié le 17 octobre 2023\n\nPrésenté le 12 octobre 2023.", D(2023, 10, 17)),
        ("نُشر في 9 يوليو 2025\n\nافتتحت في 7 يوليو 2025", D(2025, 7, 9)),
        ("تاريخ النشر: 20 أكتوبر 2026", D(2026, 10, 20)),
        ("Bonn, den 3. Mai 2026\n\nSehr geehrte Damen und Herren, am 12. Juni 2026 …", D(2026, 5, 3)),
        ("# Titel\n\nBonn, 11. September 2023\n\nText", D(2023, 9, 11)),
        ("Leipzig und Bonn, 16. September 2024\n\nVom 5.–7. August 2024 fand …", D(2024, 9, 16)),
        ("Version 1.0, 27 May 2024 – for programme members", D(2024, 5, 27)),
    ],
)
def test_publication_cues(text: str, published: date) -> None:
    assert extract_publication_date(text) == published


def test_no_cue_no_publication_date() -> None:
    # the first date of a text is usually an event, not its publication date
    assert extract_publication_date("Die Konferenz findet am 3. Mai 2026 in Bonn statt.") is None
    assert extract_publication_date("Termin, 3. Mai 2026") is None  # not a place: no dateline
    assert extract_publication_date("Closing date: 3 May 2026") is None


def test_front_matter_wins() -> None:
    assert extract_publication_date("Stand: 1. Januar 2020", {"date": "2026-05-03"}) == D(2026, 5, 3)
    assert extract_publication_date("x", {"Datum": "3. Mai 2026"}) == D(2026, 5, 3)
    assert extract_publication_date("x", {"published": D(2024, 1, 2)}) == D(2024, 1, 2)
    assert parse_date_value("nonsense") is None
    assert parse_date_value(None) is None


def test_find_dates_is_fast_on_long_text() -> None:
    para = (
        "Die Stadt Bonn arbeitet seit 2019 mit ihren Partnern an der Klimaanpassung. Am 7. Februar 2026 fand ein "
        "Workshop statt, an dem 25 Personen teilnahmen; die Kosten lagen bei 3.500 Euro. Telefon 0228 123456. "
    )
    text = para * 330  # ~10,000 words
    find_dates(para)
    t0 = time.process_time()
    analysis = analyse_dates(text)
    assert time.process_time() - t0 < 0.5
    assert len(analysis.mentions) == 330
