"""The exchange finder and peers over a real small index (Qdrant Edge via Services)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from api.services import Services
from tests.conftest import make_settings

TODAY = date(2026, 11, 25)

DOCS = {
    "kisumu.md": """---
visibility: public
---
# Report: Regional Workshop on Flood Resilience and Nature-based Solutions, Kisumu, 12–14 May 2025

From 12 to 14 May 2025, participants from Kisumu and Mombasa (Kenya) and from Bonn met in Kisumu to exchange
experience on heavy rain, flooding and nature-based solutions. The workshop was hosted by the City of Kisumu.

## Results

- Kisumu restores 12 hectares of the Dunga wetland as a natural retention area against floods.

## Contacts

Grace Otieno, City of Kisumu, grace.otieno@kisumu-city.example
""",
    "accra.md": """---
visibility: public
---
# Report: Regional Workshop on Circular Economy and Waste Management, Accra, 4–6 March 2024

From 4 to 6 March 2024, delegations from Accra (Ghana) and Dortmund met in Accra to discuss waste collection,
recycling, composting and informal waste pickers.
""",
    "amman.md": """---
visibility: members
---
# Bericht: Workshop Hitzeaktionsplanung in Amman, 6.–8. November 2023

Vom 6.–8. November 2023 fand in Amman ein Workshop zur Hitzeaktionsplanung statt: Hitzewellen, Schatten,
Trinkwasser und Hitzewarnung. Es nahmen Fachleute aus Amman, Irbid und Mannheim teil.
""",
    "kiel.md": """---
visibility: public
---
# Einladung: 2. Netzwerktreffen „Grüner Wasserstoff in Hafenstädten“ am 3. und 4. Februar 2027 in Kiel

Die Landeshauptstadt Kiel lädt Agadir und Hamburg zum Netzwerktreffen über grünen Wasserstoff ein.
""",
}


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    root = tmp_path_factory.mktemp("exchanges")
    folder = root / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    services = Services(make_settings(root))
    report = services.ingest([folder])
    assert report.indexed == len(DOCS) and not report.failed
    yield services
    services.close()


def _names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [Path(s.source).name for ex in response.exchanges for s in ex.sources]


def test_finder_ranks_the_matching_exchange_first(services: Services) -> None:
    finder = services.exchange_finder
    response = finder.find("Unsere Stadt leidet unter Starkregen und sucht naturbasierte Lösungen", k=3, today=TODAY)
    assert response.exchanges, "the flood workshop must be found"
    top = response.exchanges[0]
    assert Path(top.sources[0].source).name == "kisumu.md"
    assert top.event_type == "workshop" and top.host == "Kisumu" and top.start == date(2025, 5, 12)
    assert {"Kisumu", "Mombasa", "Bonn"} <= set(top.cities) and "Kenya" in top.countries
    assert "nature-based-solutions" in top.matched_topics
    assert top.why and top.why[0].source.endswith("kisumu.md") and top.why[0].chunk_id
    assert any(c.email == "grace.otieno@kisumu-city.example" for c in top.contacts)
    waste = finder.find("Our landfill is full and we want to compost organic waste", k=3, today=TODAY)
    assert _names(waste)[0] == "accra.md"


def test_filters_run_in_the_query(services: Services) -> None:
    problem = "We look for exchanges on floods, waste and heat"
    by_region = services.find_exchanges(problem, region=["Westafrika", "Sub-Saharan Africa"], k=10)
    assert set(_names(by_region)) <= {"kisumu.md", "accra.md"}
    by_country = services.exchange_finder.find(problem, k=10, today=TODAY,
                                               filters=_filters(country=["Ghana"], since=2024))
    assert _names(by_country) == ["accra.md"]
    assert _names(services.exchange_finder.find(problem, k=10, today=TODAY, filters=_filters(since=2026))) == []


def _filters(**values):  # type: ignore[no-untyped-def]
    from retrieval.exchanges import ExchangeFilters

    return ExchangeFilters(**values)


def test_upcoming_events_only_on_request(services: Services) -> None:
    problem = "Grüner Wasserstoff im Hafen"
    past = services.exchange_finder.find(problem, k=10, today=TODAY, relative_cutoff=0.0)
    assert "kiel.md" not in _names(past), "a planned meeting is no past exchange"
    upcoming = services.exchange_finder.find(problem, k=10, today=TODAY, relative_cutoff=0.0,
                                             filters=_filters(include_upcoming=True))
    assert "kiel.md" in _names(upcoming)


def test_members_only_exchange_is_hidden_from_public_callers(services: Services) -> None:
    problem = "Wir wollen einen Hitzeaktionsplan aufstellen"
    finder = services.exchange_finder
    public = finder.find(problem, k=10, today=TODAY, allowed_visibility=["public"], relative_cutoff=0.0)
    assert "amman.md" not in _names(public)
    members = finder.find(problem, k=10, today=TODAY, allowed_visibility=["public", "members"])
    assert _names(members)[0] == "amman.md"
    assert finder.peers("Irbid", allowed_visibility=["public"]).peers == []


def test_peers_lists_cities_of_shared_exchanges(services: Services) -> None:
    response = services.peers("Kisumu")
    assert response.city == "Kisumu" and response.country == "Kenya"
    by_city = {p.city: p for p in response.peers}
    assert {"Mombasa", "Bonn"} <= set(by_city) and "Accra" not in by_city
    mombasa = by_city["Mombasa"]
    assert mombasa.country == "Kenya" and mombasa.exchanges == 1
    assert mombasa.events[0].event and mombasa.events[0].start == date(2025, 5, 12)
    assert "nature-based-solutions" in mombasa.shared_topics
    assert services.peers("Köln").peers == [] and services.peers("Köln").city == "Cologne"


def test_http_endpoints_apply_the_callers_tier(services: Services) -> None:
    from fastapi.testclient import TestClient

    from api.deps import ApiSettings
    from api.main import create_app

    api_settings = ApiSettings(_env_file=None, api_keys="member:test-member-key-0002", rate_limit_per_minute=0,  # type: ignore[call-arg]
                               anonymous_access=True)
    app = create_app(services.settings, services, api_settings=api_settings)
    member = {"Authorization": "Bearer test-member-key-0002"}
    with TestClient(app) as client:
        q = {"q": "Wir wollen einen Hitzeaktionsplan aufstellen", "k": 10}
        anonymous = client.get("/exchanges", params=q)
        assert anonymous.status_code == 200
        assert all(not s["source"].endswith("amman.md") for ex in anonymous.json()["exchanges"] for s in ex["sources"])
        as_member = client.get("/exchanges", params=q, headers=member).json()
        assert as_member["exchanges"][0]["sources"][0]["source"].endswith("amman.md")
        filtered = client.get("/exchanges", params={"q": "floods and waste", "country": "Ghana", "k": 10}).json()
        assert [s["source"].rsplit("/", 1)[-1] for ex in filtered["exchanges"] for s in ex["sources"]] == ["accra.md"]
        peers = client.get("/peers/Kisumu").json()
        assert peers["city"] == "Kisumu" and "Mombasa" in [p["city"] for p in peers["peers"]]
        assert client.get("/peers/Irbid").json()["peers"] == []
        assert [p["city"] for p in client.get("/peers/Irbid", headers=member).json()["peers"]] == ["Amman", "Mannheim"]
        calls = client.get("/calls", params={"open": "true"})
        assert calls.status_code == 200 and calls.json()["open_only"] is True
