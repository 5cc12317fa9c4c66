"""Dependency audit (scripts/audit.sh): fails on known vulnerabilities, skips when no advisory database answers.

The real audit needs PyPI's JSON API or api.osv.dev; machines behind a package mirror reach neither,
and pip-audit then reports every package as "not found" while claiming a clean result. The script's
verdicts are tested offline with a stand-in ``pip_audit`` module; the real run is the last test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "audit.sh"

FAKE = '''
import json, sys
args = sys.argv[1:]
if "--version" in args:
    print("pip-audit 0.0 (fake)"); sys.exit(0)
service = args[args.index("--vulnerability-service") + 1]
out = args[args.index("--output") + 1]
mode = {mode!r}
if mode == "unreachable" or (mode == "osv-ok" and service == "pypi"):
    deps = [{{"name": "requests", "version": "2.0", "skip_reason": "Dependency not found on PyPI"}}]
elif mode == "network" :
    sys.stderr.write("requests.exceptions.ConnectionError: Max retries exceeded"); sys.exit(1)
elif mode == "vulnerable":
    deps = [{{"name": "requests", "version": "2.0", "vulns": [{{"id": "GHSA-x", "fix_versions": ["2.32.0"]}}]}}]
else:
    deps = [{{"name": "requests", "version": "2.32.3", "vulns": []}}, {{"name": "ccassist", "version": "0.1.0",
             "skip_reason": "Dependency not found on PyPI"}}]
json.dump({{"dependencies": deps, "fixes": []}}, open(out, "w"))
sys.exit(1 if mode == "vulnerable" else 0)
'''


def _run(tmp_path: Path, mode: str) -> subprocess.CompletedProcess[str]:
    pkg = tmp_path / mode / "pip_audit"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text(FAKE.format(mode=mode))
    env = {**os.environ, "PYTHONPATH": str(pkg.parent), "PYTHON": sys.executable}
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("mode", "code", "first_line"),
    [
        ("clean", 0, "audit: ok via pypi"),
        ("osv-ok", 0, "audit: ok via osv"),
        ("vulnerable", 1, "audit: FAILED via pypi: 1 known vulnerabilities"),
        ("unreachable", 3, "audit: skipped (no advisory database reachable"),
        ("network", 3, "audit: skipped (no advisory database reachable"),
    ],
)
def test_audit_script_verdicts(tmp_path: Path, mode: str, code: int, first_line: str) -> None:
    done = _run(tmp_path, mode)
    assert done.returncode == code, done.stdout + done.stderr
    assert done.stdout.startswith(first_line), done.stdout


def test_dependency_audit() -> None:
    """The real audit of this environment: a failure means a known vulnerability; no network means skip."""
    try:
        done = subprocess.run(["bash", str(SCRIPT)], env={**os.environ, "PYTHON": sys.executable, "AUDIT_TIMEOUT": "240"},
                              capture_output=True, text=True, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        pytest.skip("pip-audit did not finish in time (advisory service unreachable?)")
    if done.returncode == 3:
        pytest.skip(done.stdout.strip())
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
