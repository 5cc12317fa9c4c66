"""Open calls with a fixed clock: deadlines, days left, expired flags, order and visibility."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from api.services import Services
from retrieval.calls import list_calls, target_regions
from tests.conftest import make_settings

TODAY = date(2026, 11, 25)

DOCS = {
    "open_late.md": ("public", """# Aufruf zur Teilnahme: Fachpartnerschaften Feuerwehr 2027

Veröffentlicht am 5. Oktober 2026

Das Programm sucht Kommunen in Lateinamerika und Afrika südlich der Sahara für Partnerschaften der Feuerwehr.
Bewerbungsfrist: 15. Januar 2027. Kontakt: Miriam Osei-Lange, miriam.osei@example.org
"""),
    "open_soon.md": ("public", """# Call for Participation: Green Corridors Network 2027

Published: 3 November 2026

Cities in the Middle East and North Africa can join the network for urban green. Deadline: 15 December 2026.
"""),
    "expired.md": ("public", """# Ausschreibung: Pilotprojekte Kreislaufwirtschaft 2026

Bonn, den 10. November 2025

Gefördert werden Pilotprojekte zu Abfall und Recycling. Die Bewerbungsfrist endet am 7. Februar 2026.
"""),
    "expired_older.md": ("public", """# Aufruf: Partnerschaften für bezahlbares Wohnen

Stand: 3. Juni 2024

Bewerbungen bis zum 30. September 2024 an die Servicestelle.
"""),
    "invitation.md": ("public", """# Einladung zum Netzwerktreffen Klimaanpassung, Bonn, 25.–27. November 2025

Bonn, den 18. August 2025

Bitte melden Sie Ihre Delegation bis spätestens 10. Oktober 2025 an.
"""),
    "members_call.md": ("members", """# Aufruf zur Teilnahme: Lernprozess Wasser und Hitze

Stand: 20. Oktober 2026

Bewerbungsfrist: 28. Februar 2027.
"""),
}


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    root = tmp_path_factory.mktemp("calls")
    folder = root / "docs"
    folder.mkdir()
    for name, (visibility, body) in DOCS.items():
        (folder / name).write_text(f"---\nvisibility: {visibility}\n---\n{body}", encoding="utf-8")
    services = Services(make_settings(root))
    report = services.ingest([folder])
    assert report.indexed == len(DOCS) and not report.failed
    yield services
    services.close()


def _by_name(response) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {Path(c.source).name: c for c in response.calls}


def test_open_first_then_expired_with_days_left(services: Services) -> None:
    response = list_calls(services.store, today=TODAY, allowed_visibility=["public"])
    names = [Path(c.source).name for c in response.calls]
    assert names == ["open_soon.md", "open_late.md", "expired.md", "invitation.md", "expired_older.md"]
    calls = _by_name(response)
    soon = calls["open_soon.md"]
    assert soon.deadline == date(2026, 12, 15) and soon.days_left == 20 and soon.expired is False
    expired = calls["expired.md"]
    assert expired.expired is True and expired.days_left == (date(2026, 2, 7) - TODAY).days
    invitation = calls["invitation.md"]
    assert invitation.kind == "invitation" and invitation.label.startswith("invitation")
    assert invitation.deadline == date(2025, 10, 10)
    late = calls["open_late.md"]
    assert late.kind == "call" and late.contact is not None and late.contact.email == "miriam.osei@example.org"
    assert set(late.target_regions) >= {"Latin America", "Sub-Saharan Africa"}


def test_open_only_and_clock(services: Services) -> None:
    open_now = list_calls(services.store, today=TODAY, open_only=True, allowed_visibility=["public"])
    assert [Path(c.source).name for c in open_now.calls] == ["open_soon.md", "open_late.md"]
    assert all(c.expired is False for c in open_now.calls)
    later = list_calls(services.store, today=date(2026, 12, 16), open_only=True, allowed_visibility=["public"])
    assert [Path(c.source).name for c in later.calls] == ["open_late.md"]


def test_visibility_is_part_of_the_query(services: Services) -> None:
    public = _by_name(list_calls(services.store, today=TODAY, allowed_visibility=["public"]))
    assert "members_call.md" not in public
    members = _by_name(list_calls(services.store, today=TODAY, allowed_visibility=["public", "members"]))
    assert members["members_call.md"].days_left == (date(2027, 2, 28) - TODAY).days
    assert "members_call.md" in _by_name(services.calls(open_only=True, today=TODAY))


def test_target_regions_in_any_language() -> None:
    assert target_regions("communes d'Afrique subsaharienne et du Maghreb") == ["Sub-Saharan Africa", "MENA"]
    assert target_regions("Kommunen in Lateinamerika") == ["Latin America"]
