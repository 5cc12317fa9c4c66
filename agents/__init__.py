"""Agents: planner → researcher → synthesizer → grounding check, wired as a llama-index Workflow.

The API and the CLI use :class:`Assistant` (``ask`` and ``factsheet``); the exports turn a fact
sheet into Markdown, DOCX or PDF. Import direction: agents → retrieval → core.

Names are resolved lazily: ``from agents.models import Answer`` must not pay for importing
llama-index (about a second), which only the workflow needs.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AgentEvent": "agents.models",
    "Answer": "agents.models",
    "Citation": "agents.models",
    "FactSheet": "agents.models",
    "FactSheetSection": "agents.models",
    "Plan": "agents.models",
    "Sentence": "agents.models",
    "Trace": "agents.models",
    "Assistant": "agents.workflow",
    "export_factsheet": "agents.export",
    "render_markdown": "agents.export",
}

__all__ = [
    "AgentEvent",
    "Answer",
    "Assistant",
    "Citation",
    "FactSheet",
    "FactSheetSection",
    "Plan",
    "Sentence",
    "Trace",
    "export_factsheet",
    "render_markdown",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agents' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
