"""Print pyproject.toml's dependencies (plus the named extras), one requirement per line.

Why: the Docker build installs the dependencies in their own layer *before*
the source is copied, so editing code does not reinstall ~2 GB of wheels.
``pip install .`` alone cannot do that: it needs the source to build.

    python deploy/requirements.py pyproject.toml "local-llm,test" > requirements.txt
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path


def requirements(pyproject: Path, extras: str = "") -> list[str]:
    """The ``[project] dependencies`` and the requirements of each comma-separated extra."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    deps = list(project.get("dependencies", []))
    for extra in (e.strip() for e in extras.split(",")):
        if not extra:
            continue
        if extra not in optional:
            raise SystemExit(f"unknown extra {extra!r}; pyproject.toml has: {', '.join(sorted(optional))}")
        deps += optional[extra]
    return deps


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit("usage: requirements.py PYPROJECT [EXTRA,EXTRA]")
    print("\n".join(requirements(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) == 3 else "")))
