"""Start-up warm-up: the app loads the search path (and the extractive answer pipeline) before serving."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.services import Services
from tests.api.conftest import api_settings, settings_for


def test_app_start_builds_the_search_and_answer_pipeline(tmp_path: Path) -> None:
    services = Services(settings_for(tmp_path))
    try:
        with TestClient(create_app(services=services, api_settings=api_settings())) as client:
            assert {"searcher", "assistant"} <= set(vars(services))  # cached_property values are built
            assert client.post("/search", json={"query": "Starkregen", "k": 3}).status_code == 200
    finally:
        services.close()


def test_warm_up_off_leaves_everything_lazy(tmp_path: Path) -> None:
    services = Services(settings_for(tmp_path, warm_up=False))
    try:
        with TestClient(create_app(services=services, api_settings=api_settings())):
            assert "assistant" not in vars(services)
    finally:
        services.close()


def test_failed_warm_up_is_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    services = Services(settings_for(tmp_path))
    try:
        services.open_index()

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("index gone")

        monkeypatch.setattr(services.searcher, "search", broken)
        with caplog.at_level(logging.WARNING, logger="api.services"):
            assert services.warm_up() >= 0
        assert "warm-up failed" in caplog.text and "index gone" in caplog.text
    finally:
        services.close()
